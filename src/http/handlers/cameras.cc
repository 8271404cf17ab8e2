// /api/cameras: list (GET), add (POST, JSON body), one camera (GET /{id}), remove (DELETE /{id}).
// The body of POST is checked strictly here (types, unknown fields, id syntax) so the backend
// receives a well-typed CameraSpec; it then checks meaning (taken id, usable URL).
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"
#include "http/handlers/json.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

// Camera ids appear in URL paths and file names: keep them to a safe alphabet.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> GetString(const json& j, const char* key) {
  if (!j.is_string())
    return Err(ErrorCode::kInvalidArgument, std::string(key) + " must be a string");
  return j.get<std::string>();
}

Result<int64_t> GetNonNegative(const json& j, const char* key) {
  if (!j.is_number_integer() || j.get<int64_t>() < 0) {
    return Err(ErrorCode::kInvalidArgument, std::string(key) + " must be a non-negative integer");
  }
  return j.get<int64_t>();
}

// Applies one field of the body to `spec`; kInvalidArgument naming the field when it is wrong.
Result<void> ApplyField(const std::string& key, const json& v, CameraSpec& spec) {
  const bool null = v.is_null();
  if (key == "id") {
    NJ_TRY(spec.id, GetString(v, "id"));
  } else if (key == "name") {
    NJ_TRY(spec.name, GetString(v, "name"));
  } else if (key == "url") {
    NJ_TRY(spec.url, GetString(v, "url"));
  } else if (key == "sub_url" || key == "username" || key == "password") {
    auto& field = key == "sub_url"    ? spec.sub_url
                  : key == "username" ? spec.username
                                      : spec.password;
    if (!null) {
      NJ_TRY(field, GetString(v, key.c_str()));
    }
  } else if (key == "transport") {
    NJ_TRY(spec.transport, GetString(v, "transport"));
    if (spec.transport != "tcp" && spec.transport != "udp") {
      return Err(ErrorCode::kInvalidArgument, "transport must be \"tcp\" or \"udp\"");
    }
  } else if (key == "record") {
    if (!v.is_boolean()) return Err(ErrorCode::kInvalidArgument, "record must be true or false");
    spec.record = v.get<bool>();
  } else if (key == "retain_bytes" || key == "retain_days") {
    auto& field = key == "retain_bytes" ? spec.retain_bytes : spec.retain_days;
    if (!null) {
      NJ_TRY(field, GetNonNegative(v, key.c_str()));
    }
  } else if (key == "max_reconnect_attempts") {
    NJ_TRY(int64_t n, GetNonNegative(v, "max_reconnect_attempts"));
    if (n > 1'000'000)
      return Err(ErrorCode::kInvalidArgument, "max_reconnect_attempts is too large");
    spec.max_reconnect_attempts = static_cast<int>(n);
  } else {
    return Err(ErrorCode::kInvalidArgument, "unknown field \"" + key + "\"");
  }
  return Ok();
}

}  // namespace

Result<CameraSpec> ParseCameraSpec(std::string_view body) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(ErrorCode::kInvalidArgument, "the body is not valid JSON");
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  CameraSpec spec;
  for (const auto& [key, value] : j.items()) NJ_CHECK_OK(ApplyField(key, value, spec));
  if (!ValidId(spec.id)) {
    return Err(ErrorCode::kInvalidArgument, "id is required: 1-64 letters, digits, '-' or '_'");
  }
  if (spec.url.empty()) return Err(ErrorCode::kInvalidArgument, "url is required");
  if (spec.name.empty()) spec.name = spec.id;
  return spec;
}

Response HandleListCameras(const ApiContext& ctx, const Request&) {
  auto cameras = ctx.backend->ListCameras();
  if (!cameras) return FromError(cameras.error());
  json j = json::array();
  for (const auto& c : *cameras) j.push_back(CameraJson(c));
  return Response::Json(200, j);
}

Response HandleGetCamera(const ApiContext& ctx, const Request& req) {
  auto cameras = ctx.backend->ListCameras();
  if (!cameras) return FromError(cameras.error());
  for (const auto& c : *cameras) {
    if (c.id == req.Param("id")) return Response::Json(200, CameraJson(c));
  }
  return ErrorResponse(404, "not_found", "no camera \"" + req.Param("id") + "\"");
}

Response HandleAddCamera(const ApiContext& ctx, const Request& req) {
  auto spec = ParseCameraSpec(req.body);
  if (!spec) return FromError(spec.error());
  if (auto added = ctx.backend->AddCamera(*spec); !added) return FromError(added.error());
  Response res = Response::Json(201, {{"id", spec->id}, {"added", true}});
  res.headers.emplace_back("Location", "/api/cameras/" + spec->id);
  return res;
}

Response HandleRemoveCamera(const ApiContext& ctx, const Request& req) {
  const std::string& id = req.Param("id");
  if (auto removed = ctx.backend->RemoveCamera(id); !removed) return FromError(removed.error());
  return Response::Json(200, {{"id", id}, {"removed", true}});
}

}  // namespace nightjar::http
