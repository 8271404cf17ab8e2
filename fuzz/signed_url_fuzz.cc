// Fuzzes the signed media URL parsing: a request target split into path and query, then its
// nj_* parameters parsed and verified against a fixed key. Invariants beyond "no crash": a parsed
// signature has a positive user id, a scope under /api/, and a 43-character signature; no input
// verifies without the key's signature (the fuzzer cannot forge HMAC-SHA-256).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/signed_url.h"
#include "fuzz_check.h"
#include "http/router.h"

namespace auth = nightjar::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto target = nightjar::http::SplitTarget(input);
  if (!target) return 0;
  auto parsed = auth::ParseSignedQuery(target->query);
  if (!parsed || !*parsed) return 0;
  const auto& [sig, mac] = **parsed;
  FUZZ_CHECK(sig.user_id > 0 && sig.scope.starts_with("/api/") && mac.size() == 43);
  auth::Key key{};
  key[0] = 1;
  // A signature over the same fields with the real key verifies; the input's own only if it
  // equals that one.
  const bool ok = auth::VerifySignature(key, sig, mac, 0, target->path, "cam1");
  if (ok) {
    auto real = auth::ParseSignedQuery(
        nightjar::http::ParseQuery(
            auth::SignQuery(key, {sig.user_id, "cam1", sig.scope, sig.expires_unix}))
            .value());
    FUZZ_CHECK(real && *real && (*real)->second == mac);
  }
  (void)auth::ScopeFor(target->path);
  (void)auth::PropagateSignature("segment/ts/1", target->query);
  return 0;
}
