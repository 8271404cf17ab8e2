// The growing index of one recording while it is written: the recorder adds each frame as it
// hands the frame's bytes to the writer; checkpoints and the close take consistent snapshots,
// trimmed to what the disk made durable.
//
// Thread safety: all methods lock the builder's mutex; `Append` runs a caller's function under
// that lock so "frame in the index" and "bytes queued to the writer" change together.
#ifndef NIGHTJAR_STORAGE_RECORDING_BUILDER_H_
#define NIGHTJAR_STORAGE_RECORDING_BUILDER_H_

#include <cstdint>
#include <functional>
#include <mutex>

#include "base/error.h"
#include "db/rows.h"
#include "db/video_index.h"
#include "storage/recorder.h"

namespace nightjar::storage {

class RecordingBuilder {
 public:
  // `row` is the recording's row as inserted (composite id, stream, start, sample entries).
  explicit RecordingBuilder(const db::RecordingRow& row);

  int64_t composite_id() const { return row_.composite_id; }
  const db::RecordingRow& row() const { return row_; }

  // Calls `queue` (which hands the frame's bytes to the writer and says whether it took them) and,
  // if it did, adds the frame to the index; both under the lock. False if either refused.
  bool Append(const TimedFrame& frame, const std::function<bool()>& queue);

  // Fixes the final durations and flags (called once, when the recorder ends the recording).
  void Finish(Duration90k media_duration, Duration90k wall_duration, bool run_end);

  // The row's state so far, for a checkpoint (`durable_bytes` of the file are synced: samples past
  // it are left out) or for the close (with `written_hash`, making the row WRITTEN).
  Result<db::RecordingUpdate> Snapshot(uint64_t durable_bytes,
                                       std::optional<db::SampleFileHash> written_hash = {}) const;

  uint64_t bytes() const;
  bool row_inserted() const;
  void set_row_inserted();

 private:
  db::RecordingUpdate SnapshotLocked() const;

  mutable std::mutex mu_;
  db::RecordingRow row_;
  db::VideoIndexEncoder video_;
  db::AudioIndexEncoder audio_;
  db::ChunkIndexEncoder chunks_;
  bool has_audio_ = false;
  uint64_t bytes_ = 0;
  bool finished_ = false;
  bool row_inserted_ = false;
  Duration90k media_duration_, wall_duration_;
  int64_t flags_;
};

// Re-encodes the index of `update` keeping only the samples that lie entirely within the first
// `bytes` of the sample file (in the file's chunk order), and fixes its counts and durations.
Result<void> TrimToBytes(db::RecordingUpdate& update, uint64_t bytes);

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_RECORDING_BUILDER_H_
