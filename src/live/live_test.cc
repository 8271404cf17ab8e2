// The live buffer, LL-HLS window and WebSocket feed, fed with the frames of a real clip as the
// streamer would deliver them.
#include "live/live_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "base/fs.h"
#include "live/hls_live.h"
#include "live/live_feed.h"
#include "mp4/box_reader.h"
#include "mp4/demux.h"

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
  EXPECT_NE(playlist.find("#EXT-X-PART-INF:PART-TARGET=0.50000"), std::string::npos) << playlist;
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
    EXPECT_LE(std::stod(playlist.substr(at + 9, 7)), 0.5) << playlist;
  }
  std::vector<uint8_t> none;
  EXPECT_EQ(s->Segment(1000, &none), LiveStream::Ready::kNever);
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
