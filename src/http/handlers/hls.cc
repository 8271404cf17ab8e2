// Live HLS for players: GET /api/hls/{camera}/live.m3u8 (LL-HLS: parts of ~0.3 s, blocking
// playlist reload with _HLS_msn/_HLS_part, a preload hint; RFC 8216bis), its segments
// segment/ts/{msn} and parts part/ts/{msn}.{part}, and the browser players
// (/api/hls/{camera}/player, /vod/player) with their files under /ui/. `stream=sub` picks the
// sub stream and is carried into every URI of the playlist.

#include <cctype>

#include "base/strings.h"
#include "http/handlers/api.h"
#include "http/principal.h"

namespace nightjar::http {
namespace {

// A playlist waits this long for a camera that has produced nothing yet, or for a part to come
// (three part targets is what RFC 8216bis asks servers to allow; a reconnecting camera needs
// more).
constexpr int kLiveWaitMs = 10000;

std::optional<uint64_t> ParseNumber(std::string_view s) {
  auto v = ParseInt64(s, 0);
  if (!v) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

Result<std::shared_ptr<LiveView>> LiveOf(const ApiContext& ctx, const Request& req) {
  return ctx.live->Live(req.Param("camera"), req.Query("stream").value_or("main"));
}

Response Waiting(LiveView& live, uint64_t version, const Request& req, const char* what) {
  if (req.wait_expired) {
    return ErrorResponse(503, "unavailable", std::string("no ") + what + " from the camera yet");
  }
  return Response::Wait(live.WaitChange(version), kLiveWaitMs);
}

// Segment and part ids as playlists write them, "<id>.ts" (players such as ffmpeg refuse segment
// URIs without a media extension); the bare id is accepted too.
std::string_view StripTs(std::string_view id) {
  if (id.ends_with(".ts")) id.remove_suffix(3);
  return id;
}

Response TsBytes(std::vector<uint8_t> bytes) {
  Response r;
  r.content_type = "video/mp2t";
  r.body.assign(bytes.begin(), bytes.end());
  r.headers.emplace_back("Cache-Control", "max-age=60");
  return r;
}

// A live segment or part: its bytes, a wait while it is being produced, 404 when it is gone.
// `get(live, &bytes)` asks the live view for it.
template <typename Get>
Response LiveBytes(const ApiContext& ctx, const Request& req, const char* what,
                   const std::string& id, Get get) {
  auto live = LiveOf(ctx, req);
  if (!live) return FromError(live.error());
  const uint64_t version = (*live)->Version();
  std::vector<uint8_t> bytes;
  switch (get(**live, &bytes)) {
    case LiveView::Ready::kYes:
      return TsBytes(std::move(bytes));
    case LiveView::Ready::kNever:
      return ErrorResponse(404, "not_found",
                           std::string("no live ") + what + " " + id + " (any more)");
    case LiveView::Ready::kWait:
      break;
  }
  return Waiting(**live, version, req, what);
}

}  // namespace

std::string WithSignature(const Request& req, std::string query) {
  if (!req.query.contains("nj_sig")) return query;
  for (std::string_view key : {"nj_u", "nj_scope", "nj_exp", "nj_sig"}) {
    auto it = req.query.find(key);
    if (it == req.query.end()) return query;
    query += query.empty() ? '?' : '&';
    query += std::string(key) + "=";
    for (unsigned char c : it->second) {  // percent-encode all but unreserved and '/'
      static constexpr char kHex[] = "0123456789ABCDEF";
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        query += static_cast<char>(c);
      } else {
        query += '%';
        query += kHex[c >> 4];
        query += kHex[c & 15];
      }
    }
  }
  return query;
}

Response HandleLivePlaylist(const ApiContext& ctx, const Request& req) {
  std::optional<uint64_t> msn, part;
  if (auto m = req.Query("_HLS_msn")) {
    msn = ParseNumber(*m);
    if (!msn) return ErrorResponse(400, "bad_request", "_HLS_msn: expected a number");
  }
  if (auto p = req.Query("_HLS_part")) {
    part = ParseNumber(*p);
    if (!part) return ErrorResponse(400, "bad_request", "_HLS_part: expected a number");
    if (!msn) return ErrorResponse(400, "bad_request", "_HLS_part needs _HLS_msn");
  }
  auto live = LiveOf(ctx, req);
  if (!live) return FromError(live.error());
  const std::string stream(req.Query("stream").value_or("main"));
  const std::string query = WithSignature(req, stream == "main" ? "" : "?stream=" + stream);
  const uint64_t version = (*live)->Version();
  std::string text;
  // A first playlist waits for a complete segment (players without LL-HLS ignore parts); if
  // none comes in time (a long GOP), parts will do.
  switch ((*live)->Playlist(msn, part, req.wait_expired, query, &text)) {
    case LiveView::Ready::kYes: {
      Response r = Response::Text(200, std::move(text), "application/vnd.apple.mpegurl");
      r.headers.emplace_back("Cache-Control", "no-cache");
      return r;
    }
    case LiveView::Ready::kNever:
      return ErrorResponse(400, "bad_request",
                           "_HLS_msn is more than two segments ahead of the playlist");
    case LiveView::Ready::kWait:
      break;
  }
  return Waiting(**live, version, req, "live video");
}

Response HandleSegment(const ApiContext& ctx, const Request& req) {
  const std::string id(StripTs(req.Param("id")));
  auto msn = ParseNumber(id);
  if (!msn) {  // VOD ids are not plain numbers; the route's permission covers live segments
    if (req.principal && !req.principal->Allows(Permission::kViewRecordings, req.Param("camera"))) {
      return ErrorResponse(404, "not_found", "no segment \"" + id + "\"");
    }
    return HandleVodSegment(ctx, req, id);
  }
  return LiveBytes(ctx, req, "segment", id,
                   [msn = *msn](LiveView& live, auto* out) { return live.Segment(msn, out); });
}

Response HandlePart(const ApiContext& ctx, const Request& req) {
  const std::string id(StripTs(req.Param("id")));
  const size_t dot = id.find('.');
  auto msn = ParseNumber(std::string_view(id).substr(0, dot));
  std::optional<uint64_t> part;
  if (dot != std::string::npos) part = ParseNumber(std::string_view(id).substr(dot + 1));
  if (!msn || !part) return ErrorResponse(400, "bad_request", "part id: expected <msn>.<part>");
  return LiveBytes(ctx, req, "part", id, [msn = *msn, part = *part](LiveView& live, auto* out) {
    return live.Part(msn, part, out);
  });
}

Response HandlePlayer(const ApiContext& ctx, const Request& req) {
  // Unknown cameras get a 404 here rather than a page that can only fail.
  auto cameras = ctx.cameras->List();
  if (!cameras) return FromError(cameras.error());
  const std::string& camera = req.Param("camera");
  bool known = false;
  for (const auto& c : *cameras) known |= c.config.id == camera;
  if (!known) return ErrorResponse(404, "not_found", "no camera \"" + camera + "\"");
  Response r = ServeWebFile(ctx, req, "player.html");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace nightjar::http
