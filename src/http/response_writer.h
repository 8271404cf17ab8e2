// Internal to http: writes one Response on a connection (RFC 9112 §4-6 framing), with gzip for
// large text bodies (http/compression.h) and Range/conditional handling plus chunked reads with
// backpressure for streamed bodies (http/range.h, http/body_source.h).
//
// The status line and header block are written by us (not Beast's serializer) so that string and
// streamed bodies share one code path; header values from handlers containing CR, LF or NUL are
// dropped (no response splitting). Used only on its connection's strand.
#ifndef NIGHTJAR_HTTP_RESPONSE_WRITER_H_
#define NIGHTJAR_HTTP_RESPONSE_WRITER_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <string>

#include "http/message.h"
#include "http/server.h"

namespace nightjar::http::internal {

struct WriteResult {
  bool ok = false;          // false: the connection must be closed (write failed, or a
                            // streamed body failed after its header was sent)
  int status = 0;           // the status actually sent
  uint64_t body_bytes = 0;  // body bytes written
};

// Stream: boost::beast::tcp_stream or boost::beast::ssl_stream<tcp_stream> (the only two
// instantiations). Keeps references to all three arguments.
template <typename Stream>
class ResponseWriter {
 public:
  ResponseWriter(Stream& stream, const ServerOptions& options, boost::asio::thread_pool& blocking)
      : stream_(stream), options_(options), blocking_(blocking) {}

  // Writes `res` for `req`; `keep_alive` false adds "Connection: close".
  boost::asio::awaitable<WriteResult> Write(const Request& req, Response& res, bool keep_alive);

 private:
  boost::asio::awaitable<WriteResult> WriteString(const Request& req, Response& res,
                                                  bool keep_alive);
  boost::asio::awaitable<WriteResult> WriteSource(const Request& req, Response& res,
                                                  bool keep_alive);
  boost::asio::awaitable<WriteResult> WriteStream(const Request& req, Response& res,
                                                  bool keep_alive);
  // Writes head + body in one gather write within write_timeout.
  boost::asio::awaitable<bool> Send(const std::string& head, const void* body, size_t size);

  Stream& stream_;
  const ServerOptions& options_;
  boost::asio::thread_pool& blocking_;
};

// "HTTP/1.1 206 Partial Content\r\n" + Date, Server, Content-Type, Content-Length (unless
// omitted), `res.headers`, Connection, "\r\n". content_length < 0 omits it.
std::string FormatHead(const ServerOptions& options, const Request& req, const Response& res,
                       int64_t content_length, bool keep_alive);

}  // namespace nightjar::http::internal

#endif  // NIGHTJAR_HTTP_RESPONSE_WRITER_H_
