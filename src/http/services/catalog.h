// The catalog resource: what is recorded (/api/list, /api/cameras/{id}/recordings and /days).
// Implemented by app::Catalog over the database; the same listing feeds `nightjar list`.
//
// Threading: methods block (SQLite); called on the server's blocking pool; thread-safe.
#ifndef NIGHTJAR_HTTP_SERVICES_CATALOG_H_
#define NIGHTJAR_HTTP_SERVICES_CATALOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/time.h"

namespace nightjar::http {

struct RecordingInfo {
  std::string id;  // "<stream id>/<recording id>", as `nightjar list` prints it
  Time90k start, end;
  uint64_t bytes = 0;
  int64_t frames = 0;
  int64_t key_frames = 0;
  std::string codec;  // RFC 6381
  uint32_t width = 0, height = 0;
  bool growing = false;  // still being written
};

// One calendar day of a stream's recordings (GET /api/cameras/{id}/days).
struct DayTotal {
  std::string date;            // "2026-02-19"
  int64_t begin = 0, end = 0;  // Unix seconds: where the day begins and the next one does
  Duration90k recorded{0};     // wall time recorded within the day
  int64_t recordings = 0;      // recordings overlapping the day (one over midnight counts twice)
  int64_t starts = 0;          // recordings starting in it
  Time90k first, last;         // the first and last recorded instants within the day
};

// Adds the [start, end) spans (by start) to `days` (by begin): each span's part in each day it
// overlaps, leaving out what lies before `from`. Days as CalendarDayOf(.., utc_offset_s).
void AddSpansToDays(std::span<const std::pair<Time90k, Time90k>> spans,
                    std::optional<int64_t> utc_offset_s, std::map<int64_t, DayTotal>& days,
                    Time90k from = Time90k(INT64_MIN / 4));

// Recordings recorded back to back from one connection form a run; gaps lie between runs.
struct RunInfo {
  Time90k start, end;
  int64_t recordings = 0;
};

struct RecordingList {
  std::string camera;
  std::string stream;                     // "main" / "sub"
  std::vector<RecordingInfo> recordings;  // by start
  std::vector<RunInfo> runs;              // by start
};

class CatalogService {
 public:
  virtual ~CatalogService() = default;
  // Recordings of one stream overlapping [from, to) (absent bounds: unbounded).
  // kNotFound for an unknown camera or a stream it lacks.
  virtual Result<RecordingList> ListRecordings(std::string_view camera, std::string_view stream,
                                               std::optional<Time90k> from,
                                               std::optional<Time90k> to) = 0;
  // The [start, end) of every recording of one stream, by start (for the days with recordings).
  // kNotFound as ListRecordings.
  virtual Result<std::vector<std::pair<Time90k, Time90k>>> RecordingSpans(
      std::string_view camera, std::string_view stream) = 0;
  // Every calendar day with recordings of one stream, by date, in the fixed UTC offset (seconds
  // east) or, without one, the local time zone. kNotFound as ListRecordings. The default adds up
  // RecordingSpans (AddSpansToDays).
  virtual Result<std::vector<DayTotal>> RecordingDays(std::string_view camera,
                                                      std::string_view stream,
                                                      std::optional<int64_t> utc_offset_s);
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_CATALOG_H_
