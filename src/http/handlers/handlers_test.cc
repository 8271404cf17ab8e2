// The /api handlers over real loopback HTTP with fake services (one fake implements them all).
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "http/handlers/api.h"
#include "http/test_client.h"

namespace nightjar::http {
namespace {

namespace bhttp = boost::beast::http;
using httptest::TestClient;
using httptest::TestServer;
using nlohmann::json;

const Time90k kT0 = Time90k::FromUnixSeconds(1'771'509'600);  // 2026-02-19T14:00:00Z

class FakeBackend : public CameraService,
                    public CatalogService,
                    public MediaService,
                    public LiveService,
                    public SystemService {
 public:
  FakeBackend() {
    CameraInfo c;
    c.config.id = "cam1";
    c.config.name = "Front Door";
    c.config.url = "rtsp://admin:hunter2@10.0.0.5/stream1";
    StreamInfo s;
    s.kind = "main";
    s.url = "rtsp://admin:hunter2@10.0.0.5/stream1";  // the backend forgot to redact
    s.state = "streaming";
    s.since = kT0;
    s.fps = 25;
    s.frames = 1500;
    s.bytes = 123456789;
    s.reconnects = 2;
    s.resyncs = 4;
    s.skipped_bytes = 40;
    s.dropped_packets = 6;
    s.transport = "udp";
    s.last_error = "timeout: no media for 10s";
    c.streams.push_back(s);
    cameras_.push_back(c);
  }

  Result<std::vector<CameraInfo>> List() override {
    std::lock_guard lock(mu_);
    return cameras_;
  }
  Result<void> Add(const config::CameraConfig& spec) override {
    std::lock_guard lock(mu_);
    for (const auto& c : cameras_) {
      if (c.config.id == spec.id) {
        return Err(ErrorCode::kAlreadyExists, "camera " + spec.id + " exists");
      }
    }
    if (!spec.url.starts_with("rtsp://")) {
      return Err(ErrorCode::kInvalidArgument, "url must be rtsp://");
    }
    last_spec_ = spec;
    CameraInfo c;
    c.config = spec;
    c.streams.push_back({.kind = "main", .url = spec.url, .state = "connecting"});
    cameras_.push_back(c);
    return Ok();
  }
  Result<void> Remove(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto n = std::erase_if(cameras_, [&](const CameraInfo& c) { return c.config.id == id; });
    if (n == 0) return Err(ErrorCode::kNotFound, "no camera " + std::string(id));
    return Ok();
  }
  // cam1's configuration: from the API, so it may change.
  Result<bool> Update(std::string_view id, const Change& change) override {
    std::lock_guard lock(mu_);
    if (id != "cam1") return Err(ErrorCode::kNotFound, "no camera " + std::string(id));
    config::CameraConfig spec = cam1_;
    NJ_CHECK_OK(change(spec));
    if (spec.id != "cam1") return Err(ErrorCode::kInvalidArgument, "id cannot change");
    if (!spec.url.starts_with("rtsp://") ||
        (spec.sub_url && !spec.sub_url->starts_with("rtsp://"))) {
      return Err(ErrorCode::kInvalidArgument, "url must be rtsp://");
    }
    const bool restart = spec.url != cam1_.url || spec.sub_url != cam1_.sub_url;
    cam1_ = spec;
    return restart;
  }
  Result<StorageStatus> Storage() override {
    StorageStatus s;
    s.data_dir = "/var/lib/nightjar";
    s.dirs.push_back({"/var/lib/nightjar/sample", 5000, 1000000, 2000000, ""});
    s.streams.push_back(
        {"cam1", "main", 2, 5000, 1 << 30, kT0, kT0 + Duration90k::FromSeconds(120)});
    return s;
  }
  Result<RecordingList> ListRecordings(std::string_view camera, std::string_view stream,
                                       std::optional<Time90k> from,
                                       std::optional<Time90k> to) override {
    std::lock_guard lock(mu_);
    last_from_ = from;
    last_to_ = to;
    const Duration90k second = Duration90k::FromSeconds(1);
    if (camera == "cam3") {
      // After the camera's clock stepped back: two runs overlap kT0, a third follows.
      RecordingList l{"cam3", std::string(stream), {}, {}};
      for (auto [start, end] : {std::pair(kT0 - 10 * second, kT0 + 30 * second),
                                std::pair(kT0 - 5 * second, kT0 + 20 * second),
                                std::pair(kT0 + 60 * second, kT0 + 90 * second)}) {
        l.recordings.push_back({"3/1", start, end, 100, 30, 1, "avc1.64001f", 640, 480});
        l.runs.push_back({start, end, 1});
      }
      return l;
    }
    if (camera != "cam1") return Err(ErrorCode::kNotFound, "no camera " + std::string(camera));
    RecordingList l;
    l.camera = "cam1";
    l.stream = std::string(stream);
    const Duration90k minute = Duration90k::FromSeconds(60);
    l.recordings.push_back({"1/1", kT0, kT0 + minute, 2500, 1500, 30, "avc1.64001f", 1920, 1080});
    l.recordings.push_back(
        {"1/2", kT0 + 2 * minute, kT0 + 3 * minute, 2500, 1500, 30, "avc1.64001f", 1920, 1080});
    l.runs.push_back({kT0, kT0 + minute, 1});
    l.runs.push_back({kT0 + 2 * minute, kT0 + 3 * minute, 1});
    return l;
  }
  Result<std::vector<std::pair<Time90k, Time90k>>> RecordingSpans(
      std::string_view camera, std::string_view stream) override {
    auto list = ListRecordings(camera, stream, std::nullopt, std::nullopt);
    if (!list) return std::unexpected(list.error());
    std::vector<std::pair<Time90k, Time90k>> out;
    for (const auto& r : list->recordings) out.emplace_back(r.start, r.end);
    return out;
  }
  Result<Counters> GetCounters() override { return Counters{7, 7000, 0}; }

  // A ten-byte "file" for cam1's main stream.
  class Bytes final : public BodySource {
   public:
    uint64_t size() const override { return 10; }
    std::string etag() const override { return "\"v1\""; }
    std::optional<Time90k> last_modified() const override { return kT0; }
    Result<void> Read(uint64_t offset, std::span<uint8_t> out) override {
      for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>('0' + offset + i);
      return Ok();
    }
  };
  Result<MediaBody> OpenMp4(std::string_view camera, std::string_view stream, Time90k from,
                            Time90k to) override {
    if (camera != "cam1" || stream != "main") return Err(ErrorCode::kNotFound, "no such stream");
    std::lock_guard lock(mu_);
    last_from_ = from;
    last_to_ = to;
    return MediaBody{std::make_shared<Bytes>(), "video/mp4", "cam1.mp4"};
  }

  class Chunks final : public StreamSource {
   public:
    Result<void> Next(std::vector<uint8_t>* out) override {
      if (n_++ < 3) out->assign(188, 0x47);
      return Ok();
    }

   private:
    int n_ = 0;
  };
  Result<StreamBody> OpenTs(std::string_view camera, std::string_view, Time90k, Time90k) override {
    if (camera != "cam1") return Err(ErrorCode::kNotFound, "no camera");
    return StreamBody{std::make_shared<Chunks>(), "video/mp2t", "cam1.ts"};
  }
  Result<std::vector<VodSegment>> VodSegments(std::string_view camera, std::string_view,
                                              Time90k from, Time90k, int64_t) override {
    if (camera != "cam1") return Err(ErrorCode::kNotFound, "no camera");
    return std::vector<VodSegment>{
        {"1-0-120", from, int64_t{4} * 90000, false},
        {"1-120-200", from + Duration90k(int64_t{4} * 90000), int64_t{2} * 90000, false},
        {"2-0-60", from + Duration90k(int64_t{60} * 90000), 90000, true}};
  }
  Result<StreamBody> OpenVodSegment(std::string_view camera, std::string_view,
                                    std::string_view id) override {
    if (camera != "cam1" || id != "1-0-120") return Err(ErrorCode::kNotFound, "no segment");
    return StreamBody{std::make_shared<Chunks>(), "video/mp2t", "seg.ts"};
  }
  Result<Fmp4Segment> OpenVodFmp4(std::string_view camera, std::string_view, std::string_view id,
                                  bool fragments, Time90k) override {
    if (camera != "cam1" || id != "1-0-120") return Err(ErrorCode::kNotFound, "no segment");
    Fmp4Segment f{{'i', 'n', 'i', 't'}, {}, "avc1.64001f"};
    if (fragments) f.fragments.assign(1000, 'm');
    return f;
  }
  // cam1's live view: one segment (msn 0) exists; msn 1 comes when the test releases it.
  class FakeLive final : public LiveView, public Waiter {
   public:
    Ready Playlist(std::optional<uint64_t> msn, std::optional<uint64_t>, bool, const std::string& q,
                   std::string* out) override {
      std::lock_guard lock(mu);
      if (msn && *msn > 3) return Ready::kNever;
      if (msn && *msn > segments) return Ready::kWait;
      *out = "#EXTM3U\nsegments=" + std::to_string(segments) + q + "\n";
      return Ready::kYes;
    }
    Ready Segment(uint64_t msn, std::vector<uint8_t>* out) override {
      std::lock_guard lock(mu);
      if (msn > segments) return Ready::kNever;
      out->assign(188, 0x47);
      return Ready::kYes;
    }
    Ready Part(uint64_t, uint64_t, std::vector<uint8_t>*) override { return Ready::kNever; }
    uint64_t Version() override { return 0; }
    std::shared_ptr<Waiter> WaitChange(uint64_t) override { return self.lock(); }
    void OnReady(std::function<void()> wake) override {
      std::lock_guard lock(mu);
      waiting = std::move(wake);
    }
    std::shared_ptr<MessageFeed> Subscribe() override { return nullptr; }
    Result<std::vector<uint8_t>> SnapshotJpeg(uint32_t) override {
      return Err(ErrorCode::kNotFound, "no picture yet");
    }
    void NextSegment() {
      std::function<void()> w;
      {
        std::lock_guard lock(mu);
        segments++;
        w = std::move(waiting);
      }
      if (w) w();
    }
    bool has_waiter() {
      std::lock_guard lock(mu);
      return waiting != nullptr;
    }
    std::mutex mu;
    uint64_t segments = 0;
    std::function<void()> waiting;
    std::weak_ptr<FakeLive> self;
  };
  std::shared_ptr<FakeLive> live_ = [] {
    auto l = std::make_shared<FakeLive>();
    l->self = l;
    return l;
  }();
  Result<std::shared_ptr<LiveView>> Live(std::string_view camera, std::string_view) override {
    if (camera != "cam1") return Err(ErrorCode::kNotFound, "no camera");
    return std::shared_ptr<LiveView>(live_);
  }

  std::mutex mu_;
  std::vector<CameraInfo> cameras_;
  std::optional<config::CameraConfig> last_spec_;
  config::CameraConfig cam1_{.id = "cam1",
                             .name = "Front Door",
                             .url = "rtsp://admin:hunter2@10.0.0.5/stream1",
                             .password = "hunter2"};
  std::optional<Time90k> last_from_, last_to_;
};

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(ServerOptions{}, [this](RequestMetrics& metrics) {
      Router router;
      ApiContext ctx;
      ctx.cameras = &backend_;
      ctx.catalog = &backend_;
      ctx.media = &backend_;
      ctx.live = &backend_;
      ctx.system = &backend_;
      ctx.metrics = &metrics;
      ctx.clock = &clock_;
      ctx.started = kT0;
      ctx.version = "0.1.0";
      AddApiRoutes(router, ctx);
      // As an authentication guard would: the principal the test chose (none by default).
      router.SetGuard([this](Request& r, const Route&) -> std::optional<Response> {
        r.principal = principal_;
        return std::nullopt;
      });
      return router;
    });
    ASSERT_TRUE(server_->Start());
  }

  json Get(const std::string& target, int want_status) {
    TestClient c(server_->port());
    auto r = c.Request("GET", target);
    EXPECT_TRUE(r) << target;
    if (!r) return nullptr;
    EXPECT_EQ(r->result_int(), want_status) << target << ": " << r->body();
    return json::parse(r->body(), nullptr, false);
  }

  FakeBackend backend_;
  SimulatedClock clock_{kT0 + Duration90k::FromSeconds(3600)};
  std::shared_ptr<const Principal> principal_;
  std::unique_ptr<TestServer> server_;
};

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

TEST_F(HandlersTest, ViewMp4ServesRangesOfTheBackendsFile) {
  TestClient c(server_->port());
  auto r =
      c.Request("GET", "/api/cameras/cam1/view.mp4?from=2026-02-19T14:00:00&to=2026-02-19T14:01:00",
                "Range: bytes=2-4\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 206) << r->body();
  EXPECT_EQ(r->body(), "234");
  EXPECT_EQ((*r)[boost::beast::http::field::content_type], "video/mp4");
  EXPECT_EQ((*r)[boost::beast::http::field::etag], "\"v1\"");
  ASSERT_TRUE(backend_.last_from_ && backend_.last_to_);
  EXPECT_EQ((*backend_.last_to_ - *backend_.last_from_).ticks(), 60 * kTicksPerSecond);
  EXPECT_EQ(Get("/api/cameras/cam1/view.mp4?from=2026-02-19T14:00:00", 400)["error"],
            "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/view.mp4?from=2026-02-19T14:01:00&to=2026-02-19T14:00:00",
                400)["error"],
            "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/view.mp4?from=yesterday&to=2026-02-19T14:00:00", 400)["error"],
            "bad_request");
  EXPECT_EQ(Get("/api/cameras/nope/view.mp4?from=2026-02-19T14:00:00&to=2026-02-19T14:01:00",
                404)["error"],
            "not_found");
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

TEST_F(HandlersTest, ExportIsTsByDefaultAndMp4OnRequest) {
  TestClient c(server_->port());
  auto r =
      c.Request("GET", "/api/export?camera=cam1&from=2026-02-19T14:00:00&to=2026-02-19T15:00:00");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ((*r)[bhttp::field::content_type], "video/mp2t");
  EXPECT_TRUE(r->chunked());
  EXPECT_EQ(r->body().size(), 3u * 188);
  EXPECT_EQ((*r)["Content-Disposition"], "attachment; filename=\"cam1.ts\"");
  r = c.Request(
      "GET", "/api/export?camera=cam1&format=mp4&from=2026-02-19T14:00:00&to=2026-02-19T15:00:00");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[bhttp::field::content_type], "video/mp4");
  EXPECT_EQ(r->body(), "0123456789");
  for (const char* bad : {"/api/export?from=2026-02-19&to=2026-02-20",
                          "/api/export?camera=cam1&format=avi&from=2026-02-19&to=2026-02-20",
                          "/api/export?camera=cam1&from=2026-02-20&to=2026-02-19",
                          "/api/export?camera=cam1&from=yesterday&to=2026-02-19"}) {
    auto e = c.Request("GET", bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->result_int(), 400) << bad;
  }
  auto e = c.Request("GET", "/api/export?camera=cam9&from=2026-02-19&to=2026-02-20");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->result_int(), 404);
}

TEST_F(HandlersTest, VodPlaylistListsSegmentsWithDiscontinuities) {
  TestClient c(server_->port());
  auto r = c.Request(
      "GET", "/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T15:00:00&stream=sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ((*r)[bhttp::field::content_type], "application/vnd.apple.mpegurl");
  const std::string& p = r->body();
  EXPECT_NE(p.find("#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:4\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXTINF:4.00000,\nsegment/ts/1-0-120.ts?stream=sub\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:"), std::string::npos) << p;
  EXPECT_TRUE(p.ends_with("segment/ts/2-0-60.ts?stream=sub\n#EXT-X-ENDLIST\n")) << p;
  auto seg = c.Request("GET", "/api/hls/cam1/segment/ts/1-0-120.ts");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->result_int(), 200);
  EXPECT_EQ(seg->body().size(), 3u * 188);
  seg = c.Request("GET", "/api/hls/cam1/segment/ts/9-9-9");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->result_int(), 404);
}

TEST_F(HandlersTest, LivePlaylistBlocksUntilTheSegmentExists) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/api/hls/cam1/live.m3u8?stream=sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "#EXTM3U\nsegments=0?stream=sub\n");
  c.Send("GET", "/api/hls/cam1/live.m3u8?_HLS_msn=1&_HLS_part=0");
  while (!backend_.live_->has_waiter()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  backend_.live_->NextSegment();
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "#EXTM3U\nsegments=1\n");
  for (const char* bad :
       {"/api/hls/cam1/live.m3u8?_HLS_msn=x", "/api/hls/cam1/live.m3u8?_HLS_part=1",
        "/api/hls/cam1/live.m3u8?_HLS_msn=9", "/api/hls/cam1/part/ts/1"}) {
    auto e = c.Request("GET", bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->result_int(), 400) << bad;
  }
  auto seg = c.Request("GET", "/api/hls/cam1/segment/ts/1");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->result_int(), 200);
  EXPECT_EQ((*seg)[bhttp::field::content_type], "video/mp2t");
  for (const char* missing :
       {"/api/hls/cam9/live.m3u8", "/api/hls/cam1/segment/ts/7", "/api/hls/cam1/part/ts/1.0",
        "/api/cameras/cam1/snapshot.jpg", "/api/hls/cam9/player"}) {
    auto e = c.Request("GET", missing);
    ASSERT_TRUE(e) << missing;
    EXPECT_EQ(e->result_int(), 404) << missing;
  }
  auto ws = c.Request("GET", "/api/cameras/cam1/live.ws");
  ASSERT_TRUE(ws);
  EXPECT_EQ(ws->result_int(), 426);
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

TEST_F(HandlersTest, RecordingsArePagedRunsWithGaps) {
  // Two one-minute runs with a minute between them.
  json j = Get("/api/cameras/cam1/recordings", 200);
  ASSERT_EQ(j["runs"].size(), 2u);
  ASSERT_EQ(j["gaps"].size(), 1u);
  EXPECT_EQ(j["gaps"][0]["duration_s"], 60.0);
  EXPECT_EQ(j["runs"][0]["bytes"], 2500);
  EXPECT_EQ(j["runs"][0]["frames"], 1500);
  EXPECT_EQ(j["runs"][0]["codec"], "avc1.64001f");
  EXPECT_TRUE(j["next"].is_null());
  EXPECT_EQ(j["total"]["recorded_s"], 120.0);

  j = Get("/api/cameras/cam1/recordings?limit=1", 200);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["gaps"].size(), 0u);
  ASSERT_TRUE(j["next"].is_string());
  EXPECT_EQ(j["total"]["runs"], 2);
  j = Get("/api/cameras/cam1/recordings?limit=1&cursor=" + j["next"].get<std::string>(), 200);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["start_90k"], (kT0 + Duration90k::FromSeconds(120)).ticks());
  ASSERT_EQ(j["gaps"].size(), 1u);  // the gap before the page's first run
  EXPECT_TRUE(j["next"].is_null());

  // Runs are clipped to the range.
  j = Get("/api/cameras/cam1/recordings?from=2026-02-19T14:00:30Z", 200);
  EXPECT_EQ(j["runs"][0]["duration_s"], 30.0);

  // Runs that share a clipped start are neither repeated nor lost between pages.
  std::vector<int64_t> ends;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    j = Get("/api/cameras/cam3/recordings?from=2026-02-19T14:00:00Z&limit=1" +
                (cursor.empty() ? "" : "&cursor=" + cursor),
            200);
    ASSERT_EQ(j["runs"].size(), 1u) << j.dump();
    ends.push_back(j["runs"][0]["end_90k"].get<int64_t>());
    if (j["next"].is_null()) break;
    cursor = j["next"].get<std::string>();
  }
  EXPECT_EQ(ends, (std::vector<int64_t>{(kT0 + Duration90k::FromSeconds(30)).ticks(),
                                        (kT0 + Duration90k::FromSeconds(20)).ticks(),
                                        (kT0 + Duration90k::FromSeconds(90)).ticks()}));

  EXPECT_EQ(Get("/api/cameras/cam1/recordings?limit=0", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/recordings?cursor=5.x", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/recordings?cursor=abc", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/recordings?stream=third", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/nope/recordings", 404)["error"], "not_found");
}

TEST_F(HandlersTest, DaysWithRecordings) {
  // The recordings: 14:00-14:01 and 14:02-14:03 UTC on 2026-02-19.
  json j = Get("/api/cameras/cam1/days?tz=Z", 200);
  ASSERT_EQ(j["days"].size(), 1u);
  EXPECT_EQ(j["days"][0]["date"], "2026-02-19");
  EXPECT_EQ(j["days"][0]["recorded_s"], 120.0);
  EXPECT_EQ(j["days"][0]["recordings"], 2);
  // 9:58 east of UTC the second one starts at midnight of the 20th.
  j = Get("/api/cameras/cam1/days?tz=%2B09:58", 200);
  ASSERT_EQ(j["days"].size(), 2u) << j.dump();
  EXPECT_EQ(j["days"][0]["date"], "2026-02-19");
  EXPECT_EQ(j["days"][1]["date"], "2026-02-20");
  EXPECT_EQ(j["days"][0]["recorded_s"], 60.0);
  EXPECT_EQ(j["days"][1]["recorded_s"], 60.0);
  // 9:57:59 is not an offset; 9:57 puts both on the 19th, the second ending at its midnight.
  j = Get("/api/cameras/cam1/days?tz=%2B09:57", 200);
  ASSERT_EQ(j["days"].size(), 1u) << j.dump();
  EXPECT_EQ(j["days"][0]["recorded_s"], 120.0);
  EXPECT_EQ(Get("/api/cameras/cam1/days", 200)["tz"], "local");
  EXPECT_EQ(Get("/api/cameras/cam1/days?tz=Mars", 400)["error"], "bad_request");
}

TEST_F(HandlersTest, VodFmp4PlaylistMapsInitSegments) {
  TestClient c(server_->port());
  auto r = c.Request(
      "GET", "/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T14:05:00&format=fmp4");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->result_int(), 200) << r->body();
  const std::string p = r->body();
  EXPECT_NE(p.find("#EXT-X-VERSION:6"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-MAP:URI=\"init/1-0-120.mp4\"\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-MAP:URI=\"init/2-0-60.mp4\"\n"), std::string::npos)
      << p;  // after the gap
  const std::string t0 = "?t0=" + std::to_string(kT0.ticks()) + "\n";
  EXPECT_NE(p.find("segment/fmp4/1-120-200.m4s" + t0), std::string::npos) << p;
  EXPECT_EQ(p.find(".ts"), std::string::npos) << p;

  r = c.Request("GET", "/api/hls/cam1/init/1-0-120.mp4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "init");
  r = c.Request("GET", "/api/hls/cam1/segment/fmp4/1-0-120.m4s", "Range: bytes=10-19\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 206);
  EXPECT_EQ(r->body(), "mmmmmmmmmm");
  EXPECT_EQ((*r)[boost::beast::http::field::content_type], "video/mp4");
  EXPECT_EQ(Get("/api/hls/cam1/segment/fmp4/9-0-1.m4s", 404)["error"], "not_found");
  EXPECT_EQ(
      Get("/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T14:05:00&format=webm",
          400)["error"],
      "bad_request");
}

}  // namespace
}  // namespace nightjar::http
