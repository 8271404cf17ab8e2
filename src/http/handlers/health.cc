// GET /api/health: liveness for load balancers and scripts. Inline: it touches nothing that can
// block, so it answers even when the blocking pool is saturated.
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"
#include "http/handlers/json.h"

namespace nightjar::http {

Response HandleHealth(const ApiContext& ctx, const Request&) {
  nlohmann::json j = {{"status", "ok"}, {"version", ctx.version}};
  if (ctx.clock) j["uptime_s"] = (ctx.clock->Now() - ctx.started).ToWholeSeconds();
  return Response::Json(200, j);
}

}  // namespace nightjar::http
