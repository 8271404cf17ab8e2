#include "rtsp/auth.h"

#include <gtest/gtest.h>

namespace nightjar::rtsp {
namespace {

TEST(AuthTest, Md5) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

// The worked example of RFC 2617 §3.5.
TEST(AuthTest, DigestAnswerMatchesRfc2617Example) {
  auto a = AnswerChallenge(
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
      {"Mufasa", "Circle Of Life"}, "GET", "/dir/index.html", 1, "0a4f113b");
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_NE(a->find("response=\"6629fae49393a05397450978507c4ef1\""), std::string::npos) << *a;
  EXPECT_NE(a->find("nc=00000001"), std::string::npos);
  EXPECT_NE(a->find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), std::string::npos);
}

TEST(AuthTest, ServerVerifiesDigestAndBasic) {
  ServerAuth digest(AuthMode::kDigest, {"admin", "s3cret"}, "Nightjar");
  std::string challenge = digest.Challenge("abc123");
  auto good = AnswerChallenge(challenge, {"admin", "s3cret"}, "DESCRIBE", "rtsp://h/cam1", 1, "x");
  ASSERT_TRUE(good);
  EXPECT_TRUE(digest.Verify("DESCRIBE", *good, "abc123"));
  EXPECT_FALSE(digest.Verify("SETUP", *good, "abc123"));    // method is part of the digest
  EXPECT_FALSE(digest.Verify("DESCRIBE", *good, "other"));  // stale nonce
  auto bad = AnswerChallenge(challenge, {"admin", "wrong"}, "DESCRIBE", "rtsp://h/cam1", 1, "x");
  EXPECT_EQ(digest.Verify("DESCRIBE", *bad, "abc123").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(digest.Verify("DESCRIBE", "", "abc123"));

  ServerAuth basic(AuthMode::kBasic, {"admin", "s3cret"}, "Nightjar");
  auto b = AnswerChallenge(basic.Challenge(""), {"admin", "s3cret"}, "DESCRIBE", "/", 1, "");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, "Basic YWRtaW46czNjcmV0");
  EXPECT_TRUE(basic.Verify("DESCRIBE", *b, ""));
  EXPECT_FALSE(basic.Verify("DESCRIBE", "Basic YWRtaW46eA==", ""));
  EXPECT_FALSE(basic.Verify("DESCRIBE", "Basic !!!", ""));
  EXPECT_TRUE(ServerAuth(AuthMode::kNone, {}, "").Verify("DESCRIBE", "", ""));
}

TEST(AuthTest, ParamsAndModes) {
  auto p = ParseAuthParams("Digest realm=\"a, b\", nonce=xyz,stale=FALSE");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[""], "digest");
  EXPECT_EQ((*p)["realm"], "a, b");
  EXPECT_EQ((*p)["nonce"], "xyz");
  EXPECT_EQ((*p)["stale"], "FALSE");
  EXPECT_FALSE(ParseAuthParams("Digest realm=\"unterminated"));
  EXPECT_EQ(*ParseAuthMode("Digest"), AuthMode::kDigest);
  EXPECT_FALSE(ParseAuthMode("ntlm"));
  EXPECT_EQ(AnswerChallenge("NTLM", {}, "GET", "/", 1, "").error().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace nightjar::rtsp
