// The catalog resource: what is recorded (/api/list, /api/cameras/{id}/recordings and /days).
// Implemented by app::Catalog over the database; the same listing feeds `nightjar list`.
//
// Threading: methods block (SQLite); called on the server's blocking pool; thread-safe.
#ifndef NIGHTJAR_HTTP_SERVICES_CATALOG_H_
#define NIGHTJAR_HTTP_SERVICES_CATALOG_H_

#include <cstdint>
#include <optional>
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
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_CATALOG_H_
