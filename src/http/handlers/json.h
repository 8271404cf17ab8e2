// JSON conventions shared by the /api handlers: times as ISO 8601 with the local offset plus the
// exact 90 kHz integer ("start" and "start_90k"), as the CLI's --json output writes them.
#ifndef NIGHTJAR_HTTP_HANDLERS_JSON_H_
#define NIGHTJAR_HTTP_HANDLERS_JSON_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/time.h"
#include "http/services/cameras.h"

namespace nightjar::http {

// j[key] = "2026-02-19T14:00:00.000000+01:00", j[key + "_90k"] = ticks; null for nullopt.
void PutTime(nlohmann::json& j, const std::string& key, std::optional<Time90k> t);

// start, end (PutTime) and duration_s.
void PutSpan(nlohmann::json& j, Time90k start, Time90k end);

// One stream of a camera, as GET /api/cameras lists it in "streams".
nlohmann::json StreamJson(const StreamInfo& s);

// The camera as GET /api/cameras lists it (URLs redacted again, defensively).
nlohmann::json CameraJson(const CameraInfo& c);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_HANDLERS_JSON_H_
