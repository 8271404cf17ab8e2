// Demuxing hostile or broken files: every case must be a clean Error with a useful code and
// message, never a crash, an out-of-bounds read (run under ASan/UBSan) or a huge allocation.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "mp4/demux.h"
#include "mp4/demux_test_files.h"

namespace nightjar::mp4 {
namespace {

using testing::Box;
using testing::Bytes;
using testing::Cat;
using testing::Co64;
using testing::Ctts;
using testing::File;
using testing::FullBox;
using testing::kMdatData;
using testing::Mvhd;
using testing::Stco;
using testing::Stsc;
using testing::Stss;
using testing::Stsz;
using testing::Stts;
using testing::TrackBoxes;
using testing::Trak;
using testing::VisualEntry;
using testing::W;

TrackBoxes ThreeSampleVideo() {
  TrackBoxes t;
  t.sample_entry = VisualEntry("avc1", 64, 64, Box("avcC", W().U8(1).Zeros(6)));
  t.stts = Stts({{3, 3000}});
  t.sizes = Stsz({10, 20, 30});
  t.stsc = Stsc({{1, 2, 1}, {2, 1, 1}});
  t.chunk_offsets = Stco({kMdatData, kMdatData + 100});
  return t;
}

Bytes OneTrackFile(const TrackBoxes& t) { return File(Box("moov", Cat({Mvhd(1000), Trak(t)}))); }

// Expects DemuxMp4(file) to fail with `code` and a message containing `needle`.
void ExpectError(const Bytes& file, ErrorCode code, const std::string& needle) {
  Result<DemuxedFile> r = DemuxMp4(file);
  ASSERT_FALSE(r.has_value()) << "expected an error mentioning '" << needle << "'";
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().ToString();
}

TEST(DemuxMalformedTest, BaselineIsValid) {
  Result<DemuxedFile> r = DemuxMp4(OneTrackFile(ThreeSampleVideo()));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->tracks.at(0).samples.size(), 3u);
}

TEST(DemuxMalformedTest, NoMoov) {
  ExpectError({}, ErrorCode::kMalformed, "no moov");
  ExpectError(Cat({testing::Ftyp(), Box("mdat", W().Zeros(100))}), ErrorCode::kMalformed,
              "no moov");
}

TEST(DemuxMalformedTest, NotAnMp4) {
  const std::string text = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
  Result<DemuxedFile> r = DemuxMp4(Bytes(text.begin(), text.end()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
}

TEST(DemuxMalformedTest, FragmentedWithoutSamplesIsUnsupported) {
  TrackBoxes t = ThreeSampleVideo();
  t.stts = Stts({});
  t.sizes = Stsz({});
  t.stsc = Stsc({});
  t.chunk_offsets = Stco({});
  Bytes mvex = Box("mvex", FullBox("trex", 0, 0, W().U32(1).U32(1).Zeros(12)));
  Bytes moov = Box("moov", Cat({Mvhd(1000), Trak(t), mvex}));
  Bytes moof = Box("moof", FullBox("mfhd", 0, 0, W().U32(1)));
  ExpectError(Cat({testing::Ftyp(), moov, moof, Box("mdat", W().Zeros(10))}),
              ErrorCode::kUnsupported, "fragmented");
  ExpectError(Cat({testing::Ftyp(), moov}), ErrorCode::kUnsupported, "fragmented");
}

TEST(DemuxMalformedTest, EveryTruncationIsAnError) {
  // mdat precedes moov, so any cut loses part of a box the demuxer needs.
  const Bytes file = OneTrackFile(ThreeSampleVideo());
  for (size_t len = 0; len < file.size(); ++len) {
    Result<DemuxedFile> r = DemuxMp4(std::span<const uint8_t>(file.data(), len));
    ASSERT_FALSE(r.has_value()) << "prefix of " << len << " bytes";
    ASSERT_EQ(r.error().code(), ErrorCode::kMalformed) << r.error().ToString();
  }
}

TEST(DemuxMalformedTest, TruncatedFieldsInsideBoxes) {
  // Boxes that fit their parent but are too short for their own fields.
  TrackBoxes t = ThreeSampleVideo();
  t.sample_entry = Box("avc1", W().Zeros(40));
  ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "visual sample entry: truncated");
  t = ThreeSampleVideo();
  t.stsc = FullBox("stsc", 0, 0, W().U16(0));
  ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "stsc: truncated");
  ExpectError(
      File(Box("moov", Cat({FullBox("mvhd", 0, 0, W().Zeros(6)), Trak(ThreeSampleVideo())}))),
      ErrorCode::kMalformed, "mvhd: truncated");
}

TEST(DemuxMalformedTest, BoxSizesThatOverflowTheirParent) {
  struct Case {
    const char* name;
    Bytes box;
  };
  const Case cases[] = {
      {"size past parent", W().U32(1000).Str("free").Zeros(4)},
      {"size 0xffffffff", W().U32(0xffffffff).Str("free")},
      {"largesize 2^64-1", W().U32(1).Str("free").U64(~uint64_t{0})},
      {"largesize below header", W().U32(1).Str("free").U64(8)},
      {"size below header", W().U32(4).Str("free")},
      {"truncated largesize", W().U32(1).Str("free").U32(0)},
      {"uuid without extended type", W().U32(12).Str("uuid").Zeros(4)},
      {"partial header", W().U32(0x10).U16(0x6672)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TrackBoxes t = ThreeSampleVideo();
    t.extra_stbl = c.box;  // inside moov/trak/mdia/minf/stbl
    ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "box at offset");
    // And at the top level, after the moov.
    ExpectError(Cat({OneTrackFile(ThreeSampleVideo()), c.box}), ErrorCode::kMalformed,
                "box at offset");
  }
}

TEST(DemuxMalformedTest, AbsurdEntryCountsAreRejectedBeforeAllocating) {
  // Each table claims 2^31 or 2^32-1 entries in a box of a few bytes. Allocating for them would
  // need tens of GB, which ASan would report; they must be rejected from the box size alone.
  const uint32_t kHuge = 0x80000000;
  struct Case {
    const char* name;
    void (*corrupt)(TrackBoxes&);
    const char* needle;
  };
  const Case cases[] = {
      {"stsz", [](TrackBoxes& t) { t.sizes = FullBox("stsz", 0, 0, W().U32(0).U32(kHuge)); },
       "stsz: sample count"},
      {"stsz fixed size",
       [](TrackBoxes& t) { t.sizes = FullBox("stsz", 0, 0, W().U32(1).U32(0xffffffff)); },
       "do not fit"},
      {"stz2", [](TrackBoxes& t) { t.sizes = FullBox("stz2", 0, 0, W().U32(4).U32(kHuge)); },
       "stz2: sample count"},
      {"stts", [](TrackBoxes& t) { t.stts = FullBox("stts", 0, 0, W().U32(kHuge).U32(3)); },
       "stts: entry count"},
      {"stts run",
       [](TrackBoxes& t) {
         t.stts = Stts({{0xffffffff, 1}});
       },
       "stts: describes more"},
      {"ctts", [](TrackBoxes& t) { t.ctts = FullBox("ctts", 0, 0, W().U32(0xffffffff)); },
       "ctts: entry count"},
      {"stss", [](TrackBoxes& t) { t.stss = FullBox("stss", 0, 0, W().U32(kHuge).U32(1)); },
       "stss: entry count"},
      {"stsc", [](TrackBoxes& t) { t.stsc = FullBox("stsc", 0, 0, W().U32(kHuge)); },
       "stsc: entry count"},
      {"stsc samples per chunk",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{1, 0xffffffff, 1}});
       },
       "more samples"},
      {"stco", [](TrackBoxes& t) { t.chunk_offsets = FullBox("stco", 0, 0, W().U32(kHuge)); },
       "stco: entry count"},
      {"co64", [](TrackBoxes& t) { t.chunk_offsets = FullBox("co64", 0, 0, W().U32(kHuge)); },
       "co64: entry count"},
      {"elst", [](TrackBoxes& t) { t.edts = Box("edts", FullBox("elst", 1, 0, W().U32(kHuge))); },
       "elst: entry count"},
      {"stsd", [](TrackBoxes& t) { t.sample_entry.clear(); }, "no entries"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TrackBoxes t = ThreeSampleVideo();
    c.corrupt(t);
    ExpectError(OneTrackFile(t), ErrorCode::kMalformed, c.needle);
  }
}

TEST(DemuxMalformedTest, SamplesOutsideTheFile) {
  TrackBoxes t = ThreeSampleVideo();
  const Bytes good = OneTrackFile(t);
  t.chunk_offsets = Stco({kMdatData, static_cast<uint32_t>(good.size() - 29)});  // 1 byte over
  ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "outside");
  t.chunk_offsets = Stco({kMdatData, static_cast<uint32_t>(good.size() - 30)});  // exactly fits
  EXPECT_TRUE(DemuxMp4(OneTrackFile(t)).has_value());
  // A 64-bit offset where offset + size wraps around.
  t.chunk_offsets = Co64({~uint64_t{0} - 5, kMdatData});
  ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "outside");
  t.chunk_offsets = Co64({kMdatData, uint64_t{1} << 40});
  ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "outside");
}

TEST(DemuxMalformedTest, InconsistentTables) {
  struct Case {
    const char* name;
    void (*corrupt)(TrackBoxes&);
    const char* needle;
  };
  const Case cases[] = {
      {"stts short",
       [](TrackBoxes& t) {
         t.stts = Stts({{2, 3000}});
       },
       "stts: describes 2"},
      {"ctts short",
       [](TrackBoxes& t) {
         t.ctts = Ctts(0, {{2, 0}});
       },
       "ctts: describes 2"},
      {"ctts long",
       [](TrackBoxes& t) {
         t.ctts = Ctts(1, {{2, 0}, {2, 0}});
       },
       "describes more"},
      {"stsc short",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{1, 1, 1}});
       },
       "chunks hold 2 samples"},
      {"stsc long",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{1, 2, 1}});
       },
       "more samples"},
      {"stsc first chunk 2",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{2, 3, 1}});
       },
       "first_chunk 2"},
      {"stsc first chunk 0",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{0, 3, 1}});
       },
       "first_chunk 0"},
      {"stsc not increasing",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{1, 1, 1}, {2, 1, 1}, {2, 1, 1}});
       },
       "first_chunk"},
      {"stsc beyond chunks",
       [](TrackBoxes& t) {
         t.stsc = Stsc({{1, 1, 1}, {3, 1, 1}});
       },
       "first_chunk"},
      {"stsc empty", [](TrackBoxes& t) { t.stsc = Stsc({}); }, "chunks hold 0"},
      {"stss zero", [](TrackBoxes& t) { t.stss = Stss({0}); }, "sample number 0"},
      {"stss beyond",
       [](TrackBoxes& t) {
         t.stss = Stss({1, 4});
       },
       "sample number 4"},
      {"stss unsorted",
       [](TrackBoxes& t) {
         t.stss = Stss({2, 1});
       },
       "sample number 1"},
      {"stz2 field size", [](TrackBoxes& t) { t.sizes = FullBox("stz2", 0, 0, W().U32(7).U32(0)); },
       "field_size 7"},
      {"both stsz and stz2",
       [](TrackBoxes& t) { t.extra_stbl = FullBox("stz2", 0, 0, W().U32(8).U32(0)); }, "both"},
      {"both stco and co64", [](TrackBoxes& t) { t.extra_stbl = Co64({}); }, "both"},
      {"duplicate stts",
       [](TrackBoxes& t) {
         t.extra_stbl = Stts({{3, 1}});
       },
       "duplicate 'stts'"},
      {"missing stts", [](TrackBoxes& t) { t.stts.clear(); }, "missing stts"},
      {"missing stsz", [](TrackBoxes& t) { t.sizes.clear(); }, "missing stsz"},
      {"missing stsc", [](TrackBoxes& t) { t.stsc.clear(); }, "missing stsc"},
      {"missing stco", [](TrackBoxes& t) { t.chunk_offsets.clear(); }, "missing stco"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TrackBoxes t = ThreeSampleVideo();
    c.corrupt(t);
    ExpectError(OneTrackFile(t), ErrorCode::kMalformed, c.needle);
  }
}

TEST(DemuxMalformedTest, MissingHeaders) {
  ExpectError(File(Box("moov", Trak(ThreeSampleVideo()))), ErrorCode::kMalformed, "missing mvhd");
  ExpectError(
      File(Box("moov", Cat({FullBox("mvhd", 0, 0, W().Zeros(96)), Trak(ThreeSampleVideo())}))),
      ErrorCode::kMalformed, "timescale is 0");
  TrackBoxes t = ThreeSampleVideo();
  t.timescale = 0;
  ExpectError(OneTrackFile(t), ErrorCode::kMalformed, "mdhd: timescale is 0");
  ExpectError(File(Box("moov", Cat({Mvhd(1000), Box("trak", Box("mdia", {}))}))),
              ErrorCode::kMalformed, "trak #0: trak: missing tkhd");
  ExpectError(Cat({Box("ftyp", W().Str("isom")), Box("moov", Mvhd(1000))}), ErrorCode::kMalformed,
              "ftyp");
}

TEST(DemuxMalformedTest, BadDescriptors) {
  auto audio = [](const Bytes& esds) {
    TrackBoxes t = ThreeSampleVideo();
    t.handler = "soun";
    t.sample_entry = testing::AudioEntry("mp4a", 2, 48000, esds);
    return OneTrackFile(t);
  };
  // Five size bytes with the continuation bit set.
  ExpectError(audio(FullBox("esds", 0, 0, W().U8(3).U8(0x80).U8(0x80).U8(0x80).U8(0x81).U8(0))),
              ErrorCode::kMalformed, "longer than 4 bytes");
  // An ES_Descriptor claiming more bytes than the esds holds.
  ExpectError(audio(FullBox("esds", 0, 0, W().U8(3).U8(0x7f).Zeros(3))), ErrorCode::kMalformed,
              "esds: truncated");
  // A DecoderSpecificInfo claiming more bytes than its DecoderConfigDescriptor holds.
  Bytes dcd =
      testing::Descriptor(4, Cat({W().U8(0x40).Zeros(12), W().U8(5).U8(40).U8(0x11)}), false);
  ExpectError(
      audio(FullBox("esds", 0, 0, testing::Descriptor(3, Cat({W().U16(1).U8(0), dcd}), false))),
      ErrorCode::kMalformed, "DecoderConfigDescriptor: truncated");
  // A URL length running past the ES_Descriptor.
  ExpectError(
      audio(FullBox("esds", 0, 0, testing::Descriptor(3, W().U16(1).U8(0x40).U8(200), false))),
      ErrorCode::kMalformed, "ES_Descriptor: truncated");
  // No DecoderConfigDescriptor at all.
  ExpectError(audio(FullBox("esds", 0, 0, testing::Descriptor(3, W().U16(1).U8(0), true))),
              ErrorCode::kMalformed, "no DecoderConfigDescriptor");
  // A reserved sampling frequency index in the AudioSpecificConfig.
  ExpectError(audio(testing::Esds(Bytes{0x16, 0x88}, false)), ErrorCode::kMalformed,
              "reserved sampling frequency index 13");
  ExpectError(audio(testing::Esds(Bytes{0x11}, false)), ErrorCode::kMalformed,
              "AudioSpecificConfig: truncated");
}

TEST(DemuxMalformedTest, UnsupportedVersions) {
  TrackBoxes t = ThreeSampleVideo();
  t.ctts = FullBox("ctts", 2, 0, W().U32(0));
  ExpectError(OneTrackFile(t), ErrorCode::kUnsupported, "ctts: version 2");
  ExpectError(
      File(Box("moov", Cat({FullBox("mvhd", 2, 0, W().Zeros(96)), Trak(ThreeSampleVideo())}))),
      ErrorCode::kUnsupported, "mvhd: version 2");
}

}  // namespace
}  // namespace nightjar::mp4
