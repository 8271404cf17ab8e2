// /api/auth: sign-in and out (session cookies), the caller's own account (me, sessions, TOTP),
// and signed media URLs. Everything goes through ctx.auth (services/auth.h); this file parses
// bodies (small, strictly typed) and shapes responses.
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"
#include "http/principal.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

Response AuthOff() {
  return ErrorResponse(404, "not_found", "authentication is turned off ([api] auth = false)");
}

// A string field of at most `max` bytes; absent: "" (or the 400 when required).
Result<std::string> StringField(const json& j, const char* key, size_t max, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Err(ErrorCode::kInvalidArgument, std::string(key) + " is required");
    return std::string();
  }
  if (!it->is_string()) return Err(ErrorCode::kInvalidArgument, std::string(key) + ": a string");
  std::string s = it->get<std::string>();
  if (s.size() > max) return Err(ErrorCode::kInvalidArgument, std::string(key) + ": too long");
  return s;
}

// A 401 must carry a challenge (RFC 9110 §15.5.2); Bearer, so a browser shows no dialog over the
// login form.
Response LoginRefused(std::string_view code, std::string_view message) {
  Response r = ErrorResponse(401, code, message);
  r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="Nightjar")");
  return r;
}

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

}  // namespace

Result<json> JsonObjectBody(const Request& req) {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(ErrorCode::kInvalidArgument, "the body is not valid JSON");
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  return j;
}

bool MaySee(const Request& req, std::string_view camera) {
  return !req.principal || req.principal->Allows(Permission::kViewLive, camera) ||
         req.principal->Allows(Permission::kViewRecordings, camera);
}

void AuditRequest(const ApiContext& ctx, const Request& req, std::string_view action,
                  std::string_view target, const json& details) {
  if (ctx.auth) ctx.auth->Audit(req, action, target, details);
}

Response HandleLogin(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  LoginRequest login;
  auto user = StringField(*j, "username", 64, true);
  auto password = StringField(*j, "password", 1024, true);
  auto totp = StringField(*j, "totp", 64, false);
  if (!user) return FromError(user.error());
  if (!password) return FromError(password.error());
  if (!totp) return FromError(totp.error());
  auto out = ctx.auth->Login(req, {*user, *password, *totp});
  if (!out) return FromError(out.error());
  using S = LoginOutcome::Status;
  switch (out->status) {
    case S::kOk: {
      Response r = Response::Json(200, out->me);
      r.headers.emplace_back("Set-Cookie", out->cookie);
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
    case S::kThrottled: {
      Response r = ErrorResponse(
          429, "too_many_requests",
          "too many failed sign-ins; retry after " + std::to_string(out->retry_after_secs) + " s");
      r.headers.emplace_back("Retry-After", std::to_string(out->retry_after_secs));
      return r;
    }
    case S::kTotpRequired:
      return LoginRefused("totp_required", "this account needs a TOTP code");
    case S::kBadCredentials:
      break;
  }
  return LoginRefused("unauthorized", "wrong username, password or code");
}

Response HandleLogout(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto cookie = ctx.auth->Logout(req);
  if (!cookie) return FromError(cookie.error());
  Response r = NoContent();
  r.headers.emplace_back("Set-Cookie", *cookie);
  return r;
}

Response HandleMe(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  std::vector<std::string> ids;
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  for (const auto& c : *cameras) ids.push_back(c.config.id);
  auto me = ctx.auth->Me(req, ids);
  return me ? Response::Json(200, *me) : FromError(me.error());
}

Response HandleListSessions(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto s = ctx.auth->ListSessions(req);
  return s ? Response::Json(200, *s) : FromError(s.error());
}

Response HandleRevokeSession(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto id = ParseInt64(req.Param("id"), 1);
  if (!id) return ErrorResponse(404, "not_found", "no such session");
  auto r = ctx.auth->RevokeSession(req, *id);
  return r ? NoContent() : FromError(r.error());
}

Response HandleRevokeAllSessions(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto n = ctx.auth->RevokeAllSessions(req);
  return n ? Response::Json(200, {{"revoked", *n}}) : FromError(n.error());
}

Response HandleBeginTotp(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto r = ctx.auth->BeginTotp(req);
  if (!r) return FromError(r.error());
  Response res = Response::Json(200, *r);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

Response HandleConfirmTotp(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  auto code = StringField(*j, "code", 16, true);
  if (!code) return FromError(code.error());
  auto r = ctx.auth->ConfirmTotp(req, *code);
  if (!r) return FromError(r.error());
  Response res = Response::Json(200, *r);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

Response HandleDisableTotp(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto r = ctx.auth->DisableTotp(req);
  return r ? NoContent() : FromError(r.error());
}

Response HandleChangePassword(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  auto current = StringField(*j, "current", 1024, true);
  auto replacement = StringField(*j, "new", 1024, true);
  if (!current) return FromError(current.error());
  if (!replacement) return FromError(replacement.error());
  auto wait = ctx.auth->ChangeOwnPassword(req, *current, *replacement);
  if (!wait) return FromError(wait.error());
  if (*wait > 0) {
    Response r =
        ErrorResponse(429, "too_many_requests",
                      "too many wrong passwords; retry after " + std::to_string(*wait) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    return r;
  }
  return NoContent();
}

Response HandleSign(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  auto path = StringField(*j, "path", 2048, true);
  if (!path) return FromError(path.error());
  std::optional<int64_t> ttl;
  if (auto it = j->find("ttl_secs"); it != j->end() && !it->is_null()) {
    if (!it->is_number_integer()) return ErrorResponse(400, "bad_request", "ttl_secs: an integer");
    ttl = it->get<int64_t>();
  }
  auto r = ctx.auth->Sign(req, *path, ttl);
  return r ? Response::Json(200, *r) : FromError(r.error());
}

}  // namespace nightjar::http
