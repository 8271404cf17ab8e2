#include "app/status_file.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/json_time.h"

namespace nightjar::app {

using nlohmann::json;

json StreamStatsJson(const ingest::StreamStats& s) {
  json j = {{"camera", s.camera},
            {"stream", s.kind},
            {"stream_id", s.stream_id},
            {"record", s.record},
            {"state", std::string(ingest::StreamStateName(s.state))},
            {"sessions", s.sessions},
            {"reconnects", s.reconnects},
            {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
            {"video_codec", s.video_codec},
            {"width", s.width},
            {"height", s.height},
            {"audio_codec", s.audio_codec.empty() ? json(nullptr) : json(s.audio_codec)},
            {"frames", s.frames},
            {"audio_frames", s.audio_frames},
            {"bytes", s.bytes},
            {"packets_lost", s.packets_lost},
            {"frames_dropped", s.frames_dropped},
            {"frames_recorded", s.frames_recorded},
            {"frames_shed", s.frames_shed},
            {"resyncs", s.resyncs},
            {"skipped_bytes", s.skipped_bytes},
            {"dropped_packets", s.dropped_packets},
            {"rtp_restarts", s.rtp_restarts},
            {"transport", s.transport.empty() ? json(nullptr) : json(s.transport)},
            {"fps", s.fps},
            {"bitrate_bps", s.bitrate_bps}};
  PutTime(j, "since", s.since);
  PutTime(j, "last_error_at",
          s.last_error.empty() ? std::nullopt : std::optional<Time90k>(s.last_error_at));
  return j;
}

void WriteStreamStatus(const std::string& path, const std::vector<ingest::StreamStats>& stats,
                       Time90k now) {
  json doc = {{"pid", static_cast<int64_t>(getpid())}, {"streams", json::array()}};
  PutTime(doc, "updated", now);
  for (const auto& s : stats) doc["streams"].push_back(StreamStatsJson(s));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(1, ' ', false, json::error_handler_t::replace);
    if (!out) {
      spdlog::warn("cannot write {}", tmp);
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) spdlog::warn("cannot rename {}", tmp);
}

std::optional<json> ReadStreamStatus(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace nightjar::app
