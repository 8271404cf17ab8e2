// Test-only helpers for http tests: a server running on its own io threads and blocking pool,
// and a synchronous loopback client (plain or TLS) built on Beast's client side, plus raw socket
// access for malformed and stalled requests.
#ifndef NIGHTJAR_HTTP_TEST_CLIENT_H_
#define NIGHTJAR_HTTP_TEST_CLIENT_H_

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace nightjar::http::httptest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using ClientResponse = bhttp::response<bhttp::string_body>;

// A Server on two io threads and a two-thread blocking pool, stopped and joined on destruction.
class TestServer {
 public:
  TestServer(ServerOptions options, Router router)
      : TestServer(std::move(options), [&](RequestMetrics&) { return std::move(router); }) {}
  // `make` builds the routes, which may refer to the server's metrics.
  TestServer(ServerOptions options, const std::function<Router(RequestMetrics&)>& make) {
    options.listen_address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(io_, pool_, std::move(options), make(metrics_), metrics_);
  }
  ~TestServer() {
    server_->Stop();
    server_->WaitStopped();
    work_.reset();
    for (auto& t : threads_) t.join();
    pool_.join();
  }
  // Starts the server and its io threads; returns the error of Server::Start.
  Result<void> Start() {
    auto started = server_->Start();
    if (!started) return started;
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this] {
        {
          std::lock_guard lock(mu_);
          io_threads_.insert(std::this_thread::get_id());
        }
        io_.run();
      });
    }
    return started;
  }
  bool OnIoThread() const {
    std::lock_guard lock(mu_);
    return io_threads_.count(std::this_thread::get_id()) > 0;
  }
  Server& server() { return *server_; }
  RequestMetrics& metrics() { return metrics_; }
  uint16_t port() const { return server_->port(); }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  asio::thread_pool pool_{2};
  RequestMetrics metrics_;
  std::unique_ptr<Server> server_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::set<std::thread::id> io_threads_;
};

// A synchronous client connection; Beast exceptions are turned into test failures by the
// callers' ASSERTs on the returned values.
class TestClient {
 public:
  explicit TestClient(uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::address_v4::loopback(), port});
  }
  void SendRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Writes a request; `extra` holds additional header lines ("Range: bytes=0-1\r\n").
  void Send(std::string_view method, std::string_view target, std::string_view extra = "",
            std::string_view body = "") {
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n";
    req += extra;
    if (!body.empty() || method == "POST")
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n";
    req += body;
    SendRaw(req);
  }
  // Reads one response; nullopt when the connection failed or closed instead.
  std::optional<ClientResponse> Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> p;
    p.body_limit(64 << 20);
    p.skip(head);
    beast::error_code ec;
    bhttp::read(socket_, buffer_, p, ec);
    if (ec) return std::nullopt;
    return p.release();
  }
  std::optional<ClientResponse> Request(std::string_view method, std::string_view target,
                                        std::string_view extra = "", std::string_view body = "") {
    Send(method, target, extra, body);
    return Read(method == "HEAD");
  }
  // True when the server closed the connection (EOF or reset) before sending anything more.
  bool WaitClosed() {
    if (buffer_.size() > 0) return false;
    char c;
    beast::error_code ec;
    const size_t n = socket_.read_some(asio::buffer(&c, 1), ec);
    return n == 0 && ec;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace nightjar::http::httptest

#endif  // NIGHTJAR_HTTP_TEST_CLIENT_H_
