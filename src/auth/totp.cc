#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

#include "auth/crypto.h"

namespace nightjar::auth {

namespace {
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '=' || c == '-') continue;
    const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const size_t v = kBase32.find(u);
    if (v == std::string_view::npos) return Err(ErrorCode::kMalformed, "not base32");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string NewTotpSecret() {
  auto b = RandomBytes(kTotpSecretBytes);
  return std::string(b.begin(), b.end());
}

std::string Hotp(std::string_view secret, uint64_t counter) {
  std::array<uint8_t, 8> msg;
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac;
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg.data(), msg.size(),
       mac.data(), &len);
  // RFC 4226 §5.3: dynamic truncation.
  const size_t offset = mac[19] & 0x0f;
  const uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                       (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                       (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::string code = std::to_string(bin % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_secs,
                                  int64_t last_step) {
  if (code.size() != 6) return std::nullopt;
  const int64_t now = TotpStep(unix_secs);
  std::optional<int64_t> match;
  for (int64_t step = now - 1; step <= now + 1; ++step) {
    // Every candidate is computed and compared in constant time, so timing tells nothing.
    if (step >= 0 && ConstantTimeEquals(Hotp(secret, static_cast<uint64_t>(step)), code) &&
        step > last_step) {
      match = step;
    }
  }
  return match;
}

std::string OtpauthUri(std::string_view username, std::string_view secret) {
  // The username is [A-Za-z0-9._-] (CheckUsername): nothing to percent-encode.
  return "otpauth://totp/Nightjar:" + std::string(username) + "?secret=" + Base32Encode(secret) +
         "&issuer=Nightjar&algorithm=SHA1&digits=6&period=30";
}

std::vector<std::string> NewRecoveryCodes() {
  std::vector<std::string> codes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    auto b = RandomBytes(10);
    const std::string s = Base32Encode(std::string_view(reinterpret_cast<char*>(b.data()), 10));
    codes.push_back(s.substr(0, 4) + "-" + s.substr(4, 4) + "-" + s.substr(8, 4) + "-" +
                    s.substr(12, 4));
  }
  return codes;
}

std::string NormalizeRecoveryCode(std::string_view code) {
  std::string out;
  for (char c : code.substr(0, 64)) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace nightjar::auth
