// The supervisor recording from our fakecam over loopback RTSP (TCP and UDP, H.264, H.265,
// B-frames, AAC), checked frame by frame against the clip it serves: every recorded video frame
// has the clip's size in the clip's order (key frames carry the in-band parameter sets on top).
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "base/clock.h"
#include "base/fs.h"
#include "db/video_index.h"
#include "fakecam/cameras.h"
#include "fakecam/clip.h"
#include "ingest/supervisor.h"
#include "mp4/demux.h"
#include "rtsp/server.h"
#include "rtsp/udp_batch.h"
#include "rtsp/udp_poller.h"
#include "storage/engine.h"
#include "testutil/temp_dir.h"

namespace nightjar::ingest {
namespace {

namespace asio = boost::asio;

std::string ClipsDir() {
  const char* d = std::getenv("NIGHTJAR_CLIPS");
  return d ? d : "";
}

struct ClipFrames {
  std::vector<int64_t> sizes;
  std::vector<bool> keys;
  std::vector<int64_t> pts;  // relative to the first sample's dts
  size_t audio_samples = 0;
  double seconds = 0;  // the video track's duration
};

ClipFrames DemuxClip(const std::string& path) {
  PosixFs fs;
  auto bytes = ReadFileToString(fs, path, 1 << 30);
  EXPECT_TRUE(bytes);
  auto file =
      mp4::DemuxMp4(std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  EXPECT_TRUE(file) << file.error().ToString();
  ClipFrames c;
  for (const auto& t : file->tracks) {
    if (t.kind != mp4::DemuxedTrack::Kind::kVideo) {
      c.audio_samples += t.samples.size();
      continue;
    }
    c.seconds = static_cast<double>(t.duration) / t.timescale;
    for (const auto& s : t.samples) {
      c.sizes.push_back(s.size);
      c.keys.push_back(s.key);
      c.pts.push_back(s.pts);
    }
  }
  return c;
}

TEST(PlanReconnectTest, AtOnceAfterASessionThatDeliveredThenBackoff) {
  // A camera that never answers: 1 s, 2 s, 4 s ...
  EXPECT_EQ(PlanReconnect(0, false, false).backoff_steps, 1);
  EXPECT_EQ(PlanReconnect(1, false, false).backoff_steps, 2);
  EXPECT_EQ(PlanReconnect(2, false, false).backoff_steps, 3);
  // A stall (or any end) after frames arrived: at once.
  ReconnectPlan p = PlanReconnect(0, true, false);
  EXPECT_EQ(p.backoff_steps, 0);
  EXPECT_EQ(p.failures, 1);
  // ... but not twice in a row: a camera that keeps failing after a frame or two backs off.
  EXPECT_EQ(PlanReconnect(p.failures, true, false).backoff_steps, 1);
  // After failed attempts, a session that delivered frames starts the count over.
  EXPECT_EQ(PlanReconnect(5, true, false).failures, 2);
  // A healthy session (frames for BackoffOptions::healthy_after) resets it.
  p = PlanReconnect(7, true, true);
  EXPECT_EQ(p.failures, 1);
  EXPECT_EQ(p.backoff_steps, 0);
}

// An observer that says it is watched live when told to (as the live view does while a
// WebSocket or LL-HLS viewer is there).
class Viewer : public media::FrameObserver {
 public:
  void OnFrame(const media::Frame&, const media::TrackConfig*) override {}
  void OnDisconnect() override {}
  bool Watched() const override { return watched.load(); }
  std::atomic<bool> watched{false};
};

class Recording : public ::testing::Test {
 protected:
  struct Result {
    std::vector<db::VideoSample> samples;  // every recorded video frame, in order
    int64_t audio_samples = 0;
    int64_t recordings = 0;
    StreamStats stats;
  };

  // Serves `clip` as /cam1/<clip> and records it until `frames` video frames arrived. With an
  // observer, `progress` is called as frames come in (every 50 ms).
  Result Record(const std::string& clip, rtsp::TransportKind transport, uint64_t frames,
                const std::shared_ptr<media::FrameObserver>& observer = nullptr,
                const std::function<void(const StreamStats&)>& progress = {},
                bool udp_gso = false) {
    if (ClipsDir().empty()) return {};
    PosixFs fs;
    RealClock clock;
    auto loaded = fakecam::LoadClip(fs, ClipsDir() + "/" + clip + ".mp4");
    EXPECT_TRUE(loaded);
    asio::io_context io;
    io_ = &io;
    rtsp::ServerOptions so;
    so.endpoint = {asio::ip::make_address("127.0.0.1"), 0};
    so.udp_gso = udp_gso;
    rtsp::Server server(io, so, std::make_shared<fakecam::CameraResolver>(1, std::vector{*loaded}));
    EXPECT_TRUE(server.Start());
    auto work = asio::make_work_guard(io);
    std::thread io_thread([&] { io.run(); });

    storage::EngineOptions eo;
    eo.checkpoint_interval = Duration90k::FromSeconds(1);
    auto engine = storage::Engine::Open(fs, clock, dir_.path(), eo);
    EXPECT_TRUE(engine) << engine.error().ToString();
    Result r;
    {
      Supervisor sup(io, **engine, clock, {});
      CameraConfig cam;
      cam.id = "cam1";
      cam.url = "rtsp://127.0.0.1:" + std::to_string(server.port()) + "/cam1/" + clip;
      cam.transport = transport == rtsp::TransportKind::kUdp ? config::Transport::kUdp
                                                             : config::Transport::kTcp;
      EXPECT_TRUE(sup.AddCamera(cam));
      if (observer) {
        EXPECT_TRUE(sup.AddObserver("cam1", db::StreamKind::kMain, observer));
      }
      for (int i = 0; i < 600 && sup.Stats()[0].frames < frames; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (progress) progress(sup.Stats()[0]);
      }
      r.stats = sup.Stats()[0];
      sup.StopAll();
    }
    EXPECT_TRUE((*engine)->Checkpoint());
    (*engine)->WithDb([&](db::Database& d) {
      auto streams = d.ListStreams();
      EXPECT_TRUE(streams && streams->size() == 1);
      auto recs = d.ListRecordings((*streams)[0].id, Time90k(0), Time90k(INT64_MAX / 2));
      EXPECT_TRUE(recs);
      for (const auto& rec : *recs) {
        ++r.recordings;
        r.audio_samples += rec.audio_samples;
        auto index = d.GetRecordingIndex(rec.composite_id);
        EXPECT_TRUE(index);
        db::VideoIndexIterator it(index->video_index, rec.flags & db::kRecordingHasCto);
        while (true) {
          auto more = it.Next();
          EXPECT_TRUE(more);
          if (!more || !*more) break;
          r.samples.push_back(it.sample());
        }
      }
      return 0;
    });
    engine->reset();
    server.Stop();
    work.reset();
    io.stop();
    io_thread.join();
    io_ = nullptr;
    return r;
  }

  // Every recorded frame matches the clip at the same position (looping), starting at a key
  // frame; key frames are larger by the same parameter-set overhead each time.
  static void ExpectMatchesClip(const Result& r, const ClipFrames& clip) {
    ASSERT_FALSE(r.samples.empty());
    ASSERT_TRUE(r.samples[0].key);
    const size_t n = clip.sizes.size();
    std::optional<int64_t> key_overhead;
    std::optional<size_t> start;
    for (size_t k = 0; k < n && !start; ++k) {
      if (!clip.keys[k]) continue;
      bool ok = true;
      for (size_t i = 1; i < std::min<size_t>(r.samples.size(), 40) && ok; ++i) {
        if (!r.samples[i].key) ok = r.samples[i].bytes == clip.sizes[(k + i) % n];
      }
      if (ok) start = k;
    }
    ASSERT_TRUE(start) << "the recorded frames match no position in the clip";
    for (size_t i = 0; i < r.samples.size(); ++i) {
      const size_t c = (*start + i) % n;
      ASSERT_EQ(r.samples[i].key, clip.keys[c]) << "frame " << i;
      if (!clip.keys[c]) {
        ASSERT_EQ(r.samples[i].bytes, clip.sizes[c]) << "frame " << i;
        continue;
      }
      const int64_t overhead = r.samples[i].bytes - clip.sizes[c];
      if (!key_overhead) key_overhead = overhead;
      ASSERT_EQ(overhead, *key_overhead) << "key frame " << i;
      ASSERT_GE(overhead, 0);
    }
  }

  // Watched from frame 50 to 110, and again from 160; records the stats' low_latency changes.
  static std::function<void(const StreamStats&)> Toggle(Viewer& viewer, std::vector<bool>& seen) {
    return [&viewer, &seen](const StreamStats& s) {
      viewer.watched = (s.frames >= 50 && s.frames < 110) || s.frames >= 160;
      if (seen.empty() || seen.back() != s.low_latency) seen.push_back(s.low_latency);
    };
  }

  static void ExpectSwitchedAndWhole(const Result& r, const std::vector<bool>& seen) {
    EXPECT_GE(r.samples.size(), 150u);
    ExpectMatchesClip(r, DemuxClip(ClipsDir() + "/main.mp4"));
    EXPECT_EQ(r.recordings, 1);  // one recording: no gap anywhere
    // Recorded only, then watched, then not, then watched again.
    EXPECT_EQ(seen, (std::vector<bool>{false, true, false, true}));
  }

  testutil::TempDir dir_;

  asio::io_context* io_ = nullptr;  // Record's, while it runs
};

TEST_F(Recording, H264OverTcpMatchesTheClipFrameByFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto r = Record("main", rtsp::TransportKind::kTcp, 150);
  EXPECT_GE(r.samples.size(), 100u);
  ExpectMatchesClip(r, DemuxClip(ClipsDir() + "/main.mp4"));
}

TEST_F(Recording, H264OverUdpMatchesTheClipFrameByFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto r = Record("sub", rtsp::TransportKind::kUdp, 40);
  EXPECT_GE(r.samples.size(), 20u);
  ExpectMatchesClip(r, DemuxClip(ClipsDir() + "/sub.mp4"));
}

// The camera's packets coalesced as a NIC's receive offload (GRO) hands them over: fakecam sends
// each run of equal-sized packets with UDP_SEGMENT, and on loopback the client's UDP_GRO socket
// gets the run as one buffer to split at the segment boundaries (rtsp::DrainUdp). Every RTP
// packet must come out whole: the recording matches the clip frame by frame, nothing lost.
TEST_F(Recording, H264OverUdpWithReceiveOffloadMatchesTheClipFrameByFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto r = Record("main", rtsp::TransportKind::kUdp, 100, nullptr, {}, /*udp_gso=*/true);
  EXPECT_GE(r.samples.size(), 60u);
  EXPECT_EQ(r.stats.packets_lost, 0u);
  EXPECT_EQ(r.stats.frames_dropped, 0u);
  EXPECT_EQ(r.stats.dropped_packets, 0u);
  ExpectMatchesClip(r, DemuxClip(ClipsDir() + "/main.mp4"));
}

// Viewers come and go while the stream records: the client switches between batched reads and
// low latency each time (the stream's stats say which), and not one frame is lost or reordered
// across the switches.
// A stream only recorded over UDP is polled at a pace for a high rate until its own is measured
// (over a second of drains), then at the interval its rate and the receive buffer the kernel
// granted allow (rtsp::RecordingPollInterval: 200 ms for this 4 Mbit/s clip with the 2 MiB a
// process that may raise its buffers gets); nothing is lost across the change.
TEST_F(Recording, ARecordedUdpStreamIsPolledAtThePaceItsRateAllows) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  const int probe = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(probe, 0);
  const int granted = rtsp::PrepareUdpSocket(probe, 2 << 20, true).rcvbuf_bytes;
  ::close(probe);
  const ClipFrames clip = DemuxClip(ClipsDir() + "/main.mp4");
  int64_t bytes = 0;
  for (int64_t b : clip.sizes) bytes += b;
  ASSERT_GT(clip.seconds, 0);
  const rtsp::ClientOptions defaults;
  const auto unmeasured = rtsp::RecordingPollInterval(
      -1, granted, defaults.udp_poll_interval_recording, defaults.udp_poll_interval);
  const auto measured =
      rtsp::RecordingPollInterval(static_cast<double>(bytes) / clip.seconds * 1.05, granted,
                                  defaults.udp_poll_interval_recording, defaults.udp_poll_interval);

  std::vector<std::map<std::chrono::milliseconds, size_t>> seen;  // each change once
  auto r = Record("main", rtsp::TransportKind::kUdp, 150, nullptr, [&](const StreamStats&) {
    auto poller = rtsp::UdpPoller::For(io_->get_executor());
    ASSERT_TRUE(poller.has_value());
    auto watched = (*poller)->stats().watched;
    if (!watched.empty() && (seen.empty() || seen.back() != watched)) seen.push_back(watched);
  });
  ASSERT_FALSE(seen.empty());
  using Watched = std::map<std::chrono::milliseconds, size_t>;  // the clip has no audio
  EXPECT_EQ(seen.front(), (Watched{{unmeasured, 1}})) << "first polled at " << unmeasured.count();
  EXPECT_EQ(seen.back(), (Watched{{measured, 1}})) << "then at " << measured.count();
  EXPECT_EQ(r.stats.packets_lost, 0u);
  EXPECT_EQ(r.stats.frames_dropped, 0u);
  ExpectMatchesClip(r, clip);
}

TEST_F(Recording, ViewersComingAndGoingOverTcpLoseNoFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto viewer = std::make_shared<Viewer>();
  std::vector<bool> seen;  // the stats' low_latency, each change once
  auto r = Record("main", rtsp::TransportKind::kTcp, 200, viewer, Toggle(*viewer, seen));
  ExpectSwitchedAndWhole(r, seen);
}

TEST_F(Recording, ViewersComingAndGoingOverUdpLoseNoFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto viewer = std::make_shared<Viewer>();
  std::vector<bool> seen;
  auto r = Record("main", rtsp::TransportKind::kUdp, 200, viewer, Toggle(*viewer, seen));
  ExpectSwitchedAndWhole(r, seen);
}

TEST_F(Recording, H265) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto r = Record("h265", rtsp::TransportKind::kTcp, 90);
  EXPECT_GE(r.samples.size(), 50u);
  ExpectMatchesClip(r, DemuxClip(ClipsDir() + "/h265.mp4"));
}

TEST_F(Recording, BFramesGetDecodeTimesAndCompositionOffsets) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto r = Record("bframes", rtsp::TransportKind::kTcp, 90);
  const ClipFrames clip = DemuxClip(ClipsDir() + "/bframes.mp4");
  ExpectMatchesClip(r, clip);
  // Presentation order recovered: dts + cto reproduces the clip's pts differences.
  bool any_cto = false;
  for (const auto& s : r.samples) any_cto |= s.cto.ticks() > 0;
  EXPECT_TRUE(any_cto);
  for (size_t i = 1; i < r.samples.size(); ++i) EXPECT_GT(r.samples[i].duration.ticks(), 0);
}

TEST_F(Recording, AacAudioIsRecordedBesideVideo) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  auto r = Record("audio", rtsp::TransportKind::kTcp, 90);
  ExpectMatchesClip(r, DemuxClip(ClipsDir() + "/audio.mp4"));
  EXPECT_GT(r.audio_samples, 100);  // ~47 AAC frames a second at 48 kHz
}

// Cameras come and go while others record: removing one finalizes its recording, the other's
// run continues unbroken.
TEST_F(Recording, CamerasAreAddedAndRemovedWithoutTouchingOthers) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  PosixFs fs;
  RealClock clock;
  auto clip = fakecam::LoadClip(fs, ClipsDir() + "/sub.mp4");
  ASSERT_TRUE(clip);
  asio::io_context io;
  rtsp::ServerOptions so;
  so.endpoint = {asio::ip::make_address("127.0.0.1"), 0};
  rtsp::Server server(io, so, std::make_shared<fakecam::CameraResolver>(2, std::vector{*clip}));
  ASSERT_TRUE(server.Start());
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  auto engine = storage::Engine::Open(fs, clock, dir_.path(), {});
  ASSERT_TRUE(engine);
  {
    Supervisor sup(io, **engine, clock, {});
    auto cam = [&](const char* id) {
      CameraConfig c;
      c.id = id;
      c.url = "rtsp://127.0.0.1:" + std::to_string(server.port()) + "/" + id + "/sub";
      return c;
    };
    auto frames = [&](const char* id) -> uint64_t {
      for (const auto& s : sup.Stats()) {
        if (s.camera == id) return s.frames;
      }
      return 0;
    };
    auto wait_frames = [&](const char* id, uint64_t n) {
      for (int i = 0; i < 400 && frames(id) < n; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      EXPECT_GE(frames(id), n) << id;
    };
    ASSERT_TRUE(sup.AddCamera(cam("cam1")));
    wait_frames("cam1", 20);
    ASSERT_TRUE(sup.AddCamera(cam("cam2")));
    EXPECT_EQ(sup.AddCamera(cam("cam2")).error().code(), ErrorCode::kAlreadyExists);
    wait_frames("cam2", 20);
    ASSERT_TRUE(sup.RemoveCamera("cam2"));
    EXPECT_EQ(sup.RemoveCamera("cam2").error().code(), ErrorCode::kNotFound);
    const uint64_t before = frames("cam1");
    wait_frames("cam1", before + 20);  // cam1 carries on
    ASSERT_EQ(sup.Stats().size(), 1u);
    EXPECT_EQ(sup.Stats()[0].sessions, 1u);
    EXPECT_EQ(sup.Stats()[0].reconnects, 0u);
    sup.StopAll();
  }
  (*engine)->WithDb([&](db::Database& d) {
    for (const char* id : {"cam1", "cam2"}) {
      auto c = d.GetCameraByShortName(id);
      EXPECT_TRUE(c) << id;
      auto streams = d.ListStreams(c->id);
      EXPECT_TRUE(streams && streams->size() == 1u);
      auto recs = d.ListRecordings((*streams)[0].id, Time90k(0), Time90k(INT64_MAX / 2));
      EXPECT_TRUE(recs && !recs->empty()) << id;
      // One run per camera: nothing cut cam1's recording when cam2 came and went.
      for (const auto& r : *recs) EXPECT_EQ(r.run_start_id, recs->front().composite_id) << id;
    }
    return 0;
  });
  engine->reset();
  server.Stop();
  work.reset();
  io.stop();
  io_thread.join();
}

}  // namespace
}  // namespace nightjar::ingest
