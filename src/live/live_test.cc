// The live buffer, LL-HLS window and WebSocket feed, fed with the frames of a real clip as the
// streamer would deliver them.
#include "live/live_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "base/fs.h"
#include "codec/sei.h"
#include "live/hls_live.h"
#include "live/live_feed.h"
#include "mp4/box_reader.h"
#include "mp4/demux.h"
#include "mp4/ts_mux.h"

namespace nightjar::live {
namespace {

std::string ClipsDir() {
  const char* d = std::getenv("NIGHTJAR_CLIPS");
  return d ? d : "";
}

// The clip's frames in arrival order (video by decode time, audio interleaved by time), with
// the configurations the depacketizer would attach.
struct Clip {
  media::TrackConfig video, audio;
  struct Item {
    media::Frame frame;
    int64_t time90;
  };
  std::vector<Item> items;
};

Clip LoadClip(const std::string& name) {
  PosixFs fs;
  Clip c;
  auto bytes = ReadFileToString(fs, ClipsDir() + "/" + name, 1 << 30);
  EXPECT_TRUE(bytes) << name;
  if (!bytes) return c;
  auto file =
      mp4::DemuxMp4(std::span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  EXPECT_TRUE(file) << name;
  if (!file) return c;
  for (const auto& t : file->tracks) {
    const bool video = t.kind == mp4::DemuxedTrack::Kind::kVideo;
    if (t.kind == mp4::DemuxedTrack::Kind::kOther) continue;
    media::TrackConfig& cfg = video ? c.video : c.audio;
    cfg.kind = video ? media::TrackConfig::Kind::kVideo : media::TrackConfig::Kind::kAudio;
    cfg.codec = video ? (t.format == "avc1" ? "avc1.640028" : "hvc1.1.6.L120.90") : "mp4a.40.2";
    cfg.config = t.codec_config;
    cfg.width = t.width;
    cfg.height = t.height;
    cfg.clock_rate = video ? 90000 : t.sample_rate;
    cfg.channels = t.channels;
    for (const auto& s : t.samples) {
      media::Frame f;
      f.track = video ? media::Track::kVideo : media::Track::kAudio;
      f.key = s.key;
      f.media_time = video ? s.dts * 90000 / t.timescale : s.dts * cfg.clock_rate / t.timescale;
      f.cto = video ? static_cast<int32_t>((s.pts - s.dts) * 90000 / t.timescale) : 0;
      f.data = std::make_shared<const std::vector<uint8_t>>(
          bytes->begin() + static_cast<ptrdiff_t>(s.offset),
          bytes->begin() + static_cast<ptrdiff_t>(s.offset + s.size));
      c.items.push_back({std::move(f), s.dts * 90000 / t.timescale});
    }
  }
  std::stable_sort(c.items.begin(), c.items.end(),
                   [](const auto& a, const auto& b) { return a.time90 < b.time90; });
  return c;
}

// Feeds items [begin, end) of the clip; configurations go with the first frame of each track.
void Feed(LiveStream& s, const Clip& c, size_t begin, size_t end) {
  for (size_t i = begin; i < end && i < c.items.size(); ++i) {
    const auto& f = c.items[i].frame;
    const bool video = f.track == media::Track::kVideo;
    const media::TrackConfig* cfg = nullptr;
    if (i == begin || f.key) cfg = video ? &c.video : &c.audio;
    if (!video && c.audio.codec.empty()) continue;
    s.OnFrame(f, cfg);
  }
}

size_t VideoFrames(const Clip& c) {
  return static_cast<size_t>(std::count_if(c.items.begin(), c.items.end(), [](const auto& i) {
    return i.frame.track == media::Track::kVideo;
  }));
}

const RealClock kClock;  // the playlists' wall times (PROGRAM-DATE-TIME, part ages)

TEST(LiveStreamTest, BuffersOnlyTheCurrentGopAndGivesTheLatestKeyFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("audio.mp4");
  ASSERT_FALSE(c.items.empty());
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock);
  EXPECT_FALSE(s->LatestKeyFrame());
  Feed(*s, c, 0, c.items.size());
  auto key = s->LatestKeyFrame();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->config.width, c.video.width);
  int64_t last_key = -1;
  for (const auto& i : c.items) {
    if (i.frame.key && i.frame.track == media::Track::kVideo) last_key = i.frame.media_time;
  }
  EXPECT_EQ(key->dts, last_key);
  EXPECT_GT(s->buffered_bytes(), 0u);
  EXPECT_LT(s->buffered_bytes(), 8u << 20);
  s->OnDisconnect();
  EXPECT_FALSE(s->LatestKeyFrame());
  EXPECT_EQ(s->buffered_bytes(), 0u);
}

TEST(LiveStreamTest, HlsPartsConcatenateToSegmentsAndRespectThePartTarget) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("audio.mp4");
  ASSERT_FALSE(c.items.empty());
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock);
  std::string playlist;
  // Nothing yet: the playlist request waits.
  EXPECT_EQ(s->Playlist({}, &playlist), LiveStream::Ready::kWait);
  // A request once video has come starts the segmenter (at the buffered GOP).
  Feed(*s, c, 0, 10);
  EXPECT_EQ(s->Playlist({}, &playlist), LiveStream::Ready::kWait);
  EXPECT_TRUE(s->hls_active());
  Feed(*s, c, 10, c.items.size());
  ASSERT_EQ(s->Playlist({}, &playlist), LiveStream::Ready::kYes);
  EXPECT_NE(playlist.find("#EXT-X-PART-INF:PART-TARGET=0.30000"), std::string::npos) << playlist;
  EXPECT_NE(playlist.find("CAN-BLOCK-RELOAD=YES"), std::string::npos);
  EXPECT_NE(playlist.find("#EXT-X-PRELOAD-HINT:TYPE=PART"), std::string::npos);
  // The segmenter started at the buffered GOP: feed the clip again (a new camera session).
  s->OnDisconnect();
  Feed(*s, c, 0, c.items.size());
  ASSERT_EQ(s->Playlist({}, &playlist), LiveStream::Ready::kYes);
  EXPECT_NE(playlist.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << playlist;
  size_t segments = 0;
  for (uint64_t msn = 0; msn < 100; ++msn) {
    std::vector<uint8_t> seg;
    if (s->Segment(msn, &seg) != LiveStream::Ready::kYes) continue;
    segments++;
    ASSERT_EQ(seg.size() % 188, 0u);
    EXPECT_EQ(seg[0], 0x47);
    std::vector<uint8_t> joined, part;
    for (uint64_t p = 0; s->Part(msn, p, &part) == LiveStream::Ready::kYes; ++p) {
      joined.insert(joined.end(), part.begin(), part.end());
    }
    EXPECT_EQ(joined, seg) << "segment " << msn;
    EXPECT_NE(playlist.find("segment/ts/" + std::to_string(msn) + ".ts\n"), std::string::npos);
  }
  EXPECT_GE(segments, 3u);
  // Every listed part is within the part target; the open segment's next part waits.
  for (size_t at = playlist.find("DURATION="); at != std::string::npos;
       at = playlist.find("DURATION=", at + 1)) {
    EXPECT_LE(std::stod(playlist.substr(at + 9, 7)), 0.3) << playlist;
  }
  std::vector<uint8_t> none;
  EXPECT_EQ(s->Segment(1000, &none), LiveStream::Ready::kNever);
}

// The elementary stream of the TS packets of `pid` in `ts` (PES headers included).
std::vector<uint8_t> TsPayload(const std::vector<uint8_t>& ts, uint16_t pid) {
  std::vector<uint8_t> out;
  for (size_t at = 0; at + 188 <= ts.size(); at += 188) {
    const uint8_t* p = ts.data() + at;
    if ((((p[1] & 0x1f) << 8) | p[2]) != pid || !(p[3] & 0x10)) continue;
    const size_t start = (p[3] & 0x20) ? 5 + p[4] : 4;
    if (start < 188) out.insert(out.end(), p + start, p + 188);
  }
  return out;
}

size_t Count(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
  size_t n = 0;
  const std::boyer_moore_horspool_searcher searcher(needle.begin(), needle.end());
  for (auto it = hay.begin(); (it = std::search(it, hay.end(), searcher)) != hay.end(); ++it) n++;
  return n;
}

// Camera SEI units (here: a user_data_unregistered message numbering each frame, as fakecam's
// send-time stamps are) reach players untouched through both live outputs.
TEST(LiveStreamTest, SeiUnitsReachTheWebSocketFragmentsAndTheHlsParts) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("audio.mp4");
  ASSERT_FALSE(c.items.empty());
  std::vector<std::vector<uint8_t>> seis;
  for (auto& item : c.items) {
    if (item.frame.track != media::Track::kVideo) continue;
    std::vector<uint8_t> number(8);
    number[7] = static_cast<uint8_t>(seis.size());
    number[6] = static_cast<uint8_t>(seis.size() >> 8);
    seis.push_back(codec::BuildUserDataUnregisteredSei(
        codec::VideoCodec::kH264, codec::SeiUuid{0x73, 0x31, 0x2b, 0xc4}, number));
    const auto n = static_cast<uint32_t>(seis.back().size());
    std::vector<uint8_t> data = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                                 static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    data.insert(data.end(), seis.back().begin(), seis.back().end());
    data.insert(data.end(), item.frame.data->begin(), item.frame.data->end());
    item.frame.data = std::make_shared<const std::vector<uint8_t>>(std::move(data));
  }
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock);
  auto feed = s->Subscribe();
  std::string playlist;
  Feed(*s, c, 0, 1);
  s->Playlist({}, &playlist);  // starts the segmenter
  Feed(*s, c, 1, c.items.size());
  std::vector<http::WsMessage> m;
  ASSERT_TRUE(feed->Take(&m));
  std::vector<uint8_t> ws, ts;
  for (const auto& x : m) ws.insert(ws.end(), x.data.begin(), x.data.end());
  for (uint64_t msn = 0; msn < 100; ++msn) {
    std::vector<uint8_t> part;
    for (uint64_t p = 0; s->Part(msn, p, &part) == LiveStream::Ready::kYes; ++p) {
      ts.insert(ts.end(), part.begin(), part.end());
    }
  }
  const std::vector<uint8_t> es = TsPayload(ts, mp4::kTsVideoPid);
  size_t in_ws = 0, in_ts = 0;
  for (const auto& sei : seis) {
    std::vector<uint8_t> annex_b = {0, 0, 0, 1};
    annex_b.insert(annex_b.end(), sei.begin(), sei.end());
    in_ws += Count(ws, sei);
    in_ts += Count(es, annex_b);
  }
  // Every frame is in the feed; the parts hold all but the open part's frames.
  EXPECT_EQ(in_ws, seis.size());
  EXPECT_GT(in_ts, seis.size() - 10);
  EXPECT_LE(in_ts, seis.size());
}

// A part is complete with its last frame, not when the next frame comes; every part starts with
// video (audio that comes between waits for the next video frame).
TEST(LiveStreamTest, HlsPartsCloseWithTheirLastFrameAndStartWithVideo) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("audio.mp4");
  ASSERT_FALSE(c.items.empty());
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock);
  std::string playlist;
  // The segmenter starts (from the buffered GOP) once audio is known, so that it muxes audio.
  size_t first_audio = 0;
  while (c.items[first_audio].frame.track == media::Track::kVideo) first_audio++;
  ASSERT_LT(first_audio, 8u);
  Feed(*s, c, 0, first_audio + 1);
  s->Playlist({}, &playlist);
  // 30 fps: nine frames fill a 0.3 s part. Feed up to and including the ninth video frame.
  size_t i = 0, video = 0;
  while (video < 9 && i < c.items.size()) video += c.items[i++].frame.track == media::Track::kVideo;
  Feed(*s, c, first_audio + 1, i - 1);
  std::vector<uint8_t> part;
  EXPECT_EQ(s->Part(0, 0, &part), LiveStream::Ready::kWait);  // eight frames: still open
  Feed(*s, c, i - 1, i);
  ASSERT_EQ(s->Part(0, 0, &part), LiveStream::Ready::kYes);
  Feed(*s, c, i, c.items.size());
  size_t parts = 0;
  for (uint64_t msn = 0; msn < 100; ++msn) {
    for (uint64_t p = 0; s->Part(msn, p, &part) == LiveStream::Ready::kYes; ++p, ++parts) {
      for (size_t at = 0; at + 188 <= part.size(); at += 188) {
        const uint16_t pid = ((part[at + 1] & 0x1f) << 8) | part[at + 2];
        if (pid != mp4::kTsVideoPid && pid != mp4::kTsAudioPid) continue;
        EXPECT_EQ(pid, mp4::kTsVideoPid) << "part " << msn << "." << p;
        break;
      }
    }
  }
  EXPECT_GE(parts, 20u);
}

TEST(LiveStreamTest, BlockingReloadWaitsForThePartAndRefusesFarFuture) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("audio.mp4");
  ASSERT_FALSE(c.items.empty());
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock);
  std::string playlist;
  s->Playlist({}, &playlist);
  Feed(*s, c, 0, 200);
  // Parts exist but no segment is complete: a first playlist waits for one (players without
  // LL-HLS see only segments), unless parts suffice (after the wait's deadline).
  EXPECT_EQ(s->Playlist({}, &playlist), LiveStream::Ready::kWait);
  ASSERT_EQ(s->Playlist({.parts_suffice = true}, &playlist), LiveStream::Ready::kYes);
  EXPECT_EQ(playlist.find("#EXTINF"), std::string::npos) << playlist;
  // The preload hint names the next part: asking for it waits until it is produced.
  const size_t hint = playlist.find("URI=\"part/ts/", playlist.find("PRELOAD-HINT"));
  ASSERT_NE(hint, std::string::npos);
  const std::string next = playlist.substr(hint + 13, playlist.find('"', hint + 13) - hint - 13);
  const uint64_t msn = std::stoull(next.substr(0, next.find('.')));
  const uint64_t part = std::stoull(next.substr(next.find('.') + 1));
  EXPECT_EQ(s->Playlist({msn, part, ""}, &playlist), LiveStream::Ready::kWait);
  std::vector<uint8_t> bytes;
  EXPECT_EQ(s->Part(msn, part, &bytes), LiveStream::Ready::kWait);
  EXPECT_EQ(s->Playlist({msn + 5, 0, ""}, &playlist), LiveStream::Ready::kNever);
  bool woken = false;
  s->OnChange(s->version(), [&] { woken = true; });
  Feed(*s, c, 200, 260);
  EXPECT_TRUE(woken);
  EXPECT_EQ(s->Playlist({msn, part, ""}, &playlist), LiveStream::Ready::kYes);
  EXPECT_EQ(s->Part(msn, part, &bytes), LiveStream::Ready::kYes);
  // A stale version wakes at once.
  bool at_once = false;
  s->OnChange(0, [&] { at_once = true; });
  EXPECT_TRUE(at_once);
}

TEST(LiveFeedTest, StartsWithInitThenTheLatestKeyFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("audio.mp4");
  ASSERT_FALSE(c.items.empty());
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock);
  Feed(*s, c, 0, 100);
  auto feed = s->Subscribe();
  std::vector<http::WsMessage> m;
  ASSERT_TRUE(feed->Take(&m));
  ASSERT_GE(m.size(), 3u);
  ASSERT_TRUE(m[0].text);
  auto j = nlohmann::json::parse(std::string(m[0].data.begin(), m[0].data.end()));
  EXPECT_EQ(j["type"], "init");
  EXPECT_EQ(j["mime"], "video/mp4; codecs=\"avc1.640028,mp4a.40.2\"");
  EXPECT_EQ(j["width"], c.video.width);
  EXPECT_FALSE(m[1].text);
  EXPECT_EQ(std::string(m[1].data.begin() + 4, m[1].data.begin() + 8), "ftyp");
  EXPECT_EQ(std::string(m[2].data.begin() + 4, m[2].data.begin() + 8), "moof");
  // Frames after subscribing arrive as fragments; the end of the stream ends the feed.
  m.clear();
  bool woken = false;
  feed->OnReady([&] { woken = true; });
  Feed(*s, c, 100, 160);
  EXPECT_TRUE(woken);
  ASSERT_TRUE(feed->Take(&m));
  EXPECT_GE(m.size(), 50u);  // 60 frames, most of them video
  s->End();
  m.clear();
  EXPECT_FALSE(feed->Take(&m));
}

// A stream that keeps whole GOPs only while watched: unwatched it holds just its latest key frame
// (snapshots still work); the first subscriber starts at the next key frame, and from then on
// the whole GOP is kept so the next subscriber starts at once.
TEST(LiveFeedTest, OnDemandGopKeepsTheKeyFrameAndStartsAtTheNextOne) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("main.mp4");
  ASSERT_GT(c.items.size(), 130u);
  ASSERT_TRUE(c.items[0].frame.key);
  size_t second_key = 1;
  while (second_key < c.items.size() && !c.items[second_key].frame.key) ++second_key;
  ASSERT_LT(second_key + 10, c.items.size());
  LiveOptions o;
  o.always_buffer_gop = false;
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock, o);
  Feed(*s, c, 0, 60);
  EXPECT_EQ(s->buffered_bytes(), c.items[0].frame.data->size());  // the key frame alone
  auto key = s->LatestKeyFrame();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->dts, c.items[0].frame.media_time);

  auto first = s->Subscribe();
  std::vector<http::WsMessage> m;
  ASSERT_TRUE(first->Take(&m));
  EXPECT_TRUE(m.empty());  // nothing until the next key frame
  Feed(*s, c, 60, second_key + 10);
  m.clear();
  ASSERT_TRUE(first->Take(&m));
  ASSERT_GE(m.size(), 3u);
  EXPECT_TRUE(m[0].text);  // init, then fragments from the second key frame on
  EXPECT_EQ(first->frames_sent(), 10u);
  EXPECT_GT(s->buffered_bytes(), c.items[second_key].frame.data->size());  // now whole

  auto second = s->Subscribe();  // served the buffered GOP at once
  m.clear();
  ASSERT_TRUE(second->Take(&m));
  EXPECT_EQ(second->frames_sent(), 10u);
}

// Watched() tells the streamer whether to read the camera without batching: true while a
// WebSocket subscriber is connected (until the frame after it left) or LL-HLS is in use.
TEST(LiveStreamTest, WatchedWhileSubscribedOrHlsIsInUse) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("main.mp4");
  ASSERT_GT(c.items.size(), 40u);
  LiveOptions o;
  o.hls_idle = std::chrono::seconds(0);  // HLS stops at the first frame after its last request
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock, o);
  Feed(*s, c, 0, 10);
  EXPECT_FALSE(s->Watched());  // recorded only

  auto feed = s->Subscribe();
  EXPECT_TRUE(s->Watched());
  Feed(*s, c, 10, 20);
  EXPECT_TRUE(s->Watched());
  feed.reset();  // the WebSocket closed
  Feed(*s, c, 20, 21);
  EXPECT_FALSE(s->Watched());

  std::string playlist;
  s->Playlist({}, &playlist);
  EXPECT_TRUE(s->Watched());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Feed(*s, c, 21, 22);  // past hls_idle: the segmenter stops
  EXPECT_FALSE(s->Watched());

  feed = s->Subscribe();
  EXPECT_TRUE(s->Watched());
  s->End();
  EXPECT_FALSE(s->Watched());
}

TEST(LiveFeedTest, SlowSubscriberSkipsToTheNextKeyFrame) {
  if (ClipsDir().empty()) GTEST_SKIP() << "no clips";
  Clip c = LoadClip("main.mp4");
  ASSERT_FALSE(c.items.empty());
  LiveOptions o;
  o.max_feed_bytes = 256 << 10;
  auto s = std::make_shared<LiveStream>("cam1", "main", kClock, o);
  auto feed = s->Subscribe();
  Feed(*s, c, 0, c.items.size());  // never taken meanwhile
  EXPECT_GT(feed->skips(), 0u);
  // The next key frame starts it again: init, then that key frame.
  Feed(*s, c, 0, 3);
  std::vector<http::WsMessage> m;
  ASSERT_TRUE(feed->Take(&m));
  ASSERT_GE(m.size(), 3u);
  EXPECT_TRUE(m[0].text);
  EXPECT_EQ(std::string(m[2].data.begin() + 4, m[2].data.begin() + 8), "moof");
  size_t bytes = 0;
  for (const auto& x : m) bytes += x.data.size();
  EXPECT_LT(bytes, (256u << 10) + (64u << 10));
  EXPECT_LE(feed->frames_sent(), VideoFrames(c));
}

}  // namespace
}  // namespace nightjar::live
