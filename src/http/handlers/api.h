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

#include <string>

#include "base/clock.h"
#include "http/backend.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"

namespace nightjar::http {

// What handlers share. Everything referenced must outlive the server.
struct ApiContext {
  Backend* backend = nullptr;
  RequestMetrics* metrics = nullptr;  // the server's, for /metrics
  const Clock* clock = nullptr;       // wall time for uptime
  Time90k started;                    // when the daemon started
  std::string version = "0.1.0";
};

// Adds every /api route and /metrics to `router`. `ctx` is copied into the handlers.
void AddApiRoutes(Router& router, const ApiContext& ctx);

// handlers/health.cc
Response HandleHealth(const ApiContext& ctx, const Request& req);
// handlers/status.cc
Response HandleStatus(const ApiContext& ctx, const Request& req);
// handlers/list.cc
Response HandleList(const ApiContext& ctx, const Request& req);
// handlers/cameras.cc
Response HandleListCameras(const ApiContext& ctx, const Request& req);
Response HandleGetCamera(const ApiContext& ctx, const Request& req);
Response HandleAddCamera(const ApiContext& ctx, const Request& req);
Response HandleRemoveCamera(const ApiContext& ctx, const Request& req);
// The POST /api/cameras body, strictly checked (kInvalidArgument naming the bad field).
Result<CameraSpec> ParseCameraSpec(std::string_view body);
// handlers/view.cc
Response HandleViewMp4(const ApiContext& ctx, const Request& req);
// handlers/metrics.cc
Response HandleMetrics(const ApiContext& ctx, const Request& req);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_HANDLERS_API_H_
