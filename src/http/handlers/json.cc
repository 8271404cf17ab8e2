#include "http/handlers/json.h"

namespace nightjar::http {

using nlohmann::json;

void PutTime(json& j, const std::string& key, std::optional<Time90k> t) {
  j[key] = t ? json(FormatTimeLocal(*t, 6)) : json(nullptr);
  j[key + "_90k"] = t ? json(t->ticks()) : json(nullptr);
}

void PutSpan(json& j, Time90k start, Time90k end) {
  PutTime(j, "start", start);
  PutTime(j, "end", end);
  j["duration_s"] = (end - start).ToSeconds();
}

json StreamJson(const StreamInfo& s) {
  json j = {{"kind", s.kind},
            {"url", config::RedactUrl(s.url)},
            {"state", s.state},
            {"fps", s.fps},
            {"bitrate_bps", s.bitrate_bps},
            {"frames", s.frames},
            {"bytes", s.bytes},
            {"reconnects", s.reconnects},
            {"frames_recorded", s.frames_recorded},
            {"frames_shed", s.frames_shed},
            {"resyncs", s.resyncs},
            {"skipped_bytes", s.skipped_bytes},
            {"dropped_packets", s.dropped_packets},
            {"transport", s.transport.empty() ? json(nullptr) : json(s.transport)},
            {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
            {"video_codec", s.video_codec},
            {"width", s.width},
            {"height", s.height}};
  PutTime(j, "since", s.since);
  PutTime(j, "last_error_at", s.last_error_at);
  return j;
}

json CameraJson(const CameraInfo& c) {
  // The configuration as the codec shows it (no secrets, URLs redacted), then what only the
  // running daemon knows.
  json j = config::ToApiJson(c.config);
  j.erase("username");  // credentials stay out of listings
  j["source"] = c.from_config ? "config" : "api";
  if (!c.config.sub_url) j.erase("sub_url");
  json& streams = j["streams"] = json::array();
  for (const auto& s : c.streams) streams.push_back(StreamJson(s));
  return j;
}

}  // namespace nightjar::http
