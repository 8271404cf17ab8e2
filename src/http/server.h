// The HTTP/1.1 server (RFC 9112) on Boost.Beast and Asio C++20 coroutines, plain or TLS.
//
// This module owns connections: accepting, TLS handshakes, reading requests within size limits
// and deadlines, keep-alive, routing (http/router.h), running handlers (inline or on the
// blocking pool), writing responses (string bodies, gzip when worthwhile; streamed BodySource
// bodies with Range/conditional handling, http/range.h), the error responses of the protocol
// layer (400, 404, 405, 413, 416, 431, 500), access logging (spdlog debug) and request metrics.
// It knows nothing of cameras or recordings: that is the route table's business.
//
// Limits and deadlines, per connection:
//   - waiting for a request's first byte: idle_timeout (then the connection is closed);
//   - from that byte to the end of the request's body: request_timeout (a slowloris is closed);
//   - header block: max_header_bytes (431); body: the route's max_body_bytes (413);
//   - each write: write_timeout (a reader that stops reading is dropped).
// Protocol errors that leave unread bytes behind (400, 413, 431) close the connection after the
// response; 404/405 on a request without a body keep it alive.
//
// Threading: the caller's io_context may be run by any number of threads; each connection runs
// on its own strand. Blocking handlers and every BodySource::Read run on the caller's
// thread_pool, never on an io thread. Stop and WaitStopped may be called from any thread that is
// not running the io_context (WaitStopped blocks). The caller keeps the io_context, the pool,
// the router's handlers' state (e.g. the Backend) and the metrics alive until WaitStopped has
// returned and the pool has been joined.
#ifndef NIGHTJAR_HTTP_SERVER_H_
#define NIGHTJAR_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/error.h"
#include "http/metrics.h"
#include "http/router.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace nightjar::http {

struct ServerOptions {
  std::string listen_address = "0.0.0.0";  // an IPv4 or IPv6 literal ("::" for all)
  uint16_t port = 8080;                    // 0: any free port (see Server::port())
  // TLS when both are set: PEM files (the certificate file may hold the chain).
  std::string tls_cert_file;
  std::string tls_key_file;

  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{30000};
  // Bound on how long Stop lets in-flight responses run before closing their connections.
  std::chrono::milliseconds shutdown_grace{5000};

  uint32_t max_header_bytes = 16 << 10;
  size_t max_connections = 1024;  // further connections are closed at once
  // Streamed bodies are read and written in chunks of this size (one in memory per response).
  size_t stream_chunk_bytes = 256 << 10;
  // String bodies of compressible types above this size are gzipped for clients that accept it.
  size_t gzip_min_bytes = 1024;
  std::string server_name = "Nightjar";  // the Server header
};

class Server {
 public:
  // `router` is fixed from here on. `metrics` receives one Record per request.
  Server(boost::asio::io_context& io, boost::asio::thread_pool& blocking, ServerOptions options,
         Router router, RequestMetrics& metrics);
  ~Server();  // Stop()s; does not wait
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS certificate and key (when configured), binds, listens and starts accepting.
  // kInvalidArgument when the TLS files cannot be loaded (naming them), kIo when the address
  // cannot be bound (naming it and the OS reason). Call once.
  Result<void> Start();

  // The bound port (after Start), useful with port 0.
  uint16_t port() const;
  bool tls() const;

  // Graceful shutdown: stops accepting, closes idle keep-alive connections, lets requests in
  // flight finish (their responses say "Connection: close"), and after shutdown_grace closes
  // whatever is left. Returns at once; safe to call repeatedly and from any thread.
  void Stop();
  // Blocks until, after Stop, every connection has ended. Must not be called on an io thread.
  void WaitStopped();

  // Connections currently open (for tests and status).
  size_t connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVER_H_
