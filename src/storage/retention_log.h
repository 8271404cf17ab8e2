// What retention deleted, per stream: since the daemon started and over the last 24 hours (in
// hourly buckets, so memory stays bounded: 24 per stream), with when it last deleted. The
// engine records each deletion pass here; the Storage page shows it (GET /api/status).
//
// In memory only: the audit log keeps the durable summary (retention_delete entries).
// Thread safety: thread-safe (one mutex).
#ifndef NIGHTJAR_STORAGE_RETENTION_LOG_H_
#define NIGHTJAR_STORAGE_RETENTION_LOG_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "base/time.h"

namespace nightjar::storage {

struct RetentionDeletions {
  int64_t recordings = 0, bytes = 0;          // since start
  int64_t recordings_24h = 0, bytes_24h = 0;  // in the last 24 hours (to the hour)
  std::optional<Time90k> last;                // the last deletion
};

class RetentionLog {
 public:
  // `recordings` recordings of `stream_id` holding `bytes` were deleted at `now`.
  void Add(int64_t stream_id, Time90k now, int64_t recordings, int64_t bytes);
  // Every stream that had deletions, as of `now`.
  std::map<int64_t, RetentionDeletions> Summary(Time90k now) const;

 private:
  struct Bucket {
    int64_t hour = -1;  // hours since the epoch; -1: unused
    int64_t recordings = 0, bytes = 0;
  };
  struct Stream {
    RetentionDeletions totals;
    std::array<Bucket, 24> hours;  // indexed by hour % 24
  };
  mutable std::mutex mu_;
  std::map<int64_t, Stream> streams_;  // guarded by mu_
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_RETENTION_LOG_H_
