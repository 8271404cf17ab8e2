#include "db/video_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "db/test_util.h"

namespace nightjar::db {
namespace {

using Bytes = std::vector<uint8_t>;

struct Sample {
  int64_t duration;
  int64_t bytes;
  bool key;
  int64_t cto;
};

std::vector<Sample> DecodeVideo(const Bytes& index, bool has_cto) {
  std::vector<Sample> out;
  VideoIndexIterator it(index, has_cto);
  int64_t start = 0, offset = 0;
  while (true) {
    auto more = it.Next();
    EXPECT_TRUE(more.has_value()) << more.error().ToString();
    if (!more || !*more) break;
    const VideoSample& s = it.sample();
    EXPECT_EQ(s.start.ticks(), start);
    EXPECT_EQ(s.byte_offset, offset);
    start += s.duration.ticks();
    offset += s.bytes;
    out.push_back({s.duration.ticks(), s.bytes, s.key, s.cto.ticks()});
  }
  return out;
}

bool operator==(const Sample& a, const Sample& b) {
  return a.duration == b.duration && a.bytes == b.bytes && a.key == b.key && a.cto == b.cto;
}

// The worked example of the Moonfire storage schema (the seed of docs/schema.md §video_index).
// The seed's table lists the bytes 2a d0 0f 03 14 08 0a 03 05 01 02, but four of its entries
// contradict its own formula, zigzag(duration delta) << 1 | is_key and zigzag(bytes delta):
// frame 1 is zigzag(10) << 1 | 1 = 41 (0x29, not 42), frames 2 and 4 are zigzag(-1) << 1 = 2
// (not 3), and frame 5's size delta 50 is zigzag 100 (0x64, not 2). The bytes below follow
// docs/schema.md, and are also what Moonfire's own encoder test expects.
TEST(VideoIndexTest, MoonfireWorkedExample) {
  const Sample samples[] = {{10, 1000, true, 0},
                            {9, 10, false, 0},
                            {11, 15, false, 0},
                            {10, 12, false, 0},
                            {10, 1050, true, 0}};
  VideoIndexEncoder enc;
  for (const Sample& s : samples) {
    NJ_ASSERT_OK(enc.Append(Duration90k(s.duration), s.bytes, s.key));
  }
  EXPECT_EQ(enc.bytes(), (Bytes{0x29, 0xd0, 0x0f, 0x02, 0x14, 0x08, 0x0a, 0x02, 0x05, 0x01, 0x64}));
  EXPECT_FALSE(enc.has_cto());
  EXPECT_EQ(enc.samples(), 5);
  EXPECT_EQ(enc.sync_samples(), 2);
  EXPECT_EQ(enc.duration(), Duration90k(50));
  EXPECT_EQ(enc.total_bytes(), 2087);
  EXPECT_EQ(DecodeVideo(enc.bytes(), false),
            std::vector<Sample>(std::begin(samples), std::end(samples)));
  auto summary = SummarizeVideoIndex(enc.bytes(), false);
  NJ_ASSERT_OK(summary);
  EXPECT_EQ(summary->samples, 5);
  EXPECT_EQ(summary->sync_samples, 2);
  EXPECT_EQ(summary->duration, Duration90k(50));
  EXPECT_EQ(summary->bytes, 2087);
}

TEST(VideoIndexTest, RandomRoundTrip) {
  std::mt19937_64 rng(42);
  for (bool with_cto : {false, true}) {
    std::vector<Sample> samples;
    VideoIndexEncoder enc(with_cto);
    for (int i = 0; i < 5000; ++i) {
      Sample s{static_cast<int64_t>(rng() % (kMaxSampleDuration + 1)),
               static_cast<int64_t>(rng() % (kMaxSampleBytes + 1)), rng() % 7 == 0,
               with_cto ? static_cast<int64_t>(rng() % (int64_t{1} << 32)) + kMinCto : 0};
      if (i % 3 == 0) s.duration = rng() % 4;  // small values and deltas too
      samples.push_back(s);
      NJ_ASSERT_OK(enc.Append(Duration90k(s.duration), s.bytes, s.key, Duration90k(s.cto)));
    }
    EXPECT_EQ(enc.has_cto(), with_cto);
    EXPECT_EQ(DecodeVideo(enc.bytes(), with_cto), samples);
  }
}

TEST(VideoIndexTest, SwitchesToCtoModeAndReencodes) {
  VideoIndexEncoder enc;
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 50000, true));
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 9000, false));
  EXPECT_FALSE(enc.has_cto());
  Bytes before = enc.bytes();
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 4000, false, Duration90k(6000)));
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 4100, false, Duration90k(-3000)));
  EXPECT_TRUE(enc.has_cto());
  EXPECT_EQ(enc.samples(), 4);
  EXPECT_EQ(enc.sync_samples(), 1);
  EXPECT_EQ(enc.total_bytes(), 67100);
  EXPECT_GT(enc.bytes().size(), before.size() + 2);
  std::vector<Sample> expected = {{3000, 50000, true, 0},
                                  {3000, 9000, false, 0},
                                  {3000, 4000, false, 6000},
                                  {3000, 4100, false, -3000}};
  EXPECT_EQ(DecodeVideo(enc.bytes(), true), expected);
  // The same as an encoder in cto mode from the start.
  VideoIndexEncoder direct(/*with_cto=*/true);
  for (const Sample& s : expected) {
    NJ_ASSERT_OK(direct.Append(Duration90k(s.duration), s.bytes, s.key, Duration90k(s.cto)));
  }
  EXPECT_EQ(direct.bytes(), enc.bytes());
}

TEST(VideoIndexTest, EncoderRejectsOutOfRangeAndChangesNothing) {
  VideoIndexEncoder enc;
  NJ_ASSERT_OK(enc.Append(Duration90k(3000), 100, true));
  Bytes before = enc.bytes();
  NJ_EXPECT_ERROR(enc.Append(Duration90k(-1), 100, false), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(enc.Append(Duration90k(kMaxSampleDuration + 1), 100, false),
                  ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(enc.Append(Duration90k(3000), -1, false), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(enc.Append(Duration90k(3000), kMaxSampleBytes + 1, false),
                  ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(enc.Append(Duration90k(3000), 1, false, Duration90k(kMaxCto + 1)),
                  ErrorCode::kInvalidArgument);
  EXPECT_EQ(enc.bytes(), before);
  EXPECT_EQ(enc.samples(), 1);
  EXPECT_FALSE(enc.has_cto());
  // Extremes are fine.
  NJ_EXPECT_OK(enc.Append(Duration90k(0), 0, false, Duration90k(kMinCto)));
  NJ_EXPECT_OK(
      enc.Append(Duration90k(kMaxSampleDuration), kMaxSampleBytes, true, Duration90k(kMaxCto)));
  EXPECT_EQ(DecodeVideo(enc.bytes(), true).size(), 3u);
}

// Iterates to the end and returns the error (or an Ok status).
Result<bool> Drain(const Bytes& index, bool has_cto, int64_t* samples = nullptr) {
  VideoIndexIterator it(index, has_cto);
  while (true) {
    auto more = it.Next();
    if (samples != nullptr) *samples = it.samples_read();
    if (!more || !*more) return more;
  }
}

TEST(VideoIndexTest, RejectsMalformedBytes) {
  struct Case {
    const char* what;
    Bytes bytes;
  } cases[] = {
      {"truncated varint", {0x29, 0xd0}},
      {"truncated sample", {0x29}},
      {"negative duration", {0x02, 0x00}},  // zigzag(-1) << 1
      {"negative size", {0x00, 0x01}},      // zigzag(-1)
      {"non-minimal varint", {0x80, 0x00, 0x00}},
      {"11-byte varint", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
      {"10th byte > 1", {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x00}},
      // Size delta 2^63 - 1 (zigzag 2^64 - 2): would overflow int64 if added blindly.
      {"huge size", {0x00, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
      // Duration 2^31 (zigzag 2^32, shifted): one past kMaxSampleDuration.
      {"duration over limit", {0x80, 0x80, 0x80, 0x80, 0x20, 0x00}},
  };
  for (const Case& c : cases) {
    auto result = Drain(c.bytes, false);
    EXPECT_FALSE(result.has_value()) << c.what;
    if (!result) {
      EXPECT_EQ(result.error().code(), ErrorCode::kMalformed) << c.what;
      EXPECT_NE(result.error().message().find("video_index"), std::string::npos);
    }
  }
  // A cto varint missing at the end, and a cto beyond its range.
  NJ_EXPECT_OK(Drain(Bytes{0x14, 0x10}, false));
  NJ_EXPECT_ERROR(Drain(Bytes{0x14, 0x10}, true), ErrorCode::kMalformed);
  NJ_EXPECT_ERROR(Drain(Bytes{0x04, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10}, true),
                  ErrorCode::kMalformed);
}

TEST(VideoIndexTest, ErrorsAreStickyAndNameThePosition) {
  // Two good samples, then a negative size.
  Bytes bytes = {0x29, 0xd0, 0x0f, 0x02, 0x14, 0x00, 0x29};
  VideoIndexIterator it(bytes, false);
  ASSERT_TRUE(*it.Next());
  ASSERT_TRUE(*it.Next());
  auto third = it.Next();
  ASSERT_FALSE(third.has_value());
  EXPECT_NE(third.error().message().find("at byte 5 (sample 2)"), std::string::npos)
      << third.error().message();
  EXPECT_FALSE(it.Next().has_value());
  EXPECT_EQ(it.samples_read(), 2);
}

TEST(VideoIndexTest, EmptyIndexHasNoSamples) {
  VideoIndexIterator it({}, false);
  auto more = it.Next();
  NJ_ASSERT_OK(more);
  EXPECT_FALSE(*more);
  EXPECT_FALSE(*it.Next());
  auto summary = SummarizeVideoIndex({}, true);
  NJ_ASSERT_OK(summary);
  EXPECT_EQ(summary->samples, 0);
}

// A minute of a typical 30 fps camera: every duration 3000 ticks, a ~150 KB key frame every 60
// frames (2 s GOP), ~14 KB +- 3 KB otherwise. docs/schema.md promises about 3 bytes per frame.
TEST(VideoIndexTest, RealisticStreamCostsAtMostThreeBytesPerFrame) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> key_size(145'000, 155'000);
  std::uniform_int_distribution<int64_t> frame_size(11'000, 17'000);
  VideoIndexEncoder enc;
  constexpr int kFrames = 1800;
  for (int i = 0; i < kFrames; ++i) {
    bool key = i % 60 == 0;
    NJ_ASSERT_OK(enc.Append(Duration90k(3000), key ? key_size(rng) : frame_size(rng), key));
  }
  double per_frame = static_cast<double>(enc.bytes().size()) / kFrames;
  std::printf("video_index: %zu bytes for %d frames at 30 fps = %.3f bytes/frame\n",
              enc.bytes().size(), kFrames, per_frame);
  EXPECT_LE(per_frame, 3.0);
  EXPECT_EQ(DecodeVideo(enc.bytes(), false).size(), static_cast<size_t>(kFrames));
}

// ---- audio_index ------------------------------------------------------------------------------

TEST(AudioIndexTest, AacFramesAreCompactAndRoundTrip) {
  std::mt19937_64 rng(3);
  AudioIndexEncoder enc;
  std::vector<std::pair<int64_t, int64_t>> samples;
  for (int i = 0; i < 1000; ++i) {
    int64_t bytes = 300 + static_cast<int64_t>(rng() % 60);
    samples.emplace_back(1024, bytes);
    NJ_ASSERT_OK(enc.Append(1024, bytes));
  }
  EXPECT_EQ(enc.samples(), 1000);
  EXPECT_EQ(enc.duration(), 1024 * 1000);
  // After the first sample, a single 0 byte for the duration and 1-2 bytes for the size.
  EXPECT_LE(enc.bytes().size(), 3u * 1000 + 3);
  AudioIndexIterator it(enc.bytes());
  int64_t start = 0, offset = 0;
  for (const auto& [duration, bytes] : samples) {
    auto more = it.Next();
    NJ_ASSERT_OK(more);
    ASSERT_TRUE(*more);
    EXPECT_EQ(it.sample().duration, duration);
    EXPECT_EQ(it.sample().bytes, bytes);
    EXPECT_EQ(it.sample().start, start);
    EXPECT_EQ(it.sample().byte_offset, offset);
    start += duration;
    offset += bytes;
  }
  EXPECT_FALSE(*it.Next());
  auto summary = SummarizeAudioIndex(enc.bytes());
  NJ_ASSERT_OK(summary);
  EXPECT_EQ(summary->samples, 1000);
  EXPECT_EQ(summary->duration, 1024000);
  EXPECT_EQ(summary->bytes, offset);
}

TEST(AudioIndexTest, RejectsMalformedAndBadArguments) {
  NJ_EXPECT_ERROR(SummarizeAudioIndex(Bytes{0x01, 0x00}), ErrorCode::kMalformed);  // duration -1
  NJ_EXPECT_ERROR(SummarizeAudioIndex(Bytes{0x00}), ErrorCode::kMalformed);        // truncated
  NJ_EXPECT_ERROR(SummarizeAudioIndex(Bytes{0x00, 0x80}), ErrorCode::kMalformed);
  AudioIndexEncoder enc;
  NJ_EXPECT_ERROR(enc.Append(-1, 10), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(enc.Append(1024, -10), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(enc.bytes().empty());
}

// ---- chunk_index ------------------------------------------------------------------------------

TEST(ChunkIndexTest, MergesSameTrackAndRoundTrips) {
  ChunkIndexEncoder enc;
  NJ_ASSERT_OK(enc.Append(Track::kVideo, 30));
  NJ_ASSERT_OK(enc.Append(Track::kVideo, 30));  // extends the first chunk
  NJ_ASSERT_OK(enc.Append(Track::kAudio, 47));
  NJ_ASSERT_OK(enc.Append(Track::kVideo, 100));
  EXPECT_EQ(enc.chunks(), 3);
  EXPECT_EQ(enc.samples(Track::kVideo), 160);
  EXPECT_EQ(enc.samples(Track::kAudio), 47);
  // 60 << 1 | 0 = 120; 47 << 1 | 1 = 95; 100 << 1 = 200 = c8 01.
  EXPECT_EQ(enc.bytes(), (Bytes{120, 95, 0xc8, 0x01}));
  ChunkIndexIterator it(enc.bytes());
  std::vector<std::tuple<Track, int64_t, int64_t>> chunks;
  while (true) {
    auto more = it.Next();
    NJ_ASSERT_OK(more);
    if (!*more) break;
    chunks.emplace_back(it.chunk().track, it.chunk().samples, it.chunk().first_sample);
  }
  EXPECT_EQ(chunks, (std::vector<std::tuple<Track, int64_t, int64_t>>{
                        {Track::kVideo, 60, 0}, {Track::kAudio, 47, 0}, {Track::kVideo, 100, 60}}));
  auto summary = SummarizeChunkIndex(enc.bytes());
  NJ_ASSERT_OK(summary);
  EXPECT_EQ(summary->chunks, 3);
  EXPECT_EQ(summary->video_samples, 160);
  EXPECT_EQ(summary->audio_samples, 47);
}

TEST(ChunkIndexTest, RejectsMalformedAndBadArguments) {
  NJ_EXPECT_ERROR(SummarizeChunkIndex(Bytes{0x00}), ErrorCode::kMalformed);        // empty chunk
  NJ_EXPECT_ERROR(SummarizeChunkIndex(Bytes{0x02, 0x04}), ErrorCode::kMalformed);  // video twice
  NJ_EXPECT_ERROR(SummarizeChunkIndex(Bytes{0x83}), ErrorCode::kMalformed);        // truncated
  // 2^31 + 1 video samples.
  NJ_EXPECT_ERROR(SummarizeChunkIndex(Bytes{0x82, 0x80, 0x80, 0x80, 0x10}), ErrorCode::kMalformed);
  NJ_EXPECT_OK(SummarizeChunkIndex(Bytes{0x80, 0x80, 0x80, 0x80, 0x10}));  // exactly 2^31
  ChunkIndexEncoder enc;
  NJ_EXPECT_ERROR(enc.Append(Track::kVideo, 0), ErrorCode::kInvalidArgument);
  NJ_EXPECT_ERROR(enc.Append(static_cast<Track>(2), 1), ErrorCode::kInvalidArgument);
  NJ_ASSERT_OK(enc.Append(Track::kAudio, kMaxIndexSamples));
  NJ_EXPECT_ERROR(enc.Append(Track::kAudio, 1), ErrorCode::kInvalidArgument);
  EXPECT_EQ(enc.samples(Track::kAudio), kMaxIndexSamples);
}

}  // namespace
}  // namespace nightjar::db
