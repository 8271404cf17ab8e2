#include "db/video_index.h"

#include <string>
#include <utility>

namespace nightjar::db {

namespace {

// Unsigned LEB128: 7 bits per byte, least significant first, high bit set on all but the last.
void PutVarint(std::vector<uint8_t>* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<uint8_t>(v));
}

// Reads one varint at *pos, advancing it. Returns nullptr on success, else what is wrong. Rejects
// non-minimal encodings (a final 0x00 byte after others) so that each index has one encoding.
const char* GetVarint(std::span<const uint8_t> data, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (*pos + i >= data.size()) return "truncated varint";
    uint8_t b = data[*pos + i];
    if (i == 9 && b > 1) return "varint exceeds 64 bits";
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) return "non-minimal varint";
      *pos += i + 1;
      *out = v;
      return nullptr;
    }
  }
  return "varint exceeds 64 bits";  // not reached: the 10th byte has no continuation bit
}

// Zigzag maps signed to unsigned so that small magnitudes get short varints: 0, -1, 1, -2 ->
// 0, 1, 2, 3.
uint64_t Zigzag(int64_t n) {
  return (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63);
}
int64_t Unzigzag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }

// prev + delta, if it neither overflows nor leaves [lo, hi].
bool AddInRange(int64_t prev, int64_t delta, int64_t lo, int64_t hi, int64_t* out) {
  int64_t sum;
  if (__builtin_add_overflow(prev, delta, &sum) || sum < lo || sum > hi) return false;
  *out = sum;
  return true;
}

Error Malformed(const char* kind, const std::string& what, size_t pos, const char* unit,
                int64_t n) {
  return Error(ErrorCode::kMalformed, std::string(kind) + ": " + what + " at byte " +
                                          std::to_string(pos) + " (" + unit + " " +
                                          std::to_string(n) + ")");
}

Result<void> CheckSample(int64_t samples, int64_t duration, int64_t bytes) {
  if (duration < 0 || duration > kMaxSampleDuration) {
    return Err(ErrorCode::kInvalidArgument,
               "sample duration " + std::to_string(duration) + " out of range");
  }
  if (bytes < 0 || bytes > kMaxSampleBytes) {
    return Err(ErrorCode::kInvalidArgument,
               "sample size " + std::to_string(bytes) + " out of range");
  }
  if (samples >= kMaxIndexSamples) {
    return Err(ErrorCode::kInvalidArgument, "more than 2^31 samples in one index");
  }
  return Ok();
}

}  // namespace

// ---- video_index ------------------------------------------------------------------------------

Result<void> VideoIndexEncoder::Append(Duration90k duration, int64_t bytes, bool key,
                                       Duration90k cto) {
  NJ_CHECK_OK(CheckSample(samples_, duration.ticks(), bytes));
  if (cto.ticks() < kMinCto || cto.ticks() > kMaxCto) {
    return Err(ErrorCode::kInvalidArgument,
               "composition offset " + std::to_string(cto.ticks()) + " out of range");
  }
  if (!has_cto_ && cto.ticks() != 0) NJ_CHECK_OK(ReencodeWithCto());
  Encode(duration.ticks(), bytes, key, cto.ticks());
  return Ok();
}

void VideoIndexEncoder::Encode(int64_t duration, int64_t bytes, bool key, int64_t cto) {
  // Ranges are checked by Append, so the deltas fit in 32 bits and the shift cannot lose bits.
  PutVarint(&data_, Zigzag(duration - prev_duration_) << 1 | (key ? 1 : 0));
  PutVarint(&data_, Zigzag(bytes - prev_bytes_[key]));
  if (has_cto_) PutVarint(&data_, Zigzag(cto - prev_cto_));
  prev_duration_ = duration;
  prev_bytes_[key] = bytes;
  prev_cto_ = cto;
  ++samples_;
  if (key) ++sync_samples_;
  total_duration_ += duration;
  total_bytes_ += bytes;
}

Result<void> VideoIndexEncoder::ReencodeWithCto() {
  VideoIndexEncoder fresh(/*with_cto=*/true);
  VideoIndexIterator it(data_, /*has_cto=*/false);
  while (true) {
    auto more = it.Next();
    if (!more) {
      return Err(ErrorCode::kInternal,
                 "re-encoding our own video index failed: " + more.error().message());
    }
    if (!*more) break;
    const VideoSample& s = it.sample();
    fresh.Encode(s.duration.ticks(), s.bytes, s.key, 0);
  }
  *this = std::move(fresh);
  return Ok();
}

Result<bool> VideoIndexIterator::Fail(const std::string& what) {
  error_ = Malformed("video_index", what, pos_, "sample", samples_);
  return Err(*error_);
}

Result<bool> VideoIndexIterator::Next() {
  if (error_) return Err(*error_);
  if (done_) return false;
  if (pos_ == data_.size()) {
    done_ = true;
    return false;
  }
  if (samples_ == kMaxIndexSamples) return Fail("more than 2^31 samples");
  size_t pos = pos_;
  uint64_t v1 = 0, v2 = 0, v3 = 0;
  const char* bad = GetVarint(data_, &pos, &v1);
  if (bad == nullptr) bad = GetVarint(data_, &pos, &v2);
  if (bad == nullptr && has_cto_) bad = GetVarint(data_, &pos, &v3);
  if (bad != nullptr) return Fail(bad);

  bool key = (v1 & 1) != 0;
  int64_t duration, bytes, cto = 0;
  if (!AddInRange(prev_duration_, Unzigzag(v1 >> 1), 0, kMaxSampleDuration, &duration)) {
    return Fail("duration out of range");
  }
  if (!AddInRange(prev_bytes_[key], Unzigzag(v2), 0, kMaxSampleBytes, &bytes)) {
    return Fail("sample size out of range");
  }
  if (has_cto_ && !AddInRange(prev_cto_, Unzigzag(v3), kMinCto, kMaxCto, &cto)) {
    return Fail("composition offset out of range");
  }
  // Bounded by kMaxIndexSamples * 2^31 < 2^62: no overflow.
  sample_.start += sample_.duration;
  sample_.byte_offset += sample_.bytes;
  sample_.duration = Duration90k(duration);
  sample_.bytes = bytes;
  sample_.key = key;
  sample_.cto = Duration90k(cto);
  prev_duration_ = duration;
  prev_bytes_[key] = bytes;
  prev_cto_ = cto;
  pos_ = pos;
  ++samples_;
  return true;
}

Result<IndexSummary> SummarizeVideoIndex(std::span<const uint8_t> index, bool has_cto) {
  VideoIndexIterator it(index, has_cto);
  IndexSummary summary;
  while (true) {
    NJ_TRY(bool more, it.Next());
    if (!more) break;
    const VideoSample& s = it.sample();
    ++summary.samples;
    if (s.key) ++summary.sync_samples;
    summary.duration += s.duration;
    summary.bytes += s.bytes;
  }
  return summary;
}

// ---- audio_index ------------------------------------------------------------------------------

Result<void> AudioIndexEncoder::Append(int64_t duration, int64_t bytes) {
  NJ_CHECK_OK(CheckSample(samples_, duration, bytes));
  PutVarint(&data_, Zigzag(duration - prev_duration_));
  PutVarint(&data_, Zigzag(bytes - prev_bytes_));
  prev_duration_ = duration;
  prev_bytes_ = bytes;
  ++samples_;
  total_duration_ += duration;
  total_bytes_ += bytes;
  return Ok();
}

Result<bool> AudioIndexIterator::Fail(const std::string& what) {
  error_ = Malformed("audio_index", what, pos_, "sample", samples_);
  return Err(*error_);
}

Result<bool> AudioIndexIterator::Next() {
  if (error_) return Err(*error_);
  if (done_) return false;
  if (pos_ == data_.size()) {
    done_ = true;
    return false;
  }
  if (samples_ == kMaxIndexSamples) return Fail("more than 2^31 samples");
  size_t pos = pos_;
  uint64_t v1 = 0, v2 = 0;
  const char* bad = GetVarint(data_, &pos, &v1);
  if (bad == nullptr) bad = GetVarint(data_, &pos, &v2);
  if (bad != nullptr) return Fail(bad);
  int64_t duration, bytes;
  if (!AddInRange(prev_duration_, Unzigzag(v1), 0, kMaxSampleDuration, &duration)) {
    return Fail("duration out of range");
  }
  if (!AddInRange(prev_bytes_, Unzigzag(v2), 0, kMaxSampleBytes, &bytes)) {
    return Fail("sample size out of range");
  }
  sample_.start += sample_.duration;
  sample_.byte_offset += sample_.bytes;
  sample_.duration = duration;
  sample_.bytes = bytes;
  prev_duration_ = duration;
  prev_bytes_ = bytes;
  pos_ = pos;
  ++samples_;
  return true;
}

Result<AudioIndexSummary> SummarizeAudioIndex(std::span<const uint8_t> index) {
  AudioIndexIterator it(index);
  AudioIndexSummary summary;
  while (true) {
    NJ_TRY(bool more, it.Next());
    if (!more) break;
    ++summary.samples;
    summary.duration += it.sample().duration;
    summary.bytes += it.sample().bytes;
  }
  return summary;
}

// ---- chunk_index ------------------------------------------------------------------------------

Result<void> ChunkIndexEncoder::Append(Track track, int64_t samples) {
  if (track != Track::kVideo && track != Track::kAudio) {
    return Err(ErrorCode::kInvalidArgument, "chunk track must be video or audio");
  }
  int t = static_cast<int>(track);
  if (samples < 1 || samples > kMaxIndexSamples - totals_[t]) {
    return Err(ErrorCode::kInvalidArgument,
               "chunk of " + std::to_string(samples) + " samples out of range");
  }
  if (last_track_ == track) {
    data_.resize(last_chunk_pos_);  // extend the previous chunk: rewrite its varint
    last_chunk_samples_ += samples;
  } else {
    last_chunk_pos_ = data_.size();
    last_chunk_samples_ = samples;
    last_track_ = track;
    ++chunks_;
  }
  PutVarint(&data_, static_cast<uint64_t>(last_chunk_samples_) << 1 | static_cast<uint64_t>(t));
  totals_[t] += samples;
  return Ok();
}

Result<bool> ChunkIndexIterator::Fail(const std::string& what) {
  error_ = Malformed("chunk_index", what, pos_, "chunk", chunks_);
  return Err(*error_);
}

Result<bool> ChunkIndexIterator::Next() {
  if (error_) return Err(*error_);
  if (done_) return false;
  if (pos_ == data_.size()) {
    done_ = true;
    return false;
  }
  size_t pos = pos_;
  uint64_t v = 0;
  if (const char* bad = GetVarint(data_, &pos, &v)) return Fail(bad);
  int t = static_cast<int>(v & 1);
  uint64_t samples = v >> 1;
  if (samples == 0) return Fail("empty chunk");
  if (samples > static_cast<uint64_t>(kMaxIndexSamples - totals_[t])) {
    return Fail("more than 2^31 samples in a track");
  }
  if (chunks_ > 0 && static_cast<int>(chunk_.track) == t) {
    return Fail("two consecutive chunks of the same track");
  }
  chunk_.track = static_cast<Track>(t);
  chunk_.samples = static_cast<int64_t>(samples);
  chunk_.first_sample = totals_[t];
  totals_[t] += chunk_.samples;
  pos_ = pos;
  ++chunks_;
  return true;
}

Result<ChunkIndexSummary> SummarizeChunkIndex(std::span<const uint8_t> index) {
  ChunkIndexIterator it(index);
  ChunkIndexSummary summary;
  while (true) {
    NJ_TRY(bool more, it.Next());
    if (!more) break;
    ++summary.chunks;
    (it.chunk().track == Track::kVideo ? summary.video_samples : summary.audio_samples) +=
        it.chunk().samples;
  }
  return summary;
}

}  // namespace nightjar::db
