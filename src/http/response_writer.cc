#include "http/response_writer.h"

#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <exception>
#include <vector>

#include "base/strings.h"
#include "http/blocking.h"
#include "http/compression.h"
#include "http/range.h"

namespace nightjar::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

bool SafeFieldText(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool HasHeader(const Response& res, std::string_view name) {
  for (const auto& [n, v] : res.headers) {
    if (EqualsIgnoreCase(n, name)) return true;
  }
  return false;
}

// Headers every response carries unless its handler set its own (docs/security.md §Headers):
// scripts, styles, media and connections only from this origin (no inline script; MSE and
// hls.js need blob: media and workers), never framed, no MIME sniffing, no Referer leaving.
constexpr std::pair<std::string_view, std::string_view> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
     "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
     "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
};

// Statuses whose responses never carry a body (RFC 9110 §6.4.1).
bool BodylessStatus(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

std::string FormatHead(const ServerOptions& options, const Request& req, const Response& res,
                       int64_t content_length, bool keep_alive) {
  std::string h = "HTTP/1.1 " + std::to_string(res.status) + " ";
  h += ReasonPhrase(res.status);
  h += "\r\nDate: " + FormatHttpDate(Time90k::FromUnixSeconds(std::time(nullptr)));
  h += "\r\nServer: " + options.server_name + "\r\n";
  if (!res.content_type.empty() && SafeFieldText(res.content_type)) {
    h += "Content-Type: " + res.content_type + "\r\n";
  }
  if (content_length >= 0) h += "Content-Length: " + std::to_string(content_length) + "\r\n";
  for (const auto& [name, value] : res.headers) {
    if (name.empty() || !SafeFieldText(name) || !SafeFieldText(value) ||
        EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Content-Length")) {
      continue;
    }
    h += name;
    h += ": ";
    h += value;
    h += "\r\n";
  }
  for (const auto& [name, value] : kSecurityHeaders) {
    if (HasHeader(res, name)) continue;
    h += name;
    h += ": ";
    h += value;
    h += "\r\n";
  }
  // Browsers that once reached us over TLS keep doing so (RFC 6797); never sent over plain HTTP,
  // where it would be ignored anyway.
  if (!options.tls_cert_file.empty() && !HasHeader(res, "Strict-Transport-Security")) {
    h += "Strict-Transport-Security: max-age=31536000\r\n";
  }
  if (!keep_alive) {
    h += "Connection: close\r\n";
  } else if (req.version < 11) {
    h += "Connection: keep-alive\r\n";
  }
  h += "\r\n";
  return h;
}

template <typename Stream>
asio::awaitable<bool> ResponseWriter<Stream>::Send(const std::string& head, const void* body,
                                                   size_t size) {
  beast::get_lowest_layer(stream_).expires_after(options_.write_timeout);
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head), asio::buffer(body, size)};
  boost::system::error_code ec;
  co_await asio::async_write(stream_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

template <typename Stream>
asio::awaitable<WriteResult> ResponseWriter<Stream>::Write(const Request& req, Response& res,
                                                           bool keep_alive) {
  if (res.source && res.status == 200 && !BodylessStatus(res.status)) {
    co_return co_await WriteSource(req, res, keep_alive);
  }
  if (res.stream && !BodylessStatus(res.status)) {
    co_return co_await WriteStream(req, res, keep_alive);
  }
  co_return co_await WriteString(req, res, keep_alive);
}

template <typename Stream>
asio::awaitable<WriteResult> ResponseWriter<Stream>::WriteString(const Request& req, Response& res,
                                                                 bool keep_alive) {
  if (IsCompressibleType(res.content_type) && res.body.size() >= options_.gzip_min_bytes &&
      !HasHeader(res, "Content-Encoding") && res.status != 206) {
    res.headers.emplace_back("Vary", "Accept-Encoding");
    auto accept = req.headers.Get("Accept-Encoding");
    if (accept && AcceptsGzip(*accept)) {
      if (auto gz = Gzip(res.body)) {
        res.body = std::move(*gz);
        res.headers.emplace_back("Content-Encoding", "gzip");
      }
    }
  }
  const bool bodyless = BodylessStatus(res.status);
  const bool send_body = !bodyless && req.method != Method::kHead;
  const std::string head = FormatHead(
      options_, req, res, bodyless ? -1 : static_cast<int64_t>(res.body.size()), keep_alive);
  const size_t n = send_body ? res.body.size() : 0;
  const bool ok = co_await Send(head, res.body.data(), n);
  co_return WriteResult{ok, res.status, ok ? n : 0};
}

template <typename Stream>
asio::awaitable<WriteResult> ResponseWriter<Stream>::WriteSource(const Request& req, Response& res,
                                                                 bool keep_alive) {
  std::shared_ptr<BodySource> src = std::move(res.source);
  const Validators v{src->size(), src->etag(), src->last_modified()};
  BodyPlan plan{200, {0, v.size}};
  if (req.method == Method::kGet || req.method == Method::kHead) {
    plan = PlanBody({req.headers.Get("If-None-Match"), req.headers.Get("If-Modified-Since"),
                     req.headers.Get("Range"), req.headers.Get("If-Range")},
                    v);
  }
  res.headers.emplace_back("Accept-Ranges", "bytes");
  if (!v.etag.empty()) res.headers.emplace_back("ETag", v.etag);
  if (v.last_modified) res.headers.emplace_back("Last-Modified", FormatHttpDate(*v.last_modified));
  if (plan.status == 416) {
    Response err = ErrorResponse(
        416, "range_not_satisfiable",
        "the range is outside the " + std::to_string(v.size) + "-byte representation");
    err.headers = std::move(res.headers);
    err.headers.emplace_back("Content-Range", "bytes */" + std::to_string(v.size));
    co_return co_await WriteString(req, err, keep_alive);
  }
  if (plan.status == 304) {
    res.status = 304;
    res.content_type.clear();
    co_return co_await WriteString(req, res, keep_alive);
  }
  res.status = plan.status;
  if (plan.status == 206) {
    res.headers.emplace_back("Content-Range",
                             "bytes " + std::to_string(plan.range.first) + "-" +
                                 std::to_string(plan.range.first + plan.range.length - 1) + "/" +
                                 std::to_string(v.size));
  }
  const std::string head =
      FormatHead(options_, req, res, static_cast<int64_t>(plan.range.length), keep_alive);
  if (req.method == Method::kHead || plan.range.length == 0) {
    const bool ok = co_await Send(head, nullptr, 0);
    co_return WriteResult{ok, res.status, 0};
  }
  // One chunk in memory: read (blocking pool), write (socket), repeat. The first chunk is read
  // before the header goes out, so a source that fails at once still gets a proper error status.
  std::vector<uint8_t> chunk(std::min<uint64_t>(options_.stream_chunk_bytes, plan.range.length));
  uint64_t sent = 0;
  while (sent < plan.range.length) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(chunk.size(), plan.range.length - sent));
    const uint64_t offset = plan.range.first + sent;
    Result<void> read =
        co_await RunBlocking(blocking_, [&src, &chunk, offset, n]() -> Result<void> {
          try {
            return src->Read(offset, std::span<uint8_t>(chunk.data(), n));
          } catch (const std::exception& e) {
            return Err(ErrorCode::kInternal, e.what());
          }
        });
    if (!read) {
      spdlog::warn("http: {} {}: body read failed at byte {}: {}", req.method_name, req.path,
                   offset, read.error().ToString());
      if (sent > 0) co_return WriteResult{false, res.status, sent};
      Response err = FromError(read.error());
      co_return co_await WriteString(req, err, keep_alive);
    }
    static const std::string kNoHead;
    const std::string& h = sent == 0 ? head : kNoHead;
    if (!co_await Send(h, chunk.data(), n)) {
      co_return WriteResult{false, res.status, sent};
    }
    sent += n;
  }
  co_return WriteResult{true, res.status, sent};
}

template <typename Stream>
asio::awaitable<WriteResult> ResponseWriter<Stream>::WriteStream(const Request& req, Response& res,
                                                                 bool keep_alive) {
  std::shared_ptr<StreamSource> src = std::move(res.stream);
  // HTTP/1.0 has no chunked coding: the body ends when the connection does.
  const bool chunked = req.version >= 11;
  if (!chunked) keep_alive = false;
  if (chunked) res.headers.emplace_back("Transfer-Encoding", "chunked");
  const std::string head = FormatHead(options_, req, res, -1, keep_alive);
  if (req.method == Method::kHead) {
    const bool ok = co_await Send(head, nullptr, 0);
    co_return WriteResult{ok, res.status, 0};
  }
  // As for sized bodies: one piece in memory; the first is produced before the header is sent.
  std::vector<uint8_t> piece;
  piece.reserve(options_.stream_chunk_bytes);
  uint64_t sent = 0;
  for (;;) {
    piece.clear();
    Result<void> next = co_await RunBlocking(blocking_, [&src, &piece]() -> Result<void> {
      try {
        return src->Next(&piece);
      } catch (const std::exception& e) {
        return Err(ErrorCode::kInternal, e.what());
      }
    });
    if (!next) {
      spdlog::warn("http: {} {}: body failed after {} bytes: {}", req.method_name, req.path, sent,
                   next.error().ToString());
      if (sent > 0) co_return WriteResult{false, res.status, sent};
      Response err = FromError(next.error());
      co_return co_await WriteString(req, err, keep_alive);
    }
    std::string frame = sent == 0 ? head : std::string();
    if (chunked && !piece.empty()) frame += fmt::format("{:x}\r\n", piece.size());
    if (piece.empty()) {
      if (chunked) frame += "0\r\n\r\n";
      const bool ok = co_await Send(frame, nullptr, 0);
      co_return WriteResult{ok, res.status, sent};
    }
    if (chunked) piece.insert(piece.end(), {'\r', '\n'});
    if (!co_await Send(frame, piece.data(), piece.size())) {
      co_return WriteResult{false, res.status, sent};
    }
    sent += piece.size() - (chunked ? 2 : 0);
  }
}

template class ResponseWriter<beast::tcp_stream>;
template class ResponseWriter<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace nightjar::http::internal
