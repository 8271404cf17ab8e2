#include "app/probes.h"

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "ingest/supervisor.h"

namespace nightjar::app {
namespace {

class Handle final : public http::ProbeHandle {
 public:
  std::optional<http::ProbeResult> result() const override {
    std::lock_guard lock(mu_);
    return result_;
  }
  void OnReady(std::function<void()> wake) override {
    {
      std::lock_guard lock(mu_);
      if (!result_) {
        wakes_.push_back(std::move(wake));
        return;
      }
    }
    wake();
  }
  void Set(http::ProbeResult r) {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard lock(mu_);
      result_ = std::move(r);
      wakes.swap(wakes_);
    }
    for (auto& w : wakes) w();
  }

 private:
  mutable std::mutex mu_;
  std::optional<http::ProbeResult> result_;
  std::vector<std::function<void()>> wakes_;
};

// Sets one field through the camera codec (the add path's checks), naming it on error.
Result<void> Set(config::CameraConfig& c, std::string_view name,
                 const std::optional<std::string>& value) {
  if (!value) return Ok();
  auto ok = config::SetField(c, name, *value);
  if (!ok) return Err(ok.error().Wrap(name));
  return Ok();
}

}  // namespace

http::ProbeResult ProbeResultOf(const ingest::ProbeOutcome& outcome) {
  http::ProbeResult r;
  if (outcome.failure) {
    r.error = outcome.failure->code;
    r.message = outcome.failure->message;
    r.detail = outcome.failure->detail;
    return r;
  }
  const ingest::ProbeReport& p = *outcome.report;
  r.ok = true;
  r.video_codec = p.video.codec;
  r.video_rfc6381 = p.video.rfc6381;
  r.profile = p.video.profile;
  r.width = p.video.width;
  r.height = p.video.height;
  r.fps = p.video.fps;
  r.fps_source = p.video.fps_source;
  if (p.audio) {
    r.has_audio = true;
    r.audio_codec = p.audio->codec;
    r.audio_rfc6381 = p.audio->rfc6381;
    r.audio_sample_rate = p.audio->sample_rate;
    r.audio_channels = p.audio->channels;
  }
  r.transport = p.transport;
  r.first_frame_ms = p.first_frame_ms;
  return r;
}

Probes::Probes(boost::asio::io_context& io, ingest::CameraRunner& runner,
               std::chrono::milliseconds step_timeout)
    : runner_(runner),
      step_timeout_(std::min(step_timeout, kMaxStep)),
      prober_(io, kMaxConcurrent) {}

int Probes::max_duration_ms() const {
  // The budget, the frame-rate window after the key frame, TEARDOWN's grace, and some slack.
  return static_cast<int>(kBudget.count()) + 1500 + 500 + 2000;
}

Result<std::shared_ptr<http::ProbeHandle>> Probes::Start(const http::ProbeTarget& t) {
  config::CameraConfig c;
  c.id = "probe";
  if (t.camera) {
    bool found = false;
    for (auto& running : runner_.cameras()) {
      if (running.id == *t.camera) {
        c = std::move(running);
        found = true;
      }
    }
    if (!found) return Err(ErrorCode::kNotFound, "no camera \"" + *t.camera + "\"");
    if (t.stream == "sub" && !t.url) {
      if (!c.sub_url) return Err(ErrorCode::kNotFound, "the camera has no sub stream");
      c.url = *c.sub_url;
    }
  }
  NJ_CHECK_OK(Set(c, "url", t.url));
  NJ_CHECK_OK(Set(c, "username", t.username));
  NJ_CHECK_OK(Set(c, "password", t.password));
  NJ_CHECK_OK(Set(c, "transport", t.transport));
  NJ_CHECK_OK(config::Validate(c));
  ingest::ProbeOptions o;
  o.client = ingest::ClientOptionsFor(c, c.url, step_timeout_);
  o.client.want_audio = true;  // say what the camera sends, whatever is recorded
  o.budget = kBudget;
  auto handle = std::make_shared<Handle>();
  NJ_CHECK_OK(prober_.Start(std::move(o), [handle](const ingest::ProbeOutcome& out) {
    handle->Set(ProbeResultOf(out));
  }));
  return handle;
}

}  // namespace nightjar::app
