#include "auth/guard.h"

#include <nlohmann/json.hpp>

#include "auth/credentials.h"
#include "auth/signed_url.h"

namespace nightjar::auth {

namespace {

bool IsBrowserScript(const http::Request& req) {
  auto mode = req.headers.Get("Sec-Fetch-Mode");
  return mode && *mode != "navigate";
}

http::Response Unauthorized(const http::Request& req, std::string_view message) {
  http::Response r = http::ErrorResponse(401, "unauthorized", message);
  r.headers.emplace_back("WWW-Authenticate", IsBrowserScript(req)
                                                 ? R"(Bearer realm="Nightjar")"
                                                 : R"(Basic realm="Nightjar", charset="UTF-8")");
  return r;
}

bool AllZero(const Digest& d) {
  for (uint8_t b : d) {
    if (b) return false;
  }
  return true;
}

// Authenticates from the first kind of credential the request carries; sets *refusal for a
// 401/429 to answer instead.
std::shared_ptr<const AuthPrincipal> Authenticate(Authenticator& auth, const http::Request& req,
                                                  const http::Route& route, std::string_view camera,
                                                  std::optional<http::Response>* refusal) {
  if (req.query.contains("nj_sig")) {
    auto p = auth.FromSignedUrl(req, camera);
    if (!p) *refusal = Unauthorized(req, "the signed URL is invalid or expired");
    return p;
  }
  if (auto header = req.headers.Get("Authorization")) {
    const Authorization a = ParseAuthorization(*header);
    std::shared_ptr<const AuthPrincipal> p;
    if (const auto* bearer = std::get_if<BearerToken>(&a)) {
      p = bearer->token.starts_with(kSessionPrefix) ? auth.FromSession(bearer->token)
                                                    : auth.FromApiKey(bearer->token);
    } else if (const auto* basic = std::get_if<BasicCredentials>(&a)) {
      p = auth.FromBasicCached(basic->username, basic->password);
      if (!p && route.options.blocking) {
        int64_t retry = 0;
        p = auth.FromBasic(basic->username, basic->password, AddressOf(req.remote), &retry);
        if (retry > 0) {
          http::Response r = http::ErrorResponse(429, "too_many_requests",
                                                 "too many failed sign-ins; retry later");
          r.headers.emplace_back("Retry-After", std::to_string(retry));
          *refusal = std::move(r);
          return nullptr;
        }
      }
    }
    if (!p) *refusal = Unauthorized(req, "invalid credentials");
    return p;
  }
  if (auto cookie = req.headers.Get("Cookie")) {
    if (auto token = SessionTokenFromCookie(*cookie)) {
      auto p = auth.FromSession(*token);
      if (!p) *refusal = Unauthorized(req, "the session has ended; sign in again");
      return p;
    }
  }
  *refusal = Unauthorized(req, "sign in first");
  return nullptr;
}

}  // namespace

http::Response CameraNotFound(std::string_view camera) {
  return http::ErrorResponse(404, "not_found", "no camera \"" + std::string(camera) + "\"");
}

http::Router::Guard MakeGuard(Authenticator& auth, GuardOptions options) {
  return [&auth, options](http::Request& req,
                          const http::Route& route) -> std::optional<http::Response> {
    const http::Permission perm = route.options.permission;
    if (perm == http::Permission::kPublic) return std::nullopt;
    // /metrics for a scraper: its own token, compared as hashes in constant time.
    if (perm == http::Permission::kAdmin && route.pattern == "/metrics" &&
        !AllZero(options.metrics_token_sha256)) {
      if (auto h = req.headers.Get("Authorization")) {
        const Authorization a = ParseAuthorization(*h);
        if (const auto* b = std::get_if<BearerToken>(&a)) {
          if (ConstantTimeEquals(Sha256(b->token), options.metrics_token_sha256)) {
            return std::nullopt;
          }
        }
      }
    }
    const std::string camera = http::Router::CameraOf(route, req);
    std::optional<http::Response> refusal;
    auto principal = Authenticate(auth, req, route, camera, &refusal);
    if (!principal) return refusal;
    req.principal = principal;
    if (principal->Allows(perm, camera)) return std::nullopt;
    if (!camera.empty() && !principal->Sees(camera)) return CameraNotFound(camera);
    return http::ErrorResponse(
        403, "forbidden",
        "this needs the " + std::string(http::PermissionName(perm)) + " permission");
  };
}

}  // namespace nightjar::auth
