#include "http/request_head.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <limits>
#include <string>
#include <utility>

#include "http/router.h"

namespace nightjar::http {

namespace bhttp = boost::beast::http;

void ConfigureHeadParser(HeadParser& parser, const RequestLimits& limits) {
  parser.header_limit(limits.max_header_bytes);
  // Not boost::none: Beast 1.74 compares the Content-Length with the optional limit, so that "no
  // limit" refuses every body.
  parser.body_limit(std::numeric_limits<uint64_t>::max());
}

boost::system::error_code CheckHeadSize(size_t head_bytes, const RequestLimits& limits) {
  if (head_bytes > limits.max_header_bytes) return bhttp::error::header_limit;
  return {};
}

RequestHead ConvertHead(const HeadParser& parser) {
  const auto& h = parser.get();
  RequestHead out;
  Request& req = out.request;
  req.method_name = std::string(h.method_string());
  req.method = ParseMethod(req.method_name);
  req.target = std::string(h.target());
  req.version = h.version();
  for (const auto& f : h) req.headers.Add(std::string(f.name_string()), std::string(f.value()));
  req.websocket = boost::beast::websocket::is_upgrade(h);
  out.keep_alive = h.keep_alive();
  out.has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
  return out;
}

Result<RequestHead> ParseRequestHead(std::string_view bytes, const RequestLimits& limits) {
  HeadParser parser;
  ConfigureHeadParser(parser, limits);
  // Not eager: put() stops after the header, as the server's async_read_header does.
  boost::system::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (!ec) ec = CheckHeadSize(used, limits);
  if (ec == bhttp::error::need_more) {
    return Err(ErrorCode::kMalformed, "incomplete request head");
  }
  if (ec == bhttp::error::header_limit) {
    return Err(ErrorCode::kMalformed,
               "request header larger than " + std::to_string(limits.max_header_bytes) + " bytes");
  }
  if (ec) return Err(ErrorCode::kMalformed, "malformed request: " + ec.message());
  if (!parser.is_header_done()) return Err(ErrorCode::kMalformed, "incomplete request head");
  RequestHead out = ConvertHead(parser);
  out.head_bytes = used;
  NJ_TRY(Target target, SplitTarget(out.request.target));
  out.request.path = std::move(target.path);
  out.request.query = std::move(target.query);
  return out;
}

}  // namespace nightjar::http
