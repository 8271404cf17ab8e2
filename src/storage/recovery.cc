// Startup recovery (docs/schema.md "Startup"): recordings interrupted by a crash are kept up to
// their last checkpoint; half-done deletions are finished; files no row names are reported and
// never touched.
#include <algorithm>
#include <set>

#include "storage/engine.h"

namespace nightjar::storage {
namespace {

// The RecordingUpdate that describes `row` and `index` as they are.
db::RecordingUpdate UpdateFromRow(const db::RecordingRow& row, const db::RecordingIndexRow& index) {
  db::RecordingUpdate u;
  u.composite_id = row.composite_id;
  u.flags = row.flags;
  u.wall_duration = row.wall_duration;
  u.media_duration = row.media_duration;
  u.video_samples = row.video_samples;
  u.video_sync_samples = row.video_sync_samples;
  u.audio_samples = row.audio_samples;
  u.sample_file_bytes = row.sample_file_bytes;
  u.video_index = index.video_index;
  u.audio_index = index.audio_index;
  u.chunk_index = index.chunk_index;
  return u;
}

}  // namespace

Result<void> Engine::Recover() {
  std::lock_guard lock(db_mu_);
  NJ_TRY(auto streams, db_->ListStreams());
  std::map<int64_t, size_t> dir_of_stream;
  for (const auto& s : streams) {
    for (size_t i = 0; i < dirs_.size(); ++i) {
      if (s.sample_file_dir_id == dirs_[i].id) dir_of_stream[s.id] = i;
    }
  }
  auto dir_for = [&](int64_t composite_id) -> const SampleFileDir* {
    auto it = dir_of_stream.find(composite_id >> 32);
    return it == dir_of_stream.end() ? nullptr : dirs_[it->second].dir.get();
  };
  std::vector<int64_t> to_delete;
  std::set<const SampleFileDir*> touched;

  NJ_TRY(auto writing, db_->ListRecordingsByState(db::RecordingState::kWriting));
  for (const db::RecordingRow& row : writing) {
    const SampleFileDir* dir = dir_for(row.composite_id);
    if (!dir) continue;  // its directory is not configured now: leave it for `check`
    touched.insert(dir);
    if (row.video_samples == 0) {
      (void)dir->Unlink(row.composite_id);  // ENOENT is expected
      to_delete.push_back(row.composite_id);
      recovery_.discarded_writing++;
      continue;
    }
    // Not NJ_TRY: GCC 12 then warns (wrongly) that the index's optionals may be uninitialized.
    Result<db::RecordingIndexRow> index = db_->GetRecordingIndex(row.composite_id);
    if (!index) return std::unexpected(index.error());
    db::RecordingUpdate u = UpdateFromRow(row, *index);
    NJ_TRY(auto file, dir->OpenExisting(row.composite_id));
    const uint64_t size = file->Size();
    if (size < static_cast<uint64_t>(u.sample_file_bytes)) {
      // The checkpoint promised bytes the disk does not have: keep what is there.
      NJ_CHECK_OK(TrimToBytes(u, size));
    }
    NJ_CHECK_OK(file->Truncate(static_cast<uint64_t>(u.sample_file_bytes)));
    NJ_CHECK_OK(file->Sync());
    NJ_CHECK_OK(file->Close());
    NJ_TRY(u.written_hash, dir->Hash(row.composite_id, static_cast<uint64_t>(u.sample_file_bytes)));
    u.flags |= db::kRecordingRunEnd;  // the crash ended its run
    if (u.video_samples == 0) {
      (void)dir->Unlink(row.composite_id);
      to_delete.push_back(row.composite_id);
      recovery_.discarded_writing++;
      continue;
    }
    NJ_CHECK_OK(db_->UpdateRecordings(std::span(&u, 1)));
    recovery_.recovered_from_checkpoint++;
  }
  NJ_TRY(auto deleting, db_->ListRecordingsByState(db::RecordingState::kDeleting));
  for (const db::RecordingRow& row : deleting) {
    const SampleFileDir* dir = dir_for(row.composite_id);
    if (!dir) continue;
    touched.insert(dir);
    (void)dir->Unlink(row.composite_id);
    to_delete.push_back(row.composite_id);
    recovery_.finished_deleting++;
  }
  for (const SampleFileDir* dir : touched) NJ_CHECK_OK(dir->Sync());
  if (!to_delete.empty()) NJ_CHECK_OK(db_->DeleteRecordingRows(to_delete));

  NJ_CHECK_OK(ProbeNewerFiles(streams));
  if (options_.file_scan == EngineOptions::FileScan::kAtOpen) {
    NJ_TRY(recovery_.unknown_files, ScanUnknownFiles());
  }
  return Ok();
}

// Files past a stream's next id belong to a database newer than this one (restored from an older
// backup): new recordings must start past them, or O_EXCL would refuse them. Such files carry
// consecutive ids from the next one up (ids are handed out in order, retention removes the oldest
// first), so probing next, next + 1, next + 3, ... and bisecting finds their end in a few stats
// instead of listing millions of names; ScanUnknownFiles catches what this misses.
Result<void> Engine::ProbeNewerFiles(const std::vector<db::StreamRow>& streams) {
  constexpr int64_t kMaxId = 0xffffffff;
  for (const auto& s : streams) {
    const SampleFileDir* dir = nullptr;
    for (const auto& d : dirs_) {
      if (s.sample_file_dir_id == d.id) dir = d.dir.get();
    }
    if (!dir) continue;
    auto exists = [&](int64_t id) { return fs_.Exists(dir->PathOf(db::CompositeId(s.id, id))); };
    int64_t lo = s.next_recording_id;  // a file exists at lo
    NJ_TRY(bool first, exists(lo));
    if (!first) continue;
    int64_t hi = lo;  // none at hi once the loop ends
    for (int64_t step = 1;; step *= 2) {
      hi = std::min(kMaxId + 1, lo + step);
      if (hi > kMaxId) break;
      NJ_TRY(bool e, exists(hi));
      if (!e) break;
      lo = hi;
    }
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      NJ_TRY(bool e, exists(mid));
      (e ? lo : hi) = mid;
    }
    NJ_CHECK_OK(ReserveIds(s.id, lo + 1));
  }
  return Ok();
}

Result<void> Engine::ReserveIds(int64_t stream_id, int64_t at_least) {
  std::lock_guard lock(db_mu_);
  NJ_CHECK_OK(db_->ReserveRecordingIds(stream_id, at_least));
  std::lock_guard open_lock(open_mu_);
  if (auto it = next_recording_.find(stream_id); it != next_recording_.end()) {
    it->second = std::max(it->second, at_least);
  }
  return Ok();
}

Result<std::vector<std::string>> Engine::ScanUnknownFiles() {
  constexpr size_t kChunk = 4096;  // files matched per database read
  std::vector<std::string> unknown;
  std::map<int64_t, int64_t> next_of;  // stream -> next recording id
  {
    std::lock_guard lock(db_mu_);
    NJ_TRY(auto streams, db_->ListStreams());
    for (const auto& s : streams) next_of[s.id] = s.next_recording_id;
  }
  for (const auto& d : dirs_) {
    NJ_TRY(DirListing listing, d.dir->List(&stop_scan_));
    if (stop_scan_) break;  // shutting down: a partial listing proves nothing
    for (const auto& name : listing.unknown) unknown.push_back(d.dir->path() + "/" + name);
    const std::vector<int64_t>& ids = listing.sample_files;  // sorted
    std::map<int64_t, int64_t> max_file_id;                  // stream -> highest id with a file
    for (size_t i = 0; i < ids.size() && !stop_scan_; i += kChunk) {
      const size_t j = std::min(ids.size(), i + kChunk);
      std::vector<int64_t> rows;
      {
        std::lock_guard lock(db_mu_);
        NJ_TRY(rows, db_->ListRecordingIds(ids[i], ids[j - 1]));
      }
      for (size_t k = i; k < j; ++k) {
        // Retention may have deleted the row since the listing: it unlinks the file first, so
        // a file still there without a row is truly unknown.
        if (!std::binary_search(rows.begin(), rows.end(), ids[k])) {
          auto still = fs_.Exists(d.dir->PathOf(ids[k]));
          if (!still || *still) unknown.push_back(d.dir->PathOf(ids[k]));
        }
        int64_t& m = max_file_id[db::StreamIdOf(ids[k])];
        m = std::max(m, db::RecordingIdOf(ids[k]));
      }
    }
    for (const auto& [stream, max_id] : max_file_id) {
      auto it = next_of.find(stream);
      if (it != next_of.end() && max_id >= it->second) NJ_CHECK_OK(ReserveIds(stream, max_id + 1));
    }
  }
  return unknown;
}

}  // namespace nightjar::storage
