// libFuzzer target: the frame-index codecs of db/video_index.h (video_index with and without
// composition offsets, audio_index, chunk_index) over arbitrary bytes.
// Invariants beyond "no crash": every yielded value is within the documented limits; start and
// byte_offset are the running sums of the previous samples; chunks are non-empty, alternate
// tracks and number their first samples consecutively; after an error the iterator keeps failing;
// the Summarize* functions agree with the iteration; and an index that iterates to its end
// re-encodes to exactly the input (the encoding is canonical).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "db/video_index.h"

namespace db = nightjar::db;

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckVideo(std::span<const uint8_t> input, bool has_cto) {
  db::VideoIndexIterator it(input, has_cto);
  db::VideoIndexEncoder enc(has_cto);
  int64_t start = 0, offset = 0, samples = 0, sync = 0;
  bool ended = false;
  while (true) {
    auto more = it.Next();
    if (!more) {
      Check(!it.Next().has_value());  // sticky
      break;
    }
    if (!*more) {
      ended = true;
      break;
    }
    const db::VideoSample& s = it.sample();
    Check(s.duration.ticks() >= 0 && s.duration.ticks() <= db::kMaxSampleDuration);
    Check(s.bytes >= 0 && s.bytes <= db::kMaxSampleBytes);
    Check(s.cto.ticks() >= db::kMinCto && s.cto.ticks() <= db::kMaxCto);
    Check(has_cto || s.cto.ticks() == 0);
    Check(s.start.ticks() == start && s.byte_offset == offset);
    start += s.duration.ticks();
    offset += s.bytes;
    ++samples;
    if (s.key) ++sync;
    Check(it.samples_read() == samples);
    Check(enc.Append(s.duration, s.bytes, s.key, s.cto).has_value());
  }
  auto summary = db::SummarizeVideoIndex(input, has_cto);
  Check(summary.has_value() == ended);
  if (!ended) return;
  Check(summary->samples == samples && summary->sync_samples == sync &&
        summary->duration.ticks() == start && summary->bytes == offset);
  Check(enc.has_cto() == has_cto);
  Check(std::equal(input.begin(), input.end(), enc.bytes().begin(), enc.bytes().end()));
}

void CheckAudio(std::span<const uint8_t> input) {
  db::AudioIndexIterator it(input);
  db::AudioIndexEncoder enc;
  int64_t start = 0, offset = 0;
  bool ended = false;
  while (true) {
    auto more = it.Next();
    if (!more) {
      Check(!it.Next().has_value());
      break;
    }
    if (!*more) {
      ended = true;
      break;
    }
    const db::AudioSample& s = it.sample();
    Check(s.duration >= 0 && s.duration <= db::kMaxSampleDuration);
    Check(s.bytes >= 0 && s.bytes <= db::kMaxSampleBytes);
    Check(s.start == start && s.byte_offset == offset);
    start += s.duration;
    offset += s.bytes;
    Check(enc.Append(s.duration, s.bytes).has_value());
  }
  auto summary = db::SummarizeAudioIndex(input);
  Check(summary.has_value() == ended);
  if (!ended) return;
  Check(summary->samples == enc.samples() && summary->duration == start &&
        summary->bytes == offset);
  Check(std::equal(input.begin(), input.end(), enc.bytes().begin(), enc.bytes().end()));
}

void CheckChunks(std::span<const uint8_t> input) {
  db::ChunkIndexIterator it(input);
  db::ChunkIndexEncoder enc;
  int64_t totals[2] = {0, 0};
  int last_track = -1;
  bool ended = false;
  while (true) {
    auto more = it.Next();
    if (!more) {
      Check(!it.Next().has_value());
      break;
    }
    if (!*more) {
      ended = true;
      break;
    }
    const db::Chunk& c = it.chunk();
    int t = static_cast<int>(c.track);
    Check(t == 0 || t == 1);
    Check(t != last_track);
    Check(c.samples >= 1 && c.first_sample == totals[t]);
    totals[t] += c.samples;
    Check(totals[t] <= db::kMaxIndexSamples);
    last_track = t;
    Check(enc.Append(c.track, c.samples).has_value());
  }
  auto summary = db::SummarizeChunkIndex(input);
  Check(summary.has_value() == ended);
  if (!ended) return;
  Check(summary->chunks == it.chunks_read() && summary->video_samples == totals[0] &&
        summary->audio_samples == totals[1]);
  Check(std::equal(input.begin(), input.end(), enc.bytes().begin(), enc.bytes().end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  CheckVideo(input, /*has_cto=*/false);
  CheckVideo(input, /*has_cto=*/true);
  CheckAudio(input);
  CheckChunks(input);
  return 0;
}
