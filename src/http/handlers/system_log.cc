// GET /api/system/log?lines=&level=: the daemon's last log lines (base/log_tail.h), oldest
// first, for the System page. Admins only (routes.cc): lines name cameras, users and addresses.
#include <spdlog/common.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/log_tail.h"
#include "base/logging.h"
#include "http/handlers/api.h"

namespace nightjar::http {

Response HandleSystemLog(const ApiContext& ctx, const Request& req) {
  if (!ctx.log_tail) return ErrorResponse(404, "not_found", "this daemon keeps no log tail");
  size_t lines = 200;
  if (auto q = req.Query("lines")) {
    const auto [end, ec] = std::from_chars(q->data(), q->data() + q->size(), lines);
    if (ec != std::errc() || end != q->data() + q->size() || lines < 1 ||
        lines > LogTail::kDefaultMaxLines) {
      return ErrorResponse(400, "bad_request",
                           "lines: expected 1 to " + std::to_string(LogTail::kDefaultMaxLines));
    }
  }
  spdlog::level::level_enum level = spdlog::level::trace;
  if (auto q = req.Query("level"); q && !q->empty()) {
    auto parsed = ParseLogLevel(*q);
    if (!parsed) return ErrorResponse(400, "bad_request", "level: " + parsed.error().message());
    level = *parsed;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : ctx.log_tail->Last(lines, level)) {
    const auto name = spdlog::level::to_string_view(l.level);
    out.push_back({{"seq", l.seq},
                   {"time", l.time},
                   {"level", std::string(name.data(), name.size())},
                   {"message", l.message}});
  }
  return Response::Json(200, {{"lines", std::move(out)}, {"dropped", ctx.log_tail->dropped()}});
}

}  // namespace nightjar::http
