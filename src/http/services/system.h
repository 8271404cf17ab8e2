// The system resource: storage use and the daemon's own counters (/api/status, /metrics).
// Implemented by app::System.
//
// Threading: methods block (SQLite, statfs); called on the server's blocking pool; thread-safe.
#ifndef NIGHTJAR_HTTP_SERVICES_SYSTEM_H_
#define NIGHTJAR_HTTP_SERVICES_SYSTEM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/time.h"

namespace nightjar::http {

struct StorageDirInfo {
  std::string path;
  uint64_t used_bytes = 0;                          // sample-file bytes of recordings stored here
  std::optional<uint64_t> free_bytes, total_bytes;  // nullopt when the file system is missing
  std::string error;                                // why free/total are unknown
};

struct StreamStorageInfo {
  std::string camera;  // camera id
  std::string kind;    // "main" / "sub"
  int64_t recordings = 0;
  uint64_t bytes = 0;
  std::optional<int64_t> retain_bytes;              // the stream's budget
  std::optional<Time90k> oldest_start, newest_end;  // oldest_start: the oldest kept
  // What retention deleted of this stream since the daemon started and in the last 24 hours
  // (storage/retention_log.h), and when it last did.
  int64_t deleted_recordings = 0, deleted_bytes = 0;
  int64_t deleted_recordings_24h = 0, deleted_bytes_24h = 0;
  std::optional<Time90k> last_deleted;
};

struct StorageStatus {
  std::string data_dir;
  std::vector<StorageDirInfo> dirs;
  std::vector<StreamStorageInfo> streams;
};

// Monotonic counters that only the daemon keeps.
struct Counters {
  uint64_t retention_deleted_recordings = 0;
  uint64_t retention_deleted_bytes = 0;
  // Background maintenance passes (checkpoint, retention) that failed; each is also logged.
  uint64_t maintenance_errors = 0;
};

class SystemService {
 public:
  virtual ~SystemService() = default;
  virtual Result<StorageStatus> Storage() = 0;
  virtual Result<Counters> GetCounters() = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_SYSTEM_H_
