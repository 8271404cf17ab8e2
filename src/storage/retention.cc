// Retention: each stream is a ring with a byte budget and an optional maximum age; the oldest
// recordings go first, never protected ones (flag or protected event) or ones a reader leases.
#include <future>

#include "storage/engine.h"

namespace nightjar::storage {
namespace {

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
    for (auto& [dir, ids] : doomed) NJ_CHECK_OK(db_->MarkDeleting(ids));
  }
  // DELETING is durable: unlink, sync the directory, then drop the rows (docs/schema.md).
  for (auto& [dir, ids] : doomed) {
    std::promise<Result<void>> unlinked;
    dirs_[dir].writer->Unlink(ids, [&](Result<void> r) { unlinked.set_value(std::move(r)); });
    NJ_CHECK_OK(unlinked.get_future().get());
    std::lock_guard lock(db_mu_);
    NJ_CHECK_OK(db_->DeleteRecordingRows(ids));
    deleted_by_retention_ += static_cast<int64_t>(ids.size());
  }
  return Ok();
}

}  // namespace nightjar::storage
