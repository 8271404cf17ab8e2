#include "http/compression.h"

#include <zlib.h>

#include <cstdlib>
#include <optional>

#include "base/strings.h"

namespace nightjar::http {
namespace {

// The q-value of one Accept-Encoding element ("gzip;q=0.5" -> 0.5); 1 without one; nullopt
// when malformed (the element is then ignored).
std::optional<double> QValue(std::string_view params) {
  for (std::string_view p : Split(params, ';')) {
    auto kv = SplitOnce(Trim(p), '=');
    if (!kv || !EqualsIgnoreCase(Trim(kv->first), "q")) continue;
    const std::string v(Trim(kv->second));
    if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return std::nullopt;
    char* end = nullptr;
    const double q = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || q < 0 || q > 1) return std::nullopt;
    return q;
  }
  return 1.0;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<double> gzip, star;
  for (std::string_view element : Split(accept_encoding, ',')) {
    element = Trim(element);
    const size_t semi = element.find(';');
    const std::string_view coding = Trim(element.substr(0, semi));
    auto q = QValue(semi == std::string_view::npos ? std::string_view() : element.substr(semi));
    if (!q) continue;
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) gzip = q;
    if (coding == "*") star = q;
  }
  if (gzip) return *gzip > 0;
  return star && *star > 0;
}

bool IsCompressibleType(std::string_view content_type) {
  const std::string type = AsciiToLower(Trim(content_type.substr(0, content_type.find(';'))));
  return type.starts_with("text/") || type == "application/json" ||
         type == "application/javascript" || type == "image/svg+xml" ||
         type == "application/vnd.apple.mpegurl" || type == "application/x-mpegurl";
}

Result<std::string> Gzip(std::string_view data) {
  z_stream zs = {};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's (zlib.h, deflateInit2).
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Err(ErrorCode::kInternal, "deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Err(ErrorCode::kInternal, "deflate did not finish");
  out.resize(produced);
  return out;
}

Result<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  z_stream zs = {};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Err(ErrorCode::kInternal, "inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  char buf[16384];
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_bytes) rc = Z_BUF_ERROR;
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) rc = Z_BUF_ERROR;  // truncated
  }
  const bool ok = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  if (!ok) return Err(ErrorCode::kMalformed, "not a valid gzip member");
  return out;
}

}  // namespace nightjar::http
