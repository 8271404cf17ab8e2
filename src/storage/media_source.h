// Serving recorded media: from a stream and a wall-time range to the inputs of the mp4 module's
// writers (virtual .mp4, MPEG-TS), and the sample-file reads that fill them.
//
// This file set owns the glue between the database (rows, indexes, sample entries) and src/mp4:
// it finds the recordings overlapping [from, to) of a stream (WRITTEN rows and checkpointed
// WRITING rows — a WRITING row describes only durable bytes), trims the first one back to the key
// frame at or before `from` and the last one at the first frame at or after `to`, and hands each
// recording to the mp4 layer as one segment whose frames are decoded from its index only when
// needed. Sources are composite ids; SampleFileReader reads them from the stream's sample-file
// directory. For HLS video on demand, SplitRange cuts the same frames into segments at key frames
// and PlanFrames plans one such segment (storage/ts_export muxes a plan as MPEG-TS).
//
// Two ways in: the server (`OpenMedia` with an Engine: the recordings are leased, so retention
// cannot delete a file while it is being served) and offline tools (`OpenMediaOffline` on a
// read-only database: `nightjar export` runs while `nightjar run` records, and what retention
// deletes meanwhile turns into a read error rather than wrong bytes, since ids are never reused).
//
// Thread safety: a MediaPlan and its catalog and reader may be used from several threads.
#ifndef NIGHTJAR_STORAGE_MEDIA_SOURCE_H_
#define NIGHTJAR_STORAGE_MEDIA_SOURCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fs.h"
#include "base/time.h"
#include "db/database.h"
#include "mp4/virtual_mp4.h"
#include "storage/engine.h"

namespace nightjar::storage {

// Where rows, indexes and sample entries come from. Implementations are thread-safe.
class RecordingCatalog {
 public:
  virtual ~RecordingCatalog() = default;
  virtual Result<std::vector<db::RecordingRow>> ListRecordings(int64_t stream_id, Time90k from,
                                                               Time90k to) = 0;
  // kNotFound for an unknown id.
  virtual Result<db::RecordingRow> GetRecording(int64_t composite_id) = 0;
  virtual Result<db::RecordingIndexRow> GetRecordingIndex(int64_t composite_id) = 0;
  virtual Result<db::SampleEntryRow> GetSampleEntry(int64_t id) = 0;
  // The sample-file directory of the stream.
  virtual Result<std::string> SampleDirPath(int64_t stream_id) = 0;
};

// Over a Database the catalog owns (calls are serialized by a mutex): offline tools.
std::shared_ptr<RecordingCatalog> DatabaseCatalog(std::unique_ptr<db::Database> db);
// Over the engine's database (Engine::WithDb); the engine must outlive the catalog.
std::shared_ptr<RecordingCatalog> EngineCatalog(Engine& engine);

// Reads sample files (source = composite id) of one directory, keeping a few open.
class SampleFileReader : public mp4::SourceReader {
 public:
  SampleFileReader(Fs& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  Result<void> ReadAt(uint64_t source, uint64_t offset, std::span<uint8_t> out) override;

 private:
  Fs& fs_;
  const std::string dir_;
  std::mutex mu_;
  std::vector<std::pair<uint64_t, std::shared_ptr<RandomAccessFile>>> open_;  // most recent last
};

// A sample_entry row as the mp4 layer's sample entry.
mp4::SampleEntrySpec SampleEntrySpecOf(const db::SampleEntryRow& e);

// What a range of a stream resolved to.
struct MediaPlan {
  int64_t stream_id = 0;
  Time90k from, to;    // as requested
  Time90k start, end;  // what the media covers (start <= from unless from precedes it)
  std::vector<db::RecordingRow> recordings;  // those contributing, by start
  // Per recording: the video frames [first_frame, end_frame) included.
  struct Part {
    int64_t first_frame = 0, end_frame = 0;
  };
  std::vector<Part> parts;
  // The mp4 layer's input (segments in the same order as `recordings`), with the edit list that
  // starts presentation with the frame whose presentation interval contains `from` (at its
  // start: players built on FFmpeg drop a frame straddling an edit's start), or the first frame
  // after `from` when it precedes the recording.
  mp4::Mp4Input mp4;
  // Presentation offsets: the first segment's video frames before the one containing `from`
  // (90 kHz) ...
  int64_t video_skip_90k = 0;
  // ... and where the first included audio sample lies relative to the first included video
  // frame's decode time (90 kHz; may be negative). 0 without audio.
  int64_t audio_offset_90k = 0;
  // Media time (90 kHz from the recording's first frame) of the first included video frame of the
  // first recording: where the plan's video decode time 0 lies in that recording.
  int64_t first_frame_media_90k = 0;
  std::shared_ptr<RecordingCatalog> catalog;
  std::shared_ptr<SampleFileReader> reader;
  std::shared_ptr<Engine::Lease> lease;  // server path: held as long as the plan is served

  // A recording of the plan is still being written: what it covers may still grow (its last
  // frames' audio, the wall-clock placement) at the recording's next checkpoint.
  bool growing() const {
    for (const auto& r : recordings) {
      if (r.state == db::RecordingState::kWriting) return true;
    }
    return false;
  }
};

// Plans [from, to) of stream `stream_id`. kNotFound when nothing was recorded in the range;
// kInvalidArgument when from >= to; database and index errors as they come (kMalformed for a
// damaged index).
Result<MediaPlan> PlanRange(const std::shared_ptr<RecordingCatalog>& catalog, Fs& fs,
                            int64_t stream_id, Time90k from, Time90k to);

// As PlanRange, leasing the recordings from the engine first (released when the plan and every
// copy of its lease go).
Result<MediaPlan> PlanRangeLeased(Engine& engine, const std::shared_ptr<RecordingCatalog>& catalog,
                                  Fs& fs, int64_t stream_id, Time90k from, Time90k to);

// A plan of exactly the video frames [first_frame, end_frame) of one recording (composite id)
// of the stream, with the audio samples lying in the sample file after the frame before
// first_frame and up to the end of frame end_frame - 1 (from the file's start when first_frame is
// 0, to its end when end_frame is the last frame): one VOD segment (see SplitRange), the plans of
// consecutive segments sharing out the recording's audio, each sample exactly once. from/start are
// the wall time of the first frame and to/end that of the end of the last (the recording's linear
// wall/media map); there is no edit (video_skip_90k = 0, the edit list covers the frames).
// kNotFound for an unknown recording, one of another stream or one being deleted; kInvalidArgument
// when the frames are not within the recording or first_frame is not a key frame; database and
// index errors as they come.
Result<MediaPlan> PlanFrames(const std::shared_ptr<RecordingCatalog>& catalog, Fs& fs,
                             int64_t stream_id, int64_t composite_id, int64_t first_frame,
                             int64_t end_frame);
// As PlanFrames, leasing the recording from the engine first (as PlanRangeLeased).
Result<MediaPlan> PlanFramesLeased(Engine& engine, const std::shared_ptr<RecordingCatalog>& catalog,
                                   Fs& fs, int64_t stream_id, int64_t composite_id,
                                   int64_t first_frame, int64_t end_frame);

// One access unit of a plan, in file order, for muxers that need the bytes (MPEG-TS, fMP4).
struct PlannedFrame {
  bool audio = false;
  int64_t dts = 0;       // video: 90 kHz from the first included frame; audio: sample-rate units
                         // from the first included audio sample
  int32_t duration = 0;  // in the same units
  int32_t cto = 0;
  bool key = false;
  size_t segment = 0;  // index into plan.recordings (sample entries: plan.mp4.segments[i])
  std::span<const uint8_t> data;  // see FrameCursor::Next / ForEachFrame
};

// Pulls a plan's included frames one at a time (video from the first key frame, as the .mp4
// holds them; audio interleaved in file order), reading the bytes through plan.reader into one
// buffer that the cursor reuses: a file chunk at a time, in pieces of whole frames of at most
// `max_read_bytes` (a single larger frame is read alone). A recording without audio is one chunk,
// its whole file (~31 MB for a minute of 4 Mbit/s): the first frame of an export or a thumbnail
// needs one piece of it, not all of it.
//
// Keeps a reference to `plan`, which must outlive the cursor (and not change meanwhile). A cursor
// is used by one thread; the plan may serve other cursors at the same time.
class FrameCursor {
 public:
  static constexpr size_t kMaxReadBytes = 1 << 20;  // ~2 s of a 4 Mbit/s stream

  explicit FrameCursor(const MediaPlan& plan, size_t max_read_bytes = kMaxReadBytes)
      : plan_(plan), max_read_bytes_(max_read_bytes) {}
  FrameCursor(const FrameCursor&) = delete;
  FrameCursor& operator=(const FrameCursor&) = delete;

  // The next frame into *out: true, or false after the last one (and on every later call).
  // out->data stays valid until the next call or the cursor's end. Errors (segment loads,
  // sample-file reads: kIo, kNotFound when a file went away, kMalformed) end the cursor: the same
  // error is returned again.
  Result<bool> Next(PlannedFrame* out);

  // The most bytes one read has asked for so far.
  size_t largest_read() const { return largest_read_; }

 private:
  // Loads the next segment or reads the next piece of a chunk; false at the end.
  Result<bool> Advance();

  const MediaPlan& plan_;
  const size_t max_read_bytes_;
  size_t segment_ = 0;  // the segment being read (plan_.mp4.segments index)
  bool loaded_ = false;
  mp4::SegmentSamples samples_;
  size_t chunk_ = 0;           // the next chunk of samples_ to start
  uint32_t chunk_left_ = 0;    // frames of the current chunk not read yet
  uint64_t chunk_offset_ = 0;  // where they start in the sample file
  uint32_t in_chunk_ = 0;      // frames read (in buf_) not yet yielded
  size_t largest_read_ = 0;
  bool chunk_audio_ = false;
  size_t video_ = 0, audio_ = 0;  // next sample of samples_ per track
  uint64_t pos_ = 0;              // of the next frame in buf_
  int64_t video_dts_ = 0, audio_dts_ = 0;
  std::vector<uint8_t> buf_;
  std::optional<Error> error_;
};

// Calls `fn` for every frame FrameCursor yields, in the same order; a frame's data is valid
// during the call. Stops at the first error of the cursor or of `fn`.
Result<void> ForEachFrame(const MediaPlan& plan,
                          const std::function<Result<void>(const PlannedFrame&)>& fn);

// One segment of a VOD playlist (RFC 8216 §4.3.2): the video frames [first_frame, end_frame) of
// one recording, starting at a key frame.
struct VodSegment {
  int64_t composite_id = 0;
  int64_t first_frame = 0, end_frame = 0;
  Time90k start;             // wall time of the first frame (the recording's wall/media map)
  int64_t duration_90k = 0;  // media duration: the sum of the frame durations
  // EXT-X-DISCONTINUITY (RFC 8216 §4.3.2.3) before this segment: it starts a recording that
  // begins a new run, uses other sample entries than the previous recording, or starts more than
  // one frame away from where the previous recording's frames end. Never on the first segment.
  bool discontinuity = false;
};

// Cuts the frames PlanRange(stream_id, from, to) would include (the same recordings, trimmed the
// same way) into segments: each recording's frames separately (a segment never spans two
// recordings and covers all of one recording's remaining frames at its end), a new segment
// beginning at the first key frame at or after `target` of media time from the current segment's
// start; so every segment but the last of each recording lasts at least `target` (longer when key
// frames are rarer; target <= 0 cuts at every key frame). kInvalidArgument for from >= to;
// kNotFound when nothing was recorded; database and index errors as they come. Reads and decodes
// every recording's video index once (no per-frame allocation beyond that).
Result<std::vector<VodSegment>> SplitRange(RecordingCatalog& catalog, int64_t stream_id,
                                           Time90k from, Time90k to, Duration90k target);

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_MEDIA_SOURCE_H_
