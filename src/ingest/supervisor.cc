#include "ingest/supervisor.h"

#include <spdlog/spdlog.h>

#include <future>

namespace nightjar::ingest {

namespace {

// "No byte budget": retention then only keeps free space (db streams need a positive budget).
constexpr int64_t kUnlimitedBytes = int64_t{1} << 62;
constexpr int kMainWeight = 4, kSubWeight = 1;
constexpr double kGoldenFraction = 0.6180339887498949;

}  // namespace

rtsp::ClientOptions ClientOptionsFor(const CameraConfig& camera, const std::string& url,
                                     std::chrono::milliseconds timeout) {
  rtsp::ClientOptions o;
  o.url = url;
  if (camera.username) {
    o.credentials = rtsp::Credentials{*camera.username, camera.password.value_or("")};
  }
  o.transport = camera.transport == config::Transport::kUdp ? rtsp::TransportKind::kUdp
                                                            : rtsp::TransportKind::kTcp;
  o.timeout = timeout;
  o.want_audio = camera.audio;
  return o;
}

Supervisor::Supervisor(boost::asio::io_context& io, storage::Engine& engine, const Clock& clock,
                       SupervisorOptions options)
    : io_(io), engine_(engine), clock_(clock), options_(options) {}

Supervisor::~Supervisor() {
  StopAll();
  blocking_.join();
}

Result<void> Supervisor::AddCamera(const CameraConfig& camera) {
  NJ_CHECK_OK(config::Validate(camera));
  std::lock_guard lock(mu_);
  if (cameras_.contains(camera.id)) {
    return Err(ErrorCode::kAlreadyExists, "camera " + camera.id + " already exists");
  }
  NJ_TRY(int64_t camera_id, engine_.EnsureCamera(camera.id, camera.name));
  Running running{camera, camera_id, {}};
  std::vector<std::pair<db::StreamKind, std::string>> urls = {{db::StreamKind::kMain, camera.url}};
  if (camera.sub_url) urls.emplace_back(db::StreamKind::kSub, *camera.sub_url);
  std::optional<int64_t> retain_secs;
  if (camera.retain_days) retain_secs = *camera.retain_days * 86400;
  for (const auto& [kind, url] : urls) {
    // The real budget is set by ApplyBudgets below, once every camera is known.
    NJ_TRY(int64_t stream_id,
           engine_.EnsureStream(camera_id, kind, camera.retain_bytes.value_or(kUnlimitedBytes),
                                retain_secs));
    StreamerOptions o;
    o.camera = camera.id;
    o.kind = kind;
    o.stream_id = stream_id;
    o.record = camera.record;
    o.client = ClientOptionsFor(camera, url, options_.timeout);
    o.backoff = options_.backoff;
    o.max_reconnect_attempts = static_cast<int>(camera.max_reconnect_attempts);
    // Streams that start together rotate apart: golden-ratio spread over the recording length.
    const double frac = std::fmod(static_cast<double>(started_streams_++) * kGoldenFraction, 1.0);
    o.stagger = Duration90k(
        static_cast<int64_t>(frac * static_cast<double>(options_.recording_duration.ticks())));
    running.streamers.push_back(
        std::make_shared<Streamer>(io_, blocking_, engine_, clock_, std::move(o)));
  }
  for (auto& s : running.streamers) s->Start();
  cameras_.emplace(camera.id, std::move(running));
  spdlog::info("camera {}: added ({} stream{})", camera.id, urls.size(),
               urls.size() == 1 ? "" : "s");
  return ApplyBudgets();
}

Result<void> Supervisor::UpdateSettings(const CameraConfig& camera) {
  NJ_CHECK_OK(config::Validate(camera));
  std::lock_guard lock(mu_);
  auto it = cameras_.find(camera.id);
  if (it == cameras_.end()) return Err(ErrorCode::kNotFound, "no camera " + camera.id);
  if (!config::SameConnections(it->second.config, camera)) {
    return Err(ErrorCode::kInvalidArgument,
               "camera " + camera.id + ": a changed connection needs a restart of its streams");
  }
  it->second.config = camera;
  spdlog::info("camera {}: settings updated", camera.id);
  return ApplyBudgets();
}

Result<void> Supervisor::ApplyBudgets() {
  int64_t weight = 0;
  for (const auto& [id, r] : cameras_) {
    if (!r.config.retain_bytes) weight += kMainWeight + (r.config.sub_url ? kSubWeight : 0);
  }
  for (const auto& [id, r] : cameras_) {
    std::optional<int64_t> retain_secs;
    if (r.config.retain_days) retain_secs = *r.config.retain_days * 86400;
    for (const auto& kind : {db::StreamKind::kMain, db::StreamKind::kSub}) {
      if (kind == db::StreamKind::kSub && !r.config.sub_url) continue;
      const int w = kind == db::StreamKind::kMain ? kMainWeight : kSubWeight;
      int64_t budget = kUnlimitedBytes;
      if (r.config.retain_bytes) {
        // An explicit per-camera budget: the same split between its streams.
        const int total = kMainWeight + (r.config.sub_url ? kSubWeight : 0);
        budget = *r.config.retain_bytes / total * w;
      } else if (options_.total_budget_bytes > 0 && weight > 0) {
        budget = options_.total_budget_bytes / weight * w;
      }
      NJ_CHECK_OK(engine_.EnsureStream(r.camera_id, kind, budget, retain_secs));
    }
  }
  return Ok();
}

void Supervisor::StopStreamers(const std::vector<std::shared_ptr<Streamer>>& streamers) {
  std::vector<std::future<void>> done;
  for (const auto& s : streamers) {
    auto p = std::make_shared<std::promise<void>>();
    done.push_back(p->get_future());
    s->Stop([p] { p->set_value(); });
  }
  for (auto& f : done) f.wait();
}

Result<void> Supervisor::RemoveCamera(const std::string& id) {
  std::vector<std::shared_ptr<Streamer>> streamers;
  {
    std::lock_guard lock(mu_);
    auto it = cameras_.find(id);
    if (it == cameras_.end()) return Err(ErrorCode::kNotFound, "no camera " + id);
    streamers = std::move(it->second.streamers);
    cameras_.erase(it);
  }
  StopStreamers(streamers);
  spdlog::info("camera {}: removed", id);
  std::lock_guard lock(mu_);
  return ApplyBudgets();
}

void Supervisor::StopAll() {
  std::vector<std::shared_ptr<Streamer>> streamers;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, r] : cameras_) {
      for (auto& s : r.streamers) streamers.push_back(std::move(s));
    }
    cameras_.clear();
  }
  StopStreamers(streamers);
}

std::vector<CameraConfig> Supervisor::cameras() const {
  std::lock_guard lock(mu_);
  std::vector<CameraConfig> v;
  v.reserve(cameras_.size());
  for (const auto& [id, r] : cameras_) v.push_back(r.config);
  return v;
}

std::vector<StreamStats> Supervisor::Stats() const {
  std::lock_guard lock(mu_);
  std::vector<StreamStats> v;
  for (const auto& [id, r] : cameras_) {
    for (const auto& s : r.streamers) v.push_back(s->Stats());
  }
  return v;
}

std::shared_ptr<Streamer> Supervisor::Find(const std::string& camera, db::StreamKind kind) const {
  std::lock_guard lock(mu_);
  auto it = cameras_.find(camera);
  if (it == cameras_.end()) return nullptr;
  const size_t index = kind == db::StreamKind::kMain ? 0 : 1;
  return index < it->second.streamers.size() ? it->second.streamers[index] : nullptr;
}

bool Supervisor::AddObserver(const std::string& camera, db::StreamKind kind,
                             std::shared_ptr<media::FrameObserver> observer) {
  auto streamer = Find(camera, kind);
  if (!streamer) return false;
  streamer->AddObserver(std::move(observer));
  return true;
}

}  // namespace nightjar::ingest
