// The router's guard (http::Router::SetGuard): authenticates each request from its signed-URL
// query, Authorization header or session cookie (in that order; the first present decides),
// sets Request::principal, and refuses what the route's permission does not allow:
//   - 401 when credentials are missing or invalid (expired session, revoked key, bad password);
//     with `WWW-Authenticate: Basic realm="Nightjar", charset="UTF-8"` except for requests a
//     browser script sends (Sec-Fetch-Mode present and not "navigate"), which get
//     `WWW-Authenticate: Bearer realm="Nightjar"` instead so the browser shows no password
//     dialog over the web UI's own login form;
//   - 404, with exactly the body of a missing camera, when the route concerns a camera the
//     principal may not see at all (so a viewer cannot learn that it exists);
//   - 403 when it may see the camera (or no camera is involved) but not do this;
//   - 429 with Retry-After when a Basic credential's account/address is throttled.
// kPublic routes are served without looking at credentials. /metrics also admits
// `Authorization: Bearer <[api] metrics_token>`.
//
// On inline (non-blocking) routes the guard never blocks: a Basic credential is accepted there
// only from the cache of verified credentials (a cache miss answers 401).
//
// Thread safety: the returned guard may run on any thread concurrently; `auth` outlives it.
#ifndef NIGHTJAR_AUTH_GUARD_H_
#define NIGHTJAR_AUTH_GUARD_H_

#include <string>

#include "auth/authenticator.h"
#include "http/router.h"

namespace nightjar::auth {

struct GuardOptions {
  // SHA-256 of [api] metrics_token; all zero: none configured.
  Digest metrics_token_sha256{};
};

http::Router::Guard MakeGuard(Authenticator& auth, GuardOptions options = {});

// The 404 of a camera the principal may not see: the same as a missing camera's
// (handlers/cameras.cc): {"error":"not_found","message":"no camera \"<id>\""}.
http::Response CameraNotFound(std::string_view camera);

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_GUARD_H_
