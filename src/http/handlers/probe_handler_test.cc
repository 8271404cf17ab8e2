// POST /api/cameras/probe and GET /api/system/log through the real server and route table, over
// a fake probe service: the probe's answer comes after the request waited (holding no thread),
// the body is checked strictly, a busy service is 429; the log tail is bounded and filtered.
#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/log_tail.h"
#include "http/handlers/api.h"
#include "http/test_client.h"

namespace nightjar::http {
namespace {

using httptest::ClientResponse;
using httptest::TestClient;
using httptest::TestServer;
using nlohmann::json;

class FakeHandle final : public ProbeHandle {
 public:
  std::optional<ProbeResult> result() const override {
    std::lock_guard lock(mu_);
    return result_;
  }
  void OnReady(std::function<void()> wake) override {
    std::unique_lock lock(mu_);
    if (result_) {
      lock.unlock();
      wake();
      return;
    }
    wake_ = std::move(wake);
  }
  void Set(ProbeResult r) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      result_ = std::move(r);
      wake = std::move(wake_);
    }
    if (wake) wake();
  }

 private:
  mutable std::mutex mu_;
  std::optional<ProbeResult> result_;
  std::function<void()> wake_;
};

class FakeProbes final : public ProbeService {
 public:
  Result<std::shared_ptr<ProbeHandle>> Start(const ProbeTarget& t) override {
    std::lock_guard lock(mu_);
    if (busy) return Err(ErrorCode::kFailedPrecondition, "4 probes are running already");
    if (t.url && !t.url->starts_with("rtsp://")) {
      return Err(ErrorCode::kInvalidArgument, "url: must start with rtsp://");
    }
    last = t;
    handle = std::make_shared<FakeHandle>();
    return handle;
  }
  int max_duration_ms() const override { return 10000; }

  std::mutex mu_;
  bool busy = false;
  std::optional<ProbeTarget> last;
  std::shared_ptr<FakeHandle> handle;
};

class ProbeHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logger_ = std::make_shared<spdlog::logger>("t", tail_);
    server_ = std::make_unique<TestServer>(ServerOptions{}, [this](RequestMetrics& metrics) {
      Router router;
      ApiContext ctx;
      ctx.probe = &probes_;
      ctx.log_tail = tail_.get();
      ctx.metrics = &metrics;
      AddApiRoutes(router, ctx);
      return router;
    });
    ASSERT_TRUE(server_->Start());
  }
  std::optional<ClientResponse> Post(const std::string& body) {
    TestClient c(server_->port());
    return c.Request("POST", "/api/cameras/probe", "Content-Type: application/json\r\n", body);
  }

  FakeProbes probes_;
  std::shared_ptr<LogTail> tail_ = std::make_shared<LogTail>(5, 1 << 20);
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(ProbeHandlerTest, AnswersOnceTheProbeEnds) {
  TestClient c(server_->port());
  const std::string body =
      R"({"url":"rtsp://cam/x","username":"u","password":"p","transport":"udp"})";
  c.Send("POST", "/api/cameras/probe", "Content-Type: application/json\r\n", body);
  // The request waits (no thread held) until the probe's handle has a result.
  std::shared_ptr<FakeHandle> handle;
  while (!handle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard lock(probes_.mu_);
    handle = probes_.handle;
  }
  ProbeResult r;
  r.ok = true;
  r.video_codec = "H.264";
  r.width = 1280;
  r.height = 720;
  r.fps = 30;
  r.transport = "udp";
  handle->Set(r);
  auto got = c.Read();
  ASSERT_TRUE(got);
  ASSERT_EQ(got->result_int(), 200) << got->body();
  const json j = json::parse(got->body());
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["video"]["codec"], "H.264");
  EXPECT_EQ(j["video"]["width"], 1280);
  EXPECT_TRUE(j["audio"].is_null());
  EXPECT_EQ(probes_.last->password, "p");
  EXPECT_EQ(probes_.last->transport, "udp");
  EXPECT_EQ(got->body().find("\"p\""), std::string::npos);  // the password is not echoed
}

TEST_F(ProbeHandlerTest, FailureIsAnOkAnswerWithTheCode) {
  std::thread answer([this] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard lock(probes_.mu_);
      if (!probes_.handle) continue;
      ProbeResult r;
      r.error = "wrong_credentials";
      r.message = "Wrong username or password: the camera refused them.";
      probes_.handle->Set(r);
      return;
    }
  });
  auto got = Post(R"({"camera":"cam1","stream":"sub"})");
  answer.join();
  ASSERT_TRUE(got);
  ASSERT_EQ(got->result_int(), 200);
  const json j = json::parse(got->body());
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["error"], "wrong_credentials");
  EXPECT_EQ(probes_.last->camera, "cam1");
  EXPECT_EQ(probes_.last->stream, "sub");
}

TEST_F(ProbeHandlerTest, BadBodiesAndBusy) {
  auto r = Post(R"({"url":"rtsp://cam/x","color":"red"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_NE(r->body().find("color"), std::string::npos);
  r = Post(R"({"url":5})");
  EXPECT_EQ(r->result_int(), 400);
  r = Post(R"({"username":"u"})");
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_NE(r->body().find("url"), std::string::npos);
  r = Post(R"({"url":"rtsp://cam/x","stream":"third"})");
  EXPECT_EQ(r->result_int(), 400);
  r = Post(R"({"url":"http://cam/x"})");
  EXPECT_EQ(r->result_int(), 400);
  r = Post("[1]");
  EXPECT_EQ(r->result_int(), 400);
  r = Post(R"({"url":")" + std::string(5000, 'x') + "\"}");
  EXPECT_EQ(r->result_int(), 413);
  probes_.busy = true;
  r = Post(R"({"url":"rtsp://cam/x"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 429);
  EXPECT_EQ((*r)["Retry-After"], "2");
}

TEST_F(ProbeHandlerTest, LogTailBoundedAndFiltered) {
  for (int i = 0; i < 7; ++i) logger_->info("line {}", i);
  logger_->error("broke");
  TestClient c(server_->port());
  auto r = c.Request("GET", "/api/system/log");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->result_int(), 200);
  json j = json::parse(r->body());
  ASSERT_EQ(j["lines"].size(), 5u);  // the tail keeps 5
  EXPECT_EQ(j["lines"].back()["message"], "broke");
  EXPECT_EQ(j["lines"].back()["level"], "error");
  EXPECT_EQ(j["dropped"], 3);
  r = c.Request("GET", "/api/system/log?lines=2&level=warn");
  j = json::parse(r->body());
  ASSERT_EQ(j["lines"].size(), 1u);
  EXPECT_EQ(j["lines"][0]["message"], "broke");
  for (const char* bad : {"lines=0", "lines=501", "lines=2x", "level=loud"}) {
    r = c.Request("GET", std::string("/api/system/log?") + bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400) << bad;
  }
}

}  // namespace
}  // namespace nightjar::http
