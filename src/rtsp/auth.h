// RTSP authentication: HTTP Basic (RFC 7617) and Digest (RFC 2617 as cameras use it: MD5,
// with or without qop=auth). Both sides: the server checks credentials, the client answers
// challenges. I/O-free.
#ifndef NIGHTJAR_RTSP_AUTH_H_
#define NIGHTJAR_RTSP_AUTH_H_

#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace nightjar::rtsp {

enum class AuthMode { kNone, kBasic, kDigest };

Result<AuthMode> ParseAuthMode(std::string_view name);  // "none", "basic", "digest"

struct Credentials {
  std::string username;
  std::string password;
};

// Parses `Digest realm="x", nonce="y", qop="auth"` style parameter lists (quoted or token
// values; names lower-cased). The scheme word is returned under the key "" .
Result<std::map<std::string, std::string>> ParseAuthParams(std::string_view header);

// Lower-case hex MD5 (RFC 1321) of `data`.
std::string Md5Hex(std::string_view data);

// Server side. Thread-compatible (no shared mutable state).
class ServerAuth {
 public:
  ServerAuth(AuthMode mode, Credentials credentials, std::string realm);

  AuthMode mode() const { return mode_; }

  // The WWW-Authenticate value for a 401 reply; `nonce` is the session's current nonce.
  std::string Challenge(std::string_view nonce) const;

  // Checks an Authorization header for `method` on `uri` against our credentials and `nonce`.
  // kPermissionDenied with a reason on any mismatch.
  Result<void> Verify(std::string_view method, std::string_view authorization,
                      std::string_view nonce) const;

 private:
  AuthMode mode_;
  Credentials credentials_;
  std::string realm_;
};

// Client side: the Authorization header answering `challenge` (a WWW-Authenticate value) for a
// request. `nc` is the nonce count for qop=auth. kUnsupported for schemes other than
// Basic/Digest or digest algorithms other than MD5.
Result<std::string> AnswerChallenge(std::string_view challenge, const Credentials& credentials,
                                    std::string_view method, std::string_view uri, uint32_t nc,
                                    std::string_view cnonce);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_AUTH_H_
