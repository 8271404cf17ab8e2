// Snapshots of the first key frame of real clips (H.264 and H.265, from NIGHTJAR_CLIPS), checked
// by decoding the JPEG back with libavcodec's own JPEG decoder; and hostile input (garbage,
// truncated and non-key frames, bad configurations, unknown codecs), which must give an Error.
#include "decode/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "codec/h264.h"
#include "codec/h265.h"
#include "codec/nal.h"
#include "decode/av_ptr.h"
#include "mp4/demux.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace nightjar::decode {
namespace {

using Bytes = std::vector<uint8_t>;

// The first video track of a clip: its codec string, configuration, first key frame and the
// frame after it (not a key frame: the clips have 2 s GOPs).
struct ClipFrames {
  std::string codec;
  Bytes config;
  Bytes key_frame;
  Bytes next_frame;
};

Result<ClipFrames> ReadClipFrames(const std::filesystem::path& path) {
  Bytes file(std::filesystem::file_size(path));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(file.data()), static_cast<std::streamsize>(file.size()));
  if (!in) return Err(ErrorCode::kIo, "reading " + path.string());
  NJ_TRY(mp4::DemuxedFile demuxed, mp4::DemuxMp4(file));
  for (const mp4::DemuxedTrack& t : demuxed.tracks) {
    if (t.kind != mp4::DemuxedTrack::Kind::kVideo || t.samples.size() < 2) continue;
    ClipFrames c;
    c.config = t.codec_config;
    if (t.format == "hvc1" || t.format == "hev1") {
      NJ_TRY(codec::HevcDecoderConfig hvcc, codec::ParseHvcC(t.codec_config));
      c.codec = codec::H265CodecString(hvcc.general, t.format);
    } else {
      NJ_TRY(codec::AvcDecoderConfig avcc, codec::ParseAvcC(t.codec_config));
      c.codec = t.format + codec::H264CodecString(avcc.profile_indication,
                                                  avcc.profile_compatibility, avcc.level_indication)
                               .substr(4);
    }
    size_t k = 0;
    while (k + 1 < t.samples.size() && !t.samples[k].key) ++k;
    if (k + 1 >= t.samples.size() || !t.samples[k].key || t.samples[k + 1].key) break;
    const mp4::DemuxedSample& key = t.samples[k];
    const mp4::DemuxedSample& next = t.samples[k + 1];
    c.key_frame.assign(file.begin() + key.offset, file.begin() + key.offset + key.size);
    c.next_frame.assign(file.begin() + next.offset, file.begin() + next.offset + next.size);
    return c;
  }
  return Err(ErrorCode::kNotFound, path.string() + ": no video track with a key frame");
}

// Clips are read once per test binary; nullptr (and the test skips) when absent.
const ClipFrames* Clip(const std::string& name) {
  static std::map<std::string, std::optional<ClipFrames>> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    std::optional<ClipFrames> loaded;
    const char* dir = std::getenv("NIGHTJAR_CLIPS");
    const std::filesystem::path path = std::filesystem::path(dir ? dir : "") / name;
    if (dir != nullptr && std::filesystem::exists(path)) {
      Result<ClipFrames> r = ReadClipFrames(path);
      EXPECT_TRUE(r.has_value()) << r.error().ToString();
      if (r) loaded = std::move(*r);
    }
    it = cache.emplace(name, std::move(loaded)).first;
  }
  return it->second ? &*it->second : nullptr;
}

#define CLIP_OR_SKIP(var, name)                                                      \
  const ClipFrames* var = Clip(name);                                                \
  if ((var) == nullptr) {                                                            \
    GTEST_SKIP() << "NIGHTJAR_CLIPS/" << (name) << " not available (make_clips.sh)"; \
  }

// ---- The JPEG, decoded back by libavcodec ---------------------------------------------------

struct Picture {
  int width = 0;
  int height = 0;
  AVPixelFormat format = AV_PIX_FMT_NONE;
  std::vector<uint8_t> luma;  // width * height samples, row by row
};

std::optional<Picture> DecodeJpeg(const Bytes& jpeg) {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!ctx || !packet || !frame || avcodec_open2(ctx.get(), codec, nullptr) < 0 ||
      av_new_packet(packet.get(), static_cast<int>(jpeg.size())) < 0) {
    ADD_FAILURE() << "cannot set up the mjpeg decoder";
    return std::nullopt;
  }
  std::copy(jpeg.begin(), jpeg.end(), packet->data);
  if (avcodec_send_packet(ctx.get(), packet.get()) < 0 ||
      avcodec_receive_frame(ctx.get(), frame.get()) < 0) {
    ADD_FAILURE() << "libavcodec cannot decode the JPEG";
    return std::nullopt;
  }
  Picture p;
  p.width = frame->width;
  p.height = frame->height;
  p.format = static_cast<AVPixelFormat>(frame->format);
  for (int y = 0; y < p.height; ++y) {
    const uint8_t* row = frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0];
    p.luma.insert(p.luma.end(), row, row + p.width);
  }
  return p;
}

// A complete JPEG file of the given size, as JFIF 4:2:0 full range decodes.
std::optional<Picture> ExpectJpeg(const Result<Bytes>& jpeg, int width, int height) {
  if (!jpeg) {
    ADD_FAILURE() << jpeg.error().ToString();
    return std::nullopt;
  }
  if (jpeg->size() < 4) {
    ADD_FAILURE() << "JPEG of " << jpeg->size() << " bytes";
    return std::nullopt;
  }
  EXPECT_EQ((*jpeg)[0], 0xff);  // SOI (ITU-T T.81 §B.2.1)
  EXPECT_EQ((*jpeg)[1], 0xd8);
  EXPECT_EQ((*jpeg)[jpeg->size() - 2], 0xff);  // EOI
  EXPECT_EQ((*jpeg)[jpeg->size() - 1], 0xd9);
  std::optional<Picture> p = DecodeJpeg(*jpeg);
  if (!p) return std::nullopt;
  EXPECT_EQ(p->width, width);
  EXPECT_EQ(p->height, height);
  EXPECT_EQ(p->format, AV_PIX_FMT_YUVJ420P);
  return p;
}

// testsrc2 is colour bars, gradients and text: a gray or green picture from a failed decode has
// almost no spread.
double LumaStdDev(const Picture& p) {
  double sum = 0, sum2 = 0;
  for (uint8_t v : p.luma) {
    sum += v;
    sum2 += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(p.luma.size());
  return std::sqrt(sum2 / n - (sum / n) * (sum / n));
}

// Mean absolute difference between `small` and `big` box-averaged by `factor` on both axes,
// with `small` shifted right by `dx` samples (to show that a misplaced picture would differ).
double MeanAbsDiffDownscaled(const Picture& big, const Picture& small, int factor, int dx = 0) {
  double total = 0;
  int count = 0;
  for (int y = 0; y < small.height; ++y) {
    for (int x = 0; x + dx < small.width; ++x) {
      int sum = 0;
      for (int j = 0; j < factor; ++j) {
        for (int i = 0; i < factor; ++i) {
          sum += big.luma[static_cast<size_t>(y * factor + j) * big.width +
                          static_cast<size_t>(x * factor + i)];
        }
      }
      const double average = static_cast<double>(sum) / (factor * factor);
      total += std::abs(average - small.luma[static_cast<size_t>(y) * small.width + x + dx]);
      ++count;
    }
  }
  return total / count;
}

Result<Bytes> Snapshot(const ClipFrames& c, uint32_t max_width = 0, int quality = 3) {
  return KeyFrameToJpeg(c.codec, c.config, c.key_frame,
                        SnapshotOptions{.max_width = max_width, .quality = quality});
}

void ExpectError(const Result<Bytes>& r, ErrorCode code) {
  ASSERT_FALSE(r.has_value()) << "got a " << r->size() << "-byte JPEG";
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find("snapshot: "), std::string::npos) << r.error().message();
}

// ---- Real key frames ------------------------------------------------------------------------

TEST(SnapshotTest, H264KeyFrameFullSizeAndScaled) {
  CLIP_OR_SKIP(clip, "main.mp4");
  EXPECT_TRUE(clip->codec.starts_with("avc1.64")) << clip->codec;  // High profile
  std::optional<Picture> full = ExpectJpeg(Snapshot(*clip), 1920, 1080);
  std::optional<Picture> small = ExpectJpeg(Snapshot(*clip, 640), 640, 360);
  ASSERT_TRUE(full && small);
  EXPECT_GT(LumaStdDev(*full), 30);
  // Limited range (the clip: luma 8..227 with noise) expanded to JFIF's full range: 0..245.
  const auto [darkest, brightest] = std::minmax_element(full->luma.begin(), full->luma.end());
  EXPECT_LE(*darkest, 3);
  EXPECT_GE(*brightest, 240);
  // The scaled picture is the full one, shrunk: not cropped, shifted or another frame.
  const double diff = MeanAbsDiffDownscaled(*full, *small, 3);
  EXPECT_LT(diff, 3) << "scaled snapshot does not match the full one";
  EXPECT_GT(MeanAbsDiffDownscaled(*full, *small, 3, /*dx=*/8), 2 * diff);
}

TEST(SnapshotTest, H265KeyFrameFullSizeAndScaled) {
  CLIP_OR_SKIP(clip, "h265.mp4");
  EXPECT_TRUE(clip->codec.starts_with("hvc1.1.")) << clip->codec;  // Main profile
  std::optional<Picture> full = ExpectJpeg(Snapshot(*clip), 1920, 1080);
  std::optional<Picture> small = ExpectJpeg(Snapshot(*clip, 640), 640, 360);
  ASSERT_TRUE(full && small);
  EXPECT_GT(LumaStdDev(*full), 30);
  EXPECT_LT(MeanAbsDiffDownscaled(*full, *small, 3), 3);
}

TEST(SnapshotTest, SameFrameFromH264AndH265ClipsLooksAlike) {
  // Both clips are the same testsrc2 source at 1920x1080: their first frames match closely,
  // which a decode with wrong colour range or a wrong plane layout would not.
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  std::optional<Picture> a = ExpectJpeg(Snapshot(*h264, 640), 640, 360);
  std::optional<Picture> b = ExpectJpeg(Snapshot(*h265, 640), 640, 360);
  ASSERT_TRUE(a && b);
  double total = 0;
  for (size_t i = 0; i < a->luma.size(); ++i) total += std::abs(a->luma[i] - b->luma[i]);
  EXPECT_LT(total / static_cast<double>(a->luma.size()), 4);
}

TEST(SnapshotTest, OtherSampleEntryTypesOfTheSameCodec) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  ExpectJpeg(KeyFrameToJpeg("avc3.640028", h264->config, h264->key_frame), 1920, 1080);
  ExpectJpeg(KeyFrameToJpeg("avc1", h264->config, h264->key_frame), 1920, 1080);
  ExpectJpeg(KeyFrameToJpeg("hev1.1.6.L120.90", h265->config, h265->key_frame), 1920, 1080);
}

TEST(SnapshotTest, NeverScalesUpAndKeepsSizesEven) {
  CLIP_OR_SKIP(clip, "main.mp4");
  ExpectJpeg(Snapshot(*clip, 1920), 1920, 1080);
  ExpectJpeg(Snapshot(*clip, 4096), 1920, 1080);
  ExpectJpeg(Snapshot(*clip, 641), 640, 360);  // 641 x 360.56: both rounded to even
  ExpectJpeg(Snapshot(*clip, 101), 100, 56);   // 101 x 56.8 -> 57 -> 56
  ExpectJpeg(Snapshot(*clip, 1), 2, 2);        // never below one chroma sample
}

TEST(SnapshotTest, QualitySetsTheQuantizer) {
  CLIP_OR_SKIP(clip, "main.mp4");
  Result<Bytes> best = Snapshot(*clip, 640, 2);
  Result<Bytes> worst = Snapshot(*clip, 640, 31);
  ExpectJpeg(best, 640, 360);
  ExpectJpeg(worst, 640, 360);
  ASSERT_TRUE(best && worst);
  EXPECT_GT(best->size(), 3 * worst->size());
  ExpectError(Snapshot(*clip, 640, 1), ErrorCode::kInvalidArgument);
  ExpectError(Snapshot(*clip, 640, 32), ErrorCode::kInvalidArgument);
}

TEST(SnapshotTest, ConcurrentCallsGiveTheSameBytes) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  Result<Bytes> want264 = Snapshot(*h264, 320);
  Result<Bytes> want265 = Snapshot(*h265, 320);
  ASSERT_TRUE(want264 && want265);
  Result<Bytes> got264 = Err(ErrorCode::kInternal, "not run");
  Result<Bytes> got265 = Err(ErrorCode::kInternal, "not run");
  std::thread t1([&] { got264 = Snapshot(*h264, 320); });
  std::thread t2([&] { got265 = Snapshot(*h265, 320); });
  t1.join();
  t2.join();
  ASSERT_TRUE(got264 && got265);
  EXPECT_EQ(*got264, *want264);
  EXPECT_EQ(*got265, *want265);
}

// ---- Bad input ------------------------------------------------------------------------------

TEST(SnapshotTest, UnknownCodecs) {
  const Bytes config = {1, 0x64, 0, 0x28, 0xff, 0xe0, 0};
  const Bytes frame = {0, 0, 0, 2, 0x65, 0x88};
  for (const char* codec : {"mp4a.40.2", "vp09.00.10.08", "av01.0.04M.08", "", "avc", "avc1x.64",
                            "AVC1.640028", "hvc2.1.6.L120.90"}) {
    SCOPED_TRACE(codec);
    ExpectError(KeyFrameToJpeg(codec, config, frame), ErrorCode::kUnsupported);
  }
}

TEST(SnapshotTest, BadConfigurations) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  ExpectError(KeyFrameToJpeg(h264->codec, {}, h264->key_frame), ErrorCode::kMalformed);
  ExpectError(KeyFrameToJpeg(h265->codec, {}, h265->key_frame), ErrorCode::kMalformed);
  // Truncated records.
  const std::span<const uint8_t> avcc(h264->config);
  const std::span<const uint8_t> hvcc(h265->config);
  ExpectError(KeyFrameToJpeg(h264->codec, avcc.first(10), h264->key_frame), ErrorCode::kMalformed);
  ExpectError(KeyFrameToJpeg(h265->codec, hvcc.first(25), h265->key_frame), ErrorCode::kMalformed);
  // 2-byte NAL lengths: the stored frames' 4-byte lengths would be misread.
  Bytes short_lengths = h264->config;
  short_lengths[4] = 0xfc | 1;
  ExpectError(KeyFrameToJpeg(h264->codec, short_lengths, h264->key_frame), ErrorCode::kUnsupported);
  // Each codec given the other's record and frame.
  EXPECT_FALSE(KeyFrameToJpeg(h264->codec, h265->config, h265->key_frame).has_value());
  EXPECT_FALSE(KeyFrameToJpeg(h265->codec, h264->config, h264->key_frame).has_value());
  EXPECT_FALSE(KeyFrameToJpeg(h264->codec, h264->config, h265->key_frame).has_value());
  EXPECT_FALSE(KeyFrameToJpeg(h265->codec, h265->config, h264->key_frame).has_value());
}

TEST(SnapshotTest, EmptyGarbageAndTruncatedFrames) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  std::mt19937 rng(42);
  for (const ClipFrames* clip : {h264, h265}) {
    SCOPED_TRACE(clip->codec);
    ExpectError(KeyFrameToJpeg(clip->codec, clip->config, {}), ErrorCode::kMalformed);
    // Cut in the middle: the last NAL length runs past the end.
    const std::span<const uint8_t> key(clip->key_frame);
    ExpectError(KeyFrameToJpeg(clip->codec, clip->config, key.first(key.size() / 2)),
                ErrorCode::kMalformed);
    // Random bytes, as they are and behind a correct length prefix with a slice NAL header
    // (H.264 IDR; H.265 IDR_W_RADL), so that the decoder itself has to refuse them.
    Bytes garbage(4096);
    for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng());
    EXPECT_FALSE(KeyFrameToJpeg(clip->codec, clip->config, garbage).has_value());
    Bytes framed = {0x00, 0x00, 0x0f, 0xfc};  // 4092 bytes follow
    framed.insert(framed.end(), garbage.begin(), garbage.end() - 4);
    framed[4] = clip == h264 ? 0x65 : 0x26;
    if (clip == h265) framed[5] = 0x01;
    ExpectError(KeyFrameToJpeg(clip->codec, clip->config, framed), ErrorCode::kMalformed);
  }
}

// The key frame's NAL units, with every key-frame slice passed through `slice`.
Bytes RewriteSlices(
    const ClipFrames& clip, codec::VideoCodec vc,
    const std::function<std::span<const uint8_t>(std::span<const uint8_t>)>& slice) {
  auto units = codec::SplitLengthPrefixed(clip.key_frame, 4);
  Bytes out;
  if (!units) {
    ADD_FAILURE() << units.error().ToString();
    return out;
  }
  for (std::span<const uint8_t> nal : *units) {
    std::span<const uint8_t> kept = codec::IsKeyFrameNal(vc, nal) ? slice(nal) : nal;
    if (!kept.empty()) {
      EXPECT_TRUE(codec::AppendLengthPrefixed(kept, &out).has_value());
    }
  }
  return out;
}

// A slice cut short with its NAL length fixed to match: libavcodec's H.264 decoder conceals the
// missing macroblocks and flags the picture, and that is not a snapshot. (The H.265 decoder does
// not notice: see CheckPicture.)
TEST(SnapshotTest, TruncatedSliceIsRefused) {
  CLIP_OR_SKIP(clip, "main.mp4");
  const Bytes cut =
      RewriteSlices(*clip, codec::VideoCodec::kH264,
                    [](std::span<const uint8_t> nal) { return nal.first(nal.size() / 3); });
  ASSERT_NE(cut.size(), clip->key_frame.size());
  ExpectError(KeyFrameToJpeg(clip->codec, clip->config, cut), ErrorCode::kMalformed);
}

// Slice data replaced by random bytes behind each slice's real header (its first 16 bytes).
// The H.264 decoder notices (impossible intra modes, overruns) and flags the picture. The H.265
// decoder has no such checks: it decodes the noise into a picture of the right size, which is
// all this test asks of it (and that it does not crash).
TEST(SnapshotTest, CorruptSliceData) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  for (int seed = 0; seed < 5; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    Bytes slice_copy;
    auto scramble = [&](std::span<const uint8_t> nal) {
      slice_copy.assign(nal.begin(), nal.end());
      for (size_t i = 16; i < slice_copy.size(); ++i) slice_copy[i] = static_cast<uint8_t>(rng());
      return std::span<const uint8_t>(slice_copy);
    };
    const Bytes bad264 = RewriteSlices(*h264, codec::VideoCodec::kH264, scramble);
    ExpectError(KeyFrameToJpeg(h264->codec, h264->config, bad264), ErrorCode::kMalformed);
    const Bytes bad265 = RewriteSlices(*h265, codec::VideoCodec::kH265, scramble);
    Result<Bytes> jpeg = KeyFrameToJpeg(h265->codec, h265->config, bad265);
    if (jpeg) ExpectJpeg(jpeg, 1920, 1080);
  }
}

// The parameter sets of a clip's configuration record, as in-band NAL units.
Bytes InBandParameterSets(const ClipFrames& clip, codec::VideoCodec vc) {
  std::vector<std::vector<uint8_t>> units;
  if (vc == codec::VideoCodec::kH264) {
    auto avcc = codec::ParseAvcC(clip.config);
    EXPECT_TRUE(avcc.has_value());
    if (avcc) {
      units = avcc->sps;
      units.insert(units.end(), avcc->pps.begin(), avcc->pps.end());
    }
  } else {
    auto hvcc = codec::ParseHvcC(clip.config);
    EXPECT_TRUE(hvcc.has_value());
    if (hvcc) {
      for (const codec::HvcCArray& a : hvcc->arrays) {
        units.insert(units.end(), a.nal_units.begin(), a.nal_units.end());
      }
    }
  }
  Bytes out;
  for (const auto& nal : units) EXPECT_TRUE(codec::AppendLengthPrefixed(nal, &out).has_value());
  return out;
}

// A key frame without its slices (left: in-band parameter sets and SEI) has no picture.
TEST(SnapshotTest, FrameWithoutSlicesGivesNoPicture) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  for (const ClipFrames* clip : {h264, h265}) {
    SCOPED_TRACE(clip->codec);
    const codec::VideoCodec vc = clip == h264 ? codec::VideoCodec::kH264 : codec::VideoCodec::kH265;
    Bytes rest = InBandParameterSets(*clip, vc);
    ASSERT_FALSE(rest.empty());
    const Bytes others = RewriteSlices(
        *clip, vc, [](std::span<const uint8_t>) { return std::span<const uint8_t>(); });
    rest.insert(rest.end(), others.begin(), others.end());
    ExpectError(KeyFrameToJpeg(clip->codec, clip->config, rest), ErrorCode::kMalformed);
    // The same parameter sets in front of the slices do give a picture.
    rest = InBandParameterSets(*clip, vc);
    rest.insert(rest.end(), clip->key_frame.begin(), clip->key_frame.end());
    ExpectJpeg(KeyFrameToJpeg(clip->codec, clip->config, rest), 1920, 1080);
  }
}

TEST(SnapshotTest, NonKeyFrameGivesNoPicture) {
  CLIP_OR_SKIP(h264, "main.mp4");
  CLIP_OR_SKIP(h265, "h265.mp4");
  for (const ClipFrames* clip : {h264, h265}) {
    SCOPED_TRACE(clip->codec);
    ExpectError(KeyFrameToJpeg(clip->codec, clip->config, clip->next_frame), ErrorCode::kMalformed);
  }
}

}  // namespace
}  // namespace nightjar::decode
