// /api/apikeys: create (the key is in this one response only), list (one's own; an admin sees
// every key), delete. Through ctx.auth (services/auth.h).
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"

namespace nightjar::http {

namespace {
Response AuthOff() {
  return ErrorResponse(404, "not_found", "authentication is turned off ([api] auth = false)");
}
}  // namespace

Response HandleCreateApiKey(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  ApiKeyRequest r;
  for (const auto& [k, v] : j->items()) {
    if (k == "name" || k == "user" || k == "role") {
      if (!v.is_string() || v.get_ref<const std::string&>().size() > 64) {
        return ErrorResponse(400, "bad_request", k + ": a string of at most 64 bytes");
      }
      const std::string s = v.get<std::string>();
      if (k == "name") r.name = s;
      if (k == "user") r.user = s;
      if (k == "role") r.role = s;
    } else if (k == "cameras") {
      if (!v.is_array()) return ErrorResponse(400, "bad_request", "cameras: an array of ids");
      r.cameras.emplace();
      for (const auto& c : v) {
        if (!c.is_string()) return ErrorResponse(400, "bad_request", "cameras: strings");
        r.cameras->push_back(c.get<std::string>());
      }
    } else if (k == "expires_days") {
      if (!v.is_number_integer()) return ErrorResponse(400, "bad_request", "expires_days: int");
      r.expires_days = v.get<int64_t>();
    } else {
      return ErrorResponse(400, "bad_request", "unknown field \"" + k + "\"");
    }
  }
  auto out = ctx.auth->CreateApiKey(req, r);
  if (!out) return FromError(out.error());
  Response res = Response::Json(201, *out);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

Response HandleListApiKeys(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto r = ctx.auth->ListApiKeys(req);
  return r ? Response::Json(200, *r) : FromError(r.error());
}

Response HandleDeleteApiKey(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto id = ParseInt64(req.Param("id"), 1);
  if (!id) return ErrorResponse(404, "not_found", "no such API key");
  auto r = ctx.auth->DeleteApiKey(req, *id);
  if (!r) return FromError(r.error());
  Response res;
  res.status = 204;
  return res;
}

}  // namespace nightjar::http
