// The catalog: what is recorded, read from the database. One listing serves the API
// (http::CatalogService) and the offline `nightjar list` (LoadListing on a read-only database),
// so both group runs the same way (db::GroupRuns) and find streams the same way
// (db::Database::FindStream).
//
// Threading: blocking (SQLite); thread-safe.
#ifndef NIGHTJAR_APP_CATALOG_H_
#define NIGHTJAR_APP_CATALOG_H_

#include <map>
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

 private:
  storage::Engine& engine_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_CATALOG_H_
