// The per-recording frame indexes: encoders and validating iterators.
//
// This module owns the byte formats of recording_index.video_index, .audio_index and .chunk_index
// (docs/schema.md §video_index, §audio_index, §chunk_index): sequences of unsigned LEB128 varints
// holding zigzag-encoded deltas, so that a steady 30 fps stream costs about 3 bytes per frame.
//
// The iterators read bytes that come from the database file, which may be damaged or written by a
// buggy release, so they validate everything and report kMalformed instead of misbehaving:
// truncated or overlong varints, non-minimal varints (so each index has exactly one encoding),
// negative or oversized durations and sizes, more than kMaxIndexSamples samples, empty or
// non-alternating chunks. Every value they yield is within the limits below, so sums over a whole
// index (start times, byte offsets) cannot overflow int64.
//
// Thread safety: encoders and iterators are plain values with no shared state; one thread at a
// time per object. Iterators hold a view of the index bytes, which must outlive them.
#ifndef NIGHTJAR_DB_VIDEO_INDEX_H_
#define NIGHTJAR_DB_VIDEO_INDEX_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/error.h"
#include "base/time.h"

namespace nightjar::db {

// Limits shared by encoders (kInvalidArgument beyond them) and iterators (kMalformed).
inline constexpr int64_t kMaxIndexSamples = int64_t{1} << 31;  // samples per track per index
inline constexpr int64_t kMaxSampleDuration = (int64_t{1} << 31) - 1;  // in the track's units
inline constexpr int64_t kMaxSampleBytes = (int64_t{1} << 31) - 1;
inline constexpr int64_t kMinCto = -(int64_t{1} << 31);  // composition offset, 90 kHz
inline constexpr int64_t kMaxCto = (int64_t{1} << 31) - 1;

// ---- video_index ------------------------------------------------------------------------------

struct VideoSample {
  Duration90k duration;     // media time, 90 kHz
  int64_t bytes = 0;        // size of the access unit in the sample file
  bool key = false;         // sync sample: a key frame (codec::IsKeyFrameNal)
  Duration90k cto;          // composition time offset (pts - dts); 0 without cto
  Duration90k start;        // sum of the durations of the samples before this one
  int64_t byte_offset = 0;  // sum of the sizes of the video samples before this one
};

class VideoIndexEncoder {
 public:
  // with_cto starts in composition-offset mode (three varints per sample) from the first sample;
  // otherwise the encoder switches by itself when a non-zero cto arrives.
  explicit VideoIndexEncoder(bool with_cto = false) : has_cto_(with_cto) {}

  // Appends one sample, in decode order. If a non-zero cto arrives while the index has no cto
  // varints, everything so far is re-encoded with them (cto 0) and has_cto() becomes true; the
  // caller must then set kRecordingHasCto on the recording. Fails with kInvalidArgument, changing
  // nothing, for a duration outside [0, kMaxSampleDuration], bytes outside [0, kMaxSampleBytes], a
  // cto outside [kMinCto, kMaxCto], or a sample beyond kMaxIndexSamples.
  Result<void> Append(Duration90k duration, int64_t bytes, bool key, Duration90k cto = {});

  const std::vector<uint8_t>& bytes() const { return data_; }
  bool has_cto() const { return has_cto_; }
  int64_t samples() const { return samples_; }
  int64_t sync_samples() const { return sync_samples_; }
  Duration90k duration() const { return Duration90k(total_duration_); }
  int64_t total_bytes() const { return total_bytes_; }

 private:
  void Encode(int64_t duration, int64_t bytes, bool key, int64_t cto);
  Result<void> ReencodeWithCto();

  std::vector<uint8_t> data_;
  bool has_cto_;
  int64_t prev_duration_ = 0;
  int64_t prev_bytes_[2] = {0, 0};  // by is_key
  int64_t prev_cto_ = 0;
  int64_t samples_ = 0;
  int64_t sync_samples_ = 0;
  int64_t total_duration_ = 0;
  int64_t total_bytes_ = 0;
};

// Iterates a video_index; has_cto is the recording's kRecordingHasCto flag.
class VideoIndexIterator {
 public:
  VideoIndexIterator(std::span<const uint8_t> index, bool has_cto)
      : data_(index), has_cto_(has_cto) {}

  // Advances to the next sample: true when sample() holds it, false at the end of the index,
  // kMalformed (naming the byte offset and sample number) on bad bytes. After the end or an error,
  // every further call returns the same.
  Result<bool> Next();

  // The current sample; valid after Next() returned true.
  const VideoSample& sample() const { return sample_; }
  // Samples returned so far.
  int64_t samples_read() const { return samples_; }

 private:
  Result<bool> Fail(const std::string& what);

  std::span<const uint8_t> data_;
  bool has_cto_;
  size_t pos_ = 0;
  int64_t samples_ = 0;
  int64_t prev_duration_ = 0;
  int64_t prev_bytes_[2] = {0, 0};
  int64_t prev_cto_ = 0;
  VideoSample sample_;
  bool done_ = false;
  std::optional<Error> error_;
};

// What `nightjar check` compares with the recording row.
struct IndexSummary {
  int64_t samples = 0;
  int64_t sync_samples = 0;
  Duration90k duration;  // sum of the sample durations
  int64_t bytes = 0;     // sum of the sample sizes
};
Result<IndexSummary> SummarizeVideoIndex(std::span<const uint8_t> index, bool has_cto);

// ---- audio_index ------------------------------------------------------------------------------

struct AudioSample {
  int64_t duration = 0;  // in the track's sample-rate units (1024 for AAC)
  int64_t bytes = 0;
  int64_t start = 0;        // sum of the durations of the samples before this one
  int64_t byte_offset = 0;  // sum of the sizes of the audio samples before this one
};

class AudioIndexEncoder {
 public:
  // Fails with kInvalidArgument, changing nothing, for a duration outside [0, kMaxSampleDuration],
  // bytes outside [0, kMaxSampleBytes], or a sample beyond kMaxIndexSamples.
  Result<void> Append(int64_t duration, int64_t bytes);

  const std::vector<uint8_t>& bytes() const { return data_; }
  int64_t samples() const { return samples_; }
  int64_t duration() const { return total_duration_; }
  int64_t total_bytes() const { return total_bytes_; }

 private:
  std::vector<uint8_t> data_;
  int64_t prev_duration_ = 0;
  int64_t prev_bytes_ = 0;
  int64_t samples_ = 0;
  int64_t total_duration_ = 0;
  int64_t total_bytes_ = 0;
};

class AudioIndexIterator {
 public:
  explicit AudioIndexIterator(std::span<const uint8_t> index) : data_(index) {}

  // As VideoIndexIterator::Next.
  Result<bool> Next();
  const AudioSample& sample() const { return sample_; }
  int64_t samples_read() const { return samples_; }

 private:
  Result<bool> Fail(const std::string& what);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  int64_t samples_ = 0;
  int64_t prev_duration_ = 0;
  int64_t prev_bytes_ = 0;
  AudioSample sample_;
  bool done_ = false;
  std::optional<Error> error_;
};

struct AudioIndexSummary {
  int64_t samples = 0;
  int64_t duration = 0;  // track units
  int64_t bytes = 0;
};
Result<AudioIndexSummary> SummarizeAudioIndex(std::span<const uint8_t> index);

// ---- chunk_index ------------------------------------------------------------------------------

enum class Track { kVideo = 0, kAudio = 1 };

struct Chunk {
  Track track = Track::kVideo;
  int64_t samples = 0;       // >= 1
  int64_t first_sample = 0;  // index, within its track, of the chunk's first sample
};

class ChunkIndexEncoder {
 public:
  // Appends `samples` (>= 1) consecutive samples of `track` to the file layout. Samples of the
  // same track as the previous chunk extend it (a file's chunks alternate tracks), so the
  // encoding of a layout is unique. kInvalidArgument for samples < 1 or a track total beyond
  // kMaxIndexSamples, changing nothing.
  Result<void> Append(Track track, int64_t samples);

  const std::vector<uint8_t>& bytes() const { return data_; }
  int64_t chunks() const { return chunks_; }
  int64_t samples(Track track) const { return totals_[static_cast<int>(track)]; }

 private:
  std::vector<uint8_t> data_;
  size_t last_chunk_pos_ = 0;  // where the last chunk's varint starts
  int64_t last_chunk_samples_ = 0;
  std::optional<Track> last_track_;
  int64_t chunks_ = 0;
  int64_t totals_[2] = {0, 0};
};

class ChunkIndexIterator {
 public:
  explicit ChunkIndexIterator(std::span<const uint8_t> index) : data_(index) {}

  // As VideoIndexIterator::Next; also kMalformed for an empty chunk or two consecutive chunks of
  // one track.
  Result<bool> Next();
  const Chunk& chunk() const { return chunk_; }
  int64_t chunks_read() const { return chunks_; }

 private:
  Result<bool> Fail(const std::string& what);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  int64_t chunks_ = 0;
  int64_t totals_[2] = {0, 0};
  Chunk chunk_;
  bool done_ = false;
  std::optional<Error> error_;
};

struct ChunkIndexSummary {
  int64_t chunks = 0;
  int64_t video_samples = 0;
  int64_t audio_samples = 0;
};
Result<ChunkIndexSummary> SummarizeChunkIndex(std::span<const uint8_t> index);

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_VIDEO_INDEX_H_
