// The connection probe: its failures in plain words (the mapping from the client's errors), and
// real probes of our fakecam over loopback (a password required, a closed port, an unknown path).
#include "ingest/probe.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <future>
#include <thread>

#include "base/fs.h"
#include "fakecam/cameras.h"
#include "fakecam/clip.h"
#include "rtsp/server.h"

namespace nightjar::ingest {
namespace {

namespace asio = boost::asio;

ProbeFailure Describe(ErrorCode code, const std::string& message, bool playing = false) {
  return DescribeProbeFailure(Error(code, message), playing);
}

TEST(ProbeFailureTest, CredentialsRefusedOrMissing) {
  auto f = Describe(ErrorCode::kPermissionDenied,
                    "DESCRIBE: the camera refused the username and password");
  EXPECT_EQ(f.code, "wrong_credentials");
  EXPECT_EQ(f.message, "Wrong username or password: the camera refused them.");
  f = Describe(ErrorCode::kPermissionDenied, "DESCRIBE failed: 403 Forbidden");
  EXPECT_EQ(f.code, "wrong_credentials");
  f = Describe(ErrorCode::kPermissionDenied,
               "DESCRIBE: the camera requires a username and password");
  EXPECT_EQ(f.code, "auth_required");
}

TEST(ProbeFailureTest, UnreachableSaysWhy) {
  auto f = Describe(ErrorCode::kClosed, "connecting to 10.0.0.9:554: Connection refused");
  EXPECT_EQ(f.code, "unreachable");
  EXPECT_NE(f.message.find("refused"), std::string::npos) << f.message;
  f = Describe(ErrorCode::kClosed, "connecting to 10.0.0.9:554: No route to host");
  EXPECT_EQ(f.code, "unreachable");
  EXPECT_NE(f.message.find("no route"), std::string::npos) << f.message;
  f = Describe(ErrorCode::kClosed, "connecting to 10.0.0.9:554: Network is unreachable");
  EXPECT_NE(f.message.find("no route"), std::string::npos) << f.message;
  f = Describe(ErrorCode::kTimeout, "no connecting to 10.0.0.9:554 within 5.0 s");
  EXPECT_EQ(f.code, "unreachable");
  EXPECT_NE(f.message.find("timed out"), std::string::npos) << f.message;
  f = Describe(ErrorCode::kNotFound, "cannot resolve nosuch.example: Host not found");
  EXPECT_EQ(f.code, "unreachable");
  EXPECT_NE(f.message.find("does not resolve"), std::string::npos) << f.message;
}

TEST(ProbeFailureTest, PathCodecProtocol) {
  EXPECT_EQ(Describe(ErrorCode::kNotFound, "DESCRIBE failed: 404 Not Found").code,
            "stream_not_found");
  auto f = Describe(ErrorCode::kUnsupported,
                    "no recordable video track (H.264 or H.265) in the SDP; video/JPEG (payload "
                    "type 26 is not supported)");
  EXPECT_EQ(f.code, "unsupported_codec");
  EXPECT_NE(f.message.find("video/JPEG"), std::string::npos) << f.message;
  EXPECT_EQ(Describe(ErrorCode::kUnsupported, "SETUP failed: 461 Unsupported Transport").code,
            "camera_error");
  EXPECT_EQ(Describe(ErrorCode::kMalformed, "data is neither an RTSP message nor interleaved").code,
            "not_rtsp");
  EXPECT_EQ(Describe(ErrorCode::kClosed, "the camera closed the connection").code, "not_rtsp");
  EXPECT_EQ(Describe(ErrorCode::kTimeout, "no the reply to OPTIONS within 5 s").code, "timeout");
  EXPECT_EQ(Describe(ErrorCode::kTimeout, "no media within 5 s", true).code, "no_video");
  EXPECT_EQ(Describe(ErrorCode::kFailedPrecondition, "PLAY failed: 500 Internal").code,
            "camera_error");
  EXPECT_EQ(BudgetFailure(true, std::chrono::seconds(8)).code, "no_video");
  EXPECT_EQ(BudgetFailure(false, std::chrono::seconds(8)).code, "timeout");
}

TEST(ProbeFailureTest, DetailIsPrintableAndBounded) {
  auto f = Describe(ErrorCode::kMalformed, std::string("bad \x01\xff") + std::string(1000, 'x'));
  for (char ch : f.detail) EXPECT_TRUE(ch >= 0x20 && ch <= 0x7e);
  EXPECT_LE(f.detail.size(), 303u);
}

TEST(ProbeDescribeTest, ProfilesAndFrameRate) {
  EXPECT_EQ(H264ProfileName(100, 0), "High");
  EXPECT_EQ(H264ProfileName(66, 0x40), "Constrained Baseline");
  EXPECT_EQ(H265ProfileName(1), "Main");
  const std::vector<int64_t> reordered = {0, 9000, 3000, 6000, 12000};  // 30 fps with B-frames
  EXPECT_DOUBLE_EQ(FpsFromTimestamps(reordered, 90000), 30.0);
  EXPECT_EQ(FpsFromTimestamps(std::vector<int64_t>{5}, 90000), 0);
  rtsp::TrackConfig audio;
  audio.kind = rtsp::TrackConfig::Kind::kAudio;
  audio.codec = "mp4a.40.2";
  audio.clock_rate = 48000;
  audio.channels = 2;
  const ProbeAudio a = DescribeAudio(audio);
  EXPECT_EQ(a.codec, "AAC");
  EXPECT_EQ(a.sample_rate, 48000u);
}

// Probes of an in-process fakecam serving clips that require a password.
class ProbeFakecam : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* clips = std::getenv("NIGHTJAR_CLIPS");
    if (!clips) GTEST_SKIP() << "NIGHTJAR_CLIPS not set";
    PosixFs fs;
    auto main = fakecam::LoadClip(fs, std::string(clips) + "/main.mp4");
    auto audio = fakecam::LoadClip(fs, std::string(clips) + "/audio.mp4");
    ASSERT_TRUE(main && audio);
    rtsp::ServerOptions so;
    so.endpoint = {asio::ip::make_address("127.0.0.1"), 0};
    so.auth = rtsp::AuthMode::kDigest;
    so.credentials = {"admin", "s3cret"};
    server_ = std::make_unique<rtsp::Server>(
        io_, so, std::make_shared<fakecam::CameraResolver>(1, std::vector{*main, *audio}));
    ASSERT_TRUE(server_->Start());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    work_.reset();
    io_.stop();  // the server's sessions may linger on timers
    if (thread_.joinable()) thread_.join();
  }

  ProbeOutcome Probe(const std::string& url, const std::string& password) {
    ProbeOptions o;
    o.client.url = url;
    o.client.credentials = rtsp::Credentials{"admin", password};
    o.client.timeout = std::chrono::seconds(5);
    std::promise<ProbeOutcome> got;
    EXPECT_TRUE(prober_.Start(o, [&](ProbeOutcome out) { got.set_value(std::move(out)); }));
    return got.get_future().get();
  }
  std::string Url(const std::string& path) {
    return "rtsp://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<rtsp::Server> server_;
  std::thread thread_;
  Prober prober_{io_, 4};
};

TEST_F(ProbeFakecam, GoodCredentialsReportTheStream) {
  const ProbeOutcome out = Probe(Url("/cam1/audio"), "s3cret");
  ASSERT_TRUE(out.report) << out.failure->detail;
  EXPECT_EQ(out.report->video.codec, "H.264");
  EXPECT_GT(out.report->video.width, 0u);
  EXPECT_GT(out.report->video.height, 0u);
  EXPECT_FALSE(out.report->video.profile.empty());
  EXPECT_GT(out.report->video.fps, 0);
  ASSERT_TRUE(out.report->audio);
  EXPECT_EQ(out.report->audio->codec, "AAC");
  EXPECT_GT(out.report->audio->sample_rate, 0u);
  EXPECT_EQ(out.report->transport, "tcp");
  EXPECT_EQ(prober_.active(), 0u);
}

TEST_F(ProbeFakecam, WrongPasswordUnknownPathClosedPort) {
  ProbeOutcome out = Probe(Url("/cam1/main"), "wrong");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->code, "wrong_credentials");
  EXPECT_EQ(out.failure->detail.find("wrong"), std::string::npos) << "no password in the detail";
  out = Probe(Url("/cam9/nosuch"), "s3cret");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->code, "stream_not_found");
  // A port nothing listens on: bind one, note it, close it.
  asio::ip::tcp::acceptor a(io_, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t closed = a.local_endpoint().port();
  a.close();
  out = Probe("rtsp://127.0.0.1:" + std::to_string(closed) + "/cam1/main", "s3cret");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->code, "unreachable");
  EXPECT_NE(out.failure->message.find("refused"), std::string::npos) << out.failure->message;
}

TEST_F(ProbeFakecam, ConcurrentProbesAreBounded) {
  Prober one(io_, 1);
  ProbeOptions o;
  o.client.url = Url("/cam1/main");
  o.client.credentials = rtsp::Credentials{"admin", "s3cret"};
  std::promise<ProbeOutcome> got;
  ASSERT_TRUE(one.Start(o, [&](ProbeOutcome out) { got.set_value(std::move(out)); }));
  auto refused = one.Start(o, [](const ProbeOutcome&) {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(got.get_future().get().report);
  EXPECT_EQ(one.active(), 0u);
}

}  // namespace
}  // namespace nightjar::ingest
