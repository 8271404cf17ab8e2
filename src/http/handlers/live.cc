// Live view beside HLS: GET /api/cameras/{id}/live.ws[?stream=sub] (a WebSocket of fragmented
// MP4 from the latest key frame; live/live_feed.h describes the messages) and
// GET /api/cameras/{id}/snapshot.jpg[?stream=sub][&width=N] (the latest key frame as JPEG).

#include "base/strings.h"
#include "http/handlers/api.h"

namespace nightjar::http {

Response HandleLiveWebSocket(const ApiContext& ctx, const Request& req) {
  auto live = ctx.live->Live(req.Param("id"), req.Query("stream").value_or("main"));
  if (!live) return FromError(live.error());
  if (!req.websocket) {
    Response r = ErrorResponse(426, "upgrade_required", "this resource is a WebSocket");
    r.headers.emplace_back("Upgrade", "websocket");
    return r;
  }
  Response r;
  r.feed = (*live)->Subscribe();
  return r;
}

Response HandleSnapshot(const ApiContext& ctx, const Request& req) {
  uint32_t width = 0;
  if (auto w = req.Query("width")) {
    auto v = ParseInt64(*w, 0, 7680);
    if (!v) return ErrorResponse(400, "bad_request", "width: expected a number up to 7680");
    width = static_cast<uint32_t>(*v);
  }
  auto live = ctx.live->Live(req.Param("id"), req.Query("stream").value_or("main"));
  if (!live) return FromError(live.error());
  auto jpeg = (*live)->SnapshotJpeg(width);
  if (!jpeg) return FromError(jpeg.error());
  Response r;
  r.content_type = "image/jpeg";
  r.body.assign(jpeg->begin(), jpeg->end());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace nightjar::http
