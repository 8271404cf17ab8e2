// The route table: one line per endpoint (docs/API.md documents each).
#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

using Fn = Response (*)(const ApiContext&, const Request&);

Handler Bind(const ApiContext& ctx, Fn fn) {
  return [ctx, fn](const Request& req) { return fn(ctx, req); };
}

}  // namespace

void AddApiRoutes(Router& r, const ApiContext& ctx) {
  const RouteOptions kInline{.blocking = false};
  const RouteOptions kSmallBody{.max_body_bytes = 64 << 10};
  r.Add(Method::kGet, "/api/health", Bind(ctx, HandleHealth), kInline);
  r.Add(Method::kGet, "/api/status", Bind(ctx, HandleStatus));
  r.Add(Method::kGet, "/api/list", Bind(ctx, HandleList));
  r.Add(Method::kGet, "/api/cameras", Bind(ctx, HandleListCameras));
  r.Add(Method::kPost, "/api/cameras", Bind(ctx, HandleAddCamera), kSmallBody);
  r.Add(Method::kGet, "/api/cameras/{id}", Bind(ctx, HandleGetCamera));
  r.Add(Method::kPatch, "/api/cameras/{id}", Bind(ctx, HandlePatchCamera), kSmallBody);
  r.Add(Method::kPut, "/api/cameras/{id}", Bind(ctx, HandlePutCamera), kSmallBody);
  r.Add(Method::kDelete, "/api/cameras/{id}", Bind(ctx, HandleRemoveCamera));
  r.Add(Method::kGet, "/api/cameras/{id}/streams", Bind(ctx, HandleListStreams));
  r.Add(Method::kGet, "/api/cameras/{id}/streams/{kind}", Bind(ctx, HandleGetStream));
  r.Add(Method::kPut, "/api/cameras/{id}/streams/{kind}", Bind(ctx, HandlePutStream), kSmallBody);
  r.Add(Method::kDelete, "/api/cameras/{id}/streams/{kind}", Bind(ctx, HandleDeleteStream));
  r.Add(Method::kGet, "/api/cameras/{id}/recordings", Bind(ctx, HandleRecordings));
  r.Add(Method::kGet, "/api/cameras/{id}/days", Bind(ctx, HandleDays));
  r.Add(Method::kGet, "/api/cameras/{id}/view.mp4", Bind(ctx, HandleViewMp4));
  r.Add(Method::kGet, "/api/cameras/{id}/live.ws", Bind(ctx, HandleLiveWebSocket));
  r.Add(Method::kGet, "/api/cameras/{id}/snapshot.jpg", Bind(ctx, HandleSnapshot));
  r.Add(Method::kGet, "/api/export", Bind(ctx, HandleExport));
  r.Add(Method::kGet, "/api/hls/{camera}/live.m3u8", Bind(ctx, HandleLivePlaylist));
  r.Add(Method::kGet, "/api/hls/{camera}/vod.m3u8", Bind(ctx, HandleVodPlaylist));
  r.Add(Method::kGet, "/api/hls/{camera}/segment/ts/{id}", Bind(ctx, HandleSegment));
  r.Add(Method::kGet, "/api/hls/{camera}/part/ts/{id}", Bind(ctx, HandlePart));
  r.Add(Method::kGet, "/api/hls/{camera}/segment/fmp4/{id}", Bind(ctx, HandleVodFragments));
  r.Add(Method::kGet, "/api/hls/{camera}/init/{id}", Bind(ctx, HandleVodInit));
  r.Add(Method::kGet, "/api/hls/{camera}/player", Bind(ctx, HandlePlayer));
  r.Add(Method::kGet, "/api/hls/{camera}/vod/player", Bind(ctx, HandlePlayer));
  r.Add(Method::kGet, "/ui/{file}", Bind(ctx, HandleWebFile));
  r.Add(Method::kGet, "/ui/assets/{asset}", Bind(ctx, HandleWebFile));
  r.Add(Method::kGet, "/metrics", Bind(ctx, HandleMetrics));
}

}  // namespace nightjar::http
