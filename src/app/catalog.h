// The catalog: what is recorded, read from the database. One listing serves the API
// (http::CatalogService) and the offline `nightjar list` (LoadListing on a read-only database),
// so both group runs the same way (db::GroupRuns) and find streams the same way
// (db::Database::FindStream).
//
// Threading: blocking (SQLite); thread-safe.
#ifndef NIGHTJAR_APP_CATALOG_H_
#define NIGHTJAR_APP_CATALOG_H_

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "http/services/catalog.h"
#include "storage/engine.h"

namespace nightjar::app {

// The recordings of one stream overlapping a range, with what describing them needs.
struct Listing {
  db::CameraRow camera;
  db::StreamRow stream;
  std::vector<db::RecordingRow> recordings;       // by start
  std::map<int64_t, db::SampleEntryRow> entries;  // by id: few, shared by many recordings
  std::vector<db::RunSpan> runs;                  // db::GroupRuns(recordings)
};

// [from, to) of camera `camera`'s `kind` stream (absent bounds: unbounded). kNotFound naming
// the known cameras or streams.
Result<Listing> LoadListing(db::Database& d, std::string_view camera, db::StreamKind kind,
                            std::optional<Time90k> from, std::optional<Time90k> to);

// "<stream id>/<recording id>", the recording's name in listings and the CLI.
std::string RecordingName(const db::RecordingRow& r);

// The stream's id for camera `camera` and stream "main"/"sub" (kInvalidArgument for another
// kind, kNotFound as LoadListing).
Result<int64_t> StreamId(storage::Engine& engine, std::string_view camera, std::string_view stream);

class Catalog final : public http::CatalogService {
 public:
  explicit Catalog(storage::Engine& engine) : engine_(engine) {}

  Result<http::RecordingList> ListRecordings(std::string_view camera, std::string_view stream,
                                             std::optional<Time90k> from,
                                             std::optional<Time90k> to) override;
  Result<std::vector<std::pair<Time90k, Time90k>>> RecordingSpans(std::string_view camera,
                                                                  std::string_view stream) override;
  // From a cache of the days before the newest ones (below), checked against the stream's row
  // count at every call: a year of one-minute recordings is 525,600 rows to add up, the newest
  // day or two ~3,000.
  Result<std::vector<http::DayTotal>> RecordingDays(std::string_view camera,
                                                    std::string_view stream,
                                                    std::optional<int64_t> utc_offset_s) override;
  // Fills the cache of every stream's days in the local time zone (the one the web UI asks in),
  // so that the first calendar shown after a start does not wait for a year of rows to be read
  // (~0.1-0.3 s per stream, the database locked meanwhile). One stream at a time; returns
  // early once `stop` is set. For a thread of its own after the start. Returns how many
  // streams' days were read.
  size_t WarmDays(const std::atomic<bool>& stop);

 private:
  // The days of one stream and time zone that begin before `cut_s` (the start of the day before
  // the newest recordings, which may still grow). It stays right while the rows starting before
  // the cut are as many as its days' `starts` (the rest of the rows are read at each call) and
  // the oldest start has not moved; when retention removes the oldest recordings, the days before
  // the new oldest start are dropped and its day is added up again; anything else reads all.
  struct DaysCache {
    int64_t cut_s = 0;
    std::optional<Time90k> oldest;
    std::map<int64_t, http::DayTotal> days;  // by begin, all before cut_s
    int64_t starts = 0;                      // the days' starts, summed
  };
  Result<std::vector<http::DayTotal>> DaysOf(int64_t stream_id,
                                             std::optional<int64_t> utc_offset_s);
  Result<std::vector<http::DayTotal>> CachedDays(db::Database& d, int64_t stream_id,
                                                 std::optional<int64_t> utc_offset_s, DaysCache& c);

  storage::Engine& engine_;
  std::mutex days_mu_;
  // Guarded. The local zone's caches, one per stream, are all kept; those of zones given by
  // offset (API clients) are bounded.
  std::map<int64_t, DaysCache> local_days_;                     // by stream
  std::map<std::pair<int64_t, int64_t>, DaysCache> zone_days_;  // by (stream, offset)
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_CATALOG_H_
