// The role x route matrix: every route of the real route table (http::AddApiRoutes) asked by
// every kind of caller, through the real guard over a real Authenticator and database. The
// expected verdict of each cell is written below, one row per route; a route added to the table
// without a row here fails the test, as does a row whose route is gone.
//
// Columns: no credentials, a wrong password (Basic), an expired session, a revoked API key, then
// admin (session cookie), operator (Basic), viewer granted live+recordings on cam1 (session
// cookie), and an API key of the operator limited to cam1. For routes that concern a camera each
// of the last four cells is "cam1/cam2" (cam2 is granted to nobody). "ok" means the guard let the
// request through to its handler; 401, 403 and 404 are its refusals (404 only as the body of a
// missing camera, so a viewer cannot tell a hidden camera from none).
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "auth/auth_fixture.h"
#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/guard.h"
#include "base/base64.h"
#include "http/handlers/api.h"
#include "testutil/temp_dir.h"

namespace nightjar::auth {
namespace {

// route -> "none wrong expired revoked admin operator viewer key"
const std::map<std::string, std::string> kExpected = {
    // Public: nothing asked, whatever is sent.
    {"GET /api/health", "ok ok ok ok ok ok ok ok"},
    {"POST /api/auth/login", "ok ok ok ok ok ok ok ok"},
    {"GET /ui/{file}", "ok ok ok ok ok ok ok ok"},
    {"GET /ui/assets/{asset}", "ok ok ok ok ok ok ok ok"},
    // Any signed-in principal (handlers then show only what it may see).
    {"GET /api/status", "401 401 401 401 ok ok ok ok"},
    {"GET /api/cameras", "401 401 401 401 ok ok ok ok"},
    {"POST /api/auth/logout", "401 401 401 401 ok ok ok ok"},
    {"GET /api/auth/me", "401 401 401 401 ok ok ok ok"},
    {"GET /api/auth/sessions", "401 401 401 401 ok ok ok ok"},
    {"DELETE /api/auth/sessions", "401 401 401 401 ok ok ok ok"},
    {"DELETE /api/auth/sessions/{id}", "401 401 401 401 ok ok ok ok"},
    {"POST /api/auth/totp", "401 401 401 401 ok ok ok ok"},
    {"POST /api/auth/totp/confirm", "401 401 401 401 ok ok ok ok"},
    {"DELETE /api/auth/totp", "401 401 401 401 ok ok ok ok"},
    {"POST /api/auth/sign", "401 401 401 401 ok ok ok ok"},
    {"POST /api/auth/password", "401 401 401 401 ok ok ok ok"},
    {"GET /api/apikeys", "401 401 401 401 ok ok ok ok"},
    {"POST /api/apikeys", "401 401 401 401 ok ok ok ok"},
    {"DELETE /api/apikeys/{id}", "401 401 401 401 ok ok ok ok"},
    // Live view of one camera.
    {"GET /api/cameras/{id}", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/streams", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/streams/{kind}", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/live.ws", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/snapshot.jpg", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/live.m3u8", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/segment/ts/{id}", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/part/ts/{id}", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/player", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    // Recordings of one camera.
    {"GET /api/list", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/recordings", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/days", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/view.mp4", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/cameras/{id}/thumbnail.jpg", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/vod.m3u8", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/segment/fmp4/{id}", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/init/{id}", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    {"GET /api/hls/{camera}/vod/player", "401 401 401 401 ok/ok ok/ok ok/404 ok/404"},
    // Export: not a viewer's right.
    {"GET /api/export", "401 401 401 401 ok/ok ok/ok 403/404 ok/404"},
    // Camera management: admins only.
    {"POST /api/cameras", "401 401 401 401 ok 403 403 403"},
    {"PATCH /api/cameras/{id}", "401 401 401 401 ok/ok 403/403 403/404 403/404"},
    {"PUT /api/cameras/{id}", "401 401 401 401 ok/ok 403/403 403/404 403/404"},
    {"DELETE /api/cameras/{id}", "401 401 401 401 ok/ok 403/403 403/404 403/404"},
    {"PUT /api/cameras/{id}/streams/{kind}", "401 401 401 401 ok/ok 403/403 403/404 403/404"},
    {"DELETE /api/cameras/{id}/streams/{kind}", "401 401 401 401 ok/ok 403/403 403/404 403/404"},
    // The system: admins only.
    {"GET /metrics", "401 401 401 401 ok 403 403 403"},
    {"GET /api/users", "401 401 401 401 ok 403 403 403"},
    {"POST /api/users", "401 401 401 401 ok 403 403 403"},
    {"PATCH /api/users/{name}", "401 401 401 401 ok 403 403 403"},
    {"DELETE /api/users/{name}", "401 401 401 401 ok 403 403 403"},
    {"PUT /api/users/{name}/cameras/{camera}", "401 401 401 401 ok 403 403 403"},
    {"DELETE /api/users/{name}/cameras/{camera}", "401 401 401 401 ok 403 403 403"},
    {"GET /api/audit", "401 401 401 401 ok 403 403 403"},
    // Test connection (camera management) and the log tail (the system): admins only.
    {"POST /api/cameras/probe", "401 401 401 401 ok 403 403 403"},
    {"GET /api/system/log", "401 401 401 401 ok 403 403 403"},
};

constexpr const char* kColumns[] = {"none",  "wrong",    "expired", "revoked",
                                    "admin", "operator", "viewer",  "key"};

class RouteMatrixTest : public AuthFixture {
 protected:
  void SetUp() override {
    AuthFixture::SetUp();
    if (HasFatalFailure()) return;
    auto admin_pw = auth_->EnsureInitialAdmin();
    ASSERT_TRUE(admin_pw.has_value() && admin_pw->has_value());
    http::Request admin;
    admin.principal = std::make_shared<AuthPrincipal>(
        AuthPrincipal::Init{.user_id = auth_->snapshot()->user_ids.at("admin"),
                            .username = "admin",
                            .role = Role::kAdmin});
    ASSERT_TRUE(auth_->AddUser(admin, "olga", "operator", "operator-password").has_value());
    ASSERT_TRUE(auth_->AddUser(admin, "vic", "viewer", "viewer-password").has_value());
    ASSERT_TRUE(auth_->PutGrant(admin, "vic", "cam1", {"live", "recordings"}).has_value());

    // A session that then expires (7 days idle) before the others are made.
    expired_ = Cookie(Login("vic", "viewer-password"));
    clock_.Advance(Duration90k::FromSeconds(int64_t{8} * 86400));
    admin_cookie_ = Cookie(Login("admin", **admin_pw));
    viewer_cookie_ = Cookie(Login("vic", "viewer-password"));

    http::Request olga;
    olga.principal = auth_->FromBasic("olga", "operator-password", "10.0.0.1", &retry_);
    ASSERT_NE(olga.principal, nullptr);
    auto key =
        auth_->CreateApiKey(olga, {.name = "ha", .cameras = std::vector<std::string>{"cam1"}});
    ASSERT_TRUE(key.has_value());
    key_ = "Bearer " + (*key)["key"].get<std::string>();
    auto revoked = auth_->CreateApiKey(olga, {.name = "old"});
    ASSERT_TRUE(revoked.has_value());
    ASSERT_TRUE(auth_->DeleteApiKey(olga, (*revoked)["id"].get<int64_t>()).has_value());
    revoked_ = "Bearer " + (*revoked)["key"].get<std::string>();

    http::ApiContext ctx;  // no services: the handlers never run here
    http::AddApiRoutes(router_, ctx);
    guard_ = MakeGuard(*auth_);
  }

  std::string Login(const std::string& user, const std::string& password) {
    http::Request r;
    r.remote = "10.0.0.1:1000";
    auto out = auth_->Login(r, {user, password, ""});
    EXPECT_TRUE(out.has_value() && out->status == http::LoginOutcome::Status::kOk) << user;
    return out.has_value() ? out->cookie : "";
  }
  static std::string Cookie(const std::string& set_cookie) {
    return set_cookie.substr(0, set_cookie.find(';'));  // "nightjar_session=<token>"
  }

  // The guard's verdict on `route` for the caller of `column`, about `camera`.
  std::string Verdict(const http::Route& route, std::string_view column,
                      const std::string& camera) {
    http::Request r;
    r.method = route.method;
    // Each request from its own address, so the wrong passwords are not throttled into 429s
    // (throttling has its own tests).
    const int n = ++requests_;
    r.remote = "10.9." + std::to_string(n / 250) + "." + std::to_string(n % 250) + ":4000";
    r.path = route.pattern;
    for (const std::string& seg : route.segments) {
      if (seg.size() > 2 && seg.front() == '{') {
        const std::string name = seg.substr(1, seg.size() - 2);
        r.params[name] = name == route.options.camera_param ? camera : "1";
      }
    }
    if (!route.options.camera_param.empty() && !r.params.contains(route.options.camera_param)) {
      r.query[route.options.camera_param] = camera;
    }
    auto basic = [](std::string_view user_pass) { return "Basic " + Base64Encode(user_pass); };
    if (column == "wrong") r.headers.Add("Authorization", basic("olga:not-the-password"));
    if (column == "expired") r.headers.Add("Cookie", expired_);
    if (column == "revoked") r.headers.Add("Authorization", revoked_);
    if (column == "admin") r.headers.Add("Cookie", admin_cookie_);
    if (column == "operator") r.headers.Add("Authorization", basic("olga:operator-password"));
    if (column == "viewer") r.headers.Add("Cookie", viewer_cookie_);
    if (column == "key") r.headers.Add("Authorization", key_);
    auto refused = guard_(r, route);
    if (!refused) return "ok";
    if (refused->status == 404 && refused->body != CameraNotFound(camera).body) {
      return "404 (not the missing camera's body: " + refused->body + ")";
    }
    return std::to_string(refused->status);
  }

  std::string expired_, admin_cookie_, viewer_cookie_, key_, revoked_;
  int64_t retry_ = 0;
  int requests_ = 0;
  http::Router router_;
  http::Router::Guard guard_;
};

TEST_F(RouteMatrixTest, EveryRouteEveryCaller) {
  std::set<std::string> seen;
  for (const http::Route& route : router_.routes()) {
    const std::string key = std::string(http::MethodName(route.method)) + " " + route.pattern;
    seen.insert(key);
    auto row = kExpected.find(key);
    if (row == kExpected.end()) {
      ADD_FAILURE() << "route " << key << " has no row in kExpected: decide who may call it";
      continue;
    }
    std::istringstream cells(row->second);
    std::string cell;
    for (const char* column : kColumns) {
      ASSERT_TRUE(cells >> cell) << key << ": too few cells";
      const bool per_camera = !route.options.camera_param.empty();
      std::string want1 = cell, want2 = cell;
      if (const size_t slash = cell.find('/'); slash != std::string::npos) {
        ASSERT_TRUE(per_camera) << key << ": a cam1/cam2 cell on a route without a camera";
        want1 = cell.substr(0, slash);
        want2 = cell.substr(slash + 1);
      }
      EXPECT_EQ(Verdict(route, column, "cam1"), want1) << key << " as " << column << " (cam1)";
      if (per_camera) {
        EXPECT_EQ(Verdict(route, column, "cam2"), want2) << key << " as " << column << " (cam2)";
      }
    }
    EXPECT_FALSE(cells >> cell) << key << ": too many cells";
  }
  for (const auto& [key, cells] : kExpected) {
    EXPECT_TRUE(seen.contains(key)) << "kExpected names " << key << ", which is not a route";
  }
}

}  // namespace
}  // namespace nightjar::auth
