// How JSON documents (the CLI's --json output, status.json) write times: ISO 8601 with the
// local offset for people (6 fractional digits, so it reads back to the same 90 kHz tick), plus the
// exact 90 kHz integer.
#ifndef NIGHTJAR_APP_JSON_TIME_H_
#define NIGHTJAR_APP_JSON_TIME_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/time.h"

namespace nightjar::app {

inline void PutTime(nlohmann::json& j, const std::string& key, std::optional<Time90k> t) {
  j[key] = t ? nlohmann::json(FormatTimeLocal(*t, 6)) : nlohmann::json(nullptr);
  j[key + "_90k"] = t ? nlohmann::json(t->ticks()) : nlohmann::json(nullptr);
}

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_JSON_TIME_H_
