#include "auth/crypto.h"

#include <sodium.h>

#include <cstring>

namespace nightjar::auth {

Result<void> InitCrypto() {
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  return Ok();
}

std::vector<uint8_t> RandomBytes(size_t n) {
  (void)InitCrypto();
  std::vector<uint8_t> out(n);
  randombytes_buf(out.data(), n);
  return out;
}

std::string RandomToken(std::string_view prefix, size_t bytes) {
  auto raw = RandomBytes(bytes);
  std::string out(prefix);
  out += Base64UrlEncode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

Digest Sha256(std::string_view data) {
  Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return d;
}

Digest HmacSha256(const Key& key, std::string_view data) {
  Digest d;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st, d.data());
  return d;
}

std::string Base64UrlEncode(std::span<const uint8_t> data) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kVariant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text) {
  std::vector<uint8_t> out(text.size() * 3 / 4 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return Err(ErrorCode::kMalformed, "not base64url");
  }
  out.resize(len);
  return out;
}

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(std::span(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                            std::span(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

}  // namespace nightjar::auth
