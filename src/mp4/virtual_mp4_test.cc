// The virtual .mp4 over synthetic segments: the layout read back by our demuxer (every sample's
// time, size, key flag and bytes), a byte-exact golden file, byte ranges served piecewise, lazy
// loading, co64 past 4 GiB, ETags, and Range header parsing.
#include "mp4/virtual_mp4.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mp4/demux.h"

namespace nightjar::mp4 {
namespace {

// Byte `o` of source `s` is a function of both, so misplaced bytes are caught.
uint8_t SourceByte(uint64_t s, uint64_t o) { return static_cast<uint8_t>(s * 31 + o * 7 + 3); }

class FakeReader : public SourceReader {
 public:
  Result<void> ReadAt(uint64_t source, uint64_t offset, std::span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = SourceByte(source, offset + i);
    reads++;
    return Ok();
  }
  int reads = 0;
};

const std::vector<uint8_t> kAvcC1 = {1, 0x64, 0, 0x1f, 0xff, 0xe1, 0,    4,    0x67, 0x64,
                                     0, 0x1f, 1, 0,    4,    0x68, 0xee, 0x3c, 0x80};
const std::vector<uint8_t> kAvcC2 = {1, 0x4d, 0, 0x1e, 0xff, 0xe1, 0,    4,    0x67, 0x4d,
                                     0, 0x1e, 1, 0,    4,    0x68, 0xee, 0x3c, 0x80};

SampleEntrySpec Video(const std::vector<uint8_t>& config, uint16_t w, uint16_t h) {
  SampleEntrySpec e;
  e.codec = "avc1.64001F";
  e.config = config;
  e.width = w;
  e.height = h;
  return e;
}

struct Counter {
  std::shared_ptr<std::atomic<int>> loads = std::make_shared<std::atomic<int>>(0);
};

// A video-only segment of `n` frames (key every `gop`), sizes 20 + i, 3000 ticks each, with
// composition offsets when `cto`, starting at byte `begin` of `source`.
Mp4Segment VideoSegment(uint64_t source, uint64_t begin, int n, int gop, bool cto, uint32_t entry,
                        const Counter& c) {
  SegmentSamples s;
  uint64_t bytes = 0;
  Mp4Segment seg;
  for (int i = 0; i < n; ++i) {
    VideoSampleInfo v{3000, static_cast<uint32_t>(20 + i), cto ? (i % 3 == 0 ? 6000 : 3000) : 0,
                      i % gop == 0};
    s.video.push_back(v);
    bytes += v.bytes;
    seg.video_sync_samples += v.key;
    seg.video_duration += v.duration;
  }
  seg.source = source;
  seg.begin = begin;
  seg.end = begin + bytes;
  seg.video_entry = entry;
  seg.video_samples = n;
  seg.has_cto = cto;
  seg.load = [s, c] {
    ++*c.loads;
    return Result<SegmentSamples>(s);
  };
  return seg;
}

// Video and AAC interleaved in chunks: v v a a a v a ... within source 9 from byte 100.
Mp4Segment AvSegment(const Counter& c) {
  SegmentSamples s;
  Mp4Segment seg;
  seg.source = 9;
  seg.begin = 100;
  uint64_t pos = 100;
  auto chunk = [&](bool audio, int n) {
    s.chunks.push_back({audio, static_cast<uint32_t>(n), pos});
    for (int i = 0; i < n; ++i) {
      if (audio) {
        s.audio.push_back({1024, 11});
        pos += 11;
        seg.audio_duration += 1024;
      } else {
        const bool key = s.video.empty();
        s.video.push_back({3000, key ? 40u : 15u, 0, key});
        pos += key ? 40 : 15;
        seg.video_duration += 3000;
        seg.video_sync_samples += key;
      }
    }
    (audio ? seg.audio_chunks : seg.video_chunks)++;
  };
  seg.video_chunks = 0;
  chunk(false, 2);
  chunk(true, 3);
  chunk(false, 1);
  chunk(true, 2);
  chunk(false, 3);
  seg.end = pos;
  seg.video_samples = s.video.size();
  seg.audio_samples = s.audio.size();
  seg.video_entry = 1;
  seg.audio_entry = 0;
  seg.load = [s, c] {
    ++*c.loads;
    return Result<SegmentSamples>(s);
  };
  return seg;
}

// Three segments: 10 frames with B-frames (entry 0), 7 frames (entry 0) of another source, and
// an audio+video segment with another video sample entry (a parameter change); the edit starts
// 2 frames into the first key frame's GOP.
Mp4Input SmallInput(const Counter& c) {
  Mp4Input in;
  in.video_entries = {Video(kAvcC1, 640, 480), Video(kAvcC2, 320, 240)};
  SampleEntrySpec aac;
  aac.kind = SampleEntrySpec::Kind::kAudio;
  aac.codec = "mp4a.40.2";
  aac.config = {0x11, 0x88};  // AAC LC, 48 kHz, mono
  aac.sample_rate = 48000;
  aac.channels = 1;
  in.audio_entries = {aac};
  in.segments = {VideoSegment(1, 0, 10, 5, true, 0, c), VideoSegment(2, 50, 7, 7, false, 0, c),
                 AvSegment(c)};
  in.video_edit_start = 6000 + 6000;  // first cto + 2 frames
  in.audio_edit_start = 0;
  in.creation_unix_seconds = 1'771'500'000;
  return in;
}

std::vector<uint8_t> ReadAll(const VirtualMp4& m, uint64_t start, uint64_t end) {
  FakeReader r;
  std::vector<uint8_t> out;
  auto ok = m.Read(start, end, r, [&](std::span<const uint8_t> b) -> Result<void> {
    out.insert(out.end(), b.begin(), b.end());
    return Ok();
  });
  EXPECT_TRUE(ok) << ok.error().ToString();
  return out;
}

std::string Hex(const std::vector<uint8_t>& b) {
  std::ostringstream o;
  static const char* d = "0123456789abcdef";
  for (size_t i = 0; i < b.size(); ++i) {
    o << d[b[i] >> 4] << d[b[i] & 15] << ((i % 32 == 31 || i + 1 == b.size()) ? "\n" : "");
  }
  return o.str();
}

TEST(VirtualMp4, DemuxesToExactlyTheSegmentsSamples) {
  Counter c;
  auto m = VirtualMp4::Build(SmallInput(c));
  ASSERT_TRUE(m) << m.error().ToString();
  auto file = ReadAll(**m, 0, (*m)->size());
  ASSERT_EQ(file.size(), (*m)->size());
  auto d = DemuxMp4(file);
  ASSERT_TRUE(d) << d.error().ToString();
  ASSERT_EQ(d->tracks.size(), 2u);
  const auto& v = d->tracks[0];
  EXPECT_EQ(v.kind, DemuxedTrack::Kind::kVideo);
  EXPECT_EQ(v.timescale, 90000u);
  ASSERT_EQ(v.samples.size(), 10u + 7u + 6u);
  Mp4Input in = SmallInput(c);
  int64_t dts = 0;
  size_t k = 0;
  for (const auto& seg : in.segments) {
    auto s = *seg.load();
    // Video samples sit where the segment's chunks put them, in mdat order.
    std::vector<uint64_t> offsets;
    uint64_t pos = seg.begin;
    if (s.chunks.empty()) s.chunks.push_back({false, uint32_t(s.video.size()), seg.begin});
    for (const auto& ch : s.chunks) {
      pos = ch.offset;
      for (uint32_t i = 0; i < ch.samples; ++i) {
        uint32_t n = ch.audio ? s.audio[0].bytes : s.video[offsets.size()].bytes;
        if (!ch.audio) offsets.push_back(pos);
        pos += n;
      }
    }
    for (size_t i = 0; i < s.video.size(); ++i, ++k) {
      const auto& got = v.samples[k];
      EXPECT_EQ(got.dts, dts) << k;
      EXPECT_EQ(got.pts, dts + s.video[i].cto) << k;
      EXPECT_EQ(got.size, s.video[i].bytes) << k;
      EXPECT_EQ(got.key, s.video[i].key) << k;
      for (uint32_t b = 0; b < got.size; ++b) {
        ASSERT_EQ(file[got.offset + b], SourceByte(seg.source, offsets[i] + b)) << k;
      }
      dts += s.video[i].duration;
    }
  }
  ASSERT_EQ(v.edits.size(), 1u);
  EXPECT_EQ(v.edits[0].media_time, 12000);
  EXPECT_EQ(v.edits[0].segment_duration, 23 * 3000 - 12000);
  EXPECT_EQ(v.width, 640);  // the first entry's; the change is in stsc's description index
  const auto& a = d->tracks[1];
  EXPECT_EQ(a.kind, DemuxedTrack::Kind::kAudio);
  EXPECT_EQ(a.timescale, 48000u);
  EXPECT_EQ(a.sample_rate, 48000u);
  ASSERT_EQ(a.samples.size(), 5u);
  EXPECT_EQ(a.samples[4].dts, 4 * 1024);
  // The second audio chunk follows the video sample between the chunks.
  EXPECT_EQ(a.samples[3].offset - a.samples[2].offset, 11u + 15u);
}

TEST(VirtualMp4, MatchesGoldenFile) {
  Counter c;
  auto m = VirtualMp4::Build(SmallInput(c));
  ASSERT_TRUE(m);
  const std::string got = Hex(ReadAll(**m, 0, (*m)->size()));
  const char* path = NIGHTJAR_MP4_TESTDATA "/virtual_small.mp4.hex";
  if (std::getenv("NIGHTJAR_UPDATE_GOLDEN")) {
    std::ofstream(path) << got;
  }
  std::ifstream f(path);
  ASSERT_TRUE(f) << path << " missing (run with NIGHTJAR_UPDATE_GOLDEN=1 to create it)";
  std::stringstream want;
  want << f.rdbuf();
  EXPECT_EQ(got, want.str()) << "box layout changed; if intended, regenerate with "
                                "NIGHTJAR_UPDATE_GOLDEN=1 and review the diff";
}

TEST(VirtualMp4, AnyByteRangeEqualsTheSameSliceOfTheWholeFile) {
  Counter c;
  auto m = VirtualMp4::Build(SmallInput(c));
  ASSERT_TRUE(m);
  const uint64_t size = (*m)->size();
  const auto whole = ReadAll(**m, 0, size);
  auto slice = [&](uint64_t a, uint64_t b) {
    return std::vector<uint8_t>(whole.begin() + a, whole.begin() + b);
  };
  for (const char* h : {"bytes=0-0", "bytes=1-1", "bytes=100-900", "bytes=-1", "bytes=-300",
                        "bytes=500-", "bytes=0-99999999"}) {
    auto r = ParseRangeHeader(h, size);
    ASSERT_TRUE(r) << h;
    EXPECT_EQ(ReadAll(**m, r->start, r->end), slice(r->start, r->end)) << h;
  }
  EXPECT_EQ(ParseRangeHeader("bytes=-1", size)->start, size - 1);  // last byte
  EXPECT_EQ(ParseRangeHeader("bytes=0-0", size)->end, 1u);         // first byte
  // Every split point: pieces join seamlessly.
  for (uint64_t cut = 0; cut <= size; cut += 7) {
    auto a = ReadAll(**m, 0, cut), b = ReadAll(**m, cut, size);
    a.insert(a.end(), b.begin(), b.end());
    ASSERT_EQ(a, whole) << cut;
  }
  FakeReader r;
  auto sink = [](std::span<const uint8_t>) { return Ok(); };
  EXPECT_FALSE((*m)->Read(0, size + 1, r, sink));
  EXPECT_FALSE((*m)->Read(10, 5, r, sink));
}

TEST(VirtualMp4, RangeHeaderRefusesInvalidRanges) {
  for (const char* h : {"bytes=1000-", "bytes=5-4", "bytes=-0", "bytes=x-5", "items=0-1", "bytes=5",
                        "bytes=-", "bytes=99999999999999999999-", "bytes=1000-2000"}) {
    auto r = ParseRangeHeader(h, 1000);
    ASSERT_FALSE(r) << h;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << h;
  }
  EXPECT_EQ(ParseRangeHeader("bytes=0-1,5-6", 1000).error().code(), ErrorCode::kUnsupported);
  auto r = ParseRangeHeader("bytes=990-", 1000);
  EXPECT_EQ(r->start, 990u);
  EXPECT_EQ(r->end, 1000u);
  r = ParseRangeHeader("bytes=-5000", 1000);  // longer than the resource: all of it
  EXPECT_EQ(r->start, 0u);
}

TEST(VirtualMp4, LoadsOnlyTheSegmentsWhoseTablesAreRead) {
  Counter c;
  auto m = VirtualMp4::Build(SmallInput(c));
  ASSERT_TRUE(m);
  EXPECT_EQ(*c.loads, 0);  // Build decodes nothing
  ReadAll(**m, 0, 64);     // ftyp and mvhd
  EXPECT_EQ(*c.loads, 0);
  // The media at the end: sample files only.
  FakeReader r;
  ASSERT_TRUE((*m)->Read((*m)->size() - 50, (*m)->size(), r,
                         [](std::span<const uint8_t>) { return Ok(); }));
  EXPECT_EQ(*c.loads, 0);
  EXPECT_EQ(r.reads, 1);
  ReadAll(**m, 0, (*m)->size());
  EXPECT_GT(*c.loads, 0);
  EXPECT_LE(*c.loads, 3 * 8);  // a few times per segment at most, never per byte
}

TEST(VirtualMp4, LoadThatDisagreesWithTheCountsIsAnError) {
  Counter c;
  Mp4Input in = SmallInput(c);
  in.segments[1].video_samples = 6;  // but load() yields 7
  auto m = VirtualMp4::Build(in);
  ASSERT_TRUE(m);
  FakeReader r;
  auto ok = (*m)->Read(0, (*m)->size(), r, [](std::span<const uint8_t>) { return Ok(); });
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code(), ErrorCode::kInternal);
}

TEST(VirtualMp4, UsesCo64PastFourGibibytes) {
  Counter c;
  Mp4Input in;
  in.video_entries = {Video(kAvcC1, 640, 480)};
  in.segments = {VideoSegment(1, 0, 10, 5, false, 0, c), VideoSegment(2, 0, 10, 5, false, 0, c)};
  in.segments[0].end = 5'000'000'000;  // a huge first source: the second's chunk is past 4 GiB
  auto small = VirtualMp4::Build(SmallInput(c));
  auto big = VirtualMp4::Build(in);
  ASSERT_TRUE(big);
  EXPECT_GT((*big)->size(), 5'000'000'000u);
  bool co64 = false, stco = false;
  for (const auto& p : (*big)->pieces()) {
    co64 |= p.kind == VirtualMp4::Piece::Kind::kTable && p.table == VirtualMp4::Table::kCo64;
    stco |= p.kind == VirtualMp4::Piece::Kind::kTable && p.table == VirtualMp4::Table::kStco;
  }
  EXPECT_TRUE(co64);
  EXPECT_FALSE(stco);
  for (const auto& p : (*small)->pieces()) {
    EXPECT_FALSE(p.kind == VirtualMp4::Piece::Kind::kTable && p.table == VirtualMp4::Table::kCo64);
  }
  // The moov (everything before the media) still demuxes far enough to read its co64 entries.
  const auto& pieces = (*big)->pieces();
  uint64_t media_start = 0;
  for (const auto& p : pieces) {
    if (p.kind == VirtualMp4::Piece::Kind::kMedia) {
      media_start = p.pos;
      break;
    }
  }
  auto head = ReadAll(**big, 0, media_start);
  // The last 8 bytes before mdat's 16-byte header are the second segment's chunk offset.
  uint64_t off = 0;
  for (int i = 0; i < 8; ++i) off = off << 8 | head[head.size() - 16 - 8 + i];
  EXPECT_EQ(off, media_start + 5'000'000'000u);
  EXPECT_EQ(head[head.size() - 16 + 3], 1);  // mdat with a 64-bit largesize
}

TEST(VirtualMp4, EtagIsStableAndFollowsTheContent) {
  Counter c;
  auto a = VirtualMp4::Build(SmallInput(c));
  auto b = VirtualMp4::Build(SmallInput(c));
  EXPECT_EQ((*a)->etag(), (*b)->etag());
  EXPECT_EQ((*a)->etag().size(), 34u);
  Mp4Input in = SmallInput(c);
  in.video_edit_start = 3000;
  EXPECT_NE((*VirtualMp4::Build(in))->etag(), (*a)->etag());
  in = SmallInput(c);
  in.segments[1].source = 77;
  EXPECT_NE((*VirtualMp4::Build(in))->etag(), (*a)->etag());
}

TEST(VirtualMp4, RefusesInconsistentInput) {
  Counter c;
  Mp4Input in = SmallInput(c);
  in.segments[0].video_entry = 5;
  EXPECT_EQ(VirtualMp4::Build(in).error().code(), ErrorCode::kInvalidArgument);
  in = SmallInput(c);
  in.segments.clear();
  EXPECT_FALSE(VirtualMp4::Build(in));
  in = SmallInput(c);
  in.video_entries[0].codec = "vp09.00.10.08";
  EXPECT_EQ(VirtualMp4::Build(in).error().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace nightjar::mp4
