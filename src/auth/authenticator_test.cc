// The Authenticator over a real database in a temporary directory, on a simulated clock: sign-in,
// sessions (idle and absolute expiry, revocation), Basic, API keys, TOTP, signed URLs, the
// guard's 401/403/404, changes made by another connection, and write-behind activity.
#include <gtest/gtest.h>

#include "auth/auth_fixture.h"
#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/guard.h"
#include "auth/totp.h"
#include "base/base64.h"
#include "db/test_util.h"
#include "testutil/temp_dir.h"

namespace nightjar::auth {
namespace {

using http::LoginOutcome;

class AuthenticatorTest : public AuthFixture {
 protected:
  // An admin request as the guard would leave it.
  http::Request As(std::shared_ptr<const AuthPrincipal> p) {
    http::Request r;
    r.remote = "10.0.0.5:4000";
    r.principal = std::move(p);
    return r;
  }
  http::Request Admin() {
    auto s = auth_->snapshot();
    return As(std::make_shared<AuthPrincipal>(AuthPrincipal::Init{
        .user_id = s->user_ids.at("admin"), .username = "admin", .role = Role::kAdmin}));
  }
  std::string CookieToken(const std::string& set_cookie) {
    const size_t eq = set_cookie.find('=');
    return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
  }
  LoginOutcome::Status Login(const std::string& user, const std::string& pw,
                             const std::string& totp = "", std::string* cookie = nullptr) {
    http::Request r;
    r.remote = "10.0.0.5:4000";
    auto out = auth_->Login(r, {user, pw, totp});
    EXPECT_TRUE(out.has_value());
    if (cookie) *cookie = out->cookie;
    return out->status;
  }
};

TEST_F(AuthenticatorTest, InitialAdminSessionsAndLogout) {
  auto pw = auth_->EnsureInitialAdmin();
  ASSERT_TRUE(pw.has_value() && pw->has_value());
  EXPECT_FALSE(auth_->EnsureInitialAdmin()->has_value());  // only once
  EXPECT_EQ(Login("admin", "wrong-password"), LoginOutcome::Status::kBadCredentials);
  EXPECT_EQ(Login("nobody", **pw), LoginOutcome::Status::kBadCredentials);
  std::string cookie;
  ASSERT_EQ(Login("admin", **pw, "", &cookie), LoginOutcome::Status::kOk);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  const std::string token = CookieToken(cookie);
  auto p = auth_->FromSession(token);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->username(), "admin");
  EXPECT_EQ(p->via(), Via::kSession);
  EXPECT_EQ(auth_->FromSession(token + "x"), nullptr);

  // Idle expiry (7 days unused) and activity keeping it alive.
  clock_.Advance(Duration90k::FromSeconds(int64_t{6} * 86400));
  ASSERT_NE(auth_->FromSession(token), nullptr);
  ASSERT_TRUE(auth_->FlushActivity().has_value());
  clock_.Advance(Duration90k::FromSeconds(int64_t{6} * 86400));
  ASSERT_NE(auth_->FromSession(token), nullptr);
  clock_.Advance(Duration90k::FromSeconds(int64_t{8} * 86400));
  EXPECT_EQ(auth_->FromSession(token), nullptr);

  ASSERT_EQ(Login("admin", **pw, "", &cookie), LoginOutcome::Status::kOk);
  const std::string t2 = CookieToken(cookie);
  auto p2 = auth_->FromSession(t2);
  ASSERT_NE(p2, nullptr);
  auto sessions = auth_->ListSessions(As(p2));
  ASSERT_TRUE(sessions.has_value());
  EXPECT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0]["source"], "10.0.0.5");
  auto cleared = auth_->Logout(As(p2));
  ASSERT_TRUE(cleared.has_value());
  EXPECT_NE(cleared->find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(auth_->FromSession(t2), nullptr);
}

TEST_F(AuthenticatorTest, UsersGrantsKeysAndTheGuard) {
  ASSERT_TRUE(auth_->EnsureInitialAdmin().has_value());
  const auto admin = Admin();
  ASSERT_TRUE(auth_->AddUser(admin, "vic", "viewer", "viewer-password").has_value());
  EXPECT_EQ(auth_->AddUser(admin, "vic", "viewer", "viewer-password").error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(auth_->AddUser(admin, "bad name", "viewer", "viewer-password").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(auth_->AddUser(admin, "x", "root", "viewer-password").error().code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(auth_->PutGrant(admin, "vic", "cam1", {"live", "recordings"}).has_value());
  EXPECT_EQ(auth_->DeleteUser(admin, "admin").error().code(), ErrorCode::kFailedPrecondition);

  // Basic, then the guard on a route of cam1 and one of cam2.
  int64_t retry = 0;
  auto vic = auth_->FromBasic("vic", "viewer-password", "10.0.0.5", &retry);
  ASSERT_NE(vic, nullptr);
  EXPECT_NE(auth_->FromBasicCached("vic", "viewer-password"), nullptr);
  EXPECT_EQ(auth_->FromBasicCached("vic", "other"), nullptr);

  http::Router router;
  http::RouteOptions o;
  o.permission = http::Permission::kViewLive;
  o.camera_param = "id";
  router.Add(
      http::Method::kGet, "/api/cameras/{id}",
      [](const http::Request&) { return http::Response::Text(200, "ok"); }, o);
  const http::Route& route = router.routes()[0];
  auto guard = MakeGuard(*auth_);
  auto request = [&](const std::string& cam, const std::string& authz) {
    http::Request r;
    r.remote = "10.0.0.5:1";
    r.params["id"] = cam;
    r.path = "/api/cameras/" + cam;
    if (!authz.empty()) r.headers.Add("Authorization", authz);
    return r;
  };
  const std::string basic = "Basic " + Base64Encode(std::string_view("vic:viewer-password"));
  auto r1 = request("cam1", basic);
  EXPECT_FALSE(guard(r1, route).has_value());
  EXPECT_NE(r1.principal, nullptr);
  auto r2 = request("cam2", basic);
  auto refused = guard(r2, route);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 404);
  EXPECT_EQ(refused->body, CameraNotFound("cam2").body);
  auto r3 = request("cam1", "");
  refused = guard(r3, route);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  auto r4 = request("cam1", "Basic " + Base64Encode(std::string_view("vic:wrong-password")));
  EXPECT_EQ(guard(r4, route)->status, 401);

  // An API key of vic, limited to cam1; then revoked.
  auto key = auth_->CreateApiKey(As(vic), {.name = "ha"});
  ASSERT_TRUE(key.has_value());
  const std::string token = (*key)["key"];
  EXPECT_TRUE(LooksLikeToken(token, kApiKeyPrefix));
  auto r5 = request("cam1", "Bearer " + token);
  EXPECT_FALSE(guard(r5, route).has_value());
  EXPECT_EQ(auth_->CreateApiKey(As(vic), {.role = "admin"}).error().code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(auth_->DeleteApiKey(As(vic), (*key)["id"].get<int64_t>()).has_value());
  auto r6 = request("cam1", "Bearer " + token);
  EXPECT_EQ(guard(r6, route)->status, 401);

  // Revoking the grant: cam1 now answers like a missing camera.
  ASSERT_TRUE(auth_->DeleteGrant(admin, "vic", "cam1").has_value());
  auto r7 = request("cam1", basic);
  EXPECT_EQ(guard(r7, route)->status, 404);
  auto users = auth_->ListUsers(admin);
  ASSERT_TRUE(users.has_value());
  EXPECT_EQ(users->size(), 2u);
  EXPECT_EQ(auth_->ListUsers(As(vic)).error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(AuthenticatorTest, GuardForbidsThrottlesAndAdmitsTheMetricsToken) {
  ASSERT_TRUE(auth_->EnsureInitialAdmin().has_value());
  ASSERT_TRUE(auth_->AddUser(Admin(), "vic", "viewer", "viewer-password").has_value());
  ASSERT_TRUE(auth_->PutGrant(Admin(), "vic", "cam1", {"live"}).has_value());
  http::Router router;
  auto add = [&](const char* pattern, http::Permission p, const char* camera) {
    http::RouteOptions o;
    o.permission = p;
    o.camera_param = camera;
    router.Add(
        http::Method::kGet, pattern,
        [](const http::Request&) { return http::Response::Text(200, "ok"); }, o);
  };
  add("/api/export", http::Permission::kExport, "camera");
  add("/metrics", http::Permission::kAdmin, "");
  add("/api/health", http::Permission::kPublic, "");
  GuardOptions go;
  go.metrics_token_sha256 = Sha256("scrape-token-0123456789");
  auto guard = MakeGuard(*auth_, go);
  auto call = [&](size_t route, const std::string& authz, const std::string& camera = "") {
    http::Request r;
    r.remote = "10.0.0.8:1";
    if (!camera.empty()) r.query["camera"] = camera;
    if (!authz.empty()) r.headers.Add("Authorization", authz);
    return guard(r, router.routes()[route]);
  };
  const std::string vic = "Basic " + Base64Encode(std::string_view("vic:viewer-password"));
  EXPECT_EQ(call(0, vic, "cam1")->status, 403);  // sees cam1, may not export it
  EXPECT_EQ(call(0, vic, "cam2")->status, 404);  // does not see cam2
  EXPECT_EQ(call(1, vic)->status, 403);
  EXPECT_FALSE(call(1, "Bearer scrape-token-0123456789").has_value());
  EXPECT_EQ(call(1, "Bearer scrape-token-0000000000")->status, 401);
  EXPECT_FALSE(call(2, "").has_value());  // public: no credentials needed
  const std::string wrong = "Basic " + Base64Encode(std::string_view("vic:wrong-password"));
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) EXPECT_EQ(call(1, wrong)->status, 401);
  auto throttled = call(1, wrong);
  ASSERT_TRUE(throttled.has_value());
  EXPECT_EQ(throttled->status, 429);
  bool retry_after = false;
  for (const auto& [k, v] : throttled->headers) retry_after |= k == "Retry-After" && v == "1";
  EXPECT_TRUE(retry_after);
  // The verified credential is cached: it still works while its account is being guessed at.
  EXPECT_EQ(call(0, vic, "cam1")->status, 403);
}

TEST_F(AuthenticatorTest, TotpEnrolmentLoginAndRecovery) {
  ASSERT_TRUE(auth_->EnsureInitialAdmin().has_value());
  ASSERT_TRUE(auth_->AddUser(Admin(), "ann", "operator", "operator-pass").has_value());
  int64_t retry = 0;
  auto ann = auth_->FromBasic("ann", "operator-pass", "10.0.0.5", &retry);
  ASSERT_NE(ann, nullptr);
  auto begun = auth_->BeginTotp(As(ann));
  ASSERT_TRUE(begun.has_value());
  const std::string secret = *Base32Decode((*begun)["secret"].get<std::string>());
  const int64_t now = clock_.Now().ToUnixSeconds();
  EXPECT_EQ(auth_->ConfirmTotp(As(ann), "000000").error().code(), ErrorCode::kInvalidArgument);
  auto confirmed = auth_->ConfirmTotp(As(ann), Hotp(secret, TotpStep(now)));
  ASSERT_TRUE(confirmed.has_value());
  const auto codes = (*confirmed)["recovery_codes"].get<std::vector<std::string>>();
  ASSERT_EQ(codes.size(), 10u);

  EXPECT_EQ(Login("ann", "operator-pass"), LoginOutcome::Status::kTotpRequired);
  // The code used to confirm is spent; the next step's code works once.
  EXPECT_EQ(Login("ann", "operator-pass", Hotp(secret, TotpStep(now))),
            LoginOutcome::Status::kBadCredentials);
  clock_.Advance(Duration90k::FromSeconds(30));
  const std::string next = Hotp(secret, TotpStep(now + 30));
  EXPECT_EQ(Login("ann", "operator-pass", next), LoginOutcome::Status::kOk);
  EXPECT_EQ(Login("ann", "operator-pass", next), LoginOutcome::Status::kBadCredentials);
  EXPECT_EQ(Login("ann", "operator-pass", codes[0]), LoginOutcome::Status::kOk);
  EXPECT_EQ(Login("ann", "operator-pass", codes[0]), LoginOutcome::Status::kBadCredentials);
  // Basic cannot carry a code: an account with TOTP does not sign in with it.
  EXPECT_EQ(auth_->FromBasic("ann", "operator-pass", "10.0.0.6", &retry), nullptr);
}

TEST_F(AuthenticatorTest, ThrottledLoginsAndSignedUrls) {
  auto pw = **auth_->EnsureInitialAdmin();
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    EXPECT_EQ(Login("admin", "wrong-password"), LoginOutcome::Status::kBadCredentials);
  }
  EXPECT_EQ(Login("admin", pw), LoginOutcome::Status::kThrottled);
  clock_.Advance(Duration90k::FromSeconds(2));
  EXPECT_EQ(Login("admin", pw), LoginOutcome::Status::kOk);

  auto admin = Admin();
  auto signed_url = auth_->Sign(admin, "/api/hls/cam1/live.m3u8", 60);
  ASSERT_TRUE(signed_url.has_value());
  const std::string url = (*signed_url)["url"];
  auto target = http::SplitTarget(url);
  ASSERT_TRUE(target.has_value());
  http::Request r;
  r.path = "/api/hls/cam1/segment/ts/12";
  r.query = target->query;
  auto p = auth_->FromSignedUrl(r, "cam1");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Allows(http::Permission::kViewLive, "cam1"));
  EXPECT_FALSE(p->Allows(http::Permission::kAdmin, ""));
  EXPECT_EQ(auth_->FromSignedUrl(r, "cam2"), nullptr);
  clock_.Advance(Duration90k::FromSeconds(61));
  EXPECT_EQ(auth_->FromSignedUrl(r, "cam1"), nullptr);
  EXPECT_EQ(auth_->Sign(admin, "/api/hls/cam1/live.m3u8", 86401).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(AuthenticatorTest, NoticesAnotherProcessAndAudits) {
  ASSERT_TRUE(auth_->EnsureInitialAdmin().has_value());
  EXPECT_FALSE(*auth_->Poll());
  {
    // `nightjar user add` in another process: its own connection, no `open` row.
    auto other = db::Database::Open(path_, db::OpenMode::kEdit, clock_);
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ((*other)->open_id(), 0);
    auto h = HashPassword("from-the-cli", TestPasswordLimits());
    ASSERT_TRUE((*other)->InsertUser({.username = "cli", .password_hash = *h}).has_value());
  }
  EXPECT_TRUE(*auth_->Poll());
  int64_t retry = 0;
  EXPECT_NE(auth_->FromBasic("cli", "from-the-cli", "10.0.0.5", &retry), nullptr);
  auto audit = auth_->ListAudit({});
  ASSERT_TRUE(audit.has_value());
  bool saw_login = false;
  for (const auto& e : (*audit)["entries"]) saw_login |= e["action"] == "user_add";
  EXPECT_TRUE(saw_login);
}

}  // namespace
}  // namespace nightjar::auth
