// The HTTP/1.1 client (RFC 9112), plain or TLS, for webhooks, ONVIF (SOAP over HTTP), external
// detectors and forwarding between nodes.
//
// This module owns outgoing requests: parsing the URL, resolving and connecting, the TLS
// handshake and peer verification, writing the request, reading the response within size limits
// and deadlines, and following redirects when asked. One connection per request ("Connection:
// close"; no pooling), no cookies, no proxies, no compression. It does not log: callers do,
// with the returned Error.
//
// Two forms share one implementation:
//   - HttpClient::Fetch blocks the calling thread (it runs a private io_context);
//   - AsyncFetch (http/client_async.h, which brings in Boost) is a coroutine for an io_context.
//
// Failure modes (the ErrorCode of the returned Error; messages name host:port, never the path or
// query, which may carry secrets):
//   kInvalidArgument  a bad URL, scheme other than http/https, a header the client owns (Host,
//                     Content-Length, Transfer-Encoding, Connection) or one with CR/LF, or (from
//                     Create) a CA file that cannot be loaded;
//   kIo               the name does not resolve, the connection is refused or reset, the TLS
//                     handshake fails for a reason other than the certificate;
//   kTimeout          connect_timeout or timeout passed;
//   kPermissionDenied the peer's certificate does not verify (chain or name), or a redirect from
//                     https to http;
//   kMalformed        the response does not parse, its header or body exceeds the limits, a
//                     redirect has no usable Location, or there are more than max_redirects;
//   kClosed           the peer closed the connection before the end of the response.
// An HTTP error status (404, 500, ...) is not an Error: it is returned as a response.
#ifndef NIGHTJAR_HTTP_CLIENT_H_
#define NIGHTJAR_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/error.h"
#include "http/message.h"

namespace nightjar::http {

// "http[s]://host[:port]/path?query"; the host may be a name, an IPv4 literal or an IPv6
// literal in brackets. No user information ("user:pass@"); a fragment is dropped.
struct Url {
  bool tls = false;    // https
  std::string host;    // without brackets: "::1", "camera.lan"
  uint16_t port = 0;   // explicit or the scheme's default (80, 443)
  std::string target;  // origin-form (RFC 9112 §3.2.1): "/path?query", at least "/"

  // "host[:port]" for the Host header and messages (brackets for IPv6; no default port).
  std::string Authority() const;
  // "https://host:port/path?query"
  std::string ToString() const;
};
// kInvalidArgument naming what is wrong. Bytes that would break the request line (controls,
// spaces, non-ASCII) must be percent-encoded by the caller.
Result<Url> ParseUrl(std::string_view url);

struct ClientRequest {
  Method method = Method::kGet;  // kOther is refused (kInvalidArgument)
  std::string url;
  // Sent as given after Host (and a default User-Agent when none is given here); the client
  // adds Content-Length and "Connection: close" itself.
  Headers headers;
  // Sent with a Content-Length (also "0" for an empty POST, PUT or PATCH).
  std::string body;

  // A POST of `body` as application/json (invalid UTF-8 in strings is replaced, never thrown
  // on) that accepts application/json.
  static ClientRequest PostJson(std::string url, const nlohmann::json& body);
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;  // decoded from chunked framing; empty for HEAD
  // The URL that answered (differs from the request's after redirects).
  std::string url;

  // The body parsed as JSON; kMalformed if it is not JSON. The status is not checked.
  Result<nlohmann::json> Json() const;
};

struct ClientOptions {
  // Resolving, connecting and the TLS handshake, per connection (each redirect hop connects
  // anew). Capped by `timeout`.
  std::chrono::milliseconds connect_timeout{5000};
  // The whole exchange, from the call to the last body byte, redirects included.
  std::chrono::milliseconds timeout{30000};
  uint32_t max_response_header_bytes = 16 << 10;  // status line and fields
  uint64_t max_response_body_bytes = 8 << 20;     // after de-chunking

  // false: a 3xx is returned as is. true: 301, 302, 303, 307 and 308 with a Location are
  // followed, at most max_redirects times (one more is kMalformed), never from https to http.
  // 303, and 301/302 after a POST, continue as a GET without a body (RFC 9110 §15.4);
  // Authorization and Cookie are dropped when the origin (scheme, host, port) changes.
  bool follow_redirects = false;
  int max_redirects = 5;

  // TLS (https URLs): TLS 1.2 or later, SNI set for names, the peer's certificate chain verified
  // and its name (or IP address) checked (RFC 9110 §4.3.4). The trust anchors are the system's
  // (OpenSSL's default paths) or, when `tls_ca_file` is set, only the certificates in that PEM
  // file (e.g. a camera's self-signed certificate).
  std::string tls_ca_file;
  // Skips all verification: anyone on the path can read and change the exchange. For lab
  // cameras only; prefer tls_ca_file.
  bool tls_insecure_skip_verify = false;

  std::string user_agent = "Nightjar";  // unless the request has a User-Agent
};

// Immutable after Create; copies share the TLS configuration.
//
// Thread safety: every method is const and may be called from any number of threads at once
// (each exchange has its own socket; the shared OpenSSL context is only read).
class HttpClient {
 public:
  // Builds the TLS context: kInvalidArgument if tls_ca_file cannot be loaded (naming it) or a
  // timeout is not positive. Reading the system's trust store takes tens of milliseconds:
  // create a client once per purpose and share it (copies are cheap).
  static Result<HttpClient> Create(ClientOptions options);

  // Performs the exchange on the calling thread, which it blocks for at most about
  // options().timeout. Must not be called on a thread running an io_context whose work it
  // would hold up. A host name is resolved with getaddrinfo, which cannot be interrupted: when
  // the system resolver hangs, the call returns once it gives up (resolv.conf timeout and
  // attempts), with kTimeout; IP literals are never looked up.
  Result<ClientResponse> Fetch(const ClientRequest& request) const;

  const ClientOptions& options() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit HttpClient(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_CLIENT_H_
