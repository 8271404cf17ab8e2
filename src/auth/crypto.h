// The small cryptographic helpers of authentication, all libsodium: random tokens, SHA-256,
// HMAC-SHA-256, unpadded base64url (RFC 4648 §5), timing-safe comparison (key files:
// config/key_file.h).
//
// Thread safety: pure functions (libsodium is initialized on first use, thread-safely).
#ifndef NIGHTJAR_AUTH_CRYPTO_H_
#define NIGHTJAR_AUTH_CRYPTO_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar::auth {

using Digest = std::array<uint8_t, 32>;  // SHA-256, HMAC-SHA-256 (= db::Sha256)
using Key = std::array<uint8_t, 32>;

// Fails (kInternal) only if libsodium cannot initialize; every other function calls it.
Result<void> InitCrypto();

std::vector<uint8_t> RandomBytes(size_t n);
// `prefix` + base64url of `bytes` random bytes: "njk_..." API keys, session cookies.
std::string RandomToken(std::string_view prefix, size_t bytes = 32);

Digest Sha256(std::string_view data);
Digest HmacSha256(const Key& key, std::string_view data);

// Unpadded base64url (the form in URLs and cookies). Decoding refuses padding, whitespace and
// the standard alphabet's '+' '/' (kMalformed).
std::string Base64UrlEncode(std::span<const uint8_t> data);
Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text);

// Equal sizes and bytes, in time that depends only on the size (sodium_memcmp).
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_CRYPTO_H_
