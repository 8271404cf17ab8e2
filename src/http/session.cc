// One HTTP connection: reads requests within limits and deadlines, routes them, runs handlers,
// writes responses (response.cc), until the peer closes, a deadline passes, or the server stops.
#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <spdlog/spdlog.h>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <type_traits>

#include "base/strings.h"
#include "http/blocking.h"
#include "http/request_head.h"
#include "http/response_writer.h"
#include "http/server_internal.h"

namespace nightjar::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

Response Invoke(const Handler& handler, const Request& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {}: handler threw: {}", req.method_name, req.path, e.what());
  } catch (...) {
    spdlog::error("http: {} {}: handler threw", req.method_name, req.path);
  }
  return ErrorResponse(500, "internal", "internal error");
}

// Errors of the HTTP parser itself (as opposed to the socket, a timeout or the peer closing).
bool IsParseError(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
         ec != bhttp::error::need_more;
}

template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<Server::Impl> server, Stream stream, std::string remote)
      : server_(std::move(server)),
        opts_(server_->options),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        writer_(stream_, opts_, server_->blocking) {}

  asio::awaitable<void> Run() {
    try {
      if (co_await Handshake()) {
        while (co_await ServeOne()) {
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("http: {}: connection failed: {}", remote_, e.what());
    }
    if (linger_ && !stopping_) co_await Linger();
    error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close();
    server_->SessionEnded(this);
  }

  void Shutdown(bool force) override {
    asio::post(Tcp().get_executor(), [self = this->shared_from_this(), force] {
      self->stopping_ = true;
      // An idle connection (or any, when forced) is closed; a busy one finishes its response.
      if (force || self->idle_) self->Tcp().cancel();
      if (self->wake_timer_) self->wake_timer_->cancel();
      if (force) {
        error_code ec;
        self->Tcp().socket().close(ec);
      }
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  asio::awaitable<bool> Handshake() {
    if constexpr (kTls) {
      error_code ec;
      Tcp().expires_after(opts_.request_timeout);
      co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) spdlog::debug("http: {}: TLS handshake failed: {}", remote_, ec.message());
      co_return !ec;
    } else {
      co_return true;
    }
  }

  // Waits (idle_timeout) for the first byte of the next request. False: close the connection.
  asio::awaitable<bool> WaitForRequest() {
    if (buffer_.size() > 0) co_return !stopping_;
    if (stopping_) co_return false;
    idle_ = true;
    Tcp().expires_after(opts_.idle_timeout);
    error_code ec;
    const size_t n = co_await stream_.async_read_some(
        buffer_.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
    idle_ = false;
    if (ec) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  // After an error response that left request bytes unread: stop sending, then read and drop
  // what the client still sends (bounded), so that closing does not reset the connection and
  // destroy the error response in the client's receive buffer (a "lingering close").
  asio::awaitable<void> Linger() {
    error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().expires_after(std::chrono::seconds(1));
    std::array<char, 16384> sink;
    for (size_t total = 0; !ec && total < (256 << 10);) {
      total += co_await Tcp().async_read_some(asio::buffer(sink),
                                              asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<bool> ServeOne();
  asio::awaitable<bool> ReadBody(bhttp::request_parser<bhttp::empty_body>& hp, const Route& route,
                                 Request& req, std::optional<Response>& error);
  // The router's guard, then the handler: inline, or on the blocking pool.
  asio::awaitable<Response> Dispatch(Request& req, const Route& route) {
    const Router& router = server_->router;
    auto run = [&router, &route, &req] {
      return Invoke(
          [&](const Request&) -> Response {
            if (auto refused = router.Authorize(req, route)) return std::move(*refused);
            return route.handler(req);
          },
          req);
    };
    if (!route.options.blocking) co_return run();
    co_return co_await RunBlocking(server_->blocking, run);
  }
  // Dispatch, then while the response says to wait: wait for its waiter (or the deadline, or
  // the server stopping) and run the handler again.
  asio::awaitable<Response> DispatchWaiting(Request& req, const Route& route);
  // Waits until `waiter` wakes us, `deadline` passes or the server stops.
  asio::awaitable<void> WaitFor(Waiter& waiter, std::chrono::steady_clock::time_point deadline);
  // After a WebSocket upgrade was accepted by the handler: the feed's messages until it ends, the
  // client closes, a write fails or the server stops.
  asio::awaitable<void> RunWebSocket(const bhttp::request<bhttp::empty_body>& upgrade,
                                     std::shared_ptr<MessageFeed> feed);

  std::shared_ptr<Server::Impl> server_;
  const ServerOptions& opts_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  ResponseWriter<Stream> writer_;
  bool idle_ = false;      // waiting for a request's first byte (strand only)
  bool stopping_ = false;  // the server is shutting down (strand only)
  bool linger_ = false;    // the last response closed the connection on unread request bytes
  // The timer of a wait in progress (strand only), cancelled to wake it.
  std::shared_ptr<asio::steady_timer> wake_timer_;
};

template <typename Stream>
asio::awaitable<void> Session<Stream>::WaitFor(Waiter& waiter,
                                               std::chrono::steady_clock::time_point deadline) {
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  timer->expires_at(deadline);
  wake_timer_ = timer;
  // The wake may come from any thread, or at once: it is posted to the strand, which runs it
  // only after this coroutine has suspended in async_wait below. The waiter may keep its
  // callback after this wait, even after the server and its io_context are gone: the callback
  // holds the executor only until the wait ends, so destroying it later touches nothing.
  struct Wake {
    std::mutex mu;
    std::optional<asio::any_io_executor> ex;
    std::weak_ptr<asio::steady_timer> timer;
  };
  auto wake = std::make_shared<Wake>();
  wake->ex = timer->get_executor();
  wake->timer = timer;
  waiter.OnReady([wake] {
    std::lock_guard lock(wake->mu);
    if (!wake->ex) return;
    asio::post(*wake->ex, [weak = wake->timer] {
      if (auto t = weak.lock()) t->cancel();
    });
  });
  error_code ec;
  if (!stopping_) co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  wake_timer_.reset();
  std::lock_guard lock(wake->mu);
  wake->ex.reset();
}

template <typename Stream>
asio::awaitable<Response> Session<Stream>::DispatchWaiting(Request& req, const Route& route) {
  Response res = co_await Dispatch(req, route);
  if (!res.wait) co_return res;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(res.wait_timeout_ms);
  while (res.wait) {
    if (stopping_ || std::chrono::steady_clock::now() >= deadline) {
      req.wait_expired = true;
    } else {
      co_await WaitFor(*res.wait, deadline);
    }
    req.wait_rounds++;
    req.waited = res.wait;
    res = co_await Dispatch(req, route);
    if (req.wait_expired && res.wait) {
      co_return ErrorResponse(500, "internal", "the handler waited again after its deadline");
    }
  }
  co_return res;
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::RunWebSocket(
    const bhttp::request<bhttp::empty_body>& upgrade, std::shared_ptr<MessageFeed> feed) {
  namespace ws = beast::websocket;
  Tcp().expires_never();  // the WebSocket stream keeps its own timeouts
  auto wsock = std::make_shared<ws::stream<Stream&>>(stream_);
  wsock->set_option(ws::stream_base::timeout::suggested(beast::role_type::server));
  wsock->set_option(ws::stream_base::decorator(
      [name = opts_.server_name](ws::response_type& r) { r.set(bhttp::field::server, name); }));
  wsock->read_message_max(64 << 10);
  error_code ec;
  co_await wsock->async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    feed->Close();
    co_return;
  }
  wsock->binary(true);
  // A reader answers pings and notices the client's close; messages from the client are
  // ignored. It shares the strand with the writer below (one read and one write at a time).
  struct State {
    bool reading = true;
    std::shared_ptr<asio::steady_timer> done;
  };
  const auto ex = co_await asio::this_coro::executor;
  auto state = std::make_shared<State>();
  state->done =
      std::make_shared<asio::steady_timer>(ex, std::chrono::steady_clock::time_point::max());
  asio::co_spawn(
      ex,
      [self = this->shared_from_this(), wsock, state]() -> asio::awaitable<void> {
        beast::flat_buffer buffer;
        error_code rec;
        while (!rec) {
          co_await wsock->async_read(buffer, asio::redirect_error(asio::use_awaitable, rec));
          buffer.consume(buffer.size());
        }
        state->reading = false;
        state->done->cancel();
        if (self->wake_timer_) self->wake_timer_->cancel();
      },
      asio::detached);
  std::vector<WsMessage> messages;
  bool ended = false;  // the feed ended: close normally
  while (state->reading && !stopping_ && !ec) {
    messages.clear();
    if (!feed->Take(&messages)) {
      ended = true;
      break;
    }
    if (messages.empty()) {
      co_await WaitFor(*feed, std::chrono::steady_clock::now() + std::chrono::seconds(30));
      continue;
    }
    for (const auto& m : messages) {
      wsock->text(m.text);
      co_await wsock->async_write(asio::buffer(m.data),
                                  asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
  }
  feed->Close();
  if (state->reading && !ec) {
    error_code cec;
    co_await wsock->async_close(ended ? ws::close_code::normal : ws::close_code::going_away,
                                asio::redirect_error(asio::use_awaitable, cec));
    if (cec) Tcp().cancel();
  } else if (state->reading) {
    Tcp().cancel();  // a failed write: end the reader
  }
  // The reader holds the WebSocket stream, which refers to ours: wait for it to finish.
  state->done->expires_after(std::chrono::seconds(5));
  while (state->reading) {
    error_code tec;
    co_await state->done->async_wait(asio::redirect_error(asio::use_awaitable, tec));
    if (!tec) Tcp().cancel();  // 5 s without the reader ending: force it
  }
}

// Routes `req`; on failure sets `res` to the error and returns nullptr.
const Route* RouteRequest(const Router& router, Request& req, Response& res) {
  auto target = SplitTarget(req.target);
  if (!target) {
    res = ErrorResponse(400, "bad_request", target.error().message());
    return nullptr;
  }
  req.path = std::move(target->path);
  req.query = std::move(target->query);
  MatchResult m = router.Match(req.method, req.path);
  if (auto* match = std::get_if<RouteMatch>(&m)) {
    req.params = std::move(match->params);
    req.route = match->route->pattern;
    return match->route;
  }
  if (auto* wrong = std::get_if<WrongMethod>(&m)) {
    res = ErrorResponse(405, "method_not_allowed",
                        req.method_name + " is not allowed on " + req.path);
    res.headers.emplace_back("Allow", wrong->allow);
  } else {
    res = ErrorResponse(404, "not_found", "no such resource: " + req.path);
  }
  return nullptr;
}

// Reads the body the route allows. False: close at once (timeout, reset). A body that is too
// large or malformed sets `error` (the connection closes after it).
template <typename Stream>
asio::awaitable<bool> Session<Stream>::ReadBody(bhttp::request_parser<bhttp::empty_body>& hp,
                                                const Route& route, Request& req,
                                                std::optional<Response>& error) {
  const uint64_t limit = route.options.max_body_bytes;
  if (hp.content_length() && *hp.content_length() > limit) {
    Response& res = error.emplace();
    res = ErrorResponse(413, "payload_too_large",
                        "request body larger than " + std::to_string(limit) + " bytes");
    res.close = true;
    co_return true;
  }
  if (!hp.chunked() && hp.content_length().value_or(0) == 0) co_return true;
  error_code ec;
  if (auto expect = req.headers.Get("Expect");
      expect && EqualsIgnoreCase(*expect, "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    Tcp().expires_after(opts_.write_timeout);
    co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    Tcp().expires_after(opts_.request_timeout);
  }
  bhttp::request_parser<bhttp::string_body> bp(std::move(hp));
  bp.body_limit(limit);
  co_await bhttp::async_read(stream_, buffer_, bp, asio::redirect_error(asio::use_awaitable, ec));
  if (ec == bhttp::error::body_limit) {
    error = ErrorResponse(413, "payload_too_large",
                          "request body larger than " + std::to_string(limit) + " bytes");
    error->close = true;
  } else if (ec && IsParseError(ec)) {
    error = ErrorResponse(400, "bad_request", "malformed request body: " + ec.message());
    error->close = true;
  } else if (ec) {
    co_return false;  // timeout, reset, or the peer went away
  }
  req.body = std::move(bp.get().body());
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::ServeOne() {
  if (!co_await WaitForRequest()) co_return false;
  const auto t0 = std::chrono::steady_clock::now();
  Tcp().expires_after(opts_.request_timeout);
  HeadParser hp;
  ConfigureHeadParser(hp, {.max_header_bytes = opts_.max_header_bytes});
  error_code ec;
  const size_t head_bytes = co_await bhttp::async_read_header(
      stream_, buffer_, hp, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) ec = CheckHeadSize(head_bytes, {.max_header_bytes = opts_.max_header_bytes});
  Request req;
  req.remote = remote_;
  Response res;
  bool keep_alive = false;
  if (ec == bhttp::error::header_limit) {
    // Unread header bytes remain: every error response here closes (keep_alive stays false).
    res = ErrorResponse(
        431, "header_too_large",
        "request header larger than " + std::to_string(opts_.max_header_bytes) + " bytes");
  } else if (ec && IsParseError(ec)) {
    res = ErrorResponse(400, "bad_request", "malformed request: " + ec.message());
  } else if (ec) {
    co_return false;  // timeout (slow or stalled request), reset, or the peer closed
  } else {
    RequestHead head = ConvertHead(hp);  // the same conversion as ParseRequestHead's
    req = std::move(head.request);
    req.remote = remote_;
    keep_alive = head.keep_alive;
    const bool has_body = head.has_body;
    if (const Route* route = RouteRequest(server_->router, req, res)) {
      std::optional<Response> error;
      if (!co_await ReadBody(hp, *route, req, error)) co_return false;
      // (No co_await inside ?: — GCC 12 miscompiles it.)
      if (error) {
        res = std::move(*error);
      } else {
        res = co_await DispatchWaiting(req, *route);
      }
      if (res.feed && req.websocket && !stopping_) {
        server_->metrics.Record(req.route, 101, std::chrono::steady_clock::now() - t0);
        spdlog::debug("http: {} {} {} 101 websocket", remote_, req.method_name, req.target);
        co_await RunWebSocket(hp.get(), std::move(res.feed));
        co_return false;
      }
      if (res.feed) {
        res.feed->Close();
        res = ErrorResponse(426, "upgrade_required", "this resource is a WebSocket");
        res.headers.emplace_back("Upgrade", "websocket");
      }
    } else if (has_body) {
      res.close = true;  // the body is left unread
    }
  }
  if (req.method_name.empty()) req.method_name = "-";
  if (!keep_alive || res.close) linger_ = res.status >= 400;
  keep_alive = keep_alive && !res.close && !stopping_;
  const WriteResult w = co_await writer_.Write(req, res, keep_alive);
  const auto latency = std::chrono::steady_clock::now() - t0;
  const std::string_view route = req.route.empty() ? std::string_view("unmatched") : req.route;
  server_->metrics.Record(route, w.status, latency);
  spdlog::debug("http: {} {} {} {} {} {}B {:.1f}ms{}", remote_, req.method_name, req.target,
                w.status, route, w.body_bytes,
                std::chrono::duration<double, std::milli>(latency).count(),
                w.ok ? "" : " (write failed)");
  co_return w.ok&& keep_alive;
}

}  // namespace

std::shared_ptr<SessionBase> SpawnSession(std::shared_ptr<Server::Impl> server,
                                          tcp::socket socket) {
  error_code ec;
  const auto executor = socket.get_executor();
  const auto ep = socket.remote_endpoint(ec);
  std::string remote = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  auto spawn = [&](auto session) -> std::shared_ptr<SessionBase> {
    {
      std::lock_guard lock(server->mu);
      server->sessions.push_back(session);
    }
    asio::co_spawn(
        executor, [session] { return session->Run(); }, asio::detached);
    return session;
  };
  if (server->ssl) {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    TlsStream stream(beast::tcp_stream(std::move(socket)), *server->ssl);
    return spawn(
        std::make_shared<Session<TlsStream>>(server, std::move(stream), std::move(remote)));
  }
  return spawn(std::make_shared<Session<beast::tcp_stream>>(
      server, beast::tcp_stream(std::move(socket)), std::move(remote)));
}

}  // namespace nightjar::http::internal
