#include "rtsp/auth.h"

#include <openssl/evp.h>

#include <cstdio>

#include "base/base64.h"
#include "base/strings.h"

namespace nightjar::rtsp {
namespace {

std::string Get(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// Response per RFC 2617 §3.2.2.1: without qop MD5(HA1:nonce:HA2), with qop=auth
// MD5(HA1:nonce:nc:cnonce:qop:HA2).
std::string DigestResponse(const Credentials& c, std::string_view realm, std::string_view method,
                           std::string_view uri, std::string_view nonce, std::string_view qop,
                           std::string_view nc, std::string_view cnonce) {
  std::string ha1 = Md5Hex(c.username + ":" + std::string(realm) + ":" + c.password);
  std::string ha2 = Md5Hex(std::string(method) + ":" + std::string(uri));
  std::string s = ha1 + ":" + std::string(nonce) + ":";
  if (!qop.empty()) {
    s += std::string(nc) + ":" + std::string(cnonce) + ":" + std::string(qop) + ":";
  }
  return Md5Hex(s + ha2);
}

}  // namespace

Result<AuthMode> ParseAuthMode(std::string_view name) {
  if (EqualsIgnoreCase(name, "none")) return AuthMode::kNone;
  if (EqualsIgnoreCase(name, "basic")) return AuthMode::kBasic;
  if (EqualsIgnoreCase(name, "digest")) return AuthMode::kDigest;
  return Err(ErrorCode::kInvalidArgument,
             "auth mode '" + std::string(name) + "' is not one of none, basic, digest");
}

Result<std::map<std::string, std::string>> ParseAuthParams(std::string_view header) {
  std::map<std::string, std::string> out;
  std::string_view s = Trim(header);
  size_t sp = s.find(' ');
  out[""] = AsciiToLower(s.substr(0, sp));
  if (sp == std::string_view::npos) return out;
  s.remove_prefix(sp + 1);
  while (true) {
    s = Trim(s);
    while (!s.empty() && s.front() == ',') s = Trim(s.substr(1));
    if (s.empty()) break;
    size_t eq = s.find('=');
    if (eq == std::string_view::npos) {
      return Err(ErrorCode::kMalformed,
                 "auth parameter without '=' in '" + std::string(header.substr(0, 128)) + "'");
    }
    std::string key = AsciiToLower(Trim(s.substr(0, eq)));
    s.remove_prefix(eq + 1);
    s = Trim(s);
    std::string value;
    if (!s.empty() && s.front() == '"') {
      size_t i = 1;
      for (; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;  // quoted-pair
        value += s[i];
      }
      if (i >= s.size()) return Err(ErrorCode::kMalformed, "unterminated quoted auth parameter");
      s.remove_prefix(i + 1);
    } else {
      size_t comma = s.find(',');
      value = std::string(Trim(s.substr(0, comma)));
      s.remove_prefix(comma == std::string_view::npos ? s.size() : comma);
    }
    out[key] = std::move(value);
  }
  return out;
}

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return HexEncode(std::span<const uint8_t>(digest, len));
}

ServerAuth::ServerAuth(AuthMode mode, Credentials credentials, std::string realm)
    : mode_(mode), credentials_(std::move(credentials)), realm_(std::move(realm)) {}

std::string ServerAuth::Challenge(std::string_view nonce) const {
  if (mode_ == AuthMode::kBasic) return "Basic realm=\"" + realm_ + "\"";
  return "Digest realm=\"" + realm_ + "\", nonce=\"" + std::string(nonce) + "\", algorithm=MD5";
}

Result<void> ServerAuth::Verify(std::string_view method, std::string_view authorization,
                                std::string_view nonce) const {
  if (mode_ == AuthMode::kNone) return Ok();
  if (authorization.empty()) return Err(ErrorCode::kPermissionDenied, "no credentials");
  if (mode_ == AuthMode::kBasic) {
    std::string_view a = Trim(authorization);
    if (!StartsWithIgnoreCase(a, "Basic ")) {
      return Err(ErrorCode::kPermissionDenied, "expected Basic credentials");
    }
    auto decoded = Base64Decode(Trim(a.substr(6)));
    std::string expect = credentials_.username + ":" + credentials_.password;
    if (!decoded || std::string(decoded->begin(), decoded->end()) != expect) {
      return Err(ErrorCode::kPermissionDenied, "wrong user name or password");
    }
    return Ok();
  }
  auto params = ParseAuthParams(authorization);
  if (!params || Get(*params, "") != "digest") {
    return Err(ErrorCode::kPermissionDenied, "expected Digest credentials");
  }
  const auto& p = *params;
  if (Get(p, "username") != credentials_.username || Get(p, "realm") != realm_) {
    return Err(ErrorCode::kPermissionDenied, "wrong user name or realm");
  }
  if (Get(p, "nonce") != nonce) return Err(ErrorCode::kPermissionDenied, "stale nonce");
  std::string expect = DigestResponse(credentials_, realm_, method, Get(p, "uri"), nonce,
                                      Get(p, "qop"), Get(p, "nc"), Get(p, "cnonce"));
  if (!EqualsIgnoreCase(Get(p, "response"), expect)) {
    return Err(ErrorCode::kPermissionDenied, "wrong password (digest mismatch)");
  }
  return Ok();
}

Result<std::string> AnswerChallenge(std::string_view challenge, const Credentials& credentials,
                                    std::string_view method, std::string_view uri, uint32_t nc,
                                    std::string_view cnonce) {
  NJ_TRY(auto p, ParseAuthParams(challenge));
  const std::string scheme = Get(p, "");
  if (scheme == "basic") {
    return "Basic " + Base64Encode(credentials.username + ":" + credentials.password);
  }
  if (scheme != "digest") {
    return Err(ErrorCode::kUnsupported, "authentication scheme '" + scheme + "'");
  }
  std::string algorithm = Get(p, "algorithm");
  if (!algorithm.empty() && !EqualsIgnoreCase(algorithm, "MD5")) {
    return Err(ErrorCode::kUnsupported, "digest algorithm '" + algorithm + "'");
  }
  std::string qop;
  const std::string offered_qop = Get(p, "qop");  // Split returns views into it
  for (auto q : Split(offered_qop, ',')) {
    if (EqualsIgnoreCase(Trim(q), "auth")) qop = "auth";
  }
  char ncbuf[9];
  std::snprintf(ncbuf, sizeof(ncbuf), "%08x", nc);
  std::string realm = Get(p, "realm"), nonce = Get(p, "nonce");
  std::string out = "Digest username=\"" + credentials.username + "\", realm=\"" + realm +
                    "\", nonce=\"" + nonce + "\", uri=\"" + std::string(uri) + "\", response=\"" +
                    DigestResponse(credentials, realm, method, uri, nonce, qop, ncbuf, cnonce) +
                    "\"";
  if (!qop.empty()) {
    out += ", qop=auth, nc=" + std::string(ncbuf) + ", cnonce=\"" + std::string(cnonce) + "\"";
  }
  if (auto opaque = p.find("opaque"); opaque != p.end()) {
    out += ", opaque=\"" + opaque->second + "\"";
  }
  if (!algorithm.empty()) out += ", algorithm=MD5";
  return out;
}

}  // namespace nightjar::rtsp
