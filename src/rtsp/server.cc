#include "rtsp/server.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <random>

#include "base/base64.h"
#include "base/strings.h"
#include "rtsp/message.h"
#include "rtsp/rtcp.h"
#include "rtsp/rtp.h"
#include "rtsp/server_connection.h"

namespace nightjar::rtsp {

namespace asio = boost::asio;
using asio::ip::tcp;

ParsedUrl SplitRequestUrl(std::string_view url) {
  ParsedUrl out;
  std::string_view rest = url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  size_t q = rest.find('?');
  out.path = std::string(rest.substr(0, q));
  if (out.path.empty()) out.path = "/";
  if (q != std::string_view::npos) {
    for (std::string_view kv : Split(rest.substr(q + 1), '&')) {
      size_t eq = kv.find('=');
      if (kv.empty()) continue;
      out.query[std::string(kv.substr(0, eq))] =
          eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
    }
  }
  // A trailing slash (from a Content-Base) is not part of the stream's name.
  while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
  return out;
}

Server::Server(asio::io_context& io, ServerOptions options,
               std::shared_ptr<const StreamResolver> resolver)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(resolver))) {}

Server::~Server() { Stop(); }

Result<void> Server::Start() {
  boost::system::error_code ec;
  auto& acceptor = impl_->acceptor;
  acceptor.open(impl_->options.endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(impl_->options.endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Err(ErrorCode::kIo, "cannot listen on " + impl_->options.endpoint.address().to_string() +
                                   ":" + std::to_string(impl_->options.endpoint.port()) + ": " +
                                   ec.message());
  }
  asio::co_spawn(acceptor.get_executor(), impl_->AcceptLoop(impl_), asio::detached);
  return Ok();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::Stop() {
  if (!impl_) return;
  impl_->Stop();
}

ServerStats Server::Stats() const { return impl_->Stats(); }

Server::Impl::Impl(asio::io_context& io_ctx, ServerOptions opts,
                   std::shared_ptr<const StreamResolver> res)
    : io(io_ctx), options(std::move(opts)), resolver(std::move(res)), acceptor(io_ctx) {}

asio::awaitable<void> Server::Impl::AcceptLoop(std::shared_ptr<Impl> self) {
  while (!stopped.load()) {
    boost::system::error_code ec;
    tcp::socket socket(asio::make_strand(io));
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopped.load()) co_return;
      // EMFILE and friends: back off briefly rather than spin.
      asio::steady_timer t(io, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    accepted.fetch_add(1);
    std::lock_guard lock(mu);
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    if (connections.size() >= options.max_connections) continue;  // socket closes on scope exit
    auto conn = std::make_shared<Connection>(self, std::move(socket));
    connections.push_back(conn);
    conn->Start();
  }
}

void Server::Impl::Stop() {
  if (stopped.exchange(true)) return;
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor.close(ec);
  });
  std::lock_guard lock(mu);
  for (auto& w : connections) {
    if (auto c = w.lock()) c->Shutdown();
  }
  connections.clear();
}

ServerStats Server::Impl::Stats() const {
  ServerStats s;
  s.connections_accepted = accepted.load();
  s.sessions_playing = playing.load();
  s.rtp_packets_sent = packets.load();
  s.rtp_bytes_sent = bytes.load();
  return s;
}

}  // namespace nightjar::rtsp
