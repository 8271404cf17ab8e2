#include "cli/daemon_backend.h"

#include <spdlog/spdlog.h>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "db/database.h"
#include "mp4/virtual_mp4.h"
#include "storage/media_source.h"

namespace nightjar::cli {

using nlohmann::json;

namespace {

ingest::CameraConfig FromSpec(const http::CameraSpec& s) {
  ingest::CameraConfig c;
  c.id = s.id;
  c.name = s.name.empty() ? s.id : s.name;
  c.url = s.url;
  c.sub_url = s.sub_url;
  c.username = s.username;
  c.password = s.password;
  c.transport = s.transport == "udp" ? rtsp::TransportKind::kUdp : rtsp::TransportKind::kTcp;
  c.record = s.record;
  c.audio = s.audio;
  c.retain_bytes = s.retain_bytes;
  c.retain_days = s.retain_days;
  c.max_reconnect_attempts = s.max_reconnect_attempts;
  return c;
}

const char* TransportName(rtsp::TransportKind t) {
  return t == rtsp::TransportKind::kUdp ? "udp" : "tcp";
}

http::CameraSpec ToSpec(const ingest::CameraConfig& c) {
  http::CameraSpec s;
  s.id = c.id;
  s.name = c.name;
  s.url = c.url;
  s.sub_url = c.sub_url;
  s.username = c.username;
  s.password = c.password;
  s.transport = TransportName(c.transport);
  s.record = c.record;
  s.audio = c.audio;
  s.retain_bytes = c.retain_bytes;
  s.retain_days = c.retain_days;
  s.max_reconnect_attempts = c.max_reconnect_attempts;
  return s;
}

http::StreamInfo StreamInfoOf(const ingest::StreamStats& s, const std::string& url) {
  http::StreamInfo i;
  i.kind = s.kind;
  i.url = http::RedactUrl(url);
  i.state = std::string(ingest::StreamStateName(s.state));
  i.since = s.since;
  i.fps = s.fps;
  i.bitrate_bps = s.bitrate_bps;
  i.frames = s.frames;
  i.bytes = s.bytes;
  i.reconnects = s.reconnects;
  i.frames_recorded = s.frames_recorded;
  i.frames_shed = s.frames_shed;
  i.last_error = s.last_error;
  if (!s.last_error.empty()) i.last_error_at = s.last_error_at;
  i.video_codec = s.video_codec;
  i.width = s.width;
  i.height = s.height;
  return i;
}

// A planned range served as its virtual .mp4; holds the plan's lease (retention waits) and reader.
class Mp4Body final : public http::BodySource {
 public:
  Mp4Body(storage::MediaPlan plan, std::shared_ptr<const mp4::VirtualMp4> mp4)
      : plan_(std::move(plan)), mp4_(std::move(mp4)) {}
  uint64_t size() const override { return mp4_->size(); }
  std::string etag() const override { return mp4_->etag(); }
  std::optional<Time90k> last_modified() const override {
    return Time90k::FromUnixSeconds(mp4_->last_modified_unix_seconds());
  }
  Result<void> Read(uint64_t offset, std::span<uint8_t> out) override {
    size_t filled = 0;
    NJ_CHECK_OK(mp4_->Read(offset, offset + out.size(), *plan_.reader,
                           [&](std::span<const uint8_t> b) -> Result<void> {
                             std::memcpy(out.data() + filled, b.data(), b.size());
                             filled += b.size();
                             return Ok();
                           }));
    if (filled != out.size()) return Err(ErrorCode::kInternal, "short read of the virtual mp4");
    return Ok();
  }

 private:
  storage::MediaPlan plan_;
  std::shared_ptr<const mp4::VirtualMp4> mp4_;
};

// Longest range one request may lay out (the layout is O(recordings), ~45,000 for 31 days).
constexpr Duration90k kMaxMp4Range = Duration90k::FromSeconds(31 * 86400);

}  // namespace

std::string CameraConfigJson(const ingest::CameraConfig& c) {
  json j = {{"url", c.url},
            {"transport", TransportName(c.transport)},
            {"record", c.record},
            {"audio", c.audio},
            {"max_reconnect_attempts", c.max_reconnect_attempts}};
  if (c.sub_url) j["sub_url"] = *c.sub_url;
  if (c.username) j["username"] = *c.username;
  if (c.password) j["password"] = *c.password;
  if (c.retain_bytes) j["retain_bytes"] = *c.retain_bytes;
  if (c.retain_days) j["retain_days"] = *c.retain_days;
  return j.dump();
}

Result<ingest::CameraConfig> CameraConfigFromJson(const std::string& id, const std::string& name,
                                                  const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("url") || !j["url"].is_string()) {
    return Err(ErrorCode::kMalformed, "camera " + id + ": stored configuration has no url");
  }
  ingest::CameraConfig c;
  c.id = id;
  c.name = name;
  c.url = j["url"];
  auto str = [&](const char* k) -> std::optional<std::string> {
    return j.contains(k) && j[k].is_string() ? std::optional<std::string>(j[k]) : std::nullopt;
  };
  auto num = [&](const char* k) -> std::optional<int64_t> {
    return j.contains(k) && j[k].is_number_integer() ? std::optional<int64_t>(j[k]) : std::nullopt;
  };
  c.sub_url = str("sub_url");
  c.username = str("username");
  c.password = str("password");
  c.transport = str("transport") == "udp" ? rtsp::TransportKind::kUdp : rtsp::TransportKind::kTcp;
  c.record = j.value("record", true);
  c.audio = j.value("audio", true);
  c.retain_bytes = num("retain_bytes");
  c.retain_days = num("retain_days");
  c.max_reconnect_attempts = static_cast<int>(num("max_reconnect_attempts").value_or(0));
  NJ_CHECK_OK(ingest::ValidateCamera(c));
  return c;
}

Result<std::vector<ingest::CameraConfig>> LoadApiCameras(storage::Engine& engine) {
  return engine.WithDb([](db::Database& d) -> Result<std::vector<ingest::CameraConfig>> {
    NJ_TRY(auto rows, d.ListCameras());
    std::vector<ingest::CameraConfig> out;
    for (const auto& row : rows) {
      if (!row.from_api) continue;
      NJ_TRY(auto c, CameraConfigFromJson(row.short_name, row.name, row.config_json));
      out.push_back(std::move(c));
    }
    return out;
  });
}

Result<std::vector<http::CameraInfo>> DaemonBackend::ListCameras() {
  std::map<std::string, std::vector<ingest::StreamStats>> stats;
  for (auto& s : supervisor_.Stats()) stats[s.camera].push_back(std::move(s));
  std::set<std::string> from_api;
  NJ_CHECK_OK(engine_.WithDb([&](db::Database& d) -> Result<void> {
    NJ_TRY(auto rows, d.ListCameras());
    for (const auto& row : rows) {
      if (row.from_api) from_api.insert(row.short_name);
    }
    return Ok();
  }));
  std::vector<http::CameraInfo> out;
  for (const auto& c : supervisor_.cameras()) {
    http::CameraInfo info;
    info.from_config = !from_api.contains(c.id);
    info.id = c.id;
    info.name = c.name;
    info.record = c.record;
    info.audio = c.audio;
    info.transport = TransportName(c.transport);
    info.retain_bytes = c.retain_bytes;
    info.retain_days = c.retain_days;
    info.max_reconnect_attempts = c.max_reconnect_attempts;
    for (const auto& s : stats[c.id]) {
      info.streams.push_back(StreamInfoOf(s, s.kind == "sub" ? c.sub_url.value_or("") : c.url));
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<void> DaemonBackend::AddCamera(const http::CameraSpec& spec) {
  if (spec.transport != "tcp" && spec.transport != "udp") {
    return Err(ErrorCode::kInvalidArgument, "transport must be \"tcp\" or \"udp\"");
  }
  const ingest::CameraConfig c = FromSpec(spec);
  NJ_CHECK_OK(ingest::ValidateCamera(c));
  std::lock_guard lock(change_mu_);
  NJ_CHECK_OK(supervisor_.AddCamera(c));
  AttachLive(c.id);
  // Persisted once it runs: the next start brings it back.
  return Persist(c);
}

Result<void> DaemonBackend::Persist(const ingest::CameraConfig& c) {
  return engine_.WithDb([&](db::Database& d) -> Result<void> {
    NJ_TRY(db::CameraRow row, d.GetCameraByShortName(c.id));
    row.name = c.name;
    row.config_json = CameraConfigJson(c);
    row.from_api = true;
    return d.UpdateCamera(row);
  });
}

std::optional<ingest::CameraConfig> DaemonBackend::Running(std::string_view id) const {
  for (auto& c : supervisor_.cameras()) {
    if (c.id == id) return std::move(c);
  }
  return std::nullopt;
}

Result<bool> DaemonBackend::UpdateCamera(std::string_view id, const CameraChange& change) {
  std::lock_guard lock(change_mu_);
  const std::optional<ingest::CameraConfig> old = Running(id);
  if (!old) return Err(ErrorCode::kNotFound, "no camera \"" + std::string(id) + "\"");
  NJ_TRY(bool from_api, engine_.WithDb([&](db::Database& d) -> Result<bool> {
    NJ_TRY(db::CameraRow row, d.GetCameraByShortName(id));
    return row.from_api;
  }));
  if (!from_api) {
    return Err(ErrorCode::kFailedPrecondition,
               "camera " + old->id +
                   " is defined in the config file; change it there and restart nightjar");
  }
  http::CameraSpec spec = ToSpec(*old);
  NJ_CHECK_OK(change(spec));
  if (spec.id != old->id) {
    return Err(ErrorCode::kInvalidArgument, "id cannot change (it names the recordings)");
  }
  if (spec.transport != "tcp" && spec.transport != "udp") {
    return Err(ErrorCode::kInvalidArgument, "transport must be \"tcp\" or \"udp\"");
  }
  const ingest::CameraConfig c = FromSpec(spec);
  NJ_CHECK_OK(ingest::ValidateCamera(c));
  if (ingest::SameConnections(*old, c)) {
    NJ_CHECK_OK(supervisor_.UpdateSettings(c));
    NJ_CHECK_OK(Persist(c));
    return false;
  }
  // New connections: the old streams finish their recordings, the new ones start at once. The
  // supervisor's errors may come after it changed something (its budgets are written last), so
  // what runs afterwards is what counts: the new configuration, else the old one again.
  auto removed = supervisor_.RemoveCamera(c.id);
  if (!removed && Running(c.id)) return std::unexpected(removed.error());
  DetachLive(c.id);
  auto added = supervisor_.AddCamera(c);
  if (!added && !Running(c.id)) {
    if (auto back = supervisor_.AddCamera(*old); !back) {
      spdlog::error("camera {}: could not restart it as it was: {}", c.id, back.error().ToString());
    }
  }
  if (Running(c.id)) AttachLive(c.id);
  const std::optional<ingest::CameraConfig> now = Running(c.id);
  if (now && ingest::SameConnections(*now, c)) NJ_CHECK_OK(Persist(*now));
  if (!added) return std::unexpected(added.error());
  return true;
}

Result<void> DaemonBackend::RemoveCamera(std::string_view id) {
  std::lock_guard lock(change_mu_);
  NJ_CHECK_OK(supervisor_.RemoveCamera(std::string(id)));
  DetachLive(std::string(id));
  // Forget the API configuration (recordings and rows stay for retention and playback). A camera
  // from the config file comes back at the next start: the file is its source of truth.
  return engine_.WithDb([&](db::Database& d) -> Result<void> {
    auto row = d.GetCameraByShortName(id);
    if (!row || !row->from_api) return Ok();
    row->from_api = false;
    row->config_json = "{}";
    return d.UpdateCamera(*row);
  });
}

Result<http::StorageStatus> DaemonBackend::Storage() {
  http::StorageStatus st;
  st.data_dir = data_dir_;
  NJ_CHECK_OK(engine_.WithDb([&](db::Database& d) -> Result<void> {
    NJ_TRY(auto dirs, d.ListSampleFileDirs());
    NJ_TRY(auto cameras, d.ListCameras());
    std::map<int64_t, std::string> camera_ids;
    for (const auto& c : cameras) camera_ids[c.id] = c.short_name;
    NJ_TRY(auto streams, d.ListStreams());
    std::map<int64_t, uint64_t> used_by_dir;
    for (const auto& s : streams) {
      NJ_TRY(db::StreamUsage u, d.GetStreamUsage(s.id));
      http::StreamStorageInfo info;
      info.camera = camera_ids[s.camera_id];
      info.kind = std::string(db::StreamKindName(s.kind));
      info.recordings = u.recordings;
      info.bytes = static_cast<uint64_t>(u.sample_file_bytes);
      info.retain_bytes = s.retain_bytes;
      info.oldest_start = u.oldest_start;
      info.newest_end = u.newest_end;
      if (s.sample_file_dir_id) used_by_dir[*s.sample_file_dir_id] += info.bytes;
      st.streams.push_back(std::move(info));
    }
    for (const auto& dir : dirs) {
      http::StorageDirInfo info;
      info.path = dir.path;
      info.used_bytes = used_by_dir[dir.id];
      st.dirs.push_back(std::move(info));
    }
    return Ok();
  }));
  for (auto& dir : st.dirs) {  // statfs outside the database lock
    std::error_code ec;
    const auto space = std::filesystem::space(dir.path, ec);
    if (ec) {
      dir.error = ec.message();
      continue;
    }
    dir.free_bytes = space.available;
    dir.total_bytes = space.capacity;
  }
  return st;
}

Result<http::RecordingList> DaemonBackend::ListRecordings(std::string_view camera,
                                                          std::string_view stream,
                                                          std::optional<Time90k> from,
                                                          std::optional<Time90k> to) {
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  return engine_.WithDb([&](db::Database& d) -> Result<http::RecordingList> {
    NJ_TRY(auto rows, d.ListRecordings(stream_id, from.value_or(Time90k(0)),
                                       to.value_or(Time90k(INT64_MAX / 2))));
    http::RecordingList list;
    list.camera = std::string(camera);
    list.stream = std::string(stream);
    std::map<int64_t, db::SampleEntryRow> entries;
    for (const auto& r : rows) {
      if (!entries.contains(r.video_sample_entry_id)) {
        NJ_TRY(entries[r.video_sample_entry_id], d.GetSampleEntry(r.video_sample_entry_id));
      }
      const auto& e = entries[r.video_sample_entry_id];
      http::RecordingInfo info;
      info.id = std::to_string(r.stream_id) + "/" + std::to_string(r.composite_id & 0xffffffff);
      info.start = r.start;
      info.end = r.end();
      info.bytes = static_cast<uint64_t>(r.sample_file_bytes);
      info.frames = r.video_samples;
      info.key_frames = r.video_sync_samples;
      info.codec = e.codec;
      info.width = static_cast<uint32_t>(e.width.value_or(0));
      info.height = static_cast<uint32_t>(e.height.value_or(0));
      info.growing = r.state == db::RecordingState::kWriting;
      if (list.runs.empty() || r.composite_id == r.run_start_id || list.runs.back().end < r.start) {
        list.runs.push_back({r.start, r.end(), 0});
      }
      list.runs.back().end = std::max(list.runs.back().end, r.end());
      list.runs.back().recordings++;
      list.recordings.push_back(std::move(info));
    }
    return list;
  });
}

Result<std::vector<std::pair<Time90k, Time90k>>> DaemonBackend::RecordingSpans(
    std::string_view camera, std::string_view stream) {
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  return engine_.WithDb([&](db::Database& d) { return d.ListRecordingSpans(stream_id); });
}

Result<int64_t> DaemonBackend::StreamId(std::string_view camera, std::string_view stream) {
  NJ_TRY(db::StreamKind kind, db::ParseStreamKind(stream));
  return engine_.WithDb([&](db::Database& d) -> Result<int64_t> {
    auto cam = d.GetCameraByShortName(camera);
    if (!cam) return Err(ErrorCode::kNotFound, "no camera " + std::string(camera));
    NJ_TRY(auto streams, d.ListStreams(cam->id));
    for (const auto& row : streams) {
      if (row.kind == kind) return row.id;
    }
    return Err(ErrorCode::kNotFound,
               "camera " + std::string(camera) + " has no " + std::string(stream) + " stream");
  });
}

Result<http::MediaBody> DaemonBackend::OpenMp4(std::string_view camera, std::string_view stream,
                                               Time90k from, Time90k to) {
  if (to - from > kMaxMp4Range) {
    return Err(ErrorCode::kInvalidArgument, "ranges are limited to 31 days");
  }
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  NJ_TRY(storage::MediaPlan plan, storage::PlanRangeLeased(engine_, storage::EngineCatalog(engine_),
                                                           fs_, stream_id, from, to));
  NJ_TRY(auto mp4, mp4::VirtualMp4::Build(plan.mp4));
  std::string stamp = FormatLocalDateTime(plan.start);
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  http::MediaBody body;
  body.filename = std::string(camera) + "-" + std::string(stream) + "-" + stamp + ".mp4";
  body.content_type = "video/mp4";
  body.source = std::make_shared<Mp4Body>(std::move(plan), std::move(mp4));
  return body;
}

Result<http::Counters> DaemonBackend::GetCounters() {
  http::Counters c;
  c.retention_deleted_recordings = static_cast<uint64_t>(engine_.deleted_by_retention());
  c.retention_deleted_bytes = static_cast<uint64_t>(engine_.deleted_bytes_by_retention());
  return c;
}

}  // namespace nightjar::cli
