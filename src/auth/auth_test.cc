// Unit tests of the pure pieces: passwords, TOTP (RFC 6238 Appendix B vectors), credentials,
// signed URLs, the login throttle, and the role/grant rules of AuthPrincipal.
#include <gtest/gtest.h>

#include "auth/credentials.h"
#include "auth/crypto.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/signed_url.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "base/base64.h"
#include "base/clock.h"
#include "http/router.h"

namespace nightjar::auth {
namespace {

using http::Permission;

TEST(PasswordTest, HashVerifyAndRehash) {
  const PasswordLimits cheap = TestPasswordLimits();
  auto h = HashPassword("correct horse", cheap);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horsE"));
  EXPECT_FALSE(VerifyPassword("garbage", "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, std::string(2000, 'x')));
  EXPECT_FALSE(NeedsRehash(*h, cheap));
  EXPECT_TRUE(NeedsRehash(*h, DefaultPasswordLimits()));
  EXPECT_TRUE(NeedsRehash("$2b$10$bcrypt", cheap));
}

TEST(PasswordTest, Bounds) {
  EXPECT_TRUE(CheckUsername("alice.b-c_1").has_value());
  EXPECT_FALSE(CheckUsername("").has_value());
  EXPECT_FALSE(CheckUsername("a:b").has_value());
  EXPECT_FALSE(CheckUsername("a b").has_value());
  EXPECT_FALSE(CheckUsername(std::string(65, 'a')).has_value());
  EXPECT_TRUE(CheckNewPassword("12345678").has_value());
  EXPECT_FALSE(CheckNewPassword("1234567").has_value());
  EXPECT_FALSE(CheckNewPassword(std::string(1025, 'x')).has_value());
  EXPECT_FALSE(CheckNewPassword(std::string("abcdefgh\0", 9)).has_value());
  const std::string p = RandomPassword();
  EXPECT_EQ(p.size(), 20u);
  EXPECT_NE(p, RandomPassword());
}

TEST(TotpTest, Rfc6238AppendixBSha1) {
  const std::string secret = "12345678901234567890";
  // RFC 6238 Appendix B gives 8 digits; our 6-digit codes are their last six.
  EXPECT_EQ(Hotp(secret, TotpStep(59)), "287082");
  EXPECT_EQ(Hotp(secret, TotpStep(1111111109)), "081804");
  EXPECT_EQ(Hotp(secret, TotpStep(1234567890)), "005924");
  EXPECT_EQ(Hotp(secret, TotpStep(2000000000)), "279037");
}

TEST(TotpTest, WindowAndNoReuse) {
  const std::string secret = "12345678901234567890";
  const int64_t t = 1111111109;
  const std::string code = Hotp(secret, TotpStep(t));
  EXPECT_EQ(VerifyTotp(secret, code, t, 0), TotpStep(t));
  EXPECT_EQ(VerifyTotp(secret, code, t + 30, 0), TotpStep(t));  // one step late
  EXPECT_EQ(VerifyTotp(secret, code, t - 30, 0), TotpStep(t));  // one step early
  EXPECT_EQ(VerifyTotp(secret, code, t + 60, 0), std::nullopt);
  EXPECT_EQ(VerifyTotp(secret, code, t, TotpStep(t)), std::nullopt);  // already used
  EXPECT_EQ(VerifyTotp(secret, "12345", t, 0), std::nullopt);
}

TEST(TotpTest, Base32AndUri) {
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");  // RFC 4648 §10
  EXPECT_EQ(*Base32Decode("mzxw6ytboi======"), "foobar");
  EXPECT_FALSE(Base32Decode("1").has_value());
  const std::string s = NewTotpSecret();
  EXPECT_EQ(*Base32Decode(Base32Encode(s)), s);
  EXPECT_EQ(OtpauthUri("bob", "foobar"),
            "otpauth://totp/Nightjar:bob?secret=MZXW6YTBOI&issuer=Nightjar&algorithm=SHA1&"
            "digits=6&period=30");
  auto codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  EXPECT_EQ(codes[0].size(), 19u);
  EXPECT_EQ(NormalizeRecoveryCode("abcd-efgh ijkl-mnop"), "ABCDEFGHIJKLMNOP");
}

TEST(CredentialsTest, Authorization) {
  auto basic = ParseAuthorization("Basic " + Base64Encode(std::string_view("alice:pa:ss")));
  ASSERT_TRUE(std::holds_alternative<BasicCredentials>(basic));
  EXPECT_EQ(std::get<BasicCredentials>(basic).username, "alice");
  EXPECT_EQ(std::get<BasicCredentials>(basic).password, "pa:ss");
  auto lower = ParseAuthorization("basic " + Base64Encode(std::string_view("a:b")));
  EXPECT_TRUE(std::holds_alternative<BasicCredentials>(lower));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      ParseAuthorization("Basic " + Base64Encode(std::string_view("nocolon")))));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseAuthorization("Basic !!!")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseAuthorization("Digest x")));
  auto bearer = ParseAuthorization("Bearer njk_abc");
  ASSERT_TRUE(std::holds_alternative<BearerToken>(bearer));
  EXPECT_EQ(std::get<BearerToken>(bearer).token, "njk_abc");
  std::string long_token = "Bearer ";
  long_token.append(200, 'a');
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseAuthorization(long_token)));
}

TEST(CredentialsTest, Cookies) {
  const std::string token = RandomToken(kSessionPrefix);
  EXPECT_TRUE(LooksLikeToken(token, kSessionPrefix));
  EXPECT_FALSE(LooksLikeToken(token, kApiKeyPrefix));
  EXPECT_EQ(SessionTokenFromCookie("a=b; nightjar_session=" + token), token);
  EXPECT_EQ(SessionTokenFromCookie("nightjar_session=njs_short"), std::nullopt);
  const std::string c = SessionCookie(token, 60, true);
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(c.find("Secure"), std::string::npos);
  EXPECT_NE(c.find("Max-Age=60"), std::string::npos);
  EXPECT_EQ(SessionCookie(token, 60, false).find("Secure"), std::string::npos);
}

TEST(CryptoTest, Helpers) {
  EXPECT_EQ(Base64UrlEncode(std::vector<uint8_t>{0xfb, 0xff}), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), (std::vector<uint8_t>{0xfb, 0xff}));
  EXPECT_FALSE(Base64UrlDecode("+/8=").has_value());
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  // HMAC-SHA-256 with 32 zero bytes as key equals the well-known HMAC("", "") (the key is
  // zero-padded to the block size either way).
  Key k{};
  EXPECT_EQ(HexEncode(HmacSha256(k, "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(SignedUrlTest, SignVerifyAndScope) {
  Key key{};
  key[0] = 7;
  EXPECT_EQ(*ScopeFor("/api/hls/cam1/live.m3u8"), "/api/hls/cam1/");
  EXPECT_EQ(*ScopeFor("/api/export"), "/api/export");
  EXPECT_FALSE(ScopeFor("/ui/index.html").has_value());
  const UrlSignature sig{3, "cam1", "/api/hls/cam1/", 1000};
  auto query = http::ParseQuery(SignQuery(key, sig));
  ASSERT_TRUE(query.has_value());
  auto parsed = ParseSignedQuery(*query);
  ASSERT_TRUE(parsed.has_value() && parsed->has_value());
  const auto& [p, mac] = **parsed;
  EXPECT_EQ(p.user_id, 3);
  EXPECT_EQ(p.scope, "/api/hls/cam1/");
  EXPECT_TRUE(VerifySignature(key, p, mac, 999, "/api/hls/cam1/segment/ts/5", "cam1"));
  EXPECT_FALSE(VerifySignature(key, p, mac, 1000, "/api/hls/cam1/live.m3u8", "cam1"));  // expired
  EXPECT_FALSE(VerifySignature(key, p, mac, 999, "/api/hls/cam2/live.m3u8", "cam1"));   // path
  EXPECT_FALSE(VerifySignature(key, p, mac, 999, "/api/hls/cam1/live.m3u8", "cam2"));   // camera
  Key other = key;
  other[1] = 1;
  EXPECT_FALSE(VerifySignature(other, p, mac, 999, "/api/hls/cam1/live.m3u8", "cam1"));
  UrlSignature longer = p;
  longer.expires_unix = 5000;  // tampered expiry
  EXPECT_FALSE(VerifySignature(key, longer, mac, 999, "/api/hls/cam1/live.m3u8", "cam1"));
  http::QueryParams partial = *query;
  partial.erase("nj_sig");
  EXPECT_FALSE(ParseSignedQuery(partial).has_value());
  EXPECT_FALSE(*ParseSignedQuery({}));
  EXPECT_EQ(PropagateSignature("segment/ts/1", {}), "segment/ts/1");
  EXPECT_TRUE(PropagateSignature("segment/ts/1", *query).starts_with("segment/ts/1?nj_u=3&"));
}

TEST(ThrottleTest, DelaysGrowPerAccountAndAddress) {
  SimulatedClock clock(Time90k::FromUnixSeconds(1'000'000));
  LoginThrottle t(clock);
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    EXPECT_EQ(t.Check("admin", "10.0.0.9"), 0);
    t.Failed("admin", "10.0.0.9");
  }
  EXPECT_EQ(t.Check("admin", "10.0.0.9"), 1);
  t.Failed("admin", "10.0.0.9");
  EXPECT_EQ(t.Check("admin", "10.0.0.9"), 2);
  for (int i = 0; i < 10; ++i) t.Failed("admin", "10.0.0.9");
  EXPECT_EQ(t.Check("admin", "10.0.0.9"), LoginThrottle::kMaxDelaySecs);
  // The admin from its own address, and another user from the attacker's address, go at once.
  EXPECT_EQ(t.Check("admin", "10.0.0.1"), 0);
  EXPECT_EQ(t.Check("bob", "10.0.0.9"), 0);
  clock.Advance(Duration90k::FromSeconds(30));
  EXPECT_EQ(t.Check("admin", "10.0.0.9"), 0);
  // The address budget: many accounts from one address.
  const std::string_view names = "abcdefghijklmnopqrstuvwxyz";
  for (size_t i = 0; i < LoginThrottle::kFreeAddressFailures; ++i) {
    t.Failed(names.substr(i, 1), "10.0.0.7");
  }
  EXPECT_GT(t.Check("anyone", "10.0.0.7"), 0);
  t.Succeeded("b", "10.0.0.7");  // a success does not reset the address budget
  EXPECT_GT(t.Check("anyone", "10.0.0.7"), 0);
  clock.Advance(Duration90k::FromSeconds(LoginThrottle::kForgetSecs));
  EXPECT_EQ(t.Check("anyone", "10.0.0.7"), 0);
  EXPECT_EQ(AddressOf("10.1.2.3:555"), "10.1.2.3");
  EXPECT_EQ(AddressOf("[::1]:80"), "::1");
}

AuthPrincipal Make(Role role, std::map<std::string, uint32_t, std::less<>> grants,
                   std::optional<std::set<std::string, std::less<>>> cameras = std::nullopt,
                   bool media_only = false) {
  return AuthPrincipal({.user_id = 1,
                        .username = "u",
                        .role = role,
                        .grants = std::move(grants),
                        .cameras = std::move(cameras),
                        .media_only = media_only});
}

TEST(PrincipalTest, RolesGrantsAndScopes) {
  const auto admin = Make(Role::kAdmin, {});
  EXPECT_TRUE(admin.Allows(Permission::kAdmin, ""));
  EXPECT_TRUE(admin.Allows(Permission::kManageCameras, "cam9"));
  EXPECT_TRUE(admin.Allows(Permission::kExport, "cam9"));
  EXPECT_FALSE(admin.Allows(Permission::kUndeclared, ""));

  const auto op = Make(Role::kOperator, {{"cam2", db::kRightLive}});
  EXPECT_TRUE(op.Allows(Permission::kExport, "cam1"));
  EXPECT_TRUE(op.Allows(Permission::kViewLive, "cam2"));
  EXPECT_FALSE(op.Allows(Permission::kViewRecordings, "cam2"));  // the grant restricts
  EXPECT_FALSE(op.Allows(Permission::kManageCameras, "cam1"));
  EXPECT_FALSE(op.Allows(Permission::kAdmin, ""));

  const auto viewer = Make(Role::kViewer, {{"cam1", db::kAllRights}});
  EXPECT_TRUE(viewer.Allows(Permission::kViewLive, "cam1"));
  EXPECT_TRUE(viewer.Allows(Permission::kViewRecordings, "cam1"));
  EXPECT_FALSE(viewer.Allows(Permission::kExport, "cam1"));  // viewers never export
  EXPECT_FALSE(viewer.Allows(Permission::kViewLive, "cam2"));
  EXPECT_FALSE(viewer.Sees("cam2"));
  EXPECT_TRUE(viewer.Allows(Permission::kAuthenticated, ""));

  const auto key = Make(Role::kAdmin, {}, std::set<std::string, std::less<>>{"cam1"});
  EXPECT_TRUE(key.Allows(Permission::kViewLive, "cam1"));
  EXPECT_FALSE(key.Allows(Permission::kViewLive, "cam2"));

  const auto url = Make(Role::kAdmin, {}, std::set<std::string, std::less<>>{"cam1"}, true);
  EXPECT_TRUE(url.Allows(Permission::kViewLive, "cam1"));
  EXPECT_FALSE(url.Allows(Permission::kAuthenticated, ""));
  EXPECT_FALSE(url.Allows(Permission::kAdmin, ""));

  EXPECT_EQ(RightsNames(db::kRightLive | db::kRightExport), "live,export");
  EXPECT_EQ(*ParseRights("live,ptz"), db::kRightLive | db::kRightPtz);
  EXPECT_FALSE(ParseRights("live,fly").has_value());
}

}  // namespace
}  // namespace nightjar::auth

namespace nightjar::auth {
namespace {

TEST(PrincipalTest, AKeysRoleCapsItsUsersRights) {
  using P = http::Permission;
  // A viewer key of an admin, limited to cam1: live and recordings there, nothing else.
  AuthPrincipal key(AuthPrincipal::Init{.role = Role::kViewer,
                                        .user_role = Role::kAdmin,
                                        .via = Via::kApiKey,
                                        .cameras = std::set<std::string, std::less<>>{"cam1"}});
  EXPECT_TRUE(key.Allows(P::kViewLive, "cam1"));
  EXPECT_TRUE(key.Allows(P::kViewRecordings, "cam1"));
  EXPECT_FALSE(key.Allows(P::kExport, "cam1"));
  EXPECT_FALSE(key.Allows(P::kViewLive, "cam2"));
  EXPECT_FALSE(key.Allows(P::kManageCameras, "cam1"));
  EXPECT_FALSE(key.Allows(P::kAdmin, ""));
  // An operator key of an admin: every view/export right, no management.
  AuthPrincipal op(
      AuthPrincipal::Init{.role = Role::kOperator, .user_role = Role::kAdmin, .via = Via::kApiKey});
  EXPECT_TRUE(op.Allows(P::kExport, "cam9"));
  EXPECT_FALSE(op.Allows(P::kManageCameras, "cam9"));
  // A viewer key of a viewer keeps exactly the user's grants.
  AuthPrincipal v(AuthPrincipal::Init{.role = Role::kViewer,
                                      .user_role = Role::kViewer,
                                      .grants = {{"cam1", db::kRightLive}},
                                      .via = Via::kApiKey});
  EXPECT_TRUE(v.Allows(P::kViewLive, "cam1"));
  EXPECT_FALSE(v.Allows(P::kViewRecordings, "cam1"));
  EXPECT_FALSE(v.Allows(P::kViewLive, "cam2"));
}

}  // namespace
}  // namespace nightjar::auth
