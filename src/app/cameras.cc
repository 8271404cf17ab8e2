#include "app/cameras.h"

#include <spdlog/spdlog.h>

#include <map>

namespace nightjar::app {

http::StreamInfo StreamInfoOf(const ingest::StreamStats& s, const std::string& url) {
  http::StreamInfo i;
  i.kind = s.kind;
  i.url = config::RedactUrl(url);
  i.state = std::string(ingest::StreamStateName(s.state));
  i.since = s.since;
  i.fps = s.fps;
  i.bitrate_bps = s.bitrate_bps;
  i.frames = s.frames;
  i.bytes = s.bytes;
  i.reconnects = s.reconnects;
  i.frames_recorded = s.frames_recorded;
  i.frames_shed = s.frames_shed;
  i.resyncs = s.resyncs;
  i.skipped_bytes = s.skipped_bytes;
  i.dropped_packets = s.dropped_packets;
  i.transport = s.transport;
  i.last_error = s.last_error;
  if (!s.last_error.empty()) i.last_error_at = s.last_error_at;
  i.video_codec = s.video_codec;
  i.width = s.width;
  i.height = s.height;
  return i;
}

std::vector<std::string> Cameras::Start(const std::vector<config::CameraConfig>& from_config) {
  std::lock_guard lock(mu_);
  std::vector<std::string> failed;
  for (const auto& c : from_config) {
    config_ids_.insert(c.id);
    if (auto ok = StartCamera(c); !ok) failed.push_back(c.id + ": " + ok.error().ToString());
  }
  if (auto sealed = store_.SealClearSecrets(); !sealed) {
    spdlog::error("sealing stored camera passwords: {}", sealed.error().ToString());
  } else if (*sealed > 0) {
    spdlog::info("{} stored camera configuration(s) rewritten with their passwords sealed",
                 *sealed);
  }
  std::vector<std::string> skipped;
  auto api = store_.LoadApiCameras(&skipped);
  for (const auto& s : skipped) spdlog::error("camera {} (added through the API) skipped", s);
  if (!api) {
    spdlog::error("cameras added through the API: {}", api.error().ToString());
    return failed;
  }
  for (const auto& c : *api) {
    if (config_ids_.contains(c.id)) continue;
    if (auto ok = StartCamera(c); !ok) {
      spdlog::error("camera {} (added through the API): {}", c.id, ok.error().ToString());
    }
  }
  return failed;
}

void Cameras::StopAll() {
  std::lock_guard lock(mu_);
  for (const auto& c : runner_.cameras()) {
    for (auto* l : listeners_) l->OnCameraStopping(c.id);
  }
}

Result<void> Cameras::StartCamera(const config::CameraConfig& c) {
  NJ_CHECK_OK(runner_.AddCamera(c));
  for (auto* l : listeners_) l->OnCameraStarted(c);
  return Ok();
}

Result<void> Cameras::StopCamera(const std::string& id) {
  if (!Running(id)) return Err(ErrorCode::kNotFound, "no camera \"" + id + "\"");
  for (auto* l : listeners_) l->OnCameraStopping(id);
  return runner_.RemoveCamera(id);
}

std::optional<config::CameraConfig> Cameras::Running(std::string_view id) const {
  for (auto& c : runner_.cameras()) {
    if (c.id == id) return std::move(c);
  }
  return std::nullopt;
}

Result<std::vector<http::CameraInfo>> Cameras::List() {
  std::map<std::string, std::vector<ingest::StreamStats>> stats;
  for (auto& s : runner_.Stats()) stats[s.camera].push_back(std::move(s));
  NJ_TRY(const std::set<std::string> from_api, store_.ApiCameraIds());
  std::vector<http::CameraInfo> out;
  for (auto& c : runner_.cameras()) {
    http::CameraInfo info;
    info.from_config = !from_api.contains(c.id);
    for (const auto& s : stats[c.id]) {
      info.streams.push_back(StreamInfoOf(s, s.kind == "sub" ? c.sub_url.value_or("") : c.url));
    }
    info.config = std::move(c);
    out.push_back(std::move(info));
  }
  return out;
}

Result<void> Cameras::Add(const config::CameraConfig& camera) {
  NJ_CHECK_OK(config::Validate(camera));
  std::lock_guard lock(mu_);
  NJ_CHECK_OK(StartCamera(camera));
  // Persisted once it runs: the next start brings it back. If it cannot be stored, it does not
  // stay running either (a camera the next start would silently drop).
  if (auto saved = store_.Save(camera); !saved) {
    (void)StopCamera(camera.id);
    return saved;
  }
  return Ok();
}

Result<void> Cameras::Remove(std::string_view id) {
  std::lock_guard lock(mu_);
  NJ_CHECK_OK(StopCamera(std::string(id)));
  // Its recordings and rows stay for retention and playback. A camera of the config file
  // comes back at the next start: the file is its source of truth.
  return store_.Forget(id);
}

Result<bool> Cameras::Update(std::string_view id, const Change& change) {
  std::lock_guard lock(mu_);
  const std::optional<config::CameraConfig> old = Running(id);
  if (!old) return Err(ErrorCode::kNotFound, "no camera \"" + std::string(id) + "\"");
  NJ_TRY(const std::set<std::string> from_api, store_.ApiCameraIds());
  if (!from_api.contains(old->id)) {
    return Err(ErrorCode::kFailedPrecondition,
               "camera " + old->id +
                   " is defined in the config file; change it there and restart nightjar");
  }
  config::CameraConfig c = *old;
  NJ_CHECK_OK(change(c));
  if (c.id != old->id) {
    return Err(ErrorCode::kInvalidArgument, "id cannot change (it names the recordings)");
  }
  NJ_CHECK_OK(config::Validate(c));
  if (config::SameConnections(*old, c)) {
    NJ_CHECK_OK(runner_.UpdateSettings(c));
    NJ_CHECK_OK(store_.Save(c));
    return false;
  }
  // New connections: the old streams finish their recordings, the new ones start at once. The
  // runner's errors may come after it changed something, so what runs afterwards is what
  // counts: the new configuration, else the old one again.
  auto removed = StopCamera(c.id);
  if (!removed && Running(c.id)) return std::unexpected(removed.error());
  auto added = StartCamera(c);
  if (!added && !Running(c.id)) {
    if (auto back = StartCamera(*old); !back) {
      spdlog::error("camera {}: could not restart it as it was: {}", c.id, back.error().ToString());
    }
  }
  const std::optional<config::CameraConfig> now = Running(c.id);
  if (now && config::SameConnections(*now, c)) NJ_CHECK_OK(store_.Save(*now));
  if (!added) return std::unexpected(added.error());
  return true;
}

}  // namespace nightjar::app
