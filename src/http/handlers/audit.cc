// GET /api/audit (admin): the audit log, newest first, paged by id
// (?before=<id>&limit=<n>&from=<time>&to=<time>&action=<word>).
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"

namespace nightjar::http {

Response HandleAudit(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) {
    return ErrorResponse(404, "not_found", "authentication is turned off ([api] auth = false)");
  }
  AuditFilter f;
  if (auto bad = ParseTimeParam(req, "from", f.from)) return std::move(*bad);
  if (auto bad = ParseTimeParam(req, "to", f.to)) return std::move(*bad);
  if (auto b = req.Query("before")) {
    auto v = ParseInt64(*b, 1);
    if (!v) return ErrorResponse(400, "bad_request", "before: an entry id");
    f.before_id = *v;
  }
  if (auto l = req.Query("limit")) {
    auto v = ParseInt64(*l, 1, 1000);
    if (!v) return ErrorResponse(400, "bad_request", "limit: 1 to 1000");
    f.limit = *v;
  }
  f.action = std::string(req.Query("action").value_or("").substr(0, 64));
  auto r = ctx.auth->ListAudit(f);
  return r ? Response::Json(200, *r) : FromError(r.error());
}

}  // namespace nightjar::http
