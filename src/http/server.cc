#include "http/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/server_internal.h"

namespace nightjar::http {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Impl::Impl(asio::io_context& io_ctx, asio::thread_pool& pool, ServerOptions opts, Router r,
                   RequestMetrics& m)
    : io(io_ctx),
      blocking(pool),
      options(std::move(opts)),
      router(std::move(r)),
      metrics(m),
      control(asio::make_strand(io_ctx)),
      acceptor(control),
      grace_timer(control) {}

asio::awaitable<void> Server::Impl::AcceptLoop([[maybe_unused]] std::shared_ptr<Impl> self) {
  while (!stopping.load()) {
    boost::system::error_code ec;
    tcp::socket socket(asio::make_strand(io));
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping.load()) break;
      // EMFILE and friends: back off briefly rather than spin.
      asio::steady_timer t(io, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    StartSession(std::move(socket));
  }
  std::lock_guard lock(mu);
  accepting = false;
  cv.notify_all();
}

void Server::Impl::StartSession(tcp::socket socket) {
  {
    std::lock_guard lock(mu);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    if (sessions.size() >= options.max_connections) {
      spdlog::warn("http: connection refused: {} connections open", sessions.size());
      return;  // the socket closes as it goes out of scope
    }
  }
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  internal::SpawnSession(shared_from_this(), std::move(socket));
}

void Server::Impl::Stop() {
  if (stopping.exchange(true)) return;
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor.close(ec);
  });
  std::vector<std::shared_ptr<internal::SessionBase>> live;
  {
    std::lock_guard lock(mu);
    for (auto& w : sessions) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->Shutdown(/*force=*/false);
  if (live.empty()) return;
  // After the grace period, whatever is still open is closed.
  asio::post(control, [self = shared_from_this()] {
    {
      std::lock_guard lock(self->mu);
      std::erase_if(self->sessions, [](const auto& w) { return w.expired(); });
      if (self->sessions.empty()) return;  // all ended before the timer was armed
    }
    self->grace_timer.expires_after(self->options.shutdown_grace);
    self->grace_timer.async_wait([self](boost::system::error_code ec) {
      if (ec) return;  // cancelled: every session ended in time
      std::vector<std::shared_ptr<internal::SessionBase>> left;
      {
        std::lock_guard lock(self->mu);
        for (auto& w : self->sessions) {
          if (auto s = w.lock()) left.push_back(std::move(s));
        }
      }
      for (auto& s : left) s->Shutdown(/*force=*/true);
    });
  });
}

void Server::Impl::SessionEnded(const internal::SessionBase* s) {
  std::lock_guard lock(mu);
  std::erase_if(sessions, [s](const auto& w) {
    auto p = w.lock();
    return !p || p.get() == s;
  });
  if (sessions.empty()) {
    cv.notify_all();
    // Nothing left to wait for: let the io_context run out of work.
    if (stopping.load()) {
      asio::post(control, [self = shared_from_this()] { self->grace_timer.cancel(); });
    }
  }
}

Server::Server(asio::io_context& io, asio::thread_pool& blocking, ServerOptions options,
               Router router, RequestMetrics& metrics)
    : impl_(std::make_shared<Impl>(io, blocking, std::move(options), std::move(router), metrics)) {}

Server::~Server() {
  // Stop throws only when it cannot allocate or lock, which a destructor must not pass on. The
  // sessions share the server's state, so none dangles: they then end when the io_context stops.
  try {
    Stop();
  } catch (...) {
  }
}

Result<void> Server::Start() {
  const ServerOptions& o = impl_->options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return Err(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
    }
    boost::system::error_code ec;
    auto& ctx = impl_->ssl.emplace(asio::ssl::context::tls_server);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1,
                    ec);
    if (!ec) ctx.use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) return Err(ErrorCode::kInvalidArgument, o.tls_cert_file + ": " + ec.message());
    ctx.use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return Err(ErrorCode::kInvalidArgument, o.tls_key_file + ": " + ec.message());
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(o.listen_address, ec);
  if (ec) return Err(ErrorCode::kInvalidArgument, "bad listen address " + o.listen_address);
  const tcp::endpoint endpoint(address, o.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Err(ErrorCode::kIo, "cannot listen on " + o.listen_address + ":" +
                                   std::to_string(o.port) + ": " + ec.message());
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->accepting = true;
  }
  asio::co_spawn(
      acceptor.get_executor(), [impl = impl_] { return impl->AcceptLoop(impl); }, asio::detached);
  return Ok();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

bool Server::tls() const { return impl_->ssl.has_value(); }

void Server::Stop() {
  if (impl_) impl_->Stop();
}

void Server::WaitStopped() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] {
    std::erase_if(impl_->sessions, [](const auto& w) { return w.expired(); });
    return impl_->sessions.empty() && !impl_->accepting;
  });
}

size_t Server::connections() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const auto& w : impl_->sessions) n += w.expired() ? 0 : 1;
  return n;
}

}  // namespace nightjar::http
