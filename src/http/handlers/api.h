// The /api route table and its handlers (one file per resource in this directory).
//
// Each handler is a plain function of (ApiContext, Request) -> Response; AddApiRoutes binds them
// to their methods and paths. Adding an endpoint: write handlers/<resource>.cc, declare its
// function below, and add one line to the table in routes.cc.
//
// Handlers log nothing on success (the server's access log covers requests) and turn Backend
// errors into responses with FromError. They run on the blocking pool unless routes.cc marks
// them inline.
#ifndef NIGHTJAR_HTTP_HANDLERS_API_H_
#define NIGHTJAR_HTTP_HANDLERS_API_H_

#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/services/auth.h"
#include "http/services/cameras.h"
#include "http/services/catalog.h"
#include "http/services/live.h"
#include "http/services/media.h"
#include "http/services/probe.h"
#include "http/services/system.h"

namespace nightjar {
class LogTail;  // base/log_tail.h
}  // namespace nightjar

namespace nightjar::http {

// What handlers share. Everything referenced must outlive the server.
struct ApiContext {
  // The resources' services (app/ implements them). A feature with routes of its own (auth,
  // events, ...) adds its service here and its routes to routes.cc.
  CameraService* cameras = nullptr;
  CatalogService* catalog = nullptr;
  MediaService* media = nullptr;
  LiveService* live = nullptr;
  SystemService* system = nullptr;
  // Authentication (src/auth); null when [api] auth = false: the /api/auth, /api/users,
  // /api/apikeys and /api/audit routes then answer 404.
  AuthService* auth = nullptr;
  // Connection probes (POST /api/cameras/probe); null: that route answers 404.
  ProbeService* probe = nullptr;
  // The daemon's recent log lines (GET /api/system/log); null: that route answers 404.
  LogTail* log_tail = nullptr;
  RequestMetrics* metrics = nullptr;  // the server's, for /metrics
  const Clock* clock = nullptr;       // wall time for uptime
  Time90k started;                    // when the daemon started
  std::string version;                // base/version.h
  std::string web_dir;                // the built web UI (web/dist); empty: none
};

// Adds every /api route and /metrics to `router`. `ctx` is copied into the handlers.
void AddApiRoutes(Router& router, const ApiContext& ctx);

// handlers/health.cc
Response HandleHealth(const ApiContext& ctx, const Request& req);
// handlers/status.cc
Response HandleStatus(const ApiContext& ctx, const Request& req);
// handlers/list.cc
Response HandleList(const ApiContext& ctx, const Request& req);
// The optional time parameter `name` into `out` (absent or empty: unchanged); else the 400.
std::optional<Response> ParseTimeParam(const Request& req, std::string_view name,
                                       std::optional<Time90k>& out);
// handlers/cameras.cc
Response HandleListCameras(const ApiContext& ctx, const Request& req);
Response HandleGetCamera(const ApiContext& ctx, const Request& req);
Response HandleAddCamera(const ApiContext& ctx, const Request& req);
Response HandleRemoveCamera(const ApiContext& ctx, const Request& req);
Response HandlePatchCamera(const ApiContext& ctx, const Request& req);
Response HandlePutCamera(const ApiContext& ctx, const Request& req);
Response HandleListStreams(const ApiContext& ctx, const Request& req);
Response HandleGetStream(const ApiContext& ctx, const Request& req);
Response HandlePutStream(const ApiContext& ctx, const Request& req);
Response HandleDeleteStream(const ApiContext& ctx, const Request& req);
// handlers/recordings.cc
Response HandleRecordings(const ApiContext& ctx, const Request& req);
Response HandleDays(const ApiContext& ctx, const Request& req);
// 400 unless `stream` (a query's stream=, a path's {kind}) is "main" or "sub".
std::optional<Response> CheckStream(std::string_view stream);
// The POST /api/cameras body, strictly checked (kInvalidArgument naming the bad field).
Result<config::CameraConfig> ParseCameraBody(std::string_view body);
// handlers/view.cc
Response HandleViewMp4(const ApiContext& ctx, const Request& req);
// `from` and `to` of the query (ParseTime forms), from < to; else the 400 to return.
std::optional<Response> ParseRangeQuery(const Request& req, Time90k* from, Time90k* to);

// handlers/media.cc
Response HandleExport(const ApiContext& ctx, const Request& req);
Response HandleVodPlaylist(const ApiContext& ctx, const Request& req);
Response HandleVodSegment(const ApiContext& ctx, const Request& req, const std::string& id);
Response StreamResponse(StreamBody body, bool attachment);
Response HandleVodInit(const ApiContext& ctx, const Request& req);
Response HandleVodFragments(const ApiContext& ctx, const Request& req);
// handlers/hls.cc
Response HandleLivePlaylist(const ApiContext& ctx, const Request& req);
Response HandleSegment(const ApiContext& ctx, const Request& req);
Response HandlePart(const ApiContext& ctx, const Request& req);
Response HandlePlayer(const ApiContext& ctx, const Request& req);
// handlers/live.cc
Response HandleLiveWebSocket(const ApiContext& ctx, const Request& req);
Response HandleSnapshot(const ApiContext& ctx, const Request& req);
// handlers/thumbnail.cc
Response HandleThumbnail(const ApiContext& ctx, const Request& req);
// handlers/static.cc: a file of ctx.web_dir (`relative` already free of traversal).
Response ServeWebFile(const ApiContext& ctx, const Request& req, const std::string& relative);
Response HandleWebFile(const ApiContext& ctx, const Request& req);
// The web app's index.html for GET paths matching no route (client-side routes).
Response HandleAppPage(const ApiContext& ctx, const Request& req);

// handlers/probe.cc: POST /api/cameras/probe ("test connection").
Response HandleProbeCamera(const ApiContext& ctx, const Request& req);
// handlers/system_log.cc: GET /api/system/log (the log tail).
Response HandleSystemLog(const ApiContext& ctx, const Request& req);

// handlers/metrics.cc
Response HandleMetrics(const ApiContext& ctx, const Request& req);

// Whether the request's principal may know that `camera` exists (live view or recordings);
// true without a principal (authentication off). Lists of cameras and streams keep only these.
bool MaySee(const Request& req, std::string_view camera);
// Appends an audit entry for the request when authentication is on (camera changes, exports).
void AuditRequest(const ApiContext& ctx, const Request& req, std::string_view action,
                  std::string_view target, const nlohmann::json& details);
// `query` ("" or "?stream=sub") with the request's signed-URL parameters (nj_*) appended, so
// the relative URIs of a playlist opened through a signed URL are signed too (hls.cc).
std::string WithSignature(const Request& req, std::string query);

// handlers/auth.cc: /api/auth/...
Response HandleLogin(const ApiContext& ctx, const Request& req);
Response HandleLogout(const ApiContext& ctx, const Request& req);
Response HandleMe(const ApiContext& ctx, const Request& req);
Response HandleListSessions(const ApiContext& ctx, const Request& req);
Response HandleRevokeSession(const ApiContext& ctx, const Request& req);
Response HandleRevokeAllSessions(const ApiContext& ctx, const Request& req);
Response HandleBeginTotp(const ApiContext& ctx, const Request& req);
Response HandleConfirmTotp(const ApiContext& ctx, const Request& req);
Response HandleDisableTotp(const ApiContext& ctx, const Request& req);
Response HandleChangePassword(const ApiContext& ctx, const Request& req);
Response HandleSign(const ApiContext& ctx, const Request& req);
// handlers/users.cc: /api/users...
Response HandleListUsers(const ApiContext& ctx, const Request& req);
Response HandleAddUser(const ApiContext& ctx, const Request& req);
Response HandlePatchUser(const ApiContext& ctx, const Request& req);
Response HandleDeleteUser(const ApiContext& ctx, const Request& req);
Response HandlePutGrant(const ApiContext& ctx, const Request& req);
Response HandleDeleteGrant(const ApiContext& ctx, const Request& req);
// handlers/apikeys.cc and audit.cc
Response HandleCreateApiKey(const ApiContext& ctx, const Request& req);
Response HandleListApiKeys(const ApiContext& ctx, const Request& req);
Response HandleDeleteApiKey(const ApiContext& ctx, const Request& req);
Response HandleAudit(const ApiContext& ctx, const Request& req);
// The JSON object body of a request, or the 400 to answer.
Result<nlohmann::json> JsonObjectBody(const Request& req);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_HANDLERS_API_H_
