// Test fixture of the /api handler tests: one fake implementing every service, and a server
// on loopback serving the real route table over it. Tests only.
#ifndef NIGHTJAR_HTTP_HANDLERS_HANDLERS_FIXTURE_H_
#define NIGHTJAR_HTTP_HANDLERS_HANDLERS_FIXTURE_H_

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "http/handlers/api.h"
#include "http/test_client.h"

namespace nightjar::http::handlers_test {

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
    return MediaBody{std::make_shared<Bytes>(), "video/mp4", "cam1.mp4", from};
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
  // cam1 has one recorded key frame at kT0 (main and sub), "busy" at kT0 + 1 s, still being
  // written at kT0 + 2 s.
  Result<Thumbnail> OpenThumbnail(std::string_view camera, std::string_view stream, Time90k t,
                                  uint32_t width) override {
    std::lock_guard lock(mu_);
    last_thumbnail_ = std::string(stream) + " " + std::to_string(width);
    if (camera != "cam1") return Err(ErrorCode::kNotFound, "no camera");
    if (t == kT0 + Duration90k::FromSeconds(1)) return Err(ErrorCode::kAborted, "busy");
    if (t < kT0 || t > kT0 + Duration90k::FromSeconds(2)) {
      return Err(ErrorCode::kNotFound, "nothing recorded");
    }
    Thumbnail th;
    th.jpeg = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{0xff, 0xd8, 0xff});
    th.stream = stream.empty() ? "sub" : std::string(stream);
    th.frame_time = kT0;
    th.etag = "\"thumb-1-0-" + std::to_string(width) + "\"";
    th.growing = t == kT0 + Duration90k::FromSeconds(2);  // the recording being written
    return th;
  }
  std::string last_thumbnail_;
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

}  // namespace nightjar::http::handlers_test

#endif  // NIGHTJAR_HTTP_HANDLERS_HANDLERS_FIXTURE_H_
