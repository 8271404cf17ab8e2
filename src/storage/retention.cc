// Retention: each stream is a ring with a byte budget and an optional maximum age; the oldest
// recordings go first, never protected ones (flag or protected event) or ones a reader leases.
#include <algorithm>
#include <future>
#include <set>

#include "storage/engine.h"

namespace nightjar::storage {
namespace {

int64_t CameraOf(const std::vector<db::StreamRow>& streams, int64_t stream_id) {
  for (const auto& s : streams) {
    if (s.id == stream_id) return s.camera_id;
  }
  return 0;
}

bool Overlaps(const db::RecordingRow& r, const std::vector<db::TimeRange>& ranges) {
  for (const auto& p : ranges) {
    if (r.start < p.end && p.start < r.end()) return true;
  }
  return false;
}

}  // namespace

Result<void> Engine::ApplyRetention() {
  std::map<size_t, std::vector<int64_t>> doomed;  // by directory
  {
    std::lock_guard lock(db_mu_);
    NJ_TRY(auto streams, db_->ListStreams());
    const Time90k now = clock_.Now();
    for (const db::StreamRow& s : streams) {
      NJ_TRY(db::StreamUsage usage, db_->GetStreamUsage(s.id));
      // Bytes not yet checkpointed count too (over-counting what is: the safe side).
      int64_t in_flight = 0;
      {
        std::lock_guard open_lock(open_mu_);
        for (const auto& [id, rec] : open_) {
          if ((id >> 32) == s.id) in_flight += static_cast<int64_t>(rec.builder->bytes());
        }
      }
      int64_t excess = usage.sample_file_bytes + in_flight - s.retain_bytes;
      std::optional<Time90k> too_old;
      if (s.retain_secs) too_old = now - Duration90k::FromSeconds(*s.retain_secs);
      if (excess <= 0 && !(too_old && usage.oldest_start && *usage.oldest_start < *too_old)) {
        continue;
      }
      NJ_TRY(auto candidates, db_->OldestRecordings(s.id, 256));
      if (candidates.empty()) continue;
      NJ_TRY(auto protected_ranges,
             db_->ProtectedRanges(s.camera_id, candidates.front().start, candidates.back().end()));
      size_t dir_index = 0;
      for (size_t i = 0; i < dirs_.size(); ++i) {
        if (s.sample_file_dir_id == dirs_[i].id) dir_index = i;
      }
      for (const db::RecordingRow& r : candidates) {
        const bool over_age = too_old && r.end() <= *too_old;
        if (excess <= 0 && !over_age) break;
        if (Overlaps(r, protected_ranges) || Leased(r.composite_id)) continue;
        doomed[dir_index].push_back(r.composite_id);
        excess -= r.sample_file_bytes;
      }
    }
    NJ_CHECK_OK(KeepFreeSpace(doomed));
    for (auto& [dir, ids] : doomed) {
      if (!ids.empty()) NJ_CHECK_OK(db_->MarkDeleting(ids));
    }
  }
  return DeleteRecordings(doomed);
}

// With db_mu_ held: adds the oldest recordings of each directory's streams (any stream, oldest
// first) to `doomed` until the file system would have its minimum free space again.
Result<void> Engine::KeepFreeSpace(std::map<size_t, std::vector<int64_t>>& doomed) {
  NJ_TRY(auto streams, db_->ListStreams());
  for (size_t i = 0; i < dirs_.size(); ++i) {
    if (dirs_[i].min_free_bytes == 0) continue;
    NJ_TRY(FsStats stats, dirs_[i].dir->Stats());
    int64_t deficit =
        static_cast<int64_t>(dirs_[i].min_free_bytes) - static_cast<int64_t>(stats.free_bytes);
    if (deficit <= 0) continue;
    std::set<int64_t> already(doomed[i].begin(), doomed[i].end());
    for (int64_t id : already) {
      NJ_TRY(db::RecordingRow r, db_->GetRecording(id));
      deficit -= r.sample_file_bytes;  // those bytes are about to be freed anyway
    }
    std::vector<db::RecordingRow> candidates;
    for (const auto& s : streams) {
      if (s.sample_file_dir_id != dirs_[i].id) continue;
      NJ_TRY(auto rows, db_->OldestRecordings(s.id, 256));
      candidates.insert(candidates.end(), rows.begin(), rows.end());
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    for (const auto& r : candidates) {
      if (deficit <= 0) break;
      if (already.count(r.composite_id) || Leased(r.composite_id)) continue;
      NJ_TRY(auto protected_ranges,
             db_->ProtectedRanges(CameraOf(streams, r.stream_id), r.start, r.end()));
      if (!protected_ranges.empty()) continue;
      doomed[i].push_back(r.composite_id);
      deficit -= r.sample_file_bytes;
    }
  }
  return Ok();
}

// DELETING is durable: unlink, sync the directory, then drop the rows (docs/schema.md).
Result<void> Engine::DeleteRecordings(const std::map<size_t, std::vector<int64_t>>& doomed) {
  for (auto& [dir, ids] : doomed) {
    if (ids.empty()) continue;
    std::promise<Result<void>> unlinked;
    dirs_[dir].writer->Unlink(ids, [&](Result<void> r) { unlinked.set_value(std::move(r)); });
    NJ_CHECK_OK(unlinked.get_future().get());
    std::lock_guard lock(db_mu_);
    int64_t bytes = 0;
    std::map<int64_t, std::pair<int64_t, int64_t>> by_stream;  // stream -> recordings, bytes
    for (int64_t id : ids) {
      if (auto row = db_->GetRecording(id)) {
        bytes += row->sample_file_bytes;
        auto& [n, b] = by_stream[row->stream_id];
        ++n;
        b += row->sample_file_bytes;
      }
    }
    NJ_CHECK_OK(db_->DeleteRecordingRows(ids));
    deleted_by_retention_ += static_cast<int64_t>(ids.size());
    deleted_bytes_by_retention_ += bytes;
    const Time90k now = clock_.Now();
    for (const auto& [stream, nb] : by_stream) retention_log_.Add(stream, now, nb.first, nb.second);
  }
  return Ok();
}

}  // namespace nightjar::storage
