// Startup recovery (docs/schema.md "Startup"): recordings interrupted by a crash are kept up to
// their last checkpoint; half-done deletions are finished; files no row names are reported and
// never touched.
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
    NJ_TRY(db::RecordingIndexRow index, db_->GetRecordingIndex(row.composite_id));
    db::RecordingUpdate u = UpdateFromRow(row, index);
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

  // Files without rows: reported only (a restored database, a stray copy): `check --repair`.
  std::set<int64_t> known;
  for (const auto& s : streams) {
    NJ_TRY(auto rows, db_->ListRecordings(s.id, Time90k(INT64_MIN / 4), Time90k(INT64_MAX / 4)));
    for (const auto& r : rows) known.insert(r.composite_id);
  }
  std::map<int64_t, int64_t> max_file_id;  // stream -> highest recording id with a file
  for (const auto& d : dirs_) {
    NJ_TRY(DirListing listing, d.dir->List());
    for (int64_t id : listing.sample_files) {
      if (!known.count(id)) recovery_.unknown_files.push_back(d.dir->PathOf(id));
      auto& m = max_file_id[id >> 32];
      m = std::max(m, id & 0xffffffff);
    }
    for (const auto& name : listing.unknown) {
      recovery_.unknown_files.push_back(d.dir->path() + "/" + name);
    }
  }
  // Files the database does not know may carry ids it would hand out again (a database restored
  // from an older backup): new recordings must start past them, or O_EXCL would refuse them.
  for (const auto& s : streams) {
    if (auto it = max_file_id.find(s.id);
        it != max_file_id.end() && it->second >= s.next_recording_id) {
      NJ_CHECK_OK(db_->ReserveRecordingIds(s.id, it->second + 1));
    }
  }
  return Ok();
}

}  // namespace nightjar::storage
