// Internal to src/storage (media_source.cc, media_split.cc): a recording's index decoded into the
// samples a plan includes, and the wall time <-> media time mapping that trims a recording to a
// range. Nothing here does I/O except DecodeRange (through the catalog).
//
// Wall time and media time: a recording's frames are timed by the camera's clock (media time, 90
// kHz from its first frame, summing to row.media_duration); the row maps them onto wall time
// linearly, [row.start, row.end()) covering [0, media_duration). MediaAt and WallAt are that map.
//
// Thread safety: pure functions over values.
#ifndef NIGHTJAR_STORAGE_MEDIA_INDEX_H_
#define NIGHTJAR_STORAGE_MEDIA_INDEX_H_

#include <cstdint>
#include <vector>

#include "base/error.h"
#include "base/time.h"
#include "db/rows.h"
#include "db/video_index.h"
#include "mp4/virtual_mp4.h"
#include "storage/media_source.h"

namespace nightjar::storage::internal {

// All of a recording's samples with their file offsets.
struct FullIndex {
  std::vector<db::VideoSample> video;
  std::vector<db::AudioSample> audio;
  std::vector<uint64_t> video_offset, audio_offset;  // in the sample file (kAll only)
  std::vector<db::Chunk> chunks;                     // empty without audio
  uint64_t file_bytes = 0;
};

enum class IndexParts {
  kVideo,  // the video samples only (no offsets, audio or chunks): enough to find frames
  kAll,
};

// Decodes the index of `row`. kMalformed when it disagrees with the row's counts or does not
// decode. A WRITING row may be older than the index read after it (a checkpoint in between only
// appends): the samples past the row's counts are left out, so the result matches the row.
Result<FullIndex> DecodeIndex(const db::RecordingRow& row, const db::RecordingIndexRow& idx,
                              IndexParts parts = IndexParts::kAll);

// One recording's included samples, as the mp4 layer takes them.
struct Decoded {
  mp4::SegmentSamples samples;
  uint64_t begin = 0, end = 0;  // byte span in the sample file
  uint64_t video_sync = 0, video_duration = 0, audio_duration = 0;
  uint64_t video_chunks = 0, audio_chunks = 0;
  bool has_cto = false;
  int64_t first_start = 0;   // decode time of the first included frame in the recording (90 kHz)
  int64_t end_start = 0;     // decode time where the included frames end
  int64_t audio_start = -1;  // start of the first included audio sample (sample-rate units)
};

// Which audio goes with a range of frames: the samples lying in the sample file ...
enum class AudioSpan {
  // ... from the first frame's bytes to the end of the last frame's;
  kFromFirstFrame,
  // ... from the end of the frame before the first one: consecutive ranges of one recording's
  // frames then share out its audio, each sample exactly once.
  kFromPreviousFrame,
};

// Frames [first, end) of the video (0 <= first < end <= frames; `f` decoded with kAll), and the
// audio samples of `span` (all of the file's audio before the first frame or after the last one
// when those are included).
Decoded Select(const FullIndex& f, int64_t first, int64_t end,
               AudioSpan span = AudioSpan::kFromFirstFrame);

// Media time (90 kHz, from the recording's first frame) of wall time t, clamped to the recording.
int64_t MediaAt(const db::RecordingRow& r, Time90k t);
// Wall time of media time `media` (the inverse map, not clamped; row.start without duration).
Time90k WallAt(const db::RecordingRow& r, int64_t media);

// The frames of `row` that a request for [from, to) includes: from the key frame at or before
// `from` (the first frame when `from` precedes the recording) up to the last frame presented
// before `to` (the last frame when `to` follows it). `f` holds at least one frame.
MediaPlan::Part TrimRange(const db::RecordingRow& row, const FullIndex& f, Time90k from,
                          Time90k to);

// DecodeIndex + TrimRange + Select, reading the index through the catalog.
Result<Decoded> DecodeRange(RecordingCatalog& catalog, const db::RecordingRow& row, Time90k from,
                            Time90k to, MediaPlan::Part* part);

// The recordings with frames overlapping [from, to) of the stream, by start. kInvalidArgument for
// from >= to; kNotFound when there are none.
Result<std::vector<db::RecordingRow>> ListRecorded(RecordingCatalog& catalog, int64_t stream_id,
                                                   Time90k from, Time90k to);

}  // namespace nightjar::storage::internal

#endif  // NIGHTJAR_STORAGE_MEDIA_INDEX_H_
