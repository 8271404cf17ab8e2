// The cameras service over a fake runner (no network) and a real engine in a temp directory,
// with a simulated clock.
#include "app/cameras.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/fs.h"
#include "db/database.h"
#include "testutil/temp_dir.h"

namespace nightjar::app {
namespace {

// Runs cameras in memory; can be told to refuse the next AddCamera.
class FakeRunner final : public ingest::CameraRunner {
 public:
  Result<void> AddCamera(const config::CameraConfig& c) override {
    NJ_CHECK_OK(config::Validate(c));
    if (refuse_next_add) {
      refuse_next_add = false;
      return Err(ErrorCode::kIo, "the camera refused");
    }
    if (running.contains(c.id)) return Err(ErrorCode::kAlreadyExists, c.id + " runs");
    running[c.id] = c;
    starts++;
    return Ok();
  }
  Result<void> RemoveCamera(const std::string& id) override {
    if (!running.erase(id)) return Err(ErrorCode::kNotFound, "no " + id);
    return Ok();
  }
  Result<void> UpdateSettings(const config::CameraConfig& c) override {
    if (!running.contains(c.id)) return Err(ErrorCode::kNotFound, "no " + c.id);
    running[c.id] = c;
    return Ok();
  }
  std::vector<config::CameraConfig> cameras() const override {
    std::vector<config::CameraConfig> out;
    out.reserve(running.size());
    for (const auto& [id, c] : running) out.push_back(c);
    return out;
  }
  std::vector<ingest::StreamStats> Stats() const override {
    std::vector<ingest::StreamStats> out;
    for (const auto& [id, c] : running) {
      ingest::StreamStats s;
      s.camera = id;
      s.kind = "main";
      s.frames = 100;
      out.push_back(s);
    }
    return out;
  }
  bool AddObserver(const std::string&, db::StreamKind,
                   std::shared_ptr<media::FrameObserver>) override {
    return false;
  }

  std::map<std::string, config::CameraConfig> running;
  bool refuse_next_add = false;
  int starts = 0;
};

class Listener final : public CameraListener {
 public:
  void OnCameraStarted(const config::CameraConfig& c) override { events.push_back("+" + c.id); }
  void OnCameraStopping(const std::string& id) override { events.push_back("-" + id); }
  std::vector<std::string> events;
};

config::CameraConfig Camera(const std::string& id, const std::string& password = "") {
  config::CameraConfig c;
  c.id = id;
  c.name = id;
  c.url = "rtsp://10.0.0.9/" + id;
  if (!password.empty()) {
    c.username = "admin";
    c.password = password;
  }
  return c;
}

config::SecretBox Box() {
  std::array<uint8_t, config::SecretBox::kKeyBytes> key{};
  key[1] = 42;
  return config::SecretBox(key);
}

class CamerasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EngineOptions o;
    o.start_maintenance_thread = false;
    auto e = storage::Engine::Open(fs_, clock_, tmp_ / "data", o);
    ASSERT_TRUE(e) << e.error().ToString();
    engine_ = std::move(*e);
    store_ = std::make_unique<CameraStore>(*engine_, Box());
    cameras_ = std::make_unique<Cameras>(runner_, *store_);
    cameras_->AddListener(&listener_);
  }
  std::string StoredJson(const std::string& id) {
    auto row = engine_->WithDb([&](db::Database& d) { return d.GetCameraByShortName(id); });
    EXPECT_TRUE(row);
    return row ? row->config_json : "";
  }

  testutil::TempDir tmp_;
  PosixFs fs_;
  SimulatedClock clock_{Time90k::FromUnixSeconds(1'771'500'000)};
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<CameraStore> store_;
  FakeRunner runner_;
  Listener listener_;
  std::unique_ptr<Cameras> cameras_;
};

TEST_F(CamerasTest, AddPersistsSealedAndTheNextStartBringsItBack) {
  ASSERT_TRUE(cameras_->Start({Camera("file1")}).empty());
  ASSERT_TRUE(cameras_->Add(Camera("api1", "hunter2")));
  EXPECT_EQ(cameras_->Add(Camera("api1")).error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(StoredJson("api1").find("hunter2"), std::string::npos) << StoredJson("api1");
  auto list = cameras_->List();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  for (const auto& c : *list) EXPECT_EQ(c.from_config, c.config.id == "file1");
  EXPECT_EQ(listener_.events, (std::vector<std::string>{"+file1", "+api1"}));

  // A new daemon on the same database: the file's camera and the API's come back.
  FakeRunner runner2;
  Cameras again(runner2, *store_);
  EXPECT_TRUE(again.Start({Camera("file1")}).empty());
  ASSERT_TRUE(runner2.running.contains("api1"));
  EXPECT_EQ(runner2.running["api1"].password, "hunter2");
}

TEST_F(CamerasTest, OlderClearPasswordsAreSealedAtStart) {
  ASSERT_TRUE(engine_->EnsureCamera("old", "Old"));
  ASSERT_TRUE(engine_->WithDb([](db::Database& d) -> Result<void> {
    NJ_TRY(db::CameraRow row, d.GetCameraByShortName("old"));
    row.from_api = true;
    row.config_json = R"({"url":"rtsp://u:urlpw@h/x","password":"clearpw"})";
    return d.UpdateCamera(row);
  }));
  ASSERT_TRUE(cameras_->Start({}).empty());
  const std::string stored = StoredJson("old");
  EXPECT_EQ(stored.find("clearpw"), std::string::npos) << stored;
  EXPECT_EQ(stored.find("urlpw"), std::string::npos) << stored;
  EXPECT_EQ(runner_.running["old"].password, "clearpw");
  EXPECT_EQ(runner_.running["old"].url, "rtsp://u:urlpw@h/x");
}

TEST_F(CamerasTest, SettingsApplyInPlaceConnectionsRestart) {
  ASSERT_TRUE(cameras_->Start({}).empty());
  ASSERT_TRUE(cameras_->Add(Camera("cam1")));
  const int starts = runner_.starts;
  auto r = cameras_->Update("cam1", [](config::CameraConfig& c) -> Result<void> {
    c.name = "Yard";
    c.retain_days = 2;
    return Ok();
  });
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_EQ(runner_.starts, starts);  // same connection
  EXPECT_EQ(runner_.running["cam1"].name, "Yard");
  EXPECT_NE(StoredJson("cam1").find("\"retain_days\":2"), std::string::npos);

  r = cameras_->Update("cam1", [](config::CameraConfig& c) -> Result<void> {
    c.sub_url = "rtsp://10.0.0.9/sub";
    return Ok();
  });
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_EQ(runner_.starts, starts + 1);
  EXPECT_EQ(listener_.events.back(), "+cam1");
}

TEST_F(CamerasTest, AFailedRestartRollsBackToWhatRan) {
  ASSERT_TRUE(cameras_->Start({}).empty());
  ASSERT_TRUE(cameras_->Add(Camera("cam1")));
  runner_.refuse_next_add = true;
  auto r = cameras_->Update("cam1", [](config::CameraConfig& c) -> Result<void> {
    c.url = "rtsp://10.0.0.10/new";
    return Ok();
  });
  ASSERT_FALSE(r);
  ASSERT_TRUE(runner_.running.contains("cam1"));
  EXPECT_EQ(runner_.running["cam1"].url, "rtsp://10.0.0.9/cam1");  // the old one again
  EXPECT_NE(StoredJson("cam1").find("10.0.0.9/cam1"), std::string::npos);
}

TEST_F(CamerasTest, RefusalsChangeNothing) {
  ASSERT_TRUE(cameras_->Start({Camera("file1")}).empty());
  auto r = cameras_->Update("file1", [](config::CameraConfig&) { return Result<void>(); });
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(
      cameras_->Update("nope", [](config::CameraConfig&) { return Result<void>(); }).error().code(),
      ErrorCode::kNotFound);
  ASSERT_TRUE(cameras_->Add(Camera("cam1")));
  for (const auto& change :
       std::vector<http::CameraService::Change>{[](config::CameraConfig& c) -> Result<void> {
                                                  c.id = "cam2";
                                                  return Ok();
                                                },
                                                [](config::CameraConfig& c) -> Result<void> {
                                                  c.retain_days = 0;
                                                  return Ok();
                                                },
                                                [](config::CameraConfig&) -> Result<void> {
                                                  return Err(ErrorCode::kInvalidArgument, "no");
                                                }}) {
    EXPECT_FALSE(cameras_->Update("cam1", change));
  }
  EXPECT_EQ(runner_.running["cam1"], Camera("cam1"));
  ASSERT_TRUE(cameras_->Remove("cam1"));
  EXPECT_EQ(cameras_->Remove("cam1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(StoredJson("cam1"), "{}");  // forgotten; the row stays for its recordings
}

}  // namespace
}  // namespace nightjar::app
