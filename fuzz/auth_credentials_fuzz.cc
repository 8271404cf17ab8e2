// Fuzzes the Authorization field parser (RFC 7617 Basic, RFC 6750 Bearer) and the session
// cookie lookup. Invariants beyond "no crash": Basic usernames are 1..64 bytes without ':',
// passwords at most 1024 bytes; Bearer tokens at most kMaxTokenBytes; a session token found in
// a cookie has the token shape.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/credentials.h"
#include "fuzz_check.h"

namespace auth = nightjar::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auth::Authorization a = auth::ParseAuthorization(input);
  if (const auto* b = std::get_if<auth::BasicCredentials>(&a)) {
    FUZZ_CHECK(!b->username.empty() && b->username.size() <= 64);
    FUZZ_CHECK(b->username.find(':') == std::string::npos);
    FUZZ_CHECK(b->password.size() <= 1024);
  } else if (const auto* t = std::get_if<auth::BearerToken>(&a)) {
    FUZZ_CHECK(!t->token.empty() && t->token.size() <= auth::kMaxTokenBytes);
  }
  if (auto token = auth::SessionTokenFromCookie(input)) {
    FUZZ_CHECK(auth::LooksLikeToken(*token, auth::kSessionPrefix));
  }
  return 0;
}
