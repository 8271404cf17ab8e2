// Internal to http: the server's shared state and the connection (session) interface between
// server.cc (accepting, TLS context, shutdown) and session.cc (one connection's requests).
#ifndef NIGHTJAR_HTTP_SERVER_INTERNAL_H_
#define NIGHTJAR_HTTP_SERVER_INTERNAL_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

#include "http/server.h"

namespace nightjar::http {

namespace internal {

// A connection as the server sees it, for shutdown.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Posts to the session's strand: `force` closes the socket now; otherwise an idle connection
  // closes and a busy one finishes its current response with "Connection: close".
  virtual void Shutdown(bool force) = 0;
};

}  // namespace internal

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(boost::asio::io_context& io, boost::asio::thread_pool& blocking, ServerOptions options,
       Router router, RequestMetrics& metrics);

  boost::asio::awaitable<void> AcceptLoop([[maybe_unused]] std::shared_ptr<Impl> self);
  void StartSession(boost::asio::ip::tcp::socket socket);
  void Stop();
  // Called by a session when it ends (from its strand).
  void SessionEnded(const internal::SessionBase* s);

  boost::asio::io_context& io;
  boost::asio::thread_pool& blocking;
  const ServerOptions options;
  const Router router;
  RequestMetrics& metrics;
  // The acceptor and the grace timer are used only on this strand.
  boost::asio::strand<boost::asio::io_context::executor_type> control;
  boost::asio::ip::tcp::acceptor acceptor;
  std::optional<boost::asio::ssl::context> ssl;  // set when TLS is configured
  boost::asio::steady_timer grace_timer;

  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::condition_variable cv;  // signalled when `sessions` empties or the accept loop ends
  std::list<std::weak_ptr<internal::SessionBase>> sessions;  // guarded by mu
  bool accepting = false;                                    // guarded by mu
};

namespace internal {
// Creates the session for an accepted socket (plain or TLS per server->ssl), registers it with
// the server (under server->mu) and spawns its coroutine on the socket's strand.
std::shared_ptr<SessionBase> SpawnSession(std::shared_ptr<Server::Impl> server,
                                          boost::asio::ip::tcp::socket socket);
}  // namespace internal

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVER_INTERNAL_H_
