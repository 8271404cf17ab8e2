#include "config/camera_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/secret_box.h"

namespace nightjar::config {
namespace {

using nlohmann::json;

SecretBox TestBox() {
  std::array<uint8_t, SecretBox::kKeyBytes> key{};
  key[0] = 7;
  return SecretBox(key);
}

CameraConfig Full() {
  CameraConfig c;
  c.id = "cam1";
  c.name = "Front door";
  c.location = "Porch";
  c.url = "rtsp://admin:hunter2@10.0.0.5/main";
  c.sub_url = "rtsp://10.0.0.5/sub";
  c.username = "admin";
  c.password = "s3cret";
  c.transport = Transport::kUdp;
  c.record = false;
  c.audio = false;
  c.retain_bytes = 1 << 30;
  c.retain_days = 7;
  c.max_reconnect_attempts = 3;
  return c;
}

TEST(CameraConfig, StoredFormRoundTripsWithSecretsSealed) {
  const SecretBox box = TestBox();
  const CameraConfig c = Full();
  const std::string stored = ToStoredJson(c, box);
  EXPECT_EQ(stored.find("s3cret"), std::string::npos) << stored;
  EXPECT_EQ(stored.find("hunter2"), std::string::npos) << stored;
  EXPECT_FALSE(StoredJsonHasClearSecret(stored));
  const json j = json::parse(stored);
  EXPECT_FALSE(j.contains("id"));  // a column of its own
  EXPECT_TRUE(j.contains("password_sealed"));
  EXPECT_TRUE(j.contains("url_sealed"));
  EXPECT_EQ(j["sub_url"], "rtsp://10.0.0.5/sub");  // no secret in it: kept readable
  auto back = FromStoredJson("cam1", "Front door", stored, box);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, c);
}

TEST(CameraConfig, StoredFormOmitsAbsentOptionals) {
  CameraConfig c;
  c.id = "cam2";
  c.name = "cam2";
  c.url = "rtsp://h/x";
  const json j = json::parse(ToStoredJson(c, TestBox()));
  EXPECT_FALSE(j.contains("sub_url"));
  EXPECT_FALSE(j.contains("retain_days"));
  EXPECT_EQ(j["transport"], "tcp");
}

TEST(CameraConfig, OlderClearFormIsReadAndRecognized) {
  const std::string old =
      R"({"url":"rtsp://h/x","password":"pw","username":"u","transport":"udp","record":true,)"
      R"("audio":true,"max_reconnect_attempts":0})";
  EXPECT_TRUE(StoredJsonHasClearSecret(old));
  auto c = FromStoredJson("cam1", "Cam", old, TestBox());
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->password, "pw");
  EXPECT_EQ(c->transport, Transport::kUdp);
}

TEST(CameraConfig, AnotherKeyCannotOpenSecrets) {
  const std::string stored = ToStoredJson(Full(), TestBox());
  std::array<uint8_t, SecretBox::kKeyBytes> other{};
  other[0] = 8;
  auto c = FromStoredJson("cam1", "x", stored, SecretBox(other));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kPermissionDenied);
}

TEST(CameraConfig, StoredGarbageIsMalformed) {
  for (const char* text : {"", "[]", "{\"url\": 5}", "{\"transport\":\"tcp\"}",
                           "{\"url\":\"http://x\"}", "{\"url\":\"rtsp://h/\",\"retain_days\":0}"}) {
    auto c = FromStoredJson("cam1", "x", text, TestBox());
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().code(), ErrorCode::kMalformed) << text;
  }
}

TEST(CameraConfig, ApiJsonHidesSecrets) {
  const json j = ToApiJson(Full());
  EXPECT_FALSE(j.contains("password"));
  EXPECT_EQ(j["url"], "rtsp://admin:***@10.0.0.5/main");
  EXPECT_EQ(j["username"], "admin");
  EXPECT_EQ(j["id"], "cam1");
  EXPECT_EQ(j["retain_days"], 7);
  EXPECT_EQ(j["location"], "Porch");
  EXPECT_EQ(j.dump().find("hunter2"), std::string::npos);
}

TEST(CameraConfig, ApplyJsonIsStrictAndMergePatches) {
  CameraConfig c = Full();
  ASSERT_TRUE(ApplyJson(json::parse(R"({"name":"Yard","sub_url":null,"retain_days":2})"), c));
  EXPECT_EQ(c.name, "Yard");
  EXPECT_FALSE(c.sub_url);
  EXPECT_EQ(c.retain_days, 2);
  for (const char* bad :
       {R"({"colour":"red"})", R"({"record":"yes"})", R"({"transport":"sctp"})",
        R"({"retain_days":0})", R"({"retain_days":1200000000})",
        R"({"retain_bytes":4611686018427387904})", R"({"url":"http://x/y"})", R"({"url":null})",
        R"({"id":"a b"})", R"({"name":[1]})", R"({"max_reconnect_attempts":-1})", R"([1])"}) {
    CameraConfig copy = c;
    auto r = ApplyJson(json::parse(bad), copy);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  auto r = ApplyJson(json::parse(R"({"retain_days":0})"), c);
  EXPECT_NE(r.error().message().find("retain_days"), std::string::npos) << r.error().message();
}

TEST(CameraConfig, FinishApiCameraRequiresIdAndUrlAndDefaultsName) {
  CameraConfig c;
  EXPECT_FALSE(FinishApiCamera(c));
  c.id = "cam9";
  EXPECT_FALSE(FinishApiCamera(c));
  c.url = "rtsp://h/x";
  ASSERT_TRUE(FinishApiCamera(c));
  EXPECT_EQ(c.name, "cam9");
}

TEST(CameraConfig, ValidateAndSameConnections) {
  CameraConfig a = Full();
  EXPECT_TRUE(Validate(a));
  CameraConfig b = a;
  b.name = "Other";
  b.retain_days = 30;
  b.retain_bytes.reset();
  EXPECT_TRUE(SameConnections(a, b));
  b.password = "new";
  EXPECT_FALSE(SameConnections(a, b));
  a.id = "bad id";
  EXPECT_FALSE(Validate(a));
  EXPECT_TRUE(ValidCameraId(std::string(64, 'a')));
  EXPECT_FALSE(ValidCameraId(std::string(65, 'a')));
  EXPECT_FALSE(ValidCameraId("../x"));
}

TEST(CameraConfig, RedactUrl) {
  EXPECT_EQ(RedactUrl("rtsp://u:p@h:554/x?y=1"), "rtsp://u:***@h:554/x?y=1");
  EXPECT_EQ(RedactUrl("rtsp://u@h/x"), "rtsp://u@h/x");
  EXPECT_EQ(RedactUrl("rtsp://h/x@y"), "rtsp://h/x@y");
  EXPECT_EQ(RedactUrl("not a url"), "not a url");
}

}  // namespace
}  // namespace nightjar::config
