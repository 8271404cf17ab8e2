#include "rtsp/url.h"

#include <gtest/gtest.h>

namespace nightjar::rtsp {
namespace {

TEST(RtspUrlTest, Plain) {
  auto u = ParseRtspUrl("rtsp://192.168.1.64/Streaming/Channels/101");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->host, "192.168.1.64");
  EXPECT_EQ(u->port, 554);
  EXPECT_EQ(u->path_and_query, "/Streaming/Channels/101");
  EXPECT_FALSE(u->username);
  EXPECT_FALSE(u->password);
  EXPECT_EQ(u->WithoutCredentials(), "rtsp://192.168.1.64/Streaming/Channels/101");
}

TEST(RtspUrlTest, CredentialsPortQuery) {
  auto u = ParseRtspUrl("rtsp://admin:secret@cam.local:8554/cam/realmonitor?channel=1&subtype=0");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->host, "cam.local");
  EXPECT_EQ(u->port, 8554);
  EXPECT_EQ(u->username, "admin");
  EXPECT_EQ(u->password, "secret");
  EXPECT_EQ(u->path_and_query, "/cam/realmonitor?channel=1&subtype=0");
  EXPECT_EQ(u->WithoutCredentials(), "rtsp://cam.local:8554/cam/realmonitor?channel=1&subtype=0");
}

TEST(RtspUrlTest, PercentEncodedCredentials) {
  auto u = ParseRtspUrl("rtsp://us%65r:p%40ss%3Aw%2fd@10.0.0.2/live");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->username, "user");
  EXPECT_EQ(u->password, "p@ss:w/d");
  EXPECT_EQ(u->host, "10.0.0.2");
  // An unescaped '@' in the password: the last '@' ends the userinfo.
  auto v = ParseRtspUrl("rtsp://admin:p@ss@10.0.0.2/live");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->password, "p@ss");
  EXPECT_EQ(v->host, "10.0.0.2");
  // User without password, empty password.
  auto w = ParseRtspUrl("rtsp://admin@h/");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->username, "admin");
  EXPECT_FALSE(w->password);
  auto x = ParseRtspUrl("rtsp://admin:@h/");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->password, "");
  EXPECT_EQ(ParseRtspUrl("rtsp://a:b%4@h/").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseRtspUrl("rtsp://a:b%zz@h/").error().code(), ErrorCode::kInvalidArgument);
}

TEST(RtspUrlTest, Ipv6) {
  auto u = ParseRtspUrl("rtsp://u:p@[fe80::1]:10554/stream1");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->host, "fe80::1");
  EXPECT_EQ(u->port, 10554);
  EXPECT_EQ(u->WithoutCredentials(), "rtsp://[fe80::1]:10554/stream1");
  auto v = ParseRtspUrl("rtsp://[::1]");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->port, 554);
  EXPECT_EQ(v->WithoutCredentials(), "rtsp://[::1]/");
  EXPECT_FALSE(ParseRtspUrl("rtsp://fe80::1/x"));
  EXPECT_FALSE(ParseRtspUrl("rtsp://[fe80::1/x"));
  EXPECT_FALSE(ParseRtspUrl("rtsp://[fe80::1]x/"));
}

TEST(RtspUrlTest, DefaultsAndCase) {
  auto u = ParseRtspUrl("RTSP://Host");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "Host");
  EXPECT_EQ(u->path_and_query, "/");
  auto v = ParseRtspUrl("rtsp://h?x=1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->path_and_query, "/?x=1");
  auto w = ParseRtspUrl("rtsp://h:/a");  // empty port: the default
  ASSERT_TRUE(w);
  EXPECT_EQ(w->port, 554);
  EXPECT_EQ(w->WithoutCredentials(), "rtsp://h/a");
}

TEST(RtspUrlTest, Errors) {
  for (const char* bad :
       {"http://h/", "rtsps://h/", "rtsp:/h", "h/x", "", "rtsp://", "rtsp:///x", "rtsp://u:p@/x",
        "rtsp://h:0/", "rtsp://h:65536/", "rtsp://h:12ab/", "rtsp://h:-1/"}) {
    auto u = ParseRtspUrl(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace nightjar::rtsp
