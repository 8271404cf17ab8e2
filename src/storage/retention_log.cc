#include "storage/retention_log.h"

namespace nightjar::storage {
namespace {

int64_t HourOf(Time90k t) { return t.ticks() / (kTicksPerSecond * 3600); }

}  // namespace

void RetentionLog::Add(int64_t stream_id, Time90k now, int64_t recordings, int64_t bytes) {
  std::lock_guard lock(mu_);
  Stream& s = streams_[stream_id];
  s.totals.recordings += recordings;
  s.totals.bytes += bytes;
  s.totals.last = now;
  const int64_t hour = HourOf(now);
  Bucket& b = s.hours[static_cast<size_t>(((hour % 24) + 24) % 24)];
  if (b.hour != hour) b = Bucket{hour, 0, 0};
  b.recordings += recordings;
  b.bytes += bytes;
}

std::map<int64_t, RetentionDeletions> RetentionLog::Summary(Time90k now) const {
  std::lock_guard lock(mu_);
  const int64_t hour = HourOf(now);
  std::map<int64_t, RetentionDeletions> out;
  for (const auto& [id, s] : streams_) {
    RetentionDeletions d = s.totals;
    d.recordings_24h = d.bytes_24h = 0;
    for (const Bucket& b : s.hours) {
      if (b.hour > hour - 24 && b.hour <= hour) {
        d.recordings_24h += b.recordings;
        d.bytes_24h += b.bytes;
      }
    }
    out.emplace(id, d);
  }
  return out;
}

}  // namespace nightjar::storage
