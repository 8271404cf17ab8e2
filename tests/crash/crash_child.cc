// The child of the crash test (tests/integration/test_crash.py): records a clip's frames into a
// data directory through the real storage engine until it is killed, and verifies afterwards.
//
//   crash_child record DATA CLIP CHECKPOINT_MS RETAIN_BYTES SPEED
//       Feeds the clip's video frames in a loop at SPEED x real time into stream cam1/main
//       (4 s recordings), checkpoints every CHECKPOINT_MS of real time and applies retention,
//       printing "durable N" once the first N frames of this run are known to be durable.
//   crash_child verify DATA CLIP
//       Opens the engine (which recovers), checks every recording's bytes against the clip
//       frames it must hold, and prints "recovered ..." and "last_run_frames N".
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "base/clock.h"
#include "base/fs.h"
#include "db/video_index.h"
#include "mp4/demux.h"
#include "storage/engine.h"

namespace nightjar {
namespace {

struct Clip {
  std::string bytes;
  std::vector<storage::Bytes> frames;
  std::vector<bool> keys;
  std::vector<uint8_t> avcc;
  int64_t frame_duration_90k = 3000;
};

Result<Clip> LoadClip(Fs& fs, const std::string& path) {
  Clip c;
  NJ_TRY(c.bytes, ReadFileToString(fs, path, 1 << 30));
  std::span<const uint8_t> file(reinterpret_cast<const uint8_t*>(c.bytes.data()), c.bytes.size());
  NJ_TRY(mp4::DemuxedFile demuxed, mp4::DemuxMp4(file));
  for (const auto& t : demuxed.tracks) {
    if (t.kind != mp4::DemuxedTrack::Kind::kVideo) continue;
    c.avcc = t.codec_config;
    c.frame_duration_90k = static_cast<int64_t>(t.samples[0].duration) * 90000 / t.timescale;
    for (const auto& s : t.samples) {
      auto data = file.subspan(s.offset, s.size);
      c.frames.push_back(std::make_shared<std::vector<uint8_t>>(data.begin(), data.end()));
      c.keys.push_back(s.key);
    }
    return c;
  }
  return Err(ErrorCode::kNotFound, path + " has no video track");
}

storage::EngineOptions Options() {
  storage::EngineOptions o;
  o.start_maintenance_thread = false;
  o.recording_duration = Duration90k::FromSeconds(4);
  return o;
}

Result<int64_t> SetUp(storage::Engine& e, int64_t retain_bytes) {
  NJ_TRY(int64_t cam, e.EnsureCamera("cam1", "crash test"));
  return e.EnsureStream(cam, db::StreamKind::kMain, retain_bytes);
}

int Record(const std::string& data, const Clip& clip, int checkpoint_ms, int64_t retain,
           double speed) {
  PosixFs fs;
  RealClock real;
  // Wall time follows media time from where the last run ended (the test runs faster than real
  // time; wall ranges of runs must not overlap).
  SimulatedClock clock(real.Now());
  auto engine = storage::Engine::Open(fs, clock, data, Options());
  if (!engine) {
    std::fprintf(stderr, "open: %s\n", engine.error().ToString().c_str());
    return 1;
  }
  storage::Engine& e = **engine;
  auto stream = SetUp(e, retain);
  if (!stream) return 1;
  auto last_end = e.WithDb([&](db::Database& d) { return d.GetStreamUsage(*stream); });
  if (last_end && last_end->newest_end && *last_end->newest_end > clock.Now()) {
    clock.SetWall(*last_end->newest_end + Duration90k::FromSeconds(1));
  }
  db::SampleEntryRow se;
  se.kind = db::SampleEntryKind::kVideo;
  se.codec = "avc1.640028";
  se.config = clip.avcc;
  se.width = 1920;
  se.height = 1080;
  auto entry = e.SampleEntry(se);
  auto rec = e.Record(*stream, 0);
  if (!entry || !rec) return 1;
  storage::Recorder& r = (*rec)->recorder();
  r.SetVideoSampleEntry(*entry);
  std::printf("started\n");
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  auto next_checkpoint = start + std::chrono::milliseconds(checkpoint_ms);
  for (int64_t i = 0;; ++i) {
    const size_t k = static_cast<size_t>(i) % clip.frames.size();
    storage::Frame f;
    f.media_time = i * clip.frame_duration_90k;
    f.key = clip.keys[k];
    f.data = clip.frames[k];
    r.OnFrame(f, clock.Now());
    clock.Advance(Duration90k(clip.frame_duration_90k));
    const auto due =
        start + std::chrono::microseconds(static_cast<int64_t>(
                    static_cast<double>(i + 1) * clip.frame_duration_90k * 1e6 / 90000 / speed));
    std::this_thread::sleep_until(due);
    if (std::chrono::steady_clock::now() >= next_checkpoint) {
      const uint64_t recorded = r.frames_recorded();
      if (auto ok = e.Checkpoint(); !ok) {
        std::fprintf(stderr, "checkpoint: %s\n", ok.error().ToString().c_str());
        return 1;
      }
      std::printf("durable %llu\n", static_cast<unsigned long long>(recorded));
      std::fflush(stdout);
      (void)e.ApplyRetention();
      next_checkpoint += std::chrono::milliseconds(checkpoint_ms);
    }
  }
}

// Every recording must hold a contiguous run of clip frames; each run starts at clip frame 0.
int Verify(const std::string& data, const Clip& clip) {
  PosixFs fs;
  RealClock clock;
  auto engine = storage::Engine::Open(fs, clock, data, Options());
  if (!engine) {
    std::fprintf(stderr, "open: %s\n", engine.error().ToString().c_str());
    return 1;
  }
  storage::Engine& e = **engine;
  const auto& rep = e.recovery();
  std::printf("recovered %lld discarded %lld deleting %lld unknown %zu\n",
              static_cast<long long>(rep.recovered_from_checkpoint),
              static_cast<long long>(rep.discarded_writing),
              static_cast<long long>(rep.finished_deleting), rep.unknown_files.size());
  if (!rep.unknown_files.empty()) return 1;
  auto rows = e.WithDb([&](db::Database& d) -> Result<std::vector<db::RecordingRow>> {
    NJ_TRY(auto streams, d.ListStreams());
    if (streams.empty()) return std::vector<db::RecordingRow>{};
    return d.ListRecordings(streams[0].id, Time90k(INT64_MIN / 4), Time90k(INT64_MAX / 4));
  });
  if (!rows) return 1;
  std::map<int64_t, size_t> next_frame_of_run;  // run_start_id -> clip position
  int64_t last_run = 0, last_run_frames = 0;
  for (const db::RecordingRow& row : *rows) {
    if (row.state != db::RecordingState::kWritten) {
      std::fprintf(stderr, "recording %llx is not WRITTEN after recovery\n",
                   static_cast<unsigned long long>(row.composite_id));
      return 1;
    }
    auto index = e.WithDb([&](db::Database& d) { return d.GetRecordingIndex(row.composite_id); });
    auto file = ReadFileToString(
        fs, data + "/sample/" + storage::SampleFileDir::FileName(row.composite_id), 1 << 30);
    if (!index || !file) return 1;
    // Retention may have removed a run's first recordings: find where this one starts.
    size_t pos;
    if (auto it = next_frame_of_run.find(row.run_start_id); it != next_frame_of_run.end()) {
      pos = it->second;
    } else {
      pos = row.composite_id == row.run_start_id ? 0 : SIZE_MAX;
    }
    db::VideoIndexIterator it(index->video_index, false);
    size_t offset = 0;
    int64_t n = 0;
    while (true) {
      auto more = it.Next();
      if (!more) return 1;
      if (!*more) break;
      const auto& s = it.sample();
      if (pos == SIZE_MAX) {
        // Locate the first frame in the clip by content (retention took the run's start).
        for (size_t k = 0; k < clip.frames.size(); ++k) {
          if (clip.frames[k]->size() == static_cast<size_t>(s.bytes) &&
              std::memcmp(clip.frames[k]->data(), file->data(), s.bytes) == 0) {
            pos = k;
            break;
          }
        }
        if (pos == SIZE_MAX) return 1;
      }
      const auto& want = *clip.frames[pos % clip.frames.size()];
      if (static_cast<size_t>(s.bytes) != want.size() ||
          std::memcmp(file->data() + offset, want.data(), want.size()) != 0) {
        std::fprintf(stderr, "recording %llx frame %lld differs from clip frame %zu\n",
                     static_cast<unsigned long long>(row.composite_id), static_cast<long long>(n),
                     pos % clip.frames.size());
        return 1;
      }
      offset += want.size();
      ++pos;
      ++n;
    }
    next_frame_of_run[row.run_start_id] = pos;
    if (row.run_start_id >= last_run) {
      if (row.run_start_id > last_run) last_run_frames = 0;
      last_run = row.run_start_id;
      last_run_frames += n;
    }
  }
  std::printf("recordings %zu last_run_frames %lld\n", rows->size(),
              static_cast<long long>(last_run_frames));
  return 0;
}

}  // namespace
}  // namespace nightjar

int main(int argc, char** argv) {
  using namespace nightjar;
  if (argc < 4) {
    std::fprintf(stderr, "usage: crash_child record|verify DATA CLIP ...\n");
    return 2;
  }
  std::string mode = argv[1], data = argv[2];
  PosixFs fs;
  auto clip = LoadClip(fs, argv[3]);
  if (!clip) {
    std::fprintf(stderr, "%s\n", clip.error().ToString().c_str());
    return 2;
  }
  if (mode == "record" && argc == 7) {
    return Record(data, *clip, std::atoi(argv[4]), std::atoll(argv[5]), std::atof(argv[6]));
  }
  if (mode == "verify") return Verify(data, *clip);
  std::fprintf(stderr, "bad arguments\n");
  return 2;
}
