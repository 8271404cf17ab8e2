// /api/users (admin): list, create, change role or password, delete, and per-camera rights
// (PUT/DELETE /api/users/{name}/cameras/{camera}). Through ctx.auth (services/auth.h).
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

Response AuthOff() {
  return ErrorResponse(404, "not_found", "authentication is turned off ([api] auth = false)");
}

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

// An optional string field (nullopt when absent), bounded; else kInvalidArgument.
Result<std::optional<std::string>> OptString(const json& j, const char* key, size_t max) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string() || it->get_ref<const std::string&>().size() > max) {
    return Err(ErrorCode::kInvalidArgument,
               std::string(key) + ": a string of at most " + std::to_string(max) + " bytes");
  }
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace

Response HandleListUsers(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto r = ctx.auth->ListUsers(req);
  return r ? Response::Json(200, *r) : FromError(r.error());
}

Response HandleAddUser(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  auto name = OptString(*j, "name", 64);
  auto role = OptString(*j, "role", 16);
  auto password = OptString(*j, "password", 1024);
  for (const auto* f : {&name, &role, &password}) {
    if (!*f) return FromError(f->error());
  }
  if (!*name || !*password) return ErrorResponse(400, "bad_request", "name and password needed");
  auto r = ctx.auth->AddUser(req, **name, role->value_or("viewer"), **password);
  if (!r) return FromError(r.error());
  Response res = Response::Json(201, *r);
  res.headers.emplace_back("Location", "/api/users/" + **name);
  return res;
}

Response HandlePatchUser(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  for (const auto& [k, v] : j->items()) {
    if (k != "role" && k != "password") {
      return ErrorResponse(400, "bad_request", "unknown field \"" + k + "\" (role, password)");
    }
  }
  auto role = OptString(*j, "role", 16);
  auto password = OptString(*j, "password", 1024);
  if (!role) return FromError(role.error());
  if (!password) return FromError(password.error());
  auto r = ctx.auth->ChangeUser(req, req.Param("name"), {*role, *password});
  return r ? NoContent() : FromError(r.error());
}

Response HandleDeleteUser(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto r = ctx.auth->DeleteUser(req, req.Param("name"));
  return r ? NoContent() : FromError(r.error());
}

Response HandlePutGrant(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  auto it = j->find("rights");
  if (it == j->end() || !it->is_array() || it->size() > 8) {
    return ErrorResponse(400, "bad_request",
                         "rights: an array of \"live\", \"recordings\", \"export\", \"ptz\"");
  }
  std::vector<std::string> rights;
  for (const auto& r : *it) {
    if (!r.is_string()) return ErrorResponse(400, "bad_request", "rights: strings");
    rights.push_back(r.get<std::string>());
  }
  auto r = ctx.auth->PutGrant(req, req.Param("name"), req.Param("camera"), rights);
  return r ? NoContent() : FromError(r.error());
}

Response HandleDeleteGrant(const ApiContext& ctx, const Request& req) {
  if (!ctx.auth) return AuthOff();
  auto r = ctx.auth->DeleteGrant(req, req.Param("name"), req.Param("camera"));
  return r ? NoContent() : FromError(r.error());
}

}  // namespace nightjar::http
