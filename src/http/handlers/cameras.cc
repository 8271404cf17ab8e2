// /api/cameras: list (GET), add (POST, JSON body), one camera (GET /{id}), change (PATCH /{id}:
// a JSON merge patch, RFC 7396; PUT /{id}: the whole configuration), remove (DELETE /{id}), and
// its streams (/{id}/streams[/{kind}]: GET; PUT {"url"} sets a stream's URL, adding the sub
// stream; DELETE removes the sub stream). Bodies go through the camera codec
// (config/camera_config.h: the same field table as nightjar.toml and the database), so a body is
// refused naming the field exactly as the config file would be; the service then checks what
// only it can (a taken id, a camera the config file owns).
#include <nlohmann/json.hpp>
#include <variant>

#include "http/handlers/api.h"
#include "http/handlers/json.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

Result<json> ParseObject(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(ErrorCode::kInvalidArgument, "the body is not valid JSON");
  if (!j.is_object()) return Err(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  return j;
}

// Applies every field of `j` to `c`; an "id" must be the one `c` has when it has one.
Result<void> ApplyObject(const json& j, config::CameraConfig& c) {
  const std::string id = c.id;
  NJ_CHECK_OK(config::ApplyJson(j, c));
  if (!id.empty() && c.id != id) {
    return Err(ErrorCode::kInvalidArgument, "id cannot change (it names the recordings)");
  }
  return config::FinishApiCamera(c);
}

// Camera `id` with `change` applied (Backend::UpdateCamera); the response says what happened.
Response Update(const ApiContext& ctx, const Request& req, const std::string& id,
                const CameraService::Change& change, int status = 200) {
  auto restarted = ctx.cameras->Update(id, change);
  if (!restarted) return FromError(restarted.error());
  AuditRequest(ctx, req, "camera_change", id,
               {{"method", MethodName(req.method)}, {"path", req.path}});
  return Response::Json(status, {{"id", id}, {"updated", true}, {"restarted", *restarted}});
}

// The camera's streams, or the error response.
std::variant<std::vector<StreamInfo>, Response> StreamsOf(const ApiContext& ctx,
                                                          const std::string& id) {
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  for (auto& c : *cameras) {
    if (c.config.id == id) return std::move(c.streams);
  }
  return ErrorResponse(404, "not_found", "no camera \"" + id + "\"");
}

}  // namespace

std::optional<Response> CheckStream(std::string_view stream) {
  if (stream == "main" || stream == "sub") return std::nullopt;
  return ErrorResponse(400, "bad_request",
                       "stream: expected main or sub, got \"" + std::string(stream) + "\"");
}

Result<config::CameraConfig> ParseCameraBody(std::string_view body) {
  NJ_TRY(json j, ParseObject(body));
  config::CameraConfig c;
  NJ_CHECK_OK(ApplyObject(j, c));
  return c;
}

Response HandleListCameras(const ApiContext& ctx, const Request& req) {
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  json j = json::array();
  for (const auto& c : *cameras) {
    if (MaySee(req, c.config.id)) j.push_back(CameraJson(c));
  }
  return Response::Json(200, j);
}

Response HandleGetCamera(const ApiContext& ctx, const Request& req) {
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  for (const auto& c : *cameras) {
    if (c.config.id == req.Param("id")) return Response::Json(200, CameraJson(c));
  }
  return ErrorResponse(404, "not_found", "no camera \"" + req.Param("id") + "\"");
}

Response HandleAddCamera(const ApiContext& ctx, const Request& req) {
  auto camera = ParseCameraBody(req.body);
  if (!camera) return FromError(camera.error());
  if (auto added = ctx.cameras->Add(*camera); !added) return FromError(added.error());
  AuditRequest(ctx, req, "camera_add", camera->id, nullptr);
  Response res = Response::Json(201, {{"id", camera->id}, {"added", true}});
  res.headers.emplace_back("Location", "/api/cameras/" + camera->id);
  return res;
}

Response HandlePatchCamera(const ApiContext& ctx, const Request& req) {
  auto patch = ParseObject(req.body);
  if (!patch) return FromError(patch.error());
  return Update(ctx, req, req.Param("id"),
                [&](config::CameraConfig& c) { return ApplyObject(*patch, c); });
}

Response HandlePutCamera(const ApiContext& ctx, const Request& req) {
  auto body = ParseObject(req.body);
  if (!body) return FromError(body.error());
  // The whole configuration: what the body leaves out takes its default. Cameras are created
  // with POST /api/cameras (an unknown id is 404).
  return Update(ctx, req, req.Param("id"), [&](config::CameraConfig& c) -> Result<void> {
    config::CameraConfig replaced;
    replaced.id = c.id;
    NJ_CHECK_OK(ApplyObject(*body, replaced));
    c = std::move(replaced);
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
  auto restarted = ctx.cameras->Update(req.Param("id"), [&](config::CameraConfig& c) {
    created = kind == "sub" && !c.sub_url;
    (kind == "main" ? c.url : c.sub_url.emplace()) = url;
    return config::FinishApiCamera(c);
  });
  if (!restarted) return FromError(restarted.error());
  AuditRequest(ctx, req, "camera_change", req.Param("id"), {{"method", "PUT"}, {"path", req.path}});
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
  return Update(ctx, req, req.Param("id"), [](config::CameraConfig& c) -> Result<void> {
    if (!c.sub_url) return Err(ErrorCode::kNotFound, "camera " + c.id + " has no sub stream");
    c.sub_url.reset();
    return Ok();
  });
}

Response HandleRemoveCamera(const ApiContext& ctx, const Request& req) {
  const std::string& id = req.Param("id");
  if (auto removed = ctx.cameras->Remove(id); !removed) return FromError(removed.error());
  AuditRequest(ctx, req, "camera_remove", id, nullptr);
  return Response::Json(200, {{"id", id}, {"removed", true}});
}

}  // namespace nightjar::http
