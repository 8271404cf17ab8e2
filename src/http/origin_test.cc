#include "http/origin.h"

#include <gtest/gtest.h>

namespace nightjar::http {
namespace {

TEST(SameOrigin, MatchesHostAndPort) {
  EXPECT_TRUE(SameOrigin("http://nvr.local:8080", "nvr.local:8080"));
  EXPECT_TRUE(SameOrigin("HTTP://NVR.local:8080", "nvr.LOCAL:8080"));
  EXPECT_TRUE(SameOrigin("http://192.168.1.10", "192.168.1.10:80"));
  EXPECT_TRUE(SameOrigin("https://nvr.example", "nvr.example"));
  EXPECT_TRUE(SameOrigin("http://[::1]:8080", "[::1]:8080"));
  EXPECT_FALSE(SameOrigin("http://evil.example:8080", "nvr.local:8080"));
  EXPECT_FALSE(SameOrigin("http://nvr.local:8081", "nvr.local:8080"));
  EXPECT_FALSE(SameOrigin("http://nvr.local", "nvr.local:8080"));
  EXPECT_FALSE(SameOrigin("https://nvr.local", "nvr.local:80"));
  EXPECT_FALSE(SameOrigin("null", "nvr.local"));
  EXPECT_FALSE(SameOrigin("file://", "nvr.local"));
  EXPECT_FALSE(SameOrigin("http://nvr.local:80x", "nvr.local:80"));
  EXPECT_FALSE(SameOrigin("http://user@nvr.local", "nvr.local"));
  EXPECT_FALSE(SameOrigin("http://[::1", "[::1]"));
  EXPECT_FALSE(SameOrigin("http://nvr.local", ""));
}

Request MakeRequest(Method m, std::initializer_list<std::pair<const char*, const char*>> h) {
  Request r;
  r.method = m;
  for (const auto& [name, value] : h) r.headers.Add(name, value);
  return r;
}

TEST(RefuseCrossOrigin, StateChangingRequestsFromAnotherOriginAreRefused) {
  auto r = MakeRequest(Method::kPost, {{"Host", "nvr:8080"}, {"Origin", "http://evil:8080"}});
  auto refused = RefuseCrossOrigin(r);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("cross_origin"), std::string::npos);
  for (Method m : {Method::kPut, Method::kPatch, Method::kDelete}) {
    r.method = m;
    EXPECT_TRUE(RefuseCrossOrigin(r));
  }
}

TEST(RefuseCrossOrigin, SameOriginScriptsAndReadsPass) {
  // The web UI itself.
  EXPECT_FALSE(RefuseCrossOrigin(MakeRequest(
      Method::kPost,
      {{"Host", "nvr:8080"}, {"Origin", "http://nvr:8080"}, {"Sec-Fetch-Site", "same-origin"}})));
  // curl, ffmpeg, Home Assistant: no Origin, no Fetch Metadata.
  EXPECT_FALSE(RefuseCrossOrigin(MakeRequest(Method::kDelete, {{"Host", "nvr:8080"}})));
  // A cross-origin GET (an <img> or <video> on another page) is not state-changing; what it may
  // read is the guard's business (cookies are SameSite=Strict).
  EXPECT_FALSE(RefuseCrossOrigin(
      MakeRequest(Method::kGet, {{"Host", "nvr:8080"}, {"Origin", "http://evil"}})));
  // Typed into the address bar.
  EXPECT_FALSE(RefuseCrossOrigin(
      MakeRequest(Method::kPost, {{"Host", "nvr:8080"}, {"Sec-Fetch-Site", "none"}})));
}

TEST(RefuseCrossOrigin, FetchMetadataAloneIsEnough) {
  for (const char* site : {"cross-site", "same-site"}) {
    auto r = MakeRequest(Method::kPost, {{"Host", "nvr:8080"}, {"Sec-Fetch-Site", site}});
    EXPECT_TRUE(RefuseCrossOrigin(r)) << site;
  }
}

TEST(RefuseCrossOrigin, WebSocketHandshakesAreChecked) {
  auto r = MakeRequest(Method::kGet, {{"Host", "nvr:8080"}, {"Origin", "http://evil"}});
  r.websocket = true;
  EXPECT_TRUE(RefuseCrossOrigin(r));
  r = MakeRequest(Method::kGet, {{"Host", "nvr:8080"}, {"Origin", "http://nvr:8080"}});
  r.websocket = true;
  EXPECT_FALSE(RefuseCrossOrigin(r));
}

}  // namespace
}  // namespace nightjar::http
