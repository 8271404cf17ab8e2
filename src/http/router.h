// The route table: method + path pattern -> handler, and the request-target parsing it needs.
//
// A pattern is a path whose segments are literals or "{name}" placeholders that capture exactly
// one segment: "/api/hls/{camera}/segment/ts/{id}". Matching is on percent-decoded segments
// (RFC 3986 §2.1); captured values are decoded. A segment that decodes to "." or "..", or that
// contains '/', '\\' or NUL, is refused as path traversal (400) before any route is consulted,
// so no handler ever sees one. GET routes also answer HEAD (the server drops the body).
//
// Adding an endpoint is one Add() line in handlers/routes.cc plus its handler file. Every route
// declares the Permission it needs and, when it concerns one camera, where the camera's id is
// (a path parameter or a query parameter): an authentication module's Guard reads both.
// A GET/HEAD request that no route matches goes to the fallback route when one is set (a
// single-page web app owning "/" and its client-side paths).
//
// Thread safety: build the router before the server starts; Match is then const and may be
// called from any thread.
#ifndef NIGHTJAR_HTTP_ROUTER_H_
#define NIGHTJAR_HTTP_ROUTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"
#include "base/strings.h"
#include "http/message.h"
#include "http/principal.h"

namespace nightjar::http {

// Returns the response. May throw (a bug): the server turns exceptions into 500.
using Handler = std::function<Response(const Request&)>;

struct RouteOptions {
  // Blocking handlers (the default: anything touching the Backend, disks or SQLite) run on the
  // server's blocking pool; inline ones run on the connection's strand and must not block.
  bool blocking = true;
  // Largest request body accepted (413 beyond it).
  uint64_t max_body_bytes = 1 << 20;
  // What the principal needs (principal.h); kUndeclared fails Router::Check.
  Permission permission = Permission::kUndeclared;
  // The name of the path parameter, else query parameter, that holds the camera id the
  // permission applies to ("id", "camera"); empty: the route concerns no single camera.
  std::string camera_param;
};

struct Route {
  Method method;
  std::string pattern;
  std::vector<std::string> segments;  // pattern split on '/', without the leading empty one
  Handler handler;
  RouteOptions options;
};

// The outcome of matching a request.
struct RouteMatch {
  const Route* route;
  PathParams params;
};
struct NoRoute {};  // 404
struct WrongMethod {
  std::string allow;  // "GET, HEAD, POST" for the Allow header of a 405
};
using MatchResult = std::variant<RouteMatch, NoRoute, WrongMethod>;

class Router {
 public:
  // Adds a route. Patterns must start with '/'; a later duplicate of (method, pattern) is a
  // programming error (asserted).
  void Add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

  // Matches a raw path (no query). Path traversal must have been refused by SplitTarget first.
  MatchResult Match(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

  // The route for GET/HEAD requests that match no route (404 without one). Its pattern is "*".
  void SetFallback(Handler handler, RouteOptions options);

  // Runs before every handler, where the handler runs (on the blocking pool for blocking
  // routes), after the body was read: it may set req.principal, and returns a response (401,
  // 403, 404...) to refuse the request. Without a guard every request proceeds with no
  // principal. Set before the server starts.
  using Guard = std::function<std::optional<Response>(Request& req, const Route& route)>;
  void SetGuard(Guard guard) { guard_ = std::move(guard); }
  // The verdict for `req` on `route` (nullopt: go on): a cross-origin state-changing request or
  // WebSocket upgrade is refused first (http/origin.h), then the guard decides.
  std::optional<Response> Authorize(Request& req, const Route& route) const;

  // kInvalidArgument naming the first route that declares no permission.
  Result<void> Check() const;

  // The camera a request on `route` concerns: its camera_param from the path, else the query;
  // empty when the route names none.
  static std::string CameraOf(const Route& route, const Request& req);

 private:
  std::vector<Route> routes_;
  std::optional<Route> fallback_;
  Guard guard_;
};

// A request-target split and checked (RFC 9112 §3.2: origin-form, or absolute-form whose
// scheme and authority are dropped).
struct Target {
  std::string path;  // raw, starts with '/'
  QueryParams query;
};
// kInvalidArgument for: an empty target or one not starting with '/' (after absolute-form),
// a bad percent escape in path or query, or a path segment that is traversal (see above).
Result<Target> SplitTarget(std::string_view target);

// "a=1&b=x%20y&c" -> {a: "1", b: "x y", c: ""}; empty fields are skipped; first value wins.
Result<QueryParams> ParseQuery(std::string_view query);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_ROUTER_H_
