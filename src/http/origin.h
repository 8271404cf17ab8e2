// Cross-site request forgery and cross-site WebSocket hijacking, refused where every request
// passes (Router::Authorize), before any authentication: a browser names the page that made a
// request in `Origin` (RFC 6454 §7; sent on every cross-origin request, on every POST, and on
// WebSocket handshakes, RFC 6455 §4.1) and, in current browsers, says how it relates to the
// target in `Sec-Fetch-Site` (Fetch Metadata). A state-changing request (anything but GET, HEAD
// and OPTIONS) or a WebSocket upgrade is refused with 403 when either says it came from
// another origin. Scripts, players and curl send neither and pass: they cannot ride a user's
// cookie, which is SameSite=Strict in any case (docs/security.md §CSRF).
//
// Pure functions over a request; thread-safe.
#ifndef NIGHTJAR_HTTP_ORIGIN_H_
#define NIGHTJAR_HTTP_ORIGIN_H_

#include <optional>
#include <string_view>

#include "http/message.h"

namespace nightjar::http {

// Whether `origin` ("http://host:port", scheme and host case-insensitive, default ports
// implied) names the authority `host` (a Host header: "host:port" or "host"; an IPv6 literal in
// brackets). "null" and anything unparsable are never the same origin.
bool SameOrigin(std::string_view origin, std::string_view host);

// The 403 for a cross-origin state-changing request or WebSocket upgrade; nullopt to go on.
std::optional<Response> RefuseCrossOrigin(const Request& req);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_ORIGIN_H_
