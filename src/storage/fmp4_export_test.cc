// Fmp4Export over recorded clips: the init segment and one moof + mdat per GOP carrying every
// frame and audio sample of the plan with the sample table of the plan's index; the bytes do not
// depend on how they are pulled; the VOD segments of a range, written one by one at their media
// time, continue one another's decode times without a hole.
#include "storage/fmp4_export.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <map>

#include "mp4/box_reader.h"
#include "storage/media_test_base.h"

namespace nightjar::storage {
namespace {

using Fmp4ExportTest = MediaTestBase;

std::vector<uint8_t> Pull(Fmp4Export& f, size_t want) {
  std::vector<uint8_t> all, piece;
  for (;;) {
    piece.clear();
    auto ok = f.Next(&piece, want);
    EXPECT_TRUE(ok) << ok.error().ToString();
    if (!ok || piece.empty()) break;
    all.insert(all.end(), piece.begin(), piece.end());
  }
  return all;
}

// What the fragments say, per track id: the first decode time of each fragment, the samples'
// durations and sizes, and which are sync samples; plus the top-level box types in order.
struct Track {
  std::vector<uint64_t> tfdt;
  std::vector<uint32_t> durations, sizes;
  std::vector<bool> key;
};
struct Parsed {
  std::vector<std::string> boxes;
  std::map<uint32_t, Track> tracks;
  uint64_t mdat_payload = 0;
};

// Children of [p, end) as (type, payload); a malformed size fails the test.
std::vector<std::pair<std::string, mp4::ByteSpan>> Boxes(mp4::ByteSpan b) {
  std::vector<std::pair<std::string, mp4::ByteSpan>> out;
  size_t at = 0;
  while (at + 8 <= b.size()) {
    const uint32_t size = mp4::LoadBe32(b.data() + at);
    EXPECT_GE(size, 8u);
    EXPECT_LE(at + size, b.size());
    if (size < 8 || at + size > b.size()) break;
    out.emplace_back(std::string(reinterpret_cast<const char*>(b.data() + at + 4), 4),
                     b.subspan(at + 8, size - 8));
    at += size;
  }
  EXPECT_EQ(at, b.size());
  return out;
}

Parsed Parse(const std::vector<uint8_t>& bytes) {
  Parsed p;
  for (const auto& [type, body] : Boxes(bytes)) {
    p.boxes.push_back(type);
    if (type == "mdat") p.mdat_payload += body.size();
    if (type != "moof") continue;
    for (const auto& [t, traf] : Boxes(body)) {
      if (t != "traf") continue;
      uint32_t id = 0;
      for (const auto& [c, box] : Boxes(traf)) {
        if (c == "tfhd") id = mp4::LoadBe32(box.data() + 4);
        if (c == "tfdt") {
          p.tracks[id].tfdt.push_back(box[0] == 1 ? mp4::LoadBe64(box.data() + 4)
                                                  : mp4::LoadBe32(box.data() + 4));
        }
        if (c != "trun") continue;
        // version 1, flags: data offset, duration, size, flags, composition offset.
        EXPECT_EQ(mp4::LoadBe32(box.data()) & 0xffffff, 0x000f01u);
        const uint32_t n = mp4::LoadBe32(box.data() + 4);
        const uint8_t* s = box.data() + 12;
        for (uint32_t i = 0; i < n; ++i, s += 16) {
          Track& tr = p.tracks[id];
          tr.durations.push_back(mp4::LoadBe32(s));
          tr.sizes.push_back(mp4::LoadBe32(s + 4));
          tr.key.push_back((mp4::LoadBe32(s + 8) & 0x00010000) == 0);  // not non-sync
        }
      }
    }
  }
  return p;
}

TEST_F(Fmp4ExportTest, OneFragmentPerGopWithEveryFrame) {
  const int64_t stream = Stream("cam3");
  Record(stream, kT0, 10, Load("audio.mp4"));
  auto plan = Plan(stream, 2.5, 9);
  ASSERT_TRUE(plan) << plan.error().ToString();
  std::vector<uint32_t> video_sizes, audio_sizes;
  int64_t key_frames = 0;
  ASSERT_TRUE(ForEachFrame(*plan, [&](const PlannedFrame& f) -> Result<void> {
    (f.audio ? audio_sizes : video_sizes).push_back(static_cast<uint32_t>(f.data.size()));
    key_frames += !f.audio && f.key;
    return Ok();
  }));

  auto f = Fmp4Export::Create(*plan, 1'000'000);
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ((*f)->codecs(),
            plan->mp4.video_entries[0].codec + "," + plan->mp4.audio_entries[0].codec);
  const auto init = Parse((*f)->init());
  EXPECT_EQ(init.boxes, (std::vector<std::string>{"ftyp", "moov"}));

  const auto bytes = Pull(**f, std::numeric_limits<size_t>::max());
  const Parsed p = Parse(bytes);
  ASSERT_EQ(p.boxes.size(), 2u * static_cast<size_t>(key_frames));
  for (size_t i = 0; i < p.boxes.size(); ++i) EXPECT_EQ(p.boxes[i], i % 2 ? "mdat" : "moof");
  const Track& v = p.tracks.at(1);
  const Track& a = p.tracks.at(2);
  EXPECT_EQ(v.sizes, video_sizes);
  EXPECT_EQ(a.sizes, audio_sizes);
  uint64_t payload = 0;
  for (uint32_t s : video_sizes) payload += s;
  for (uint32_t s : audio_sizes) payload += s;
  EXPECT_EQ(p.mdat_payload, payload);
  // Each fragment starts with a key frame, and only those are sync samples in the video track.
  ASSERT_EQ(v.tfdt.size(), static_cast<size_t>(key_frames));
  EXPECT_EQ(v.tfdt[0], 1'000'000u);
  size_t keys = 0;
  for (bool k : v.key) keys += k;
  EXPECT_EQ(keys, static_cast<size_t>(key_frames));
  // Fragments follow one another: each tfdt is the last one plus the durations between.
  uint64_t t = v.tfdt[0];
  size_t frag = 0;
  for (size_t i = 0; i < v.durations.size(); ++i) {
    if (v.key[i]) {
      EXPECT_EQ(v.tfdt[frag++], t) << i;
    }
    t += v.durations[i];
  }

  // The same bytes whatever the pull size.
  auto g = Fmp4Export::Create(*plan, 1'000'000);
  ASSERT_TRUE(g);
  EXPECT_EQ(Pull(**g, 1), bytes);
}

TEST_F(Fmp4ExportTest, VodSegmentsContinueOneAnother) {
  const int64_t stream = Stream("cam3");
  Record(stream, kT0, 12, Load("audio.mp4"));
  auto catalog = EngineCatalog(*engine_);
  auto segments = SplitRange(*catalog, stream, kT0, At(12), Duration90k::FromSeconds(2));
  ASSERT_TRUE(segments) << segments.error().ToString();
  ASSERT_EQ(segments->size(), 6u);
  const int64_t base = kT0.ticks();
  int64_t media = 0;
  uint64_t video_frames = 0;
  std::optional<uint64_t> audio_end;
  for (const VodSegment& s : *segments) {
    auto plan = PlanFrames(catalog, fs_, stream, s.composite_id, s.first_frame, s.end_frame);
    ASSERT_TRUE(plan) << plan.error().ToString();
    auto f = Fmp4Export::Create(*plan, base + media);
    ASSERT_TRUE(f) << f.error().ToString();
    const Parsed p = Parse(Pull(**f, 1 << 20));
    const Track& v = p.tracks.at(1);
    ASSERT_FALSE(v.tfdt.empty());
    EXPECT_EQ(v.tfdt[0], static_cast<uint64_t>(base + media));
    EXPECT_TRUE(v.key[0]);
    video_frames += v.sizes.size();
    // Audio continues within a sample or so of where the previous segment's ended.
    const Track& a = p.tracks.at(2);
    ASSERT_FALSE(a.tfdt.empty());
    if (audio_end) {
      EXPECT_NEAR(static_cast<double>(a.tfdt[0]), static_cast<double>(*audio_end), 1024);
    }
    uint64_t end = a.tfdt[0];
    for (uint32_t d : a.durations) end += d;
    audio_end = end;
    media += s.duration_90k;
  }
  EXPECT_EQ(video_frames, 360u);
}

TEST_F(Fmp4ExportTest, InitListsTheRecordingsAudioEvenWithoutSamplesInThePlan) {
  // A segment between two AAC frames has no audio of its own, yet the next segments under the
  // same EXT-X-MAP carry audio fragments: its init segment must have the audio track.
  const int64_t stream = Stream("cam3");
  Record(stream, kT0, 4, Load("audio.mp4"));
  auto plan = Plan(stream, 0, 4);
  ASSERT_TRUE(plan) << plan.error().ToString();
  const std::string codecs =
      plan->mp4.video_entries[0].codec + "," + plan->mp4.audio_entries[0].codec;
  plan->mp4.audio_entries.clear();
  auto f = Fmp4Export::Create(*plan, 0);
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ((*f)->codecs(), codecs);
  const std::vector<uint8_t>& init = (*f)->init();
  size_t traks = 0;
  for (size_t i = 0; i + 4 <= init.size(); ++i) traks += std::memcmp(&init[i], "trak", 4) == 0;
  EXPECT_EQ(traks, 2u);
}

}  // namespace
}  // namespace nightjar::storage
