// The /api handlers over real loopback HTTP with fake services: cameras, streams, status,
// metrics, visibility.
#include <gtest/gtest.h>

#include "http/handlers/handlers_fixture.h"

namespace nightjar::http::handlers_test {
namespace {

// A principal that may see no camera but `visible`.
class OneCamera final : public Principal {
 public:
  explicit OneCamera(std::string visible) : Principal("v"), visible_(std::move(visible)) {}
  bool Allows(Permission p, std::string_view camera) const override {
    return p == Permission::kAuthenticated || camera == visible_;
  }

 private:
  std::string visible_;
};

TEST_F(HandlersTest, ListsShowOnlyCamerasThePrincipalMaySee) {
  principal_ = std::make_shared<OneCamera>("cam9");
  json j = Get("/api/cameras", 200);
  ASSERT_TRUE(j.is_array());
  EXPECT_TRUE(j.empty());
  json st = Get("/api/status", 200);
  EXPECT_TRUE(st["cameras"].empty());
  EXPECT_TRUE(st["storage"]["streams"].empty());
  principal_ = std::make_shared<OneCamera>("cam1");
  EXPECT_EQ(Get("/api/cameras", 200).size(), 1u);
  EXPECT_EQ(Get("/api/status", 200)["cameras"].size(), 1u);
}

TEST_F(HandlersTest, Health) {
  json j = Get("/api/health", 200);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["uptime_s"], 3600);
}

TEST_F(HandlersTest, CamerasListRedactsPasswords) {
  json j = Get("/api/cameras", 200);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], "cam1");
  EXPECT_EQ(j[0]["name"], "Front Door");
  EXPECT_EQ(j[0]["url"], "rtsp://admin:***@10.0.0.5/stream1");
  EXPECT_EQ(j[0]["streams"][0]["url"], "rtsp://admin:***@10.0.0.5/stream1");
  EXPECT_EQ(j[0]["streams"][0]["state"], "streaming");
  EXPECT_EQ(j[0]["streams"][0]["reconnects"], 2);
  EXPECT_EQ(j[0]["streams"][0]["resyncs"], 4);
  EXPECT_EQ(j[0]["streams"][0]["skipped_bytes"], 40);
  EXPECT_EQ(j[0]["streams"][0]["dropped_packets"], 6);
  EXPECT_EQ(j[0]["streams"][0]["transport"], "udp");
  EXPECT_EQ(j[0]["streams"][0]["since_90k"], kT0.ticks());
  EXPECT_EQ(Get("/api/cameras/cam1", 200)["id"], "cam1");
  EXPECT_EQ(Get("/api/cameras/nope", 404)["error"], "not_found");
}

TEST_F(HandlersTest, AddAndRemoveCamera) {
  TestClient c(server_->port());
  const std::string body =
      R"({"id":"cam5","name":"Garden","url":"rtsp://user:pass@192.168.1.15:554/stream1",)"
      R"("max_reconnect_attempts":0,"record":false,"retain_days":7,"sub_url":null})";
  auto r = c.Request("POST", "/api/cameras", "Content-Type: application/json\r\n", body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 201) << r->body();
  EXPECT_EQ((*r)[boost::beast::http::field::location], "/api/cameras/cam5");
  ASSERT_TRUE(backend_.last_spec_);
  EXPECT_EQ(backend_.last_spec_->name, "Garden");
  EXPECT_FALSE(backend_.last_spec_->record);
  EXPECT_EQ(backend_.last_spec_->retain_days, 7);
  EXPECT_FALSE(backend_.last_spec_->sub_url);

  r = c.Request("POST", "/api/cameras", "", body);  // again: taken
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 409);

  r = c.Request("DELETE", "/api/cameras/cam5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  r = c.Request("DELETE", "/api/cameras/cam5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 404);
  EXPECT_EQ(json::parse(r->body())["error"], "not_found");
}

TEST_F(HandlersTest, AddCameraValidation) {
  for (const char* body : {
           "not json", "[]", R"({"url":"rtsp://x/"})", R"({"id":"a b","url":"rtsp://x/"})",
           R"({"id":"cam9"})", R"({"id":"cam9","url":"rtsp://x/","record":"yes"})",
           R"({"id":"cam9","url":"rtsp://x/","retain_bytes":-1})",
           R"({"id":"cam9","url":"rtsp://x/","transport":"sctp"})",
           R"({"id":"cam9","url":"rtsp://x/","colour":"red"})",
           R"({"id":"cam9","url":"http://x/"})",  // refused by the backend
       }) {
    TestClient c(server_->port());
    auto r = c.Request("POST", "/api/cameras", "", body);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->result_int(), 400) << body;
    EXPECT_EQ(json::parse(r->body())["error"], "bad_request") << body;
  }
}

TEST_F(HandlersTest, ListParsesSeedTimesAndReportsGaps) {
  json j = Get("/api/list?camera=cam1&from=2026-02-19T14:00:00Z&to=2026-02-19T15:00:00Z", 200);
  EXPECT_EQ(backend_.last_from_, kT0);
  EXPECT_EQ(backend_.last_to_, kT0 + Duration90k::FromSeconds(3600));
  EXPECT_EQ(j["recordings"].size(), 2u);
  EXPECT_EQ(j["recordings"][0]["id"], "1/1");
  EXPECT_EQ(j["runs"].size(), 2u);
  ASSERT_EQ(j["gaps"].size(), 1u);
  EXPECT_EQ(j["gaps"][0]["duration_s"], 60.0);
  EXPECT_EQ(j["total"]["bytes"], 5000);
  // The seed's local-time form parses too.
  Get("/api/list?camera=cam1&from=2026-02-19T14:00:00", 200);
  EXPECT_TRUE(backend_.last_from_.has_value());
  EXPECT_EQ(Get("/api/list", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/list?camera=cam1&from=yesterday", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/list?camera=cam1&stream=third", 400)["error"], "bad_request");
  EXPECT_EQ(
      Get("/api/list?camera=cam1&from=2026-02-19T15:00:00Z&to=2026-02-19T14:00:00Z", 400)["error"],
      "bad_request");
  EXPECT_EQ(Get("/api/list?camera=nope", 404)["error"], "not_found");
}

TEST_F(HandlersTest, Status) {
  json j = Get("/api/status", 200);
  EXPECT_EQ(j["uptime_s"], 3600);
  EXPECT_EQ(j["storage"]["dirs"][0]["free_bytes"], 1000000);
  EXPECT_EQ(j["storage"]["streams"][0]["recordings"], 2);
  EXPECT_EQ(j["cameras"][0]["id"], "cam1");
  EXPECT_EQ(j["cameras"][0]["url"], "rtsp://admin:***@10.0.0.5/stream1");
}

TEST_F(HandlersTest, MetricsText) {
  // On one connection, so the health request is recorded before /metrics is read.
  TestClient c(server_->port());
  ASSERT_TRUE(c.Request("GET", "/api/health"));
  auto r = c.Request("GET", "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  const std::string& t = r->body();
  EXPECT_NE(t.find("nightjar_ingest_bytes_total{camera=\"cam1\",stream=\"main\"} 123456789"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("nightjar_ingest_reconnects_total{camera=\"cam1\",stream=\"main\"} 2"),
            std::string::npos);
  EXPECT_NE(t.find("nightjar_ingest_resyncs_total{camera=\"cam1\",stream=\"main\"} 4"),
            std::string::npos);
  EXPECT_NE(t.find("nightjar_ingest_skipped_bytes_total{camera=\"cam1\",stream=\"main\"} 40"),
            std::string::npos);
  EXPECT_NE(t.find("nightjar_ingest_dropped_packets_total{camera=\"cam1\",stream=\"main\"} 6"),
            std::string::npos);
  EXPECT_NE(t.find("nightjar_disk_free_bytes{dir=\"/var/lib/nightjar/sample\"} 1000000"),
            std::string::npos);
  EXPECT_NE(t.find("nightjar_retention_deleted_recordings_total 7"), std::string::npos);
  EXPECT_NE(t.find("nightjar_http_requests_total{route=\"/api/health\",code=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(
      t.find("nightjar_http_request_duration_seconds_bucket{route=\"/api/health\",le=\"+Inf\"} 1"),
      std::string::npos);
}

TEST(RedactUrlTest, Forms) {
  EXPECT_EQ(config::RedactUrl("rtsp://u:p@h/x"), "rtsp://u:***@h/x");
  EXPECT_EQ(config::RedactUrl("rtsp://u:p@ss@h:554/x?y=1"), "rtsp://u:***@h:554/x?y=1");
  EXPECT_EQ(config::RedactUrl("rtsp://u@h/x"), "rtsp://u@h/x");
  EXPECT_EQ(config::RedactUrl("rtsp://h/x@y"), "rtsp://h/x@y");
  EXPECT_EQ(config::RedactUrl("nonsense"), "nonsense");
}

TEST_F(HandlersTest, PatchCameraMergesAndRestartsOnlyForConnections) {
  TestClient c(server_->port());
  auto r = c.Request("PATCH", "/api/cameras/cam1", "", R"({"name":"Porch","retain_days":3})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(json::parse(r->body())["restarted"], false);
  EXPECT_EQ(backend_.cam1_.name, "Porch");
  EXPECT_EQ(backend_.cam1_.retain_days, 3);
  EXPECT_EQ(backend_.cam1_.url, "rtsp://admin:hunter2@10.0.0.5/stream1");  // kept
  EXPECT_EQ(backend_.cam1_.password, "hunter2");

  r = c.Request("PATCH", "/api/cameras/cam1", "",
                R"({"sub_url":"rtsp://10.0.0.5/stream2","retain_days":null})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(json::parse(r->body())["restarted"], true);
  EXPECT_EQ(backend_.cam1_.sub_url, "rtsp://10.0.0.5/stream2");
  EXPECT_FALSE(backend_.cam1_.retain_days);  // null removes (RFC 7396)
  EXPECT_EQ(backend_.cam1_.name, "Porch");

  // Errors name the field; nothing changes.
  for (const char* bad : {R"({"id":"cam9"})", R"({"url":5})", R"({"transport":"sctp"})",
                          R"({"colour":"red"})", R"([1])", "{", R"({"url":"http://x"})"}) {
    r = c.Request("PATCH", "/api/cameras/cam1", "", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400) << bad << ": " << r->body();
  }
  EXPECT_EQ(backend_.cam1_.name, "Porch");
  r = c.Request("PATCH", "/api/cameras/nope", "", R"({"name":"x"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 404);

  // PUT replaces the whole configuration: what it leaves out goes back to its default.
  r = c.Request("PUT", "/api/cameras/cam1", "", R"({"url":"rtsp://10.0.0.6/live"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(backend_.cam1_.url, "rtsp://10.0.0.6/live");
  EXPECT_EQ(backend_.cam1_.name, "cam1");
  EXPECT_FALSE(backend_.cam1_.sub_url);
  r = c.Request("PUT", "/api/cameras/nope", "", R"({"url":"rtsp://10.0.0.6/live"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 404);
}

TEST_F(HandlersTest, StreamsOfACamera) {
  json j = Get("/api/cameras/cam1/streams", 200);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["kind"], "main");
  EXPECT_EQ(j[0]["url"], "rtsp://admin:***@10.0.0.5/stream1");
  EXPECT_EQ(Get("/api/cameras/cam1/streams/main", 200)["state"], "streaming");
  EXPECT_EQ(Get("/api/cameras/cam1/streams/sub", 404)["error"], "not_found");
  EXPECT_EQ(Get("/api/cameras/cam1/streams/third", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/nope/streams", 404)["error"], "not_found");

  TestClient c(server_->port());
  auto r = c.Request("PUT", "/api/cameras/cam1/streams/sub", "", R"({"url":"rtsp://h/sub"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 201) << r->body();
  EXPECT_EQ(backend_.cam1_.sub_url, "rtsp://h/sub");
  r = c.Request("PUT", "/api/cameras/cam1/streams/sub", "", R"({"url":"rtsp://h/sub2"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  r = c.Request("PUT", "/api/cameras/cam1/streams/main", "", R"({"url":"rtsp://h/main"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ(backend_.cam1_.url, "rtsp://h/main");
  r = c.Request("PUT", "/api/cameras/cam1/streams/sub", "", R"({"url":"rtsp://h/x","y":1})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400) << r->body();
  r = c.Request("DELETE", "/api/cameras/cam1/streams/main");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400) << r->body();
  r = c.Request("DELETE", "/api/cameras/cam1/streams/sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_FALSE(backend_.cam1_.sub_url);
  r = c.Request("DELETE", "/api/cameras/cam1/streams/sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 404) << r->body();
}

}  // namespace
}  // namespace nightjar::http::handlers_test
