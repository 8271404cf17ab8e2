// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 30 s steps, 6 digits,
// a window of one step either side, and the base32 secrets (RFC 4648 §6) and otpauth:// URIs
// (Google Authenticator's Key Uri Format) authenticator apps read. Recovery codes too.
//
// Thread safety: pure functions.
#ifndef NIGHTJAR_AUTH_TOTP_H_
#define NIGHTJAR_AUTH_TOTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar::auth {

inline constexpr int64_t kTotpStepSecs = 30;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226 §4 R6's recommendation
inline constexpr int kRecoveryCodes = 10;

// RFC 4648 §6 without padding, upper case; decoding ignores case, spaces and '=' padding.
std::string Base32Encode(std::string_view bytes);
Result<std::string> Base32Decode(std::string_view text);

// A fresh random secret (raw bytes).
std::string NewTotpSecret();
// RFC 4226 §5.3 HOTP value of `counter`, 6 digits with leading zeros.
std::string Hotp(std::string_view secret, uint64_t counter);
// RFC 6238 §4: the step of unix time `unix_secs`.
inline int64_t TotpStep(int64_t unix_secs) { return unix_secs / kTotpStepSecs; }

// The step `code` matches among now-1, now, now+1 (RFC 6238 §5.2), or nullopt. A step not
// after `last_step` is refused (§5.2: a verifier must not accept the same OTP twice): callers
// store the returned step as the new last_step.
std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_secs,
                                  int64_t last_step);

// otpauth://totp/Nightjar:<user>?secret=<base32>&issuer=Nightjar&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view username, std::string_view secret);

// kRecoveryCodes codes of 16 base32 characters (80 bits) grouped "XXXX-XXXX-XXXX-XXXX".
std::vector<std::string> NewRecoveryCodes();
// The form a recovery code is hashed in: upper case, without '-' and spaces.
std::string NormalizeRecoveryCode(std::string_view code);

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_TOTP_H_
