// POST /api/cameras/probe: "test connection". The body names a URL (and credentials, transport)
// or an existing camera whose stored credentials to use; the answer is what the camera serves
// or, when it fails, why in plain words. The probe runs without holding a thread: the first run
// starts it and waits (Response::Wait); the run after the wake answers from its handle.
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

json ResultJson(const ProbeResult& r) {
  if (!r.ok) {
    return {{"ok", false}, {"error", r.error}, {"message", r.message}, {"detail", r.detail}};
  }
  json j = {{"ok", true}, {"transport", r.transport}, {"first_frame_ms", r.first_frame_ms}};
  j["video"] = {{"codec", r.video_codec},    {"rfc6381", r.video_rfc6381}, {"profile", r.profile},
                {"width", r.width},          {"height", r.height},         {"fps", r.fps},
                {"fps_source", r.fps_source}};
  j["audio"] = r.has_audio ? json{{"codec", r.audio_codec},
                                  {"rfc6381", r.audio_rfc6381},
                                  {"sample_rate", r.audio_sample_rate},
                                  {"channels", r.audio_channels}}
                           : json(nullptr);
  return j;
}

// The body's fields into `t`; the 400 to answer otherwise. Values are checked by the service
// (the camera codec's own field checks).
std::optional<Response> ParseTarget(const json& j, ProbeTarget& t) {
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) return ErrorResponse(400, "bad_request", key + ": expected a string");
    const std::string& v = value.get_ref<const std::string&>();
    if (key == "camera") {
      t.camera = v;
    } else if (key == "stream") {
      if (auto bad = CheckStream(v)) return bad;
      t.stream = v;
    } else if (key == "url") {
      t.url = v;
    } else if (key == "username") {
      t.username = v;
    } else if (key == "password") {
      t.password = v;
    } else if (key == "transport") {
      t.transport = v;
    } else {
      return ErrorResponse(400, "bad_request", key + ": unknown field");
    }
  }
  if (!t.camera && !t.url) return ErrorResponse(400, "bad_request", "url: required");
  return std::nullopt;
}

}  // namespace

Response HandleProbeCamera(const ApiContext& ctx, const Request& req) {
  if (!ctx.probe) return ErrorResponse(404, "not_found", "connection probes are not available");
  if (req.wait_rounds > 0) {
    auto handle = std::dynamic_pointer_cast<ProbeHandle>(req.waited);
    if (!handle) return ErrorResponse(500, "internal", "the probe's handle is missing");
    if (auto r = handle->result()) return Response::Json(200, ResultJson(*r));
    if (req.wait_expired) return ErrorResponse(504, "timeout", "the probe did not finish in time");
    return Response::Wait(handle, ctx.probe->max_duration_ms());
  }
  auto j = JsonObjectBody(req);
  if (!j) return FromError(j.error());
  ProbeTarget target;
  if (auto bad = ParseTarget(*j, target)) return std::move(*bad);
  // A camera's stored credentials only for those who may manage it (others learn nothing of it).
  if (target.camera && req.principal &&
      !req.principal->Allows(Permission::kManageCameras, *target.camera)) {
    return ErrorResponse(404, "not_found", "no camera \"" + *target.camera + "\"");
  }
  auto handle = ctx.probe->Start(target);
  if (!handle) {
    if (handle.error().code() == ErrorCode::kFailedPrecondition) {
      Response busy = ErrorResponse(429, "busy", handle.error().message() + "; try again shortly");
      busy.headers.emplace_back("Retry-After", "2");
      return busy;
    }
    return FromError(handle.error());
  }
  if (auto r = (*handle)->result()) return Response::Json(200, ResultJson(*r));
  return Response::Wait(*handle, ctx.probe->max_duration_ms());
}

}  // namespace nightjar::http
