#include "http/origin.h"

#include <string>

#include "base/strings.h"

namespace nightjar::http {
namespace {

struct Authority {
  std::string host;  // lower case; IPv6 literals keep their brackets
  std::string port;  // digits, or empty
};

// "host", "host:port", "[v6]", "[v6]:port"; nullopt when malformed.
std::optional<Authority> ParseAuthority(std::string_view s) {
  if (s.empty() || s.size() > 300) return std::nullopt;
  Authority a;
  std::string_view port;
  if (s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    a.host = std::string(s.substr(0, close + 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const size_t colon = s.rfind(':');
    if (colon != std::string_view::npos) {
      port = s.substr(colon + 1);
      s = s.substr(0, colon);
    }
    if (s.empty() || s.find_first_of("/@?#[] ") != std::string_view::npos) return std::nullopt;
    a.host = std::string(s);
  }
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (port.size() > 5) return std::nullopt;
  for (char& c : a.host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  a.port = std::string(port);
  return a;
}

bool IsSafeMethod(Method m) {
  return m == Method::kGet || m == Method::kHead || m == Method::kOptions;
}

}  // namespace

bool SameOrigin(std::string_view origin, std::string_view host) {
  std::string default_port;
  const size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return false;
  const std::string_view scheme = origin.substr(0, sep);
  if (EqualsIgnoreCase(scheme, "http")) {
    default_port = "80";
  } else if (EqualsIgnoreCase(scheme, "https")) {
    default_port = "443";
  } else {
    return false;
  }
  auto o = ParseAuthority(origin.substr(sep + 3));
  auto h = ParseAuthority(host);
  if (!o || !h) return false;
  if (o->port.empty()) o->port = default_port;
  // A Host without a port names the scheme's default port; the scheme is the one this listener
  // speaks, and a browser's Origin for a page served by it has that same scheme.
  if (h->port.empty()) h->port = default_port;
  return o->host == h->host && o->port == h->port;
}

std::optional<Response> RefuseCrossOrigin(const Request& req) {
  if (IsSafeMethod(req.method) && !req.websocket) return std::nullopt;
  const auto site = req.headers.Get("Sec-Fetch-Site");
  if (site && !EqualsIgnoreCase(*site, "same-origin") && !EqualsIgnoreCase(*site, "none")) {
    return ErrorResponse(403, "cross_origin",
                         "a request from another site's page is refused (Sec-Fetch-Site: " +
                             std::string(site->substr(0, 32)) + ")");
  }
  const auto origin = req.headers.Get("Origin");
  if (!origin) return std::nullopt;
  const auto host = req.headers.Get("Host");
  if (!host || !SameOrigin(*origin, *host)) {
    return ErrorResponse(403, "cross_origin",
                         "a request from another origin's page is refused (Origin does not match "
                         "Host)");
  }
  return std::nullopt;
}

}  // namespace nightjar::http
