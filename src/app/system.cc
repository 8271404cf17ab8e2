#include "app/system.h"

#include <filesystem>
#include <map>

#include "db/database.h"

namespace nightjar::app {

Result<http::StorageStatus> System::Storage() {
  http::StorageStatus st;
  st.data_dir = data_dir_;
  const auto deletions = engine_.RetentionDeletionsByStream();
  NJ_CHECK_OK(engine_.WithDb([&](db::Database& d) -> Result<void> {
    NJ_TRY(auto dirs, d.ListSampleFileDirs());
    NJ_TRY(auto cameras, d.ListCameras());
    std::map<int64_t, std::string> camera_ids;
    for (const auto& c : cameras) camera_ids[c.id] = c.short_name;
    NJ_TRY(auto streams, d.ListStreams());
    std::map<int64_t, uint64_t> used_by_dir;
    for (const auto& s : streams) {
      NJ_TRY(db::StreamUsage u, d.GetStreamUsage(s.id));
      http::StreamStorageInfo info;
      info.camera = camera_ids[s.camera_id];
      info.kind = std::string(db::StreamKindName(s.kind));
      info.recordings = u.recordings;
      info.bytes = static_cast<uint64_t>(u.sample_file_bytes);
      info.retain_bytes = s.retain_bytes;
      info.oldest_start = u.oldest_start;
      info.newest_end = u.newest_end;
      if (auto it = deletions.find(s.id); it != deletions.end()) {
        info.deleted_recordings = it->second.recordings;
        info.deleted_bytes = it->second.bytes;
        info.deleted_recordings_24h = it->second.recordings_24h;
        info.deleted_bytes_24h = it->second.bytes_24h;
        info.last_deleted = it->second.last;
      }
      if (s.sample_file_dir_id) used_by_dir[*s.sample_file_dir_id] += info.bytes;
      st.streams.push_back(std::move(info));
    }
    for (const auto& dir : dirs) {
      http::StorageDirInfo info;
      info.path = dir.path;
      info.used_bytes = used_by_dir[dir.id];
      st.dirs.push_back(std::move(info));
    }
    return Ok();
  }));
  for (auto& dir : st.dirs) {  // statfs outside the database lock
    std::error_code ec;
    const auto space = std::filesystem::space(dir.path, ec);
    if (ec) {
      dir.error = ec.message();
      continue;
    }
    dir.free_bytes = space.available;
    dir.total_bytes = space.capacity;
  }
  return st;
}

Result<http::Counters> System::GetCounters() {
  http::Counters c;
  c.retention_deleted_recordings = static_cast<uint64_t>(engine_.deleted_by_retention());
  c.retention_deleted_bytes = static_cast<uint64_t>(engine_.deleted_bytes_by_retention());
  c.maintenance_errors = static_cast<uint64_t>(engine_.maintenance_errors());
  return c;
}

}  // namespace nightjar::app
