#include "auth/signed_url.h"

#include "base/strings.h"

namespace nightjar::auth {

namespace {

constexpr std::string_view kParams[] = {"nj_u", "nj_scope", "nj_exp", "nj_sig"};

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Message(const UrlSignature& s) {
  return "v1\n" + std::to_string(s.user_id) + "\n" + s.camera + "\n" + s.scope + "\n" +
         std::to_string(s.expires_unix);
}

// The camera a scope names: "/api/hls/cam1/" or "/api/cameras/cam1/..." -> "cam1"; for other
// paths the camera comes from the query (export), so none is named here.
std::string_view CameraOfScope(std::string_view scope) {
  for (std::string_view p : {"/api/hls/", "/api/cameras/"}) {
    if (scope.starts_with(p)) {
      std::string_view rest = scope.substr(p.size());
      return rest.substr(0, rest.find('/'));
    }
  }
  return {};
}

}  // namespace

Result<std::optional<std::pair<UrlSignature, std::string>>> ParseSignedQuery(
    const http::QueryParams& query) {
  int present = 0;
  for (std::string_view p : kParams) present += query.contains(p) ? 1 : 0;
  if (present == 0) return std::optional<std::pair<UrlSignature, std::string>>();
  if (present != 4) return Err(ErrorCode::kMalformed, "incomplete URL signature");
  UrlSignature s;
  const std::string& u = query.find("nj_u")->second;
  const std::string& exp = query.find("nj_exp")->second;
  const std::string& sig = query.find("nj_sig")->second;
  s.scope = query.find("nj_scope")->second;
  auto uid = ParseInt64(u, 1, INT64_MAX);
  auto e = ParseInt64(exp, 0, int64_t{1} << 40);
  if (!uid || !e || sig.size() != 43 || s.scope.size() > 512 || !s.scope.starts_with("/api/")) {
    return Err(ErrorCode::kMalformed, "malformed URL signature");
  }
  s.user_id = *uid;
  s.expires_unix = *e;
  return std::optional(std::pair(std::move(s), sig));
}

std::string SignQuery(const Key& key, const UrlSignature& sig) {
  const Digest mac = HmacSha256(key, Message(sig));
  return "nj_u=" + std::to_string(sig.user_id) + "&nj_scope=" + PercentEncode(sig.scope) +
         "&nj_exp=" + std::to_string(sig.expires_unix) + "&nj_sig=" + Base64UrlEncode(mac);
}

bool VerifySignature(const Key& key, const UrlSignature& sig, std::string_view sig_b64,
                     int64_t now_unix, std::string_view path, std::string_view camera) {
  // The camera is not in the URL: the request's camera completes the signed message, so a
  // signature made for another camera does not verify.
  UrlSignature bound = sig;
  bound.camera = std::string(camera);
  const std::string expected = Base64UrlEncode(HmacSha256(key, Message(bound)));
  const bool sig_ok = ConstantTimeEquals(expected, sig_b64);
  if (!sig_ok || now_unix >= sig.expires_unix || camera.empty()) {
    return false;
  }
  if (sig.scope.ends_with('/')) return path.starts_with(sig.scope);
  return path == sig.scope;
}

Result<std::string> ScopeFor(std::string_view path) {
  if (!path.starts_with("/api/") || path.find("..") != std::string_view::npos ||
      path.size() > 512) {
    return Err(ErrorCode::kInvalidArgument, "only /api/ media paths can be signed");
  }
  if (path.starts_with("/api/hls/")) {
    // "/api/hls/{camera}/...": the camera's HLS directory covers playlists, segments, parts.
    const std::string_view cam = CameraOfScope(path);
    if (cam.empty()) return Err(ErrorCode::kInvalidArgument, "no camera in the path");
    return "/api/hls/" + std::string(cam) + "/";
  }
  return std::string(path);
}

std::string PropagateSignature(std::string_view uri, const http::QueryParams& query) {
  if (!query.contains("nj_sig")) return std::string(uri);
  std::string out(uri);
  out += uri.find('?') == std::string_view::npos ? '?' : '&';
  bool first = true;
  for (std::string_view p : kParams) {
    auto it = query.find(p);
    if (it == query.end()) return std::string(uri);
    if (!first) out += '&';
    first = false;
    out += std::string(p) + "=" + PercentEncode(it->second);
  }
  return out;
}

}  // namespace nightjar::auth
