#include "app/live.h"

#include "db/rows.h"
#include "decode/snapshot.h"
#include "live/live_feed.h"

namespace nightjar::app {
namespace {

class ChangeWaiter final : public http::Waiter {
 public:
  ChangeWaiter(std::shared_ptr<live::LiveStream> s, uint64_t v) : stream_(std::move(s)), v_(v) {}
  void OnReady(std::function<void()> wake) override { stream_->OnChange(v_, std::move(wake)); }

 private:
  std::shared_ptr<live::LiveStream> stream_;
  uint64_t v_;
};

class LiveViewImpl final : public http::LiveView {
 public:
  explicit LiveViewImpl(std::shared_ptr<live::LiveStream> s) : s_(std::move(s)) {}
  Ready Playlist(std::optional<uint64_t> msn, std::optional<uint64_t> part, bool parts_suffice,
                 const std::string& query, std::string* out) override {
    return static_cast<Ready>(s_->Playlist({msn, part, query, parts_suffice}, out));
  }
  Ready Segment(uint64_t msn, std::vector<uint8_t>* out) override {
    return static_cast<Ready>(s_->Segment(msn, out));
  }
  Ready Part(uint64_t msn, uint64_t part, std::vector<uint8_t>* out) override {
    return static_cast<Ready>(s_->Part(msn, part, out));
  }
  uint64_t Version() override { return s_->version(); }
  std::shared_ptr<http::Waiter> WaitChange(uint64_t version) override {
    return std::make_shared<ChangeWaiter>(s_, version);
  }
  std::shared_ptr<http::MessageFeed> Subscribe() override { return s_->Subscribe(); }
  Result<std::vector<uint8_t>> SnapshotJpeg(uint32_t max_width) override {
    auto key = s_->LatestKeyFrame();
    if (!key) {
      return Err(ErrorCode::kNotFound, "camera " + s_->camera() + " " + s_->stream() +
                                           " has no picture yet (not streaming)");
    }
    decode::SnapshotOptions o;
    o.max_width = max_width;
    return decode::KeyFrameToJpeg(key->config.codec, key->config.config, *key->data, o);
  }

 private:
  std::shared_ptr<live::LiveStream> s_;
};

}  // namespace

Result<std::shared_ptr<http::LiveView>> LiveViews::Live(std::string_view camera,
                                                        std::string_view stream) {
  NJ_TRY(db::StreamKind kind, db::ParseStreamKind(stream));
  (void)kind;
  std::lock_guard lock(mu_);
  auto it = streams_.find({std::string(camera), std::string(stream)});
  if (it == streams_.end()) {
    return Err(ErrorCode::kNotFound, "no camera \"" + std::string(camera) + "\" with a " +
                                         std::string(stream) + " stream");
  }
  return std::shared_ptr<http::LiveView>(std::make_shared<LiveViewImpl>(it->second));
}

void LiveViews::OnCameraStarted(const config::CameraConfig& camera) {
  for (db::StreamKind kind : {db::StreamKind::kMain, db::StreamKind::kSub}) {
    const std::string name(db::StreamKindName(kind));
    // Tiles open sub streams and must start at once; a main stream keeps its whole GOP only
    // while watched (live/live_stream.h, LiveOptions::always_buffer_gop).
    live::LiveOptions options;
    options.always_buffer_gop = kind == db::StreamKind::kSub;
    auto s = std::make_shared<live::LiveStream>(camera.id, name, clock_, options);
    if (!runner_.AddObserver(camera.id, kind, s)) continue;
    std::lock_guard lock(mu_);
    streams_[{camera.id, name}] = std::move(s);
  }
}

void LiveViews::OnCameraStopping(const std::string& id) {
  std::vector<std::shared_ptr<live::LiveStream>> ended;
  {
    std::lock_guard lock(mu_);
    for (auto it = streams_.begin(); it != streams_.end();) {
      if (it->first.first == id) {
        ended.push_back(it->second);
        it = streams_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : ended) s->End();
}

void LiveViews::EndAll() {
  std::map<std::pair<std::string, std::string>, std::shared_ptr<live::LiveStream>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(streams_);
  }
  for (auto& [k, s] : all) s->End();
}

}  // namespace nightjar::app
