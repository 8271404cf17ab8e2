// /api/cameras: list (GET), add (POST, JSON body), one camera (GET /{id}), change (PATCH /{id}:
// a JSON merge patch, RFC 7396; PUT /{id}: the whole configuration), remove (DELETE /{id}), and
// its streams (/{id}/streams[/{kind}]: GET; PUT {"url"} sets a stream's URL, adding the sub
// stream; DELETE removes the sub stream). Bodies are checked strictly here (types, unknown
// fields, id syntax) so the backend receives a well-typed CameraSpec; it then checks meaning
// (taken id, usable URL, a camera the config file owns).
#include <nlohmann/json.hpp>
#include <variant>

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
    if (null) {
      field.reset();  // absent, or removed by a merge patch
    } else {
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
  } else if (key == "audio") {
    if (!v.is_boolean()) return Err(ErrorCode::kInvalidArgument, "audio must be true or false");
    spec.audio = v.get<bool>();
  } else if (key == "retain_bytes" || key == "retain_days") {
    auto& field = key == "retain_bytes" ? spec.retain_bytes : spec.retain_days;
    if (null) {
      field.reset();
    } else {
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

Result<json> ParseObject(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(ErrorCode::kInvalidArgument, "the body is not valid JSON");
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  return j;
}

// Applies every field of `j` to `spec`; an "id" must be the one `spec` has when it has one.
Result<void> ApplyObject(const json& j, CameraSpec& spec) {
  const std::string id = spec.id;
  for (const auto& [key, value] : j.items()) NJ_CHECK_OK(ApplyField(key, value, spec));
  if (!id.empty() && spec.id != id) {
    return Err(ErrorCode::kInvalidArgument, "id cannot change (it names the recordings)");
  }
  if (!ValidId(spec.id)) {
    return Err(ErrorCode::kInvalidArgument, "id is required: 1-64 letters, digits, '-' or '_'");
  }
  if (spec.url.empty()) return Err(ErrorCode::kInvalidArgument, "url is required");
  if (spec.name.empty()) spec.name = spec.id;
  return Ok();
}

// Camera `id` with `change` applied (Backend::UpdateCamera); the response says what happened.
Response Update(const ApiContext& ctx, const std::string& id, const Backend::CameraChange& change,
                int status = 200) {
  auto restarted = ctx.backend->UpdateCamera(id, change);
  if (!restarted) return FromError(restarted.error());
  return Response::Json(status, {{"id", id}, {"updated", true}, {"restarted", *restarted}});
}

// The camera's streams, or the error response.
std::variant<std::vector<StreamInfo>, Response> StreamsOf(const ApiContext& ctx,
                                                          const std::string& id) {
  auto cameras = ctx.backend->ListCameras();
  if (!cameras) return FromError(cameras.error());
  for (auto& c : *cameras) {
    if (c.id == id) return std::move(c.streams);
  }
  return ErrorResponse(404, "not_found", "no camera \"" + id + "\"");
}

}  // namespace

std::optional<Response> CheckStream(std::string_view stream) {
  if (stream == "main" || stream == "sub") return std::nullopt;
  return ErrorResponse(400, "bad_request",
                       "stream: expected main or sub, got \"" + std::string(stream) + "\"");
}

Result<CameraSpec> ParseCameraSpec(std::string_view body) {
  NJ_TRY(json j, ParseObject(body));
  CameraSpec spec;
  NJ_CHECK_OK(ApplyObject(j, spec));
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

Response HandlePatchCamera(const ApiContext& ctx, const Request& req) {
  auto patch = ParseObject(req.body);
  if (!patch) return FromError(patch.error());
  return Update(ctx, req.Param("id"), [&](CameraSpec& spec) { return ApplyObject(*patch, spec); });
}

Response HandlePutCamera(const ApiContext& ctx, const Request& req) {
  auto body = ParseObject(req.body);
  if (!body) return FromError(body.error());
  // The whole configuration: what the body leaves out takes its default. Cameras are created
  // with POST /api/cameras (an unknown id is 404).
  return Update(ctx, req.Param("id"), [&](CameraSpec& spec) -> Result<void> {
    CameraSpec replaced;
    replaced.id = spec.id;
    NJ_CHECK_OK(ApplyObject(*body, replaced));
    spec = std::move(replaced);
    return Ok();
  });
}

Response HandleListStreams(const ApiContext& ctx, const Request& req) {
  auto streams = StreamsOf(ctx, req.Param("id"));
  if (auto* r = std::get_if<Response>(&streams)) return std::move(*r);
  json j = json::array();
  for (const auto& s : std::get<0>(streams)) j.push_back(StreamJson(s));
  return Response::Json(200, j);
}

Response HandleGetStream(const ApiContext& ctx, const Request& req) {
  const std::string& kind = req.Param("kind");
  if (auto bad = CheckStream(kind)) return std::move(*bad);
  auto streams = StreamsOf(ctx, req.Param("id"));
  if (auto* r = std::get_if<Response>(&streams)) return std::move(*r);
  for (const auto& s : std::get<0>(streams)) {
    if (s.kind == kind) return Response::Json(200, StreamJson(s));
  }
  return ErrorResponse(404, "not_found",
                       "camera " + req.Param("id") + " has no " + kind + " stream");
}

Response HandlePutStream(const ApiContext& ctx, const Request& req) {
  const std::string& kind = req.Param("kind");
  if (auto bad = CheckStream(kind)) return std::move(*bad);
  auto body = ParseObject(req.body);
  if (!body) return FromError(body.error());
  if (body->size() != 1 || !body->contains("url") || !(*body)["url"].is_string()) {
    return ErrorResponse(400, "bad_request", "the body must be {\"url\": \"rtsp://...\"}");
  }
  const std::string url = (*body)["url"].get<std::string>();
  bool created = false;
  auto restarted = ctx.backend->UpdateCamera(req.Param("id"), [&](CameraSpec& spec) {
    created = kind == "sub" && !spec.sub_url;
    (kind == "main" ? spec.url : spec.sub_url.emplace()) = url;
    return Result<void>();
  });
  if (!restarted) return FromError(restarted.error());
  return Response::Json(created ? 201 : 200,
                        {{"id", req.Param("id")}, {"updated", true}, {"restarted", *restarted}});
}

Response HandleDeleteStream(const ApiContext& ctx, const Request& req) {
  const std::string& kind = req.Param("kind");
  if (auto bad = CheckStream(kind)) return std::move(*bad);
  if (kind == "main") {
    return ErrorResponse(400, "bad_request",
                         "a camera always has its main stream; DELETE the camera instead");
  }
  return Update(ctx, req.Param("id"), [](CameraSpec& spec) -> Result<void> {
    if (!spec.sub_url) return Err(ErrorCode::kNotFound, "camera " + spec.id + " has no sub stream");
    spec.sub_url.reset();
    return Ok();
  });
}

Response HandleRemoveCamera(const ApiContext& ctx, const Request& req) {
  const std::string& id = req.Param("id");
  if (auto removed = ctx.backend->RemoveCamera(id); !removed) return FromError(removed.error());
  return Response::Json(200, {{"id", id}, {"removed", true}});
}

}  // namespace nightjar::http
