// GET /api/status: the daemon at a glance — version, uptime, storage (directories with used and
// free bytes, per-stream recordings), and cameras with their live stream statistics. The seed
// NVR's README names the endpoint but shows no shape; ours is documented in docs/API.md.
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"
#include "http/handlers/json.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

json StorageJson(const StorageStatus& s) {
  json j = {{"data_dir", s.data_dir}};
  json& dirs = j["dirs"] = json::array();
  for (const auto& d : s.dirs) {
    json dj = {{"path", d.path},
               {"used_bytes", d.used_bytes},
               {"free_bytes", d.free_bytes ? json(*d.free_bytes) : json(nullptr)},
               {"total_bytes", d.total_bytes ? json(*d.total_bytes) : json(nullptr)}};
    if (!d.error.empty()) dj["error"] = d.error;
    dirs.push_back(std::move(dj));
  }
  json& streams = j["streams"] = json::array();
  for (const auto& st : s.streams) {
    json sj = {{"camera", st.camera},
               {"stream", st.kind},
               {"recordings", st.recordings},
               {"bytes", st.bytes},
               {"retain_bytes", st.retain_bytes ? json(*st.retain_bytes) : json(nullptr)}};
    PutTime(sj, "oldest_start", st.oldest_start);
    PutTime(sj, "newest_end", st.newest_end);
    json deleted = {{"recordings", st.deleted_recordings},
                    {"bytes", st.deleted_bytes},
                    {"recordings_24h", st.deleted_recordings_24h},
                    {"bytes_24h", st.deleted_bytes_24h}};
    PutTime(deleted, "last", st.last_deleted);
    sj["retention_deleted"] = std::move(deleted);
    streams.push_back(std::move(sj));
  }
  return j;
}

}  // namespace

Response HandleStatus(const ApiContext& ctx, const Request& req) {
  auto storage = ctx.system->Storage();
  if (!storage) return FromError(storage.error());
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  json j = {{"version", ctx.version}};
  if (ctx.clock) {
    const Time90k now = ctx.clock->Now();
    PutTime(j, "now", now);
    PutTime(j, "started", ctx.started);
    j["uptime_s"] = (now - ctx.started).ToWholeSeconds();
  }
  // Only the cameras the principal may see (and their streams).
  StorageStatus visible = *storage;
  std::erase_if(visible.streams, [&](const auto& st) { return !MaySee(req, st.camera); });
  j["storage"] = StorageJson(visible);
  json& cams = j["cameras"] = json::array();
  for (const auto& c : *cameras) {
    if (MaySee(req, c.config.id)) cams.push_back(CameraJson(c));
  }
  return Response::Json(200, j);
}

}  // namespace nightjar::http
