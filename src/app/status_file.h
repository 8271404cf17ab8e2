// The live stream statistics `nightjar run` publishes in <data>/status.json every 2 s, for the
// offline `nightjar status` (which must not talk to the daemon to work). Removed at clean
// shutdown; a stale file (older than kStaleAfter) is reported as such.
#ifndef NIGHTJAR_APP_STATUS_FILE_H_
#define NIGHTJAR_APP_STATUS_FILE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "ingest/stream_stats.h"

namespace nightjar::app {

inline constexpr Duration90k kStaleAfter = Duration90k::FromSeconds(15);

// Writes {"pid", "updated", "updated_90k", "streams": [one object per stream]} atomically: into a
// new `path`.tmp, then exchanged with `path`, which becomes the spare until the next write (see
// status_file.cc); a reader that opened `path` keeps a whole document whatever is written after.
// Errors are logged, not fatal. RemoveStreamStatus removes both.
void WriteStreamStatus(const std::string& path, const std::vector<ingest::StreamStats>& stats,
                       Time90k now);
void RemoveStreamStatus(const std::string& path);

// The published document, or nullopt when there is none (no daemon running).
std::optional<nlohmann::json> ReadStreamStatus(const std::string& path);

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_STATUS_FILE_H_
