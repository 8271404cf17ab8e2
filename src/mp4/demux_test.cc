// Demuxing well-formed files: hand-made ones covering each table variant, and a real ffmpeg clip
// when NIGHTJAR_CLIPS points at one. Malformed input is in demux_malformed_test.cc.
#include "mp4/demux.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mp4/demux_test_files.h"
#include "mp4/sample_entry.h"

namespace nightjar::mp4 {
namespace {

using testing::AudioEntry;
using testing::Box;
using testing::Bytes;
using testing::Cat;
using testing::Co64;
using testing::Ctts;
using testing::Esds;
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

const Bytes kAvcC = {1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee};

// Six video samples in three chunks, described by three stsc entries (3, 1 and 2 samples per
// chunk), with gaps between the chunks as an interleaved audio track would leave.
TrackBoxes SixSampleVideo() {
  TrackBoxes t;
  Bytes children = Cat({Box("pasp", W().U32(1).U32(1)), Box("avcC", kAvcC),
                        Box("btrt", W().U32(0).U32(1000).U32(1000))});
  t.sample_entry = VisualEntry("avc1", 640, 360, children);
  t.stts = Stts({{4, 3000}, {2, 1500}});
  t.stss = Stss({1, 4});
  t.sizes = Stsz({100, 20, 30, 40, 50, 60});
  t.stsc = Stsc({{1, 3, 1}, {2, 1, 1}, {3, 2, 1}});
  t.chunk_offsets = Stco({kMdatData, kMdatData + 300, kMdatData + 500});
  return t;
}

Bytes OneTrackFile(const TrackBoxes& t) { return File(Box("moov", Cat({Mvhd(1000), Trak(t)}))); }

DemuxedFile DemuxOk(const Bytes& file) {
  Result<DemuxedFile> r = DemuxMp4(file);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? std::move(*r) : DemuxedFile{};
}

struct Expected {
  int64_t dts, pts;
  uint32_t duration;
  bool key;
  uint64_t offset;
  uint32_t size;
};

void ExpectSamples(const DemuxedTrack& track, const std::vector<Expected>& want) {
  ASSERT_EQ(track.samples.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const DemuxedSample& s = track.samples[i];
    SCOPED_TRACE("sample " + std::to_string(i));
    EXPECT_EQ(s.dts, want[i].dts);
    EXPECT_EQ(s.pts, want[i].pts);
    EXPECT_EQ(s.duration, want[i].duration);
    EXPECT_EQ(s.key, want[i].key);
    EXPECT_EQ(s.offset, want[i].offset);
    EXPECT_EQ(s.size, want[i].size);
  }
}

TEST(DemuxTest, VideoTrackWithSeveralStscEntries) {
  DemuxedFile file = DemuxOk(OneTrackFile(SixSampleVideo()));
  EXPECT_EQ(file.movie_timescale, 1000u);
  ASSERT_EQ(file.tracks.size(), 1u);
  const DemuxedTrack& t = file.tracks[0];
  EXPECT_EQ(t.kind, DemuxedTrack::Kind::kVideo);
  EXPECT_EQ(t.track_id, 1u);
  EXPECT_EQ(t.format, "avc1");
  EXPECT_EQ(t.timescale, 90000u);
  EXPECT_EQ(t.duration, 15000);
  EXPECT_EQ(t.width, 640);
  EXPECT_EQ(t.height, 360);
  EXPECT_EQ(t.codec_config, kAvcC);
  EXPECT_TRUE(t.edits.empty());
  ExpectSamples(t, {{0, 0, 3000, true, 40, 100},
                    {3000, 3000, 3000, false, 140, 20},
                    {6000, 6000, 3000, false, 160, 30},
                    {9000, 9000, 3000, true, 340, 40},
                    {12000, 12000, 1500, false, 540, 50},
                    {13500, 13500, 1500, false, 590, 60}});
}

TEST(DemuxTest, Co64AndLargesizeMdat) {
  TrackBoxes t = SixSampleVideo();
  // mdat with a 64-bit largesize (size field 1): its payload starts 8 bytes later than usual.
  const uint64_t data = kMdatData + 8;
  t.chunk_offsets = Co64({data, data + 300, data + 500});
  Bytes mdat = W().U32(1).Str("mdat").U64(16 + 1000).Zeros(1000);
  Bytes file = Cat({testing::Ftyp(), mdat, Box("moov", Cat({Mvhd(1000), Trak(t)}))});
  DemuxedFile f = DemuxOk(file);
  ASSERT_EQ(f.tracks.size(), 1u);
  const auto& s = f.tracks[0].samples;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].offset, 48u);
  EXPECT_EQ(s[2].offset, 48u + 100 + 20);
  EXPECT_EQ(s[3].offset, 48u + 300);
  EXPECT_EQ(s[5].offset, 48u + 500 + 50);
}

TEST(DemuxTest, CttsVersion0GivesPresentationTimes) {
  TrackBoxes t = SixSampleVideo();
  t.stts = Stts({{6, 3000}});
  t.ctts = Ctts(0, {{1, 6000}, {1, 12000}, {2, 0}, {2, 3000}});
  const DemuxedFile f = DemuxOk(OneTrackFile(t));
  const auto& s = f.tracks.at(0).samples;
  ASSERT_EQ(s.size(), 6u);
  const int64_t want_pts[] = {6000, 15000, 6000, 9000, 15000, 18000};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(s[i].dts, int64_t{3000} * static_cast<int64_t>(i));
    EXPECT_EQ(s[i].pts, want_pts[i]) << i;
  }
}

TEST(DemuxTest, CttsVersion1AllowsNegativeOffsets) {
  TrackBoxes t = SixSampleVideo();
  t.stts = Stts({{6, 3000}});
  t.ctts = Ctts(1, {{1, 0}, {1, 6000}, {1, -3000}, {1, -3000}, {2, -1}});
  const DemuxedFile f = DemuxOk(OneTrackFile(t));
  const auto& s = f.tracks.at(0).samples;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].pts, 0);
  EXPECT_EQ(s[1].pts, 9000);
  EXPECT_EQ(s[2].pts, 3000);
  EXPECT_EQ(s[3].pts, 6000);
  EXPECT_EQ(s[4].pts, 11999);
  EXPECT_EQ(s[5].pts, 14999);
}

TEST(DemuxTest, CttsVersion0NegativeOffsetsReadAsSigned) {
  // Old muxers wrote negative offsets in version 0 boxes; FFmpeg reads them as signed, so do we.
  TrackBoxes t = SixSampleVideo();
  t.ctts = Ctts(0, {{6, -1}});
  const DemuxedFile f = DemuxOk(OneTrackFile(t));
  const auto& s = f.tracks.at(0).samples;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[1].pts, 2999);
}

TEST(DemuxTest, MissingStssMeansEverySampleIsKey) {
  TrackBoxes t = SixSampleVideo();
  t.stss.clear();
  const DemuxedFile f = DemuxOk(OneTrackFile(t));
  const auto& s = f.tracks.at(0).samples;
  ASSERT_EQ(s.size(), 6u);
  for (const DemuxedSample& sample : s) EXPECT_TRUE(sample.key);
}

TEST(DemuxTest, EmptyStssMeansNoKeyFrames) {
  TrackBoxes t = SixSampleVideo();
  t.stss = Stss({});
  const DemuxedFile f = DemuxOk(OneTrackFile(t));
  const auto& s = f.tracks.at(0).samples;
  ASSERT_EQ(s.size(), 6u);
  for (const DemuxedSample& sample : s) EXPECT_FALSE(sample.key);
}

TrackBoxes AacTrack(const Bytes& esds, uint16_t channels = 2, uint32_t rate = 48000) {
  TrackBoxes t;
  t.handler = "soun";
  t.track_id = 2;
  t.timescale = 48000;
  t.sample_entry = AudioEntry("mp4a", channels, rate, esds);
  t.stts = Stts({{3, 1024}});
  t.stss = Stss({1});  // audio frames are all key whatever stss says
  t.sizes = Stsz({10, 11, 12});
  t.stsc = Stsc({{1, 3, 1}});
  t.chunk_offsets = Stco({kMdatData + 700});
  return t;
}

const Bytes kAscLc48kStereo = {0x11, 0x90};  // AOT 2, index 3 (48000 Hz), channels 2

TEST(DemuxTest, AudioTrackWithEsds) {
  for (bool long_size : {false, true}) {
    SCOPED_TRACE(long_size ? "4-byte descriptor sizes" : "1-byte descriptor sizes");
    DemuxedFile f = DemuxOk(OneTrackFile(AacTrack(Esds(kAscLc48kStereo, long_size))));
    ASSERT_EQ(f.tracks.size(), 1u);
    const DemuxedTrack& t = f.tracks[0];
    EXPECT_EQ(t.kind, DemuxedTrack::Kind::kAudio);
    EXPECT_EQ(t.format, "mp4a");
    EXPECT_EQ(t.track_id, 2u);
    EXPECT_EQ(t.sample_rate, 48000u);
    EXPECT_EQ(t.channels, 2);
    EXPECT_EQ(t.codec_config, kAscLc48kStereo);
    ExpectSamples(t, {{0, 0, 1024, true, 740, 10},
                      {1024, 1024, 1024, true, 750, 11},
                      {2048, 2048, 1024, true, 761, 12}});
  }
}

TEST(DemuxTest, EsdsOptionalFieldsAreSkipped) {
  // streamDependenceFlag, URL_Flag and OCRstreamFlag all set: 2 + (1 + 3) + 2 extra bytes.
  Bytes optional = W().U16(7).U8(3).Str("abc").U16(9);
  DemuxedFile f = DemuxOk(OneTrackFile(AacTrack(Esds(kAscLc48kStereo, true, 0xe0, optional))));
  EXPECT_EQ(f.tracks.at(0).codec_config, kAscLc48kStereo);
}

TEST(DemuxTest, AudioSpecificConfigOverridesSampleEntry) {
  // 96 kHz does not fit the 16.16 samplerate field; the ASC (index 0, mono) is authoritative.
  const Bytes asc = {0x10, 0x08};  // AOT 2, index 0 (96000 Hz), channels 1
  DemuxedFile f = DemuxOk(OneTrackFile(AacTrack(Esds(asc, true), 2, 0)));
  EXPECT_EQ(f.tracks.at(0).sample_rate, 96000u);
  EXPECT_EQ(f.tracks.at(0).channels, 1);
}

// A sound sample description with version 1 in its first reserved field: QuickTime's layout
// (16 more bytes, esds inside 'wave', as FFmpeg writes .mov) or ISO's AudioSampleEntryV1 (none).
Bytes AudioEntryV1(bool quicktime, const Bytes& children) {
  W e;
  e.Zeros(6).U16(1).U16(1).Zeros(6);  // reserved, data_reference_index, version 1, revision, vendor
  e.U16(2).U16(16).U16(0xfffe).U16(0).U32(48000u << 16);
  if (quicktime) e.U32(1024).U32(0).U32(2).U32(2);  // samples/packet, bytes/packet, /frame, /sample
  return Box("mp4a", e.Raw(children));
}

TEST(DemuxTest, AudioSampleEntryVersion1Layouts) {
  const Bytes asc = {0x11, 0x88};  // AOT 2, 48000 Hz, mono
  const Bytes esds = Esds(asc, true);
  Bytes wave = Box("wave", Cat({Box("frma", W().Str("mp4a")), esds, W().U32(8).U32(0)}));
  for (const Bytes& entry : {AudioEntryV1(true, wave), AudioEntryV1(false, esds)}) {
    TrackBoxes t = AacTrack({});
    t.sample_entry = entry;
    DemuxedFile f = DemuxOk(OneTrackFile(t));
    ASSERT_EQ(f.tracks.size(), 1u);
    EXPECT_EQ(f.tracks[0].codec_config, asc);
    EXPECT_EQ(f.tracks[0].channels, 1);
    EXPECT_EQ(f.tracks[0].sample_rate, 48000u);
  }
}

TEST(DemuxTest, G711WithoutEsdsKeepsSampleEntryFields) {
  TrackBoxes t = AacTrack({});
  t.sample_entry = AudioEntry("ulaw", 1, 8000, {});
  DemuxedFile f = DemuxOk(OneTrackFile(t));
  EXPECT_EQ(f.tracks.at(0).format, "ulaw");
  EXPECT_EQ(f.tracks.at(0).sample_rate, 8000u);
  EXPECT_EQ(f.tracks.at(0).channels, 1);
  EXPECT_TRUE(f.tracks.at(0).codec_config.empty());
}

TEST(AudioSpecificConfigTest, ExplicitSbrReportsTheExtensionRate) {
  // AOT 5 (SBR), core index 6 (24000 Hz), channels 2, extension index 3 (48000 Hz), core AOT 2.
  Result<AudioSpecificConfigInfo> info = ParseAudioSpecificConfig(Bytes{0x2b, 0x11, 0x88});
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->audio_object_type, 5);
  EXPECT_EQ(info->sample_rate, 48000u);
  EXPECT_EQ(info->channels, 2);
}

TEST(AudioSpecificConfigTest, ExplicitFrequencyAndEscapedObjectType) {
  // AOT 31 + 6 bits (0 -> 32), index 15 then the 24-bit rate 22222, channel configuration 7 (7.1).
  Bytes asc = W().U32((31u << 27) | (0u << 21) | (15u << 17) | (22222u >> 7))
                  .U16(((22222u & 0x7f) << 9) | (7u << 5));
  Result<AudioSpecificConfigInfo> info = ParseAudioSpecificConfig(asc);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->audio_object_type, 32);
  EXPECT_EQ(info->sample_rate, 22222u);
  EXPECT_EQ(info->channels, 8);
}

TEST(DemuxTest, Stz2CompactSizes) {
  struct Case {
    uint8_t field_size;
    Bytes table;
  };
  const std::vector<uint32_t> want = {1, 15, 0, 7, 2, 9};
  for (const Case& c : {Case{4, {0x1f, 0x07, 0x29}}, Case{8, {1, 15, 0, 7, 2, 9}},
                        Case{16, {0, 1, 0, 15, 0, 0, 0, 7, 0, 2, 0, 9}}}) {
    SCOPED_TRACE("field_size " + std::to_string(c.field_size));
    TrackBoxes t = SixSampleVideo();
    t.sizes = FullBox("stz2", 0, 0, W().U24(0).U8(c.field_size).U32(6).Raw(c.table));
    const DemuxedFile f = DemuxOk(OneTrackFile(t));
    const auto& s = f.tracks.at(0).samples;
    ASSERT_EQ(s.size(), 6u);
    for (size_t i = 0; i < 6; ++i) EXPECT_EQ(s[i].size, want[i]);
    EXPECT_EQ(s[2].offset, kMdatData + 16);  // after samples of 1 and 15 bytes in chunk 1
  }
}

TEST(DemuxTest, FixedSampleSize) {
  TrackBoxes t = SixSampleVideo();
  t.sizes = FullBox("stsz", 0, 0, W().U32(25).U32(6));
  const DemuxedFile f = DemuxOk(OneTrackFile(t));
  const auto& s = f.tracks.at(0).samples;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[1].offset, kMdatData + 25);
  EXPECT_EQ(s[2].offset, kMdatData + 50);
  EXPECT_EQ(s[5].offset, kMdatData + 525);
  for (const DemuxedSample& sample : s) EXPECT_EQ(sample.size, 25u);
}

TEST(DemuxTest, EditListsVersion0And1) {
  TrackBoxes t = SixSampleVideo();
  t.edts = Box("edts", FullBox("elst", 0, 0,
                               W().U32(2)
                                   .U32(500)
                                   .U32(0xffffffff)
                                   .U16(1)
                                   .U16(0)  // empty edit
                                   .U32(4000)
                                   .U32(1024)
                                   .U16(1)
                                   .U16(0)));
  TrackBoxes a = AacTrack(Esds(kAscLc48kStereo, false));
  a.edts = Box("edts", FullBox("elst", 1, 0, W().U32(1).U64(1ull << 33).U64(2048).U16(1).U16(0)));
  DemuxedFile f = DemuxOk(File(Box("moov", Cat({Mvhd(600), Trak(t), Trak(a)}))));
  EXPECT_EQ(f.movie_timescale, 600u);
  ASSERT_EQ(f.tracks.size(), 2u);
  ASSERT_EQ(f.tracks[0].edits.size(), 2u);
  EXPECT_EQ(f.tracks[0].edits[0].segment_duration, 500);
  EXPECT_EQ(f.tracks[0].edits[0].media_time, -1);
  EXPECT_EQ(f.tracks[0].edits[1].segment_duration, 4000);
  EXPECT_EQ(f.tracks[0].edits[1].media_time, 1024);
  EXPECT_EQ(f.tracks[0].edits[1].media_rate_integer, 1);
  ASSERT_EQ(f.tracks[1].edits.size(), 1u);
  EXPECT_EQ(f.tracks[1].edits[0].segment_duration, int64_t{1} << 33);
  EXPECT_EQ(f.tracks[1].edits[0].media_time, 2048);
  EXPECT_EQ(f.tracks[1].kind, DemuxedTrack::Kind::kAudio);
}

TEST(DemuxTest, FaststartLayoutWithSizeZeroMdat) {
  // moov first, then an mdat whose size field is 0 ("to the end of the file"). Chunk offsets
  // don't change the moov size, so build it once to learn where the mdat payload lands.
  auto build = [](uint64_t data) {
    TrackBoxes t = SixSampleVideo();
    t.chunk_offsets = Stco({data, data + 300, data + 500});
    Bytes moov = Box("moov", Cat({Mvhd(1000), Trak(t)}));
    return Cat({testing::Ftyp(), moov, W().U32(0).Str("mdat").Zeros(1000)});
  };
  const uint64_t data = build(0).size() - 1000;
  DemuxedFile f = DemuxOk(build(data));
  ASSERT_EQ(f.tracks.size(), 1u);
  EXPECT_EQ(f.tracks[0].samples.at(0).offset, data);
  EXPECT_EQ(f.tracks[0].samples.at(5).offset, data + 590 - kMdatData);
}

TEST(DemuxTest, SkipsUnknownBoxesAndTrailingTerminator) {
  TrackBoxes t = SixSampleVideo();
  t.extra_stbl = Cat({Box("sdtp", W().Zeros(6)), Box("free", {})});
  Bytes uuid = W().U32(8 + 16 + 3).Str("uuid").Zeros(16).Str("xyz");
  Bytes moov = Box("moov", Cat({Box("udta", Box("meta", W().Zeros(9))), Mvhd(1000), uuid, Trak(t),
                                Box("free", W().Zeros(5)), W().U32(0)}));
  DemuxedFile f = DemuxOk(Cat({File(moov), Box("free", {})}));
  ASSERT_EQ(f.tracks.size(), 1u);
  EXPECT_EQ(f.tracks[0].samples.size(), 6u);
}

TEST(DemuxTest, OtherTrackKeepsFormatAndSamples) {
  TrackBoxes t = SixSampleVideo();
  t.handler = "text";
  t.sample_entry = Box("tx3g", W().Zeros(8));
  DemuxedFile f = DemuxOk(OneTrackFile(t));
  EXPECT_EQ(f.tracks.at(0).kind, DemuxedTrack::Kind::kOther);
  EXPECT_EQ(f.tracks.at(0).format, "tx3g");
  EXPECT_EQ(f.tracks.at(0).samples.size(), 6u);
}

TEST(DemuxTest, HevcConfigAndEmptyTrack) {
  TrackBoxes t;
  t.sample_entry = VisualEntry("hvc1", 1920, 1080, Box("hvcC", W().U8(1).Zeros(22)));
  t.stts = Stts({});
  t.sizes = Stsz({});
  t.stsc = Stsc({});
  t.chunk_offsets = Stco({});
  DemuxedFile f = DemuxOk(OneTrackFile(t));
  const DemuxedTrack& track = f.tracks.at(0);
  EXPECT_EQ(track.format, "hvc1");
  EXPECT_EQ(track.width, 1920);
  EXPECT_EQ(track.height, 1080);
  EXPECT_EQ(track.codec_config.size(), 23u);
  EXPECT_TRUE(track.samples.empty());
}

// A real ffmpeg clip (tools/make_clips.sh), when the environment provides one.
TEST(DemuxTest, RealClip) {
  const char* dir = std::getenv("NIGHTJAR_CLIPS");
  const std::filesystem::path path = std::filesystem::path(dir ? dir : "") / "main.mp4";
  if (dir == nullptr || !std::filesystem::exists(path)) {
    GTEST_SKIP() << "NIGHTJAR_CLIPS/main.mp4 not available";
  }
  Bytes bytes(std::filesystem::file_size(path));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(in) << "reading " << path;
  DemuxedFile f = DemuxOk(bytes);
  const DemuxedTrack* video = nullptr;
  for (const DemuxedTrack& t : f.tracks) {
    if (t.kind == DemuxedTrack::Kind::kVideo && video == nullptr) video = &t;
  }
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(video->format, "avc1");
  EXPECT_EQ(video->width, 1920);
  EXPECT_EQ(video->height, 1080);
  EXPECT_FALSE(video->codec_config.empty());
  ASSERT_GT(video->samples.size(), 0u);
  EXPECT_TRUE(video->samples[0].key);
  for (const DemuxedTrack& t : f.tracks) {
    int64_t last_dts = -1;
    for (const DemuxedSample& s : t.samples) {
      ASSERT_LE(s.offset + s.size, bytes.size());
      ASSERT_GT(s.dts, last_dts);
      last_dts = s.dts;
    }
  }
}

}  // namespace
}  // namespace nightjar::mp4
