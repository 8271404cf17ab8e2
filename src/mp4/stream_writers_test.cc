// The MPEG-TS muxer and the fragmented MP4 writer: packet and box structure, timestamps, CRCs,
// data offsets. (Decoding by ffmpeg of real recordings: tests/integration/test_export.py.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "mp4/box_reader.h"
#include "mp4/demux.h"
#include "mp4/fmp4.h"
#include "mp4/ts_mux.h"

namespace nightjar::mp4 {
namespace {

const std::vector<uint8_t> kAvcC = {1, 0x64, 0, 0x1f, 0xff, 0xe1, 0,    4,    0x67, 0x64,
                                    0, 0x1f, 1, 0,    4,    0x68, 0xee, 0x3c, 0x80};

SampleEntrySpec VideoEntry() {
  SampleEntrySpec e;
  e.codec = "avc1.64001F";
  e.config = kAvcC;
  e.width = 640;
  e.height = 480;
  return e;
}

SampleEntrySpec AacEntry() {
  SampleEntrySpec e;
  e.kind = SampleEntrySpec::Kind::kAudio;
  e.codec = "mp4a.40.2";
  e.config = {0x11, 0x88};
  e.sample_rate = 48000;
  e.channels = 1;
  return e;
}

int64_t ReadTimestamp(const uint8_t* p) {
  return (int64_t{p[0] & 0x0e} << 29) | (int64_t{p[1]} << 22) | (int64_t{p[2] & 0xfe} << 14) |
         (int64_t{p[3]} << 7) | (p[4] >> 1);
}

TEST(Crc32Mpeg2, KnownVector) {
  const std::string s = "123456789";
  EXPECT_EQ(Crc32Mpeg2({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0x0376e6e7u);
}

TEST(TsMuxer, PacketsTablesAndPes) {
  auto mux = TsMuxer::Create({VideoEntry()}, {AacEntry()});
  ASSERT_TRUE(mux) << mux.error().ToString();
  std::vector<uint8_t> out;
  const std::vector<uint8_t> idr = {0, 0, 0, 5, 0x65, 0x88, 1, 2, 3};
  std::vector<uint8_t> big = {0, 0, 1, 0xf4, 0x41};  // a 500-byte slice: several packets
  big.resize(4 + 500, 0x5a);
  ASSERT_TRUE((*mux)->WriteVideo(0, 0, 6000, true, idr, &out));
  ASSERT_TRUE((*mux)->WriteAudio(0, 100, std::vector<uint8_t>(20, 0x21), &out));
  ASSERT_TRUE((*mux)->WriteVideo(0, 3000, 3000, false, big, &out));
  ASSERT_EQ(out.size() % kTsPacketSize, 0u);
  std::map<int, int> last_cc;
  std::map<int, std::vector<uint8_t>> payload_of;  // first PES per PID
  int packets = 0;
  for (size_t at = 0; at < out.size(); at += kTsPacketSize, ++packets) {
    const uint8_t* p = out.data() + at;
    ASSERT_EQ(p[0], 0x47);
    const int pid = (p[1] & 0x1f) << 8 | p[2];
    const bool pusi = p[1] & 0x40;
    const int cc = p[3] & 0x0f;
    if (last_cc.count(pid)) {
      EXPECT_EQ(cc, (last_cc[pid] + 1) & 0x0f) << "pid " << pid;
    }
    last_cc[pid] = cc;
    size_t pos = 4;
    if (p[3] & 0x20) pos += 1 + p[4];
    ASSERT_LE(pos, kTsPacketSize);
    if (pid == 0 || pid == kTsPmtPid) {
      ASSERT_TRUE(pusi);
      const uint8_t* sec = p + pos + 1 + p[pos];
      const size_t len = 3 + ((sec[1] & 0x0f) << 8 | sec[2]);
      EXPECT_EQ(Crc32Mpeg2({sec, len}), 0u) << "pid " << pid;  // CRC over all incl. CRC
      EXPECT_EQ(sec[0], pid == 0 ? 0x00 : 0x02);
      continue;
    }
    if (pusi && payload_of.count(pid)) continue;  // only the first PES of each PID is checked
    auto& v = payload_of[pid];
    if (pusi || !v.empty()) v.insert(v.end(), p + pos, p + kTsPacketSize);
  }
  EXPECT_GE(packets, 2 + 1 + 1 + 3);
  const auto& video = payload_of[kTsVideoPid];
  ASSERT_GT(video.size(), 19u);
  EXPECT_EQ(std::vector<uint8_t>(video.begin(), video.begin() + 4),
            (std::vector<uint8_t>{0, 0, 1, 0xe0}));
  EXPECT_EQ(video[7], 0xc0);  // PTS and DTS
  EXPECT_EQ(ReadTimestamp(&video[9]), 6000 + kTsTimeOffset);
  EXPECT_EQ(ReadTimestamp(&video[14]), kTsTimeOffset);
  // AUD, SPS, PPS from the avcC, then the slice, all with start codes.
  const std::vector<uint8_t> es(video.begin() + 19, video.begin() + 19 + 6 + 8 + 8 + 9);
  EXPECT_EQ(
      es, (std::vector<uint8_t>{0, 0, 0,    1,    0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x64, 0, 0x1f, 0, 0,
                                0, 1, 0x68, 0xee, 0x3c, 0x80, 0, 0, 0, 1, 0x65, 0x88, 1, 2,    3}));
  const auto& audio = payload_of[kTsAudioPid];
  ASSERT_GT(audio.size(), 14u + 7u);
  EXPECT_EQ(audio[3], 0xc0);
  EXPECT_EQ(ReadTimestamp(&audio[9]), 100 + kTsTimeOffset);
  EXPECT_EQ(audio[14], 0xff);  // ADTS syncword
  EXPECT_EQ(audio[15] & 0xf0, 0xf0);
  EXPECT_EQ(((audio[17] & 3) << 11) | (audio[18] << 3) | (audio[19] >> 5), 27);  // frame length
}

TEST(TsMuxer, RefusesWhatItCannotCarry) {
  SampleEntrySpec vp9 = VideoEntry();
  vp9.codec = "vp09.00.10.08";
  EXPECT_EQ(TsMuxer::Create({vp9}, {}).error().code(), ErrorCode::kUnsupported);
  auto mux = TsMuxer::Create({VideoEntry()}, {});
  std::vector<uint8_t> out;
  EXPECT_FALSE((*mux)->WriteVideo(0, 0, 0, true, std::vector<uint8_t>{0, 0, 0, 9, 1}, &out));
  EXPECT_FALSE((*mux)->WriteVideo(1, 0, 0, true, std::vector<uint8_t>{0, 0, 0, 1, 1}, &out));
}

std::vector<Box> Children(ByteSpan data) {
  std::vector<Box> boxes;
  BoxIterator it(data);
  while (true) {
    auto b = it.Next();
    EXPECT_TRUE(b);
    if (!b || !*b) break;
    boxes.push_back(**b);
  }
  return boxes;
}

TEST(Fmp4, InitSegmentHasTracksAndMvex) {
  auto init = WriteInitSegment({{VideoEntry(), 90000}, {AacEntry(), 48000}});
  ASSERT_TRUE(init) << init.error().ToString();
  auto top = Children(*init);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].type, FourCc("ftyp"));
  ASSERT_EQ(top[1].type, FourCc("moov"));
  auto moov = Children(top[1].payload);
  ASSERT_EQ(moov.size(), 4u);  // mvhd, trak, trak, mvex
  EXPECT_EQ(moov[3].type, FourCc("mvex"));
  auto trex = Children(moov[3].payload);
  ASSERT_EQ(trex.size(), 2u);
  EXPECT_EQ(LoadBe32(trex[1].payload.data() + 4), 2u);  // track_ID
}

TEST(Fmp4, FragmentDataOffsetsPointIntoMdat) {
  TrackRun video{1, 90000, {{3000, 100, 0, true}, {3000, 50, 3000, false}}};
  TrackRun audio{2, 48000, {{1024, 10, 0, true}}};
  TrackRun empty{3, 0, {}};
  auto h = WriteFragmentHeader(7, {video, audio, empty});
  // The header ends where the mdat payload (which the caller sends) begins.
  const uint32_t moof_size = LoadBe32(h.data());
  ASSERT_EQ(h.size(), moof_size + 8u);
  auto top = Children(ByteSpan(h).first(moof_size));
  ASSERT_EQ(top.size(), 1u);
  ASSERT_EQ(top[0].type, FourCc("moof"));
  EXPECT_EQ(LoadBe32(h.data() + moof_size + 4), FourCc("mdat"));
  EXPECT_EQ(LoadBe32(h.data() + moof_size), 8u + 160u);  // mdat size: header + payload
  auto moof = Children(top[0].payload);
  ASSERT_EQ(moof.size(), 3u);  // mfhd, traf, traf (the empty run is left out)
  EXPECT_EQ(LoadBe32(moof[0].payload.data() + 4), 7u);
  uint32_t expected_offset = moof_size + 8;
  for (int t = 0; t < 2; ++t) {
    auto traf = Children(moof[1 + t].payload);
    ASSERT_EQ(traf.size(), 3u);  // tfhd, tfdt, trun
    EXPECT_EQ(LoadBe64(traf[1].payload.data() + 4), t == 0 ? 90000u : 48000u);
    const uint8_t* trun = traf[2].payload.data();
    EXPECT_EQ(trun[0], 1);  // version 1: signed cto
    EXPECT_EQ(LoadBe32(trun + 4), t == 0 ? 2u : 1u);
    EXPECT_EQ(LoadBe32(trun + 8), expected_offset);
    expected_offset += t == 0 ? 150 : 10;
  }
}

// With the clips: a fragment per GOP of main.mp4, written where NIGHTJAR_FMP4_DUMP says;
// tests/integration/test_fmp4.py decodes that file with ffmpeg and counts its frames.
TEST(Fmp4, ClipAsFragmentsPerGop) {
  const char* clips = std::getenv("NIGHTJAR_CLIPS");
  std::ifstream f(std::string(clips ? clips : "/nonexistent") + "/main.mp4", std::ios::binary);
  if (!f) GTEST_SKIP() << "no clips";
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  auto d = DemuxMp4(bytes);
  ASSERT_TRUE(d);
  const auto& t = d->tracks[0];
  SampleEntrySpec e = VideoEntry();
  e.config = t.codec_config;
  e.width = t.width;
  e.height = t.height;
  auto out = *WriteInitSegment({{e, t.timescale}});
  uint32_t seq = 0;
  for (size_t i = 0; i < t.samples.size();) {
    TrackRun run{1, static_cast<uint64_t>(t.samples[i].dts), {}};
    size_t j = i;
    do {
      const auto& s = t.samples[j];
      run.samples.push_back({s.duration, s.size, static_cast<int32_t>(s.pts - s.dts), s.key});
    } while (++j < t.samples.size() && !t.samples[j].key);
    auto h = WriteFragmentHeader(++seq, {run});
    out.insert(out.end(), h.begin(), h.end());
    for (size_t k = i; k < j; ++k) {
      out.insert(out.end(), bytes.begin() + t.samples[k].offset,
                 bytes.begin() + t.samples[k].offset + t.samples[k].size);
    }
    i = j;
  }
  EXPECT_EQ(seq, 5u);  // 10 s in 2 s GOPs
  if (const char* dump = std::getenv("NIGHTJAR_FMP4_DUMP")) {
    std::ofstream(dump, std::ios::binary)
        .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  }
}

}  // namespace
}  // namespace nightjar::mp4
