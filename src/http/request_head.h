// A request head (request line + header fields, RFC 9112 §2-§5) as bytes -> our Request, I/O-free.
//
// This module owns the one conversion from Beast's parsed header to the Request handlers see:
// method, target, version, header fields, the WebSocket-upgrade check (RFC 6455 §4.2.1), and the
// framing facts the server needs next (keep-alive, whether a body follows). The server
// (session.cc) reads a head from its socket with a HeadParser configured here and converts it
// with ConvertHead; ParseRequestHead does the same over bytes already in memory, followed by the
// SplitTarget the server's routing does, so tests and fuzz targets exercise the server's code.
//
// Beast's parser is header-only and needs no sockets or coroutines.
// Thread safety: pure functions; a HeadParser is used by one thread at a time.
#ifndef NIGHTJAR_HTTP_REQUEST_HEAD_H_
#define NIGHTJAR_HTTP_REQUEST_HEAD_H_

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "http/message.h"

namespace nightjar::http {

// Parses a request head only; the body, if any, is read afterwards with the route's limit.
using HeadParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

struct RequestLimits {
  // Request line plus all header fields, including the final CRLF (431 beyond it).
  uint32_t max_header_bytes = 16 << 10;
};

// Sets `parser`'s limits before its first byte: the header limit, and no body limit yet (the
// body is checked against the route's limit once the route is known).
void ConfigureHeadParser(HeadParser& parser, const RequestLimits& limits);

// Beast 1.74 applies the header limit to the request line and to the header fields separately,
// so a head of almost twice the limit gets through; this holds the whole head to it.
// `head_bytes`: what the parser consumed (the result of put or async_read_header). Returns
// boost::beast::http::error::header_limit beyond the limit, else success.
boost::system::error_code CheckHeadSize(size_t head_bytes, const RequestLimits& limits);

struct RequestHead {
  // method, method_name, target, version, headers and websocket are set; path and query only by
  // ParseRequestHead (the server sets them when routing).
  Request request;
  bool keep_alive = false;  // RFC 9112 §9.3: the connection persists after the response
  bool has_body = false;    // chunked, or a Content-Length above zero
  size_t head_bytes = 0;    // ParseRequestHead only: bytes of `bytes` the head took
};

// Converts the header of `parser`, which must be done (is_header_done()).
RequestHead ConvertHead(const HeadParser& parser);

// Parses one complete head at the start of `bytes` (bytes after it, a body or the next request,
// are left alone) and splits its target (SplitTarget). Errors: kMalformed for syntax the parser
// refuses, an incomplete head, or a head over the limit; kInvalidArgument for a target
// SplitTarget refuses (not origin- or absolute-form, bad escape, path traversal).
Result<RequestHead> ParseRequestHead(std::string_view bytes, const RequestLimits& limits);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_REQUEST_HEAD_H_
