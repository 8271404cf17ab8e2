// TsExport over recorded clips: the bytes do not depend on how they are pulled and are those the
// muxer makes of the plan's frames; the VOD segments of a range, muxed one by one at their media
// time, carry the same video timestamps and the same audio as the whole range muxed at once.
#include "storage/ts_export.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include "storage/media_test_base.h"

namespace nightjar::storage {
namespace {

using TsExportTest = MediaTestBase;

std::vector<uint8_t> Pull(const MediaPlan& plan, size_t want, int64_t time_base = 0) {
  auto ts = TsExport::Create(plan, time_base);
  EXPECT_TRUE(ts) << ts.error().ToString();
  std::vector<uint8_t> all, piece;
  while (ts) {
    piece.clear();
    auto ok = (*ts)->Next(&piece, want);
    EXPECT_TRUE(ok) << ok.error().ToString();
    if (!ok || piece.empty()) break;
    EXPECT_GE(piece.size(), std::min<size_t>(want, mp4::kTsPacketSize));
    all.insert(all.end(), piece.begin(), piece.end());
  }
  return all;
}

// The PES packets of a transport stream: PID and 90 kHz PTS/DTS (ISO/IEC 13818-1 §2.4.3.7).
struct Pes {
  uint16_t pid;
  int64_t pts, dts;
};

int64_t Timestamp(const uint8_t* b) {
  return (int64_t{b[0]} >> 1 & 7) << 30 | int64_t{b[1]} << 22 | (int64_t{b[2]} >> 1) << 15 |
         int64_t{b[3]} << 7 | b[4] >> 1;
}

std::vector<Pes> ParsePes(const std::vector<uint8_t>& ts) {
  std::vector<Pes> out;
  EXPECT_EQ(ts.size() % mp4::kTsPacketSize, 0u);
  for (size_t at = 0; at + mp4::kTsPacketSize <= ts.size(); at += mp4::kTsPacketSize) {
    const uint8_t* p = ts.data() + at;
    EXPECT_EQ(p[0], 0x47) << at;
    const bool start = (p[1] & 0x40) != 0;
    const auto pid = static_cast<uint16_t>((p[1] & 0x1f) << 8 | p[2]);
    const int control = p[3] >> 4 & 3;
    size_t off = 4;
    if (control & 2) off += 1 + p[4];
    if (!(control & 1) || !start || (pid != mp4::kTsVideoPid && pid != mp4::kTsAudioPid)) continue;
    const uint8_t* pes = p + off;
    EXPECT_TRUE(pes[0] == 0 && pes[1] == 0 && pes[2] == 1) << at;
    const uint8_t flags = pes[7];
    EXPECT_TRUE(flags & 0x80) << at;  // a PTS on every PES packet
    const int64_t pts = Timestamp(pes + 9);
    out.push_back({pid, pts, (flags & 0x40) ? Timestamp(pes + 14) : pts});
  }
  return out;
}

TEST_F(TsExportTest, BytesDoNotDependOnThePullSize) {
  const int64_t stream = Stream("cam3");
  Record(stream, kT0, 10, Load("audio.mp4"));
  auto plan = Plan(stream, 2.5, 9);
  ASSERT_TRUE(plan) << plan.error().ToString();

  // What the muxer makes of ForEachFrame's frames (how `nightjar export` wrote .ts before).
  auto mux = mp4::TsMuxer::Create(plan->mp4.video_entries, plan->mp4.audio_entries);
  ASSERT_TRUE(mux);
  std::vector<uint8_t> want;
  ASSERT_TRUE(ForEachFrame(*plan, [&](const PlannedFrame& f) -> Result<void> {
    const mp4::Mp4Segment& seg = plan->mp4.segments[f.segment];
    if (f.audio) {
      const int64_t rate = plan->mp4.audio_entries[seg.audio_entry].sample_rate;
      return (*mux)->WriteAudio(static_cast<uint32_t>(seg.audio_entry),
                                plan->audio_offset_90k + f.dts * kTicksPerSecond / rate, f.data,
                                &want);
    }
    return (*mux)->WriteVideo(seg.video_entry, f.dts, f.dts + f.cto, f.key, f.data, &want);
  }));

  const auto whole = Pull(*plan, std::numeric_limits<size_t>::max());
  EXPECT_EQ(whole, want);
  EXPECT_EQ(Pull(*plan, 1), want);
  EXPECT_EQ(Pull(*plan, 0), want);
  EXPECT_EQ(Pull(*plan, 64 << 10), want);
  ASSERT_GT(whole.size(), 100u * mp4::kTsPacketSize);
  EXPECT_EQ(whole.size() % mp4::kTsPacketSize, 0u);
  // The first packet: the PAT (PID 0, payload unit start).
  EXPECT_EQ(whole[0], 0x47);
  EXPECT_EQ(whole[1], 0x40);
  EXPECT_EQ(whole[2], 0x00);

  // A time base shifts every timestamp by itself.
  const auto base = ParsePes(whole), shifted = ParsePes(Pull(*plan, 1 << 20, 90000));
  ASSERT_EQ(base.size(), shifted.size());
  for (size_t i = 0; i < base.size(); ++i) {
    ASSERT_EQ(shifted[i].pts - base[i].pts, 90000) << i;
    ASSERT_EQ(shifted[i].dts - base[i].dts, 90000) << i;
  }
}

TEST_F(TsExportTest, VodSegmentsJoinUpAsTheWholeRange) {
  const int64_t stream = Stream("cam3");
  Record(stream, kT0, 12, Load("audio.mp4"));
  auto catalog = EngineCatalog(*engine_);
  auto segments = SplitRange(*catalog, stream, kT0, At(12), Duration90k::FromSeconds(2));
  ASSERT_TRUE(segments) << segments.error().ToString();
  ASSERT_EQ(segments->size(), 6u);
  std::vector<Pes> joined;
  int64_t media = 0;
  for (const VodSegment& s : *segments) {
    auto plan = PlanFrames(catalog, fs_, stream, s.composite_id, s.first_frame, s.end_frame);
    ASSERT_TRUE(plan) << plan.error().ToString();
    const auto ts = Pull(*plan, 1 << 20, media);
    ASSERT_GT(ts.size(), 3u);
    EXPECT_EQ(ts[1], 0x40);  // each starts with a PAT
    EXPECT_EQ(ts[2], 0x00);
    const auto pes = ParsePes(ts);
    joined.insert(joined.end(), pes.begin(), pes.end());
    media += s.duration_90k;
  }
  auto plan = Plan(stream, 0, 12);
  ASSERT_TRUE(plan);
  const auto whole = ParsePes(Pull(*plan, 1 << 20));

  std::vector<std::pair<int64_t, int64_t>> video[2];
  std::vector<int64_t> audio[2];
  for (int k = 0; k < 2; ++k) {
    for (const Pes& p : k == 0 ? joined : whole) {
      if (p.pid == mp4::kTsVideoPid) {
        video[k].emplace_back(p.pts, p.dts);
      } else {
        audio[k].push_back(p.pts);
      }
    }
  }
  EXPECT_EQ(video[0].size(), 360u);
  EXPECT_EQ(video[0], video[1]);
  // Every audio frame once; each recording's audio anchored to its own video (the whole range
  // runs its audio on from the first recording's), so within a frame or so.
  ASSERT_EQ(audio[0].size(), audio[1].size());
  EXPECT_GT(audio[0].size(), 500u);
  for (size_t i = 0; i < audio[0].size(); ++i) {
    ASSERT_NEAR(static_cast<double>(audio[0][i]), static_cast<double>(audio[1][i]), 1920) << i;
  }
}

}  // namespace
}  // namespace nightjar::storage
