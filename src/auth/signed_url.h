// Signed media URLs: short-lived links to one camera's media that players without cookies
// (VLC, ffmpeg, <video>) can open. A signed URL is the path plus
//   ?...&nj_u=<user id>&nj_scope=<path prefix>&nj_exp=<unix secs>&nj_sig=<base64url>
// where nj_sig = HMAC-SHA-256(url key, "v1\n" user "\n" camera "\n" scope "\n" exp). It admits
// requests for the signed camera whose path starts with the scope, until exp, with at most the
// rights the signing user has *now* (re-checked at each request: revoking the user or the grant
// revokes the URL). The scope of an HLS playlist is its directory, so its segments and parts
// (relative URIs, to which the playlist handler appends the same query) are covered.
//
// The key (<data>/url.key, 0600) never leaves the daemon; deleting it revokes every signed URL.
//
// Thread safety: pure functions.
#ifndef NIGHTJAR_AUTH_SIGNED_URL_H_
#define NIGHTJAR_AUTH_SIGNED_URL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/crypto.h"
#include "base/error.h"
#include "http/message.h"

namespace nightjar::auth {

inline constexpr int64_t kDefaultSignedUrlSecs = 600;
inline constexpr int64_t kMaxSignedUrlSecs = int64_t{24} * 3600;

struct UrlSignature {
  int64_t user_id = 0;
  std::string camera;  // signed but not sent: the verifier takes it from the request
  std::string scope;   // a path prefix starting with "/api/"
  int64_t expires_unix = 0;
};

// The query parameters of a signed URL, when all four are present and well-formed (bounded);
// nullopt when the request carries none of them; kMalformed when some are present but bad.
Result<std::optional<std::pair<UrlSignature, std::string>>> ParseSignedQuery(
    const http::QueryParams& query);

// The signature's query parameters ("nj_u=..&nj_scope=..&nj_exp=..&nj_sig=.."), percent-encoded.
std::string SignQuery(const Key& key, const UrlSignature& sig);
// Whether `sig_b64` is the signature of `sig` with sig.camera = `camera` (the request's; constant
// time), unexpired at `now_unix`, and its scope covers `path`.
bool VerifySignature(const Key& key, const UrlSignature& sig, std::string_view sig_b64,
                     int64_t now_unix, std::string_view path, std::string_view camera);
// The scope a URL of `path` for `camera` is signed with: the directory of an HLS path
// ("/api/hls/cam1/"), else the path itself. kInvalidArgument for a path outside /api/.
Result<std::string> ScopeFor(std::string_view path);
// Appends the nj_* parameters of `query` (if any) to a relative URI in a playlist.
std::string PropagateSignature(std::string_view uri, const http::QueryParams& query);

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_SIGNED_URL_H_
