// The HTTP client: URL parsing, one exchange per connection (resolve, connect, TLS, write,
// read), and the redirect loop around it.
#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include "http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "base/strings.h"
#include "http/client_async.h"

namespace nightjar::http {

struct HttpClient::Impl {
  ClientOptions options;
  // Configured in Create and only read afterwards; SSL_new on a shared SSL_CTX is thread-safe
  // (Asio's ssl::stream wants a non-const reference).
  mutable boost::asio::ssl::context ssl{boost::asio::ssl::context::tls_client};
};

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

std::unexpected<Error> BadUrl(std::string_view why) {
  return Err(ErrorCode::kInvalidArgument, "bad URL: " + std::string(why));
}

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// tchar of RFC 9110 §5.6.2.
bool IsToken(std::string_view s) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

// Splits "host[:port]" or "[v6][:port]" into url->host and url->port.
Result<void> ParseAuthority(std::string_view authority, Url* url) {
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl("user information is not supported (send an Authorization header)");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl("unterminated IPv6 literal");
    url->host = std::string(authority.substr(1, close - 1));
    error_code ec;
    asio::ip::make_address_v6(url->host, ec);
    if (ec) return BadUrl("bad IPv6 literal");
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return BadUrl("junk after the IPv6 literal");
    if (!rest.empty()) port = rest.substr(1);
    if (!rest.empty() && port.empty()) return BadUrl("empty port");
  } else {
    const size_t colon = authority.find(':');
    url->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.find(':') != std::string_view::npos) {
        return BadUrl("IPv6 literals must be in brackets");
      }
      if (port.empty()) return BadUrl("empty port");
    }
    if (url->host.empty()) return BadUrl("no host");
    if (!std::all_of(url->host.begin(), url->host.end(), IsHostNameChar)) {
      return BadUrl("bad character in the host name");
    }
  }
  if (!port.empty()) {
    auto n = ParseInt64(port, 1, 65535);
    if (!n) return BadUrl("bad port");
    url->port = static_cast<uint16_t>(*n);
  }
  return Ok();
}

// ---- the request ----------------------------------------------------------------------------

Result<void> CheckRequest(const ClientRequest& req) {
  if (req.method == Method::kOther) {
    return Err(ErrorCode::kInvalidArgument, "unsupported request method");
  }
  static constexpr std::string_view kOwned[] = {"Host", "Content-Length", "Transfer-Encoding",
                                                "Connection"};
  for (const auto& [name, value] : req.headers.fields()) {
    if (!IsToken(name)) return Err(ErrorCode::kInvalidArgument, "bad header name");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Err(ErrorCode::kInvalidArgument, "header " + name + " contains CR, LF or NUL");
    }
    for (std::string_view owned : kOwned) {
      if (EqualsIgnoreCase(name, owned)) {
        return Err(ErrorCode::kInvalidArgument, "header " + name + " is set by the client");
      }
    }
  }
  return Ok();
}

bhttp::request<bhttp::string_body> BuildMessage(const ClientRequest& req, const Url& url,
                                                const ClientOptions& options) {
  bhttp::request<bhttp::string_body> m;
  const std::string_view method = MethodName(req.method);
  m.method_string({method.data(), method.size()});
  m.target(url.target);
  m.version(11);
  m.set(bhttp::field::host, url.Authority());
  if (!req.headers.Get("User-Agent")) m.set(bhttp::field::user_agent, options.user_agent);
  for (const auto& [name, value] : req.headers.fields()) m.insert(name, value);
  m.set(bhttp::field::connection, "close");
  const bool has_payload = req.method == Method::kPost || req.method == Method::kPut ||
                           req.method == Method::kPatch || !req.body.empty();
  if (has_payload) m.content_length(req.body.size());
  m.body() = req.body;
  return m;
}

// ---- one exchange ---------------------------------------------------------------------------

// Deadlines and names for one exchange's error messages.
struct Exchange {
  const HttpClient::Impl& client;
  const Url& url;
  Clock::time_point connect_deadline;  // resolving, connecting, TLS handshake
  Clock::time_point deadline;          // everything
};

Error TimedOut(const Exchange& x, bool connecting) {
  if (connecting && x.connect_deadline < x.deadline) {
    return Error(ErrorCode::kTimeout, "connecting to " + x.url.Authority() + ": timed out after " +
                                          std::to_string(x.client.options.connect_timeout.count()) +
                                          " ms");
  }
  return Error(ErrorCode::kTimeout, x.url.Authority() + ": no complete response within " +
                                        std::to_string(x.client.options.timeout.count()) + " ms");
}

// Maps a socket, TLS or parser error of the exchange to ours.
Error MapError(const Exchange& x, const error_code& ec, std::string_view what) {
  const std::string where = x.url.Authority() + ": " + std::string(what) + ": ";
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return TimedOut(x, false);
  if (ec == bhttp::error::header_limit) {
    return Error(ErrorCode::kMalformed,
                 where + "response header larger than " +
                     std::to_string(x.client.options.max_response_header_bytes) + " bytes");
  }
  if (ec == bhttp::error::body_limit) {
    return Error(ErrorCode::kMalformed,
                 where + "response body larger than " +
                     std::to_string(x.client.options.max_response_body_bytes) + " bytes");
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return Error(ErrorCode::kClosed, where + "connection closed before the end of the response");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return Error(ErrorCode::kMalformed, where + "bad response: " + ec.message());
  }
  return Error(ErrorCode::kIo, where + ec.message());
}

struct Resolved {
  error_code ec;
  tcp::resolver::results_type endpoints;
};

// Resolves the URL's host on `strand` (the stream's), giving up at the connect deadline.
// getaddrinfo cannot be interrupted, so the lookup races a timer and the loser is dropped.
asio::awaitable<Resolved> Resolve(const asio::any_io_executor& strand, const Url& url,
                                  Clock::time_point deadline) {
  auto initiate = [&](auto handler) {
    using Handler = decltype(handler);
    // Both completions run on `strand`; the first delivers the result.
    struct Race {
      Race(const asio::any_io_executor& s, Handler h)
          : resolver(s), timer(s), handler(std::move(h)) {}
      void Finish(Resolved r) {
        if (!handler) return;
        auto ex = asio::get_associated_executor(*handler, resolver.get_executor());
        asio::post(ex, [h = std::move(*handler), r = std::move(r)]() mutable {
          std::move(h)(std::move(r));
        });
        handler.reset();
      }
      tcp::resolver resolver;
      asio::steady_timer timer;
      std::optional<Handler> handler;
    };
    auto race = std::make_shared<Race>(strand, std::move(handler));
    race->timer.expires_at(deadline);
    race->timer.async_wait([race](error_code ec) {
      if (ec) return;
      race->resolver.cancel();
      race->Finish({asio::error::timed_out, {}});
    });
    race->resolver.async_resolve(url.host, std::to_string(url.port),
                                 [race](error_code ec, tcp::resolver::results_type r) {
                                   race->timer.cancel();
                                   race->Finish({ec, std::move(r)});
                                 });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Resolved)>(
      std::move(initiate), asio::use_awaitable);
}

asio::awaitable<Result<void>> Connect(beast::tcp_stream& tcp, const Exchange& x) {
  error_code ec;
  tcp.expires_at(x.connect_deadline);
  const auto address = asio::ip::make_address(x.url.host, ec);
  if (!ec) {
    co_await tcp.async_connect(tcp::endpoint(address, x.url.port),
                               asio::redirect_error(asio::use_awaitable, ec));
  } else {
    Resolved r = co_await Resolve(tcp.get_executor(), x.url, x.connect_deadline);
    if (r.ec == asio::error::timed_out) co_return Err(TimedOut(x, true));
    if (r.ec) {
      co_return Err(ErrorCode::kIo, "cannot resolve " + x.url.host + ": " + r.ec.message());
    }
    co_await tcp.async_connect(r.endpoints, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec == beast::error::timeout) co_return Err(TimedOut(x, true));
  if (ec) co_return Err(ErrorCode::kIo, "connecting to " + x.url.Authority() + ": " + ec.message());
  error_code ignored;
  tcp.socket().set_option(tcp::no_delay(true), ignored);
  co_return Ok();
}

// SNI and the name (or address) the certificate must carry, then the handshake.
asio::awaitable<Result<void>> Handshake(beast::ssl_stream<beast::tcp_stream>& tls,
                                        const Exchange& x) {
  SSL* ssl = tls.native_handle();
  const bool verify = !x.client.options.tls_insecure_skip_verify;
  const bool ip = IsIpLiteral(x.url.host);
  // RFC 6066 §3: no literal addresses in SNI.
  if (!ip && SSL_set_tlsext_host_name(ssl, x.url.host.c_str()) != 1) {
    co_return Err(ErrorCode::kInvalidArgument, "host name unusable for TLS: " + x.url.host);
  }
  if (verify) {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), x.url.host.c_str())
                      : SSL_set1_host(ssl, x.url.host.c_str());
    if (ok != 1) co_return Err(ErrorCode::kInternal, "cannot set the TLS peer name");
  }
  error_code ec;
  beast::get_lowest_layer(tls).expires_at(x.connect_deadline);
  co_await tls.async_handshake(asio::ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_return Ok();
  if (ec == beast::error::timeout) co_return Err(TimedOut(x, true));
  if (const long v = SSL_get_verify_result(ssl); verify && v != X509_V_OK) {
    co_return Err(ErrorCode::kPermissionDenied,
                  x.url.Authority() +
                      ": TLS certificate verification failed: " + X509_verify_cert_error_string(v));
  }
  co_return Err(ErrorCode::kIo, x.url.Authority() + ": TLS handshake failed: " + ec.message());
}

// Reads one response (interim or final) into `parser` within the limits.
template <typename Stream>
asio::awaitable<Result<void>> ReadResponse(Stream& stream, beast::flat_buffer& buffer,
                                           bhttp::response_parser<bhttp::string_body>& parser,
                                           const Exchange& x) {
  const ClientOptions& o = x.client.options;
  parser.header_limit(o.max_response_header_bytes);
  parser.body_limit(o.max_response_body_bytes);
  // The header first: Beast 1.74 checks a response's Content-Length against the body limit
  // but, reading eagerly (async_read), goes on parsing the body and loses the error.
  error_code ec;
  co_await bhttp::async_read_header(stream, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && parser.content_length().value_or(0) > o.max_response_body_bytes) {
    ec = bhttp::error::body_limit;
  }
  if (!ec && !parser.is_done()) {
    co_await bhttp::async_read(stream, buffer, parser,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) co_return Err(MapError(x, ec, "reading the response"));
  co_return Ok();
}

template <typename Stream>
asio::awaitable<Result<ClientResponse>> WriteAndRead(Stream& stream, const Exchange& x,
                                                     const ClientRequest& req) {
  beast::get_lowest_layer(stream).expires_at(x.deadline);
  auto message = BuildMessage(req, x.url, x.client.options);
  error_code ec;
  co_await bhttp::async_write(stream, message, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Err(MapError(x, ec, "sending the request"));
  beast::flat_buffer buffer;
  // Interim 1xx responses (RFC 9110 §15.2) are skipped, a few at most.
  for (int interim = 0; interim < 8; ++interim) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(req.method == Method::kHead);
    NJ_CO_CHECK_OK(co_await ReadResponse(stream, buffer, parser, x));
    auto& m = parser.get();
    if (m.result_int() >= 100 && m.result_int() < 200 && m.result_int() != 101) continue;
    ClientResponse res;
    res.status = static_cast<int>(m.result_int());
    for (const auto& f : m) res.headers.Add(std::string(f.name_string()), std::string(f.value()));
    res.body = std::move(m.body());
    res.url = x.url.ToString();
    co_return res;
  }
  co_return Err(ErrorCode::kMalformed, x.url.Authority() + ": too many interim responses");
}

asio::awaitable<Result<ClientResponse>> FetchOnce(const HttpClient::Impl& client, const Url& url,
                                                  const ClientRequest& req,
                                                  Clock::time_point deadline) {
  const Exchange x{client, url, std::min(deadline, Clock::now() + client.options.connect_timeout),
                   deadline};
  const auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream tcp(asio::make_strand(executor));
  NJ_CO_CHECK_OK(co_await Connect(tcp, x));
  if (!url.tls) co_return co_await WriteAndRead(tcp, x, req);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), client.ssl);
  NJ_CO_CHECK_OK(co_await Handshake(tls, x));
  // No TLS close_notify afterwards: the response is complete and framed, and the socket closes.
  co_return co_await WriteAndRead(tls, x, req);
}

// ---- redirects ------------------------------------------------------------------------------

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The next URL of a redirect: Location resolved against `from` (RFC 9110 §10.2.2, RFC 3986
// §5.2 for the usual forms: absolute, scheme-relative, absolute path, query, relative path).
Result<Url> RedirectTarget(const Url& from, const ClientResponse& res) {
  const auto header = res.headers.Get("Location");
  if (!header || Trim(*header).empty()) {
    return Err(ErrorCode::kMalformed, from.Authority() + ": redirect without a Location");
  }
  const std::string_view loc = Trim(*header);
  const std::string origin = (from.tls ? "https://" : "http://") + from.Authority();
  const std::string_view path = std::string_view(from.target).substr(0, from.target.find('?'));
  std::string next;
  if (StartsWithIgnoreCase(loc, "http://") || StartsWithIgnoreCase(loc, "https://")) {
    next = loc;
  } else if (loc.starts_with("//")) {
    next = (from.tls ? "https:" : "http:") + std::string(loc);
  } else if (loc.starts_with("/")) {
    next = origin + std::string(loc);
  } else if (loc.starts_with("?")) {
    next = origin + std::string(path) + std::string(loc);
  } else {
    next = origin + std::string(path.substr(0, path.rfind('/') + 1)) + std::string(loc);
  }
  auto url = ParseUrl(next);
  if (!url) {
    return Err(ErrorCode::kMalformed, from.Authority() + ": redirect to an unusable Location (" +
                                          url.error().message() + ")");
  }
  if (from.tls && !url->tls) {
    return Err(ErrorCode::kPermissionDenied,
               from.Authority() + ": redirect from https to http refused");
  }
  return url;
}

// The request to send to `to` after a redirect with `status` from `from`.
void FollowRedirect(ClientRequest& req, int status, const Url& from, const Url& to) {
  const bool to_get = (status == 303 && req.method != Method::kHead) ||
                      ((status == 301 || status == 302) && req.method == Method::kPost);
  const bool new_origin = from.tls != to.tls || from.host != to.host || from.port != to.port;
  Headers kept;
  for (const auto& [name, value] : req.headers.fields()) {
    if (to_get && StartsWithIgnoreCase(name, "Content-")) continue;
    if (new_origin &&
        (EqualsIgnoreCase(name, "Authorization") || EqualsIgnoreCase(name, "Cookie") ||
         EqualsIgnoreCase(name, "Proxy-Authorization"))) {
      continue;
    }
    kept.Add(name, value);
  }
  req.headers = std::move(kept);
  if (to_get) {
    req.method = Method::kGet;
    req.body.clear();
  }
  req.url = to.ToString();
}

asio::awaitable<Result<ClientResponse>> Run(const HttpClient::Impl& client, ClientRequest req) {
  const ClientOptions& o = client.options;
  const auto deadline = Clock::now() + o.timeout;
  NJ_CO_CHECK_OK(CheckRequest(req));
  NJ_CO_TRY(Url url, ParseUrl(req.url));
  for (int hops = 0;; ++hops) {
    NJ_CO_TRY(ClientResponse res, co_await FetchOnce(client, url, req, deadline));
    if (!o.follow_redirects || !IsRedirect(res.status)) co_return res;
    if (hops >= o.max_redirects) {
      co_return Err(ErrorCode::kMalformed, url.Authority() + ": more than " +
                                               std::to_string(o.max_redirects) + " redirects");
    }
    NJ_CO_TRY(Url next, RedirectTarget(url, res));
    FollowRedirect(req, res.status, url, next);
    url = std::move(next);
  }
}

}  // namespace

// ---- public API -----------------------------------------------------------------------------

Result<Url> ParseUrl(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return BadUrl("space, control or non-ASCII byte (percent-encode)");
  }
  const size_t sep = s.find("://");
  if (sep == std::string_view::npos) return BadUrl("no scheme");
  Url url;
  const std::string scheme = AsciiToLower(s.substr(0, sep));
  if (scheme == "http") {
    url.port = 80;
  } else if (scheme == "https") {
    url.tls = true;
    url.port = 443;
  } else {
    return BadUrl("the scheme must be http or https");
  }
  const std::string_view rest = s.substr(sep + 3);
  const size_t end = rest.find_first_of("/?#");
  NJ_CHECK_OK(ParseAuthority(rest.substr(0, end), &url));
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  target = target.substr(0, target.find('#'));
  if (target.empty() || target.front() == '?') url.target = "/";
  url.target += target;
  return url;
}

std::string Url::Authority() const {
  std::string a = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) a += ":" + std::to_string(port);
  return a;
}

std::string Url::ToString() const { return (tls ? "https://" : "http://") + Authority() + target; }

ClientRequest ClientRequest::PostJson(std::string url, const nlohmann::json& body) {
  ClientRequest r;
  r.method = Method::kPost;
  r.url = std::move(url);
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("Accept", "application/json");
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Result<nlohmann::json> ClientResponse::Json() const {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Err(ErrorCode::kMalformed, "response body is not JSON");
  return j;
}

Result<HttpClient> HttpClient::Create(ClientOptions options) {
  if (options.connect_timeout.count() <= 0 || options.timeout.count() <= 0 ||
      options.max_redirects < 0) {
    return Err(ErrorCode::kInvalidArgument, "client timeouts must be positive");
  }
  try {
    auto impl = std::make_shared<Impl>();
    impl->options = std::move(options);
    const ClientOptions& o = impl->options;
    SSL_CTX_set_min_proto_version(impl->ssl.native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (o.tls_insecure_skip_verify) {
      impl->ssl.set_verify_mode(asio::ssl::verify_none, ec);
    } else {
      impl->ssl.set_verify_mode(asio::ssl::verify_peer, ec);
      if (!ec && o.tls_ca_file.empty()) impl->ssl.set_default_verify_paths(ec);
      if (!ec && !o.tls_ca_file.empty()) impl->ssl.load_verify_file(o.tls_ca_file, ec);
    }
    if (ec) {
      return Err(ErrorCode::kInvalidArgument,
                 "cannot load the TLS trust anchors " + o.tls_ca_file + ": " + ec.message());
    }
    return HttpClient(std::move(impl));
  } catch (const std::exception& e) {
    return Err(ErrorCode::kInternal, std::string("cannot create the TLS context: ") + e.what());
  }
}

const ClientOptions& HttpClient::options() const { return impl_->options; }

Result<ClientResponse> HttpClient::Fetch(const ClientRequest& request) const {
  asio::io_context io(1);
  std::optional<Result<ClientResponse>> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await AsyncFetch(*this, request)); },
      asio::detached);
  io.run();
  if (!out) return Err(ErrorCode::kInternal, "the exchange did not complete");
  return std::move(*out);
}

asio::awaitable<Result<ClientResponse>> AsyncFetch(HttpClient client, ClientRequest request) {
  try {
    co_return co_await Run(client.impl(), std::move(request));
  } catch (const std::exception& e) {
    co_return Err(ErrorCode::kInternal, std::string("http client: ") + e.what());
  }
}

}  // namespace nightjar::http
