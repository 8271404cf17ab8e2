// Serving recorded media: from a stream and a wall-time range to the inputs of the mp4 module's
// writers (virtual .mp4, MPEG-TS), and the sample-file reads that fill them.
//
// This file set owns the glue between the database (rows, indexes, sample entries) and src/mp4:
// it finds the recordings overlapping [from, to) of a stream (WRITTEN rows and checkpointed
// WRITING rows — a WRITING row describes only durable bytes), trims the first one back to the key
// frame at or before `from` and the last one at the first frame at or after `to`, and hands each
// recording to the mp4 layer as one segment whose frames are decoded from its index only when
// needed. Sources are composite ids; SampleFileReader reads them from the stream's sample-file
// directory.
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
  // starts presentation exactly at `from` (or the first frame after it).
  mp4::Mp4Input mp4;
  // Presentation offsets: the first segment's video frames before `from` (90 kHz) ...
  int64_t video_skip_90k = 0;
  // ... and where the first included audio sample lies relative to the first included video
  // frame's decode time (90 kHz; may be negative). 0 without audio.
  int64_t audio_offset_90k = 0;
  std::shared_ptr<RecordingCatalog> catalog;
  std::shared_ptr<SampleFileReader> reader;
  std::shared_ptr<Engine::Lease> lease;  // server path: held as long as the plan is served
};

// Plans [from, to) of stream `stream_id`. kNotFound when nothing was recorded in the range;
// kInvalidArgument when from >= to; database and index errors as they come (kMalformed for a
// damaged index).
Result<MediaPlan> PlanRange(std::shared_ptr<RecordingCatalog> catalog, Fs& fs, int64_t stream_id,
                            Time90k from, Time90k to);

// As PlanRange, leasing the recordings from the engine first (released when the plan and every
// copy of its lease go).
Result<MediaPlan> PlanRangeLeased(Engine& engine, std::shared_ptr<RecordingCatalog> catalog, Fs& fs,
                                  int64_t stream_id, Time90k from, Time90k to);

// One access unit of a plan, in file order, for muxers that need the bytes (MPEG-TS, fMP4).
struct PlannedFrame {
  bool audio = false;
  int64_t dts = 0;       // video: 90 kHz from the first included frame; audio: sample-rate units
                         // from the first included audio sample
  int32_t duration = 0;  // in the same units
  int32_t cto = 0;
  bool key = false;
  size_t segment = 0;  // index into plan.recordings (sample entries: plan.mp4.segments[i])
  std::span<const uint8_t> data;  // valid during the callback
};
// Calls `fn` for every included frame (video from the first key frame, as the .mp4 holds them),
// reading the bytes through plan.reader.
Result<void> ForEachFrame(const MediaPlan& plan,
                          const std::function<Result<void>(const PlannedFrame&)>& fn);

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_MEDIA_SOURCE_H_
