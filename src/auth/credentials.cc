#include "auth/credentials.h"

#include "base/base64.h"
#include "base/strings.h"
#include "http/cookie.h"

namespace nightjar::auth {

namespace {

bool IsToken68(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Authorization ParseAuthorization(std::string_view value) {
  value = TrimSpace(value);
  if (value.size() > 4096) return {};
  const size_t sp = value.find(' ');
  if (sp == std::string_view::npos) return {};
  const std::string_view scheme = value.substr(0, sp);
  const std::string_view rest = TrimSpace(value.substr(sp + 1));
  if (rest.empty()) return {};
  for (char c : rest) {
    if (!IsToken68(c)) return {};
  }
  if (EqualsIgnoreCase(scheme, "Basic")) {
    auto decoded = Base64DecodeToString(rest);
    if (!decoded) return {};
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos || colon == 0 || colon > 64) return {};
    BasicCredentials b{decoded->substr(0, colon), decoded->substr(colon + 1)};
    if (b.password.size() > 1024) return {};
    return b;
  }
  if (EqualsIgnoreCase(scheme, "Bearer")) {
    if (rest.size() > kMaxTokenBytes) return {};
    return BearerToken{std::string(rest)};
  }
  return {};
}

bool LooksLikeToken(std::string_view token, std::string_view prefix) {
  if (!token.starts_with(prefix) || token.size() != prefix.size() + 43) return false;
  for (char c : token.substr(prefix.size())) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> SessionTokenFromCookie(std::string_view cookie_header) {
  const auto cookies = http::ParseCookieHeader(cookie_header);
  const auto v = http::FindCookie(cookies, kSessionCookie);
  if (!v || !LooksLikeToken(*v, kSessionPrefix)) return std::nullopt;
  return std::string(*v);
}

std::string SessionCookie(std::string_view token, int64_t max_age_secs, bool secure) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(token) +
                  "; Path=/; Max-Age=" + std::to_string(max_age_secs) +
                  "; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  return c;
}

std::string ClearedSessionCookie(bool secure) { return SessionCookie("", 0, secure); }

}  // namespace nightjar::auth
