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
  using P = Permission;
  // Options per route: who may call it (principal.h), which parameter names its camera, and
  // how it runs (inline: never blocks; small body: JSON bodies).
  auto opt = [](P p, std::string camera = "", bool inline_ = false, bool body = false) {
    RouteOptions o;
    o.permission = p;
    o.camera_param = std::move(camera);
    o.blocking = !inline_;
    if (body) o.max_body_bytes = 64 << 10;
    return o;
  };
  const auto G = Method::kGet;
  r.Add(G, "/api/health", Bind(ctx, HandleHealth), opt(P::kPublic, "", true));
  r.Add(G, "/api/status", Bind(ctx, HandleStatus), opt(P::kAuthenticated));
  r.Add(G, "/api/list", Bind(ctx, HandleList), opt(P::kViewRecordings, "camera"));
  r.Add(G, "/api/cameras", Bind(ctx, HandleListCameras), opt(P::kAuthenticated));
  r.Add(Method::kPost, "/api/cameras", Bind(ctx, HandleAddCamera),
        opt(P::kManageCameras, "", false, true));
  r.Add(G, "/api/cameras/{id}", Bind(ctx, HandleGetCamera), opt(P::kViewLive, "id"));
  r.Add(Method::kPatch, "/api/cameras/{id}", Bind(ctx, HandlePatchCamera),
        opt(P::kManageCameras, "id", false, true));
  r.Add(Method::kPut, "/api/cameras/{id}", Bind(ctx, HandlePutCamera),
        opt(P::kManageCameras, "id", false, true));
  r.Add(Method::kDelete, "/api/cameras/{id}", Bind(ctx, HandleRemoveCamera),
        opt(P::kManageCameras, "id"));
  r.Add(G, "/api/cameras/{id}/streams", Bind(ctx, HandleListStreams), opt(P::kViewLive, "id"));
  r.Add(G, "/api/cameras/{id}/streams/{kind}", Bind(ctx, HandleGetStream), opt(P::kViewLive, "id"));
  r.Add(Method::kPut, "/api/cameras/{id}/streams/{kind}", Bind(ctx, HandlePutStream),
        opt(P::kManageCameras, "id", false, true));
  r.Add(Method::kDelete, "/api/cameras/{id}/streams/{kind}", Bind(ctx, HandleDeleteStream),
        opt(P::kManageCameras, "id"));
  r.Add(G, "/api/cameras/{id}/recordings", Bind(ctx, HandleRecordings),
        opt(P::kViewRecordings, "id"));
  r.Add(G, "/api/cameras/{id}/days", Bind(ctx, HandleDays), opt(P::kViewRecordings, "id"));
  r.Add(G, "/api/cameras/{id}/thumbnail.jpg", Bind(ctx, HandleThumbnail),
        opt(P::kViewRecordings, "id"));
  r.Add(G, "/api/cameras/{id}/view.mp4", Bind(ctx, HandleViewMp4), opt(P::kViewRecordings, "id"));
  r.Add(G, "/api/cameras/{id}/live.ws", Bind(ctx, HandleLiveWebSocket), opt(P::kViewLive, "id"));
  r.Add(G, "/api/cameras/{id}/snapshot.jpg", Bind(ctx, HandleSnapshot), opt(P::kViewLive, "id"));
  r.Add(G, "/api/export", Bind(ctx, HandleExport), opt(P::kExport, "camera"));
  r.Add(G, "/api/hls/{camera}/live.m3u8", Bind(ctx, HandleLivePlaylist),
        opt(P::kViewLive, "camera"));
  r.Add(G, "/api/hls/{camera}/vod.m3u8", Bind(ctx, HandleVodPlaylist),
        opt(P::kViewRecordings, "camera"));
  r.Add(G, "/api/hls/{camera}/segment/ts/{id}", Bind(ctx, HandleSegment),
        opt(P::kViewLive, "camera"));
  r.Add(G, "/api/hls/{camera}/part/ts/{id}", Bind(ctx, HandlePart), opt(P::kViewLive, "camera"));
  r.Add(G, "/api/hls/{camera}/segment/fmp4/{id}", Bind(ctx, HandleVodFragments),
        opt(P::kViewRecordings, "camera"));
  r.Add(G, "/api/hls/{camera}/init/{id}", Bind(ctx, HandleVodInit),
        opt(P::kViewRecordings, "camera"));
  r.Add(G, "/api/hls/{camera}/player", Bind(ctx, HandlePlayer), opt(P::kViewLive, "camera"));
  r.Add(G, "/api/hls/{camera}/vod/player", Bind(ctx, HandlePlayer),
        opt(P::kViewRecordings, "camera"));
  r.Add(G, "/ui/{file}", Bind(ctx, HandleWebFile), opt(P::kPublic));
  r.Add(G, "/ui/assets/{asset}", Bind(ctx, HandleWebFile), opt(P::kPublic));
  r.Add(G, "/metrics", Bind(ctx, HandleMetrics), opt(P::kAdmin));
  // "Test connection" (handlers/probe.cc): a 4 KiB JSON body; the probe itself waits without a
  // thread. The log tail (handlers/system_log.cc): admins only.
  RouteOptions probe = opt(P::kManageCameras, "", false, true);
  probe.max_body_bytes = 4 << 10;
  r.Add(Method::kPost, "/api/cameras/probe", Bind(ctx, HandleProbeCamera), probe);
  r.Add(G, "/api/system/log", Bind(ctx, HandleSystemLog), opt(P::kAdmin));
  // Authentication (handlers/auth.cc, users.cc, apikeys.cc, audit.cc). Their JSON bodies are
  // small: 8 KiB at most.
  auto small = [&opt](P p) {
    RouteOptions o = opt(p, "", false, true);
    o.max_body_bytes = 8 << 10;
    return o;
  };
  const auto Po = Method::kPost, D = Method::kDelete;
  r.Add(Po, "/api/auth/login", Bind(ctx, HandleLogin), small(P::kPublic));
  r.Add(Po, "/api/auth/logout", Bind(ctx, HandleLogout), opt(P::kAuthenticated));
  r.Add(G, "/api/auth/me", Bind(ctx, HandleMe), opt(P::kAuthenticated));
  r.Add(G, "/api/auth/sessions", Bind(ctx, HandleListSessions), opt(P::kAuthenticated));
  r.Add(D, "/api/auth/sessions", Bind(ctx, HandleRevokeAllSessions), opt(P::kAuthenticated));
  r.Add(D, "/api/auth/sessions/{id}", Bind(ctx, HandleRevokeSession), opt(P::kAuthenticated));
  r.Add(Po, "/api/auth/totp", Bind(ctx, HandleBeginTotp), opt(P::kAuthenticated));
  r.Add(Po, "/api/auth/totp/confirm", Bind(ctx, HandleConfirmTotp), small(P::kAuthenticated));
  r.Add(D, "/api/auth/totp", Bind(ctx, HandleDisableTotp), opt(P::kAuthenticated));
  r.Add(Po, "/api/auth/sign", Bind(ctx, HandleSign), small(P::kAuthenticated));
  r.Add(Po, "/api/auth/password", Bind(ctx, HandleChangePassword), small(P::kAuthenticated));
  r.Add(G, "/api/users", Bind(ctx, HandleListUsers), opt(P::kAdmin));
  r.Add(Po, "/api/users", Bind(ctx, HandleAddUser), small(P::kAdmin));
  r.Add(Method::kPatch, "/api/users/{name}", Bind(ctx, HandlePatchUser), small(P::kAdmin));
  r.Add(D, "/api/users/{name}", Bind(ctx, HandleDeleteUser), opt(P::kAdmin));
  r.Add(Method::kPut, "/api/users/{name}/cameras/{camera}", Bind(ctx, HandlePutGrant),
        small(P::kAdmin));
  r.Add(D, "/api/users/{name}/cameras/{camera}", Bind(ctx, HandleDeleteGrant), opt(P::kAdmin));
  r.Add(Po, "/api/apikeys", Bind(ctx, HandleCreateApiKey), small(P::kAuthenticated));
  r.Add(G, "/api/apikeys", Bind(ctx, HandleListApiKeys), opt(P::kAuthenticated));
  r.Add(D, "/api/apikeys/{id}", Bind(ctx, HandleDeleteApiKey), opt(P::kAuthenticated));
  r.Add(G, "/api/audit", Bind(ctx, HandleAudit), opt(P::kAdmin));
  // The web app's index.html for every other GET (its client-side routes).
  r.SetFallback(Bind(ctx, HandleAppPage), opt(P::kPublic));
}

}  // namespace nightjar::http
