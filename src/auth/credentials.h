// What a request presents to prove who it is, parsed I/O-free from peer input (fuzzed:
// fuzz/auth_credentials_fuzz.cc):
//   - Authorization: Basic (RFC 7617) -> username and password; Bearer (RFC 6750 §2.1) -> an
//     API key "njk_..." or a session token "njs_...";
//   - the session cookie (kSessionCookie, set by POST /api/auth/login);
//   - a signed media URL's query parameters (signed_url.h).
// Every value is bounded; anything malformed is "no credentials of that kind".
//
// Thread safety: pure functions.
#ifndef NIGHTJAR_AUTH_CREDENTIALS_H_
#define NIGHTJAR_AUTH_CREDENTIALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace nightjar::auth {

inline constexpr std::string_view kSessionCookie = "nightjar_session";
inline constexpr std::string_view kSessionPrefix = "njs_";
inline constexpr std::string_view kApiKeyPrefix = "njk_";
// A token is its prefix and 43 base64url characters (32 bytes); longer input is refused early.
inline constexpr size_t kMaxTokenBytes = 128;

struct BasicCredentials {
  std::string username;
  std::string password;
};
struct BearerToken {
  std::string token;  // "njk_..." or "njs_..."
};
using Authorization = std::variant<std::monostate, BasicCredentials, BearerToken>;

// The Authorization field value. Scheme names are case-insensitive (RFC 9110 §11.1). Basic
// needs valid base64 of "user:password" (the first ':' splits; RFC 7617 §2) with a username of
// at most 64 bytes and a password of at most 1024; Bearer a token of at most kMaxTokenBytes in
// the token68 alphabet. Anything else: monostate.
Authorization ParseAuthorization(std::string_view value);

// The session token of a Cookie field value (the first nightjar_session cookie), when it looks
// like one (kSessionPrefix, bounded).
std::optional<std::string> SessionTokenFromCookie(std::string_view cookie_header);

// Whether a token has the shape of `prefix` + 43 base64url characters.
bool LooksLikeToken(std::string_view token, std::string_view prefix);

// The Set-Cookie value for a session (HttpOnly; SameSite=Strict; Path=/; Max-Age; Secure when
// `secure`), and the one that deletes it.
std::string SessionCookie(std::string_view token, int64_t max_age_secs, bool secure);
std::string ClearedSessionCookie(bool secure);

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_CREDENTIALS_H_
