// DaemonBackend's media beyond .mp4: MPEG-TS exports and VOD HLS segments muxed while they are
// sent (storage::TsExport behind http::StreamSource), and the live view of each camera stream
// (live::LiveStream attached to its streamer; JPEG snapshots through the decode module).
#include <charconv>

#include "cli/daemon_backend.h"
#include "decode/snapshot.h"
#include "live/live_feed.h"
#include "storage/fmp4_export.h"
#include "storage/media_source.h"
#include "storage/ts_export.h"

namespace nightjar::cli {
namespace {

constexpr Duration90k kMaxRange = Duration90k::FromSeconds(31 * 86400);
constexpr size_t kPieceBytes = 256 << 10;

class TsBody final : public http::StreamSource {
 public:
  explicit TsBody(std::unique_ptr<storage::TsExport> ts) : ts_(std::move(ts)) {}
  Result<void> Next(std::vector<uint8_t>* out) override { return ts_->Next(out, kPieceBytes); }

 private:
  std::unique_ptr<storage::TsExport> ts_;
};

std::string Stamp(Time90k t) {
  std::string stamp = FormatLocalDateTime(t);
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  return stamp;
}

// "<composite id>-<first frame>-<end frame>".
std::string SegmentId(const storage::VodSegment& s) {
  return std::to_string(s.composite_id) + "-" + std::to_string(s.first_frame) + "-" +
         std::to_string(s.end_frame);
}

Result<storage::VodSegment> ParseSegmentId(std::string_view id) {
  storage::VodSegment s;
  int64_t* fields[3] = {&s.composite_id, &s.first_frame, &s.end_frame};
  const char* p = id.data();
  const char* end = id.data() + id.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, *fields[i]);
    if (ec != std::errc() || *fields[i] < 0 || (i < 2 && (next == end || *next != '-')) ||
        (i == 2 && next != end)) {
      return Err(ErrorCode::kNotFound, "no segment \"" + std::string(id) + "\"");
    }
    p = next + 1;
  }
  return s;
}

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

Result<http::StreamBody> DaemonBackend::OpenTs(std::string_view camera, std::string_view stream,
                                               Time90k from, Time90k to) {
  if (to - from > kMaxRange)
    return Err(ErrorCode::kInvalidArgument, "ranges are limited to 31 days");
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  NJ_TRY(storage::MediaPlan plan, storage::PlanRangeLeased(engine_, storage::EngineCatalog(engine_),
                                                           fs_, stream_id, from, to));
  const Time90k start = plan.start;
  NJ_TRY(auto ts, storage::TsExport::Create(std::move(plan)));
  http::StreamBody body;
  body.stream = std::make_shared<TsBody>(std::move(ts));
  body.content_type = "video/mp2t";
  body.filename = std::string(camera) + "-" + std::string(stream) + "-" + Stamp(start) + ".ts";
  return body;
}

Result<storage::MediaPlan> DaemonBackend::PlanSegment(int64_t stream_id, std::string_view id) {
  NJ_TRY(storage::VodSegment s, ParseSegmentId(id));
  auto plan = storage::PlanFramesLeased(engine_, storage::EngineCatalog(engine_), fs_, stream_id,
                                        s.composite_id, s.first_frame, s.end_frame);
  // Frames that are not in the recording (or do not start at a key frame) name no segment.
  if (!plan && plan.error().code() == ErrorCode::kInvalidArgument) {
    return Err(ErrorCode::kNotFound, "no segment \"" + std::string(id) + "\"");
  }
  return plan;
}

Result<std::vector<http::VodSegment>> DaemonBackend::VodSegments(std::string_view camera,
                                                                 std::string_view stream,
                                                                 Time90k from, Time90k to,
                                                                 int64_t target_90k) {
  if (to - from > kMaxRange)
    return Err(ErrorCode::kInvalidArgument, "ranges are limited to 31 days");
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  auto catalog = storage::EngineCatalog(engine_);
  NJ_TRY(auto segments,
         storage::SplitRange(*catalog, stream_id, from, to, Duration90k(target_90k)));
  std::vector<http::VodSegment> out;
  out.reserve(segments.size());
  for (const auto& s : segments) {
    out.push_back({SegmentId(s), s.start, s.duration_90k, s.discontinuity});
  }
  return out;
}

Result<http::StreamBody> DaemonBackend::OpenVodSegment(std::string_view camera,
                                                       std::string_view stream,
                                                       std::string_view id) {
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  NJ_TRY(storage::MediaPlan plan, PlanSegment(stream_id, id));
  const Time90k start = plan.start;
  // Timestamps from the wall clock (33 bits, as MPEG-TS keeps them): consecutive segments of a
  // playlist continue one another without the playlist having to say where it began.
  const int64_t base = start.ticks() & ((int64_t{1} << 33) - 1);
  const bool growing = plan.growing();
  NJ_TRY(auto ts, storage::TsExport::Create(std::move(plan), base));
  http::StreamBody body;
  body.growing = growing;
  body.stream = std::make_shared<TsBody>(std::move(ts));
  body.content_type = "video/mp2t";
  body.filename = std::string(camera) + "-" + Stamp(start) + ".ts";
  return body;
}

Result<http::Fmp4Segment> DaemonBackend::OpenVodFmp4(std::string_view camera,
                                                     std::string_view stream, std::string_view id,
                                                     bool fragments, Time90k origin) {
  NJ_TRY(int64_t stream_id, StreamId(camera, stream));
  NJ_TRY(storage::MediaPlan plan, PlanSegment(stream_id, id));
  // Decode times from the wall clock (less the origin): consecutive segments continue one
  // another, across gaps too.
  const int64_t base = std::max<int64_t>(0, (plan.start - origin).ticks());
  NJ_TRY(auto f, storage::Fmp4Export::Create(std::move(plan), base));
  http::Fmp4Segment out;
  out.growing = f->plan().growing();
  out.init = f->init();
  out.codecs = f->codecs();
  if (fragments) NJ_CHECK_OK(f->Next(&out.fragments, SIZE_MAX));
  return out;
}

Result<std::shared_ptr<http::LiveView>> DaemonBackend::Live(std::string_view camera,
                                                            std::string_view stream) {
  NJ_TRY(db::StreamKind kind, db::ParseStreamKind(stream));
  (void)kind;
  std::lock_guard lock(live_mu_);
  auto it = live_.find({std::string(camera), std::string(stream)});
  if (it == live_.end()) {
    return Err(ErrorCode::kNotFound, "no camera \"" + std::string(camera) + "\" with a " +
                                         std::string(stream) + " stream");
  }
  return std::shared_ptr<http::LiveView>(std::make_shared<LiveViewImpl>(it->second));
}

void DaemonBackend::AttachLive(const std::string& camera) {
  for (db::StreamKind kind : {db::StreamKind::kMain, db::StreamKind::kSub}) {
    auto streamer = supervisor_.Find(camera, kind);
    if (!streamer) continue;
    const std::string name(db::StreamKindName(kind));
    auto s = std::make_shared<live::LiveStream>(camera, name);
    streamer->SetObserver(s);
    std::lock_guard lock(live_mu_);
    live_[{camera, name}] = s;
  }
}

void DaemonBackend::DetachLive(const std::string& camera) {
  std::vector<std::shared_ptr<live::LiveStream>> ended;
  {
    std::lock_guard lock(live_mu_);
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->first.first == camera) {
        ended.push_back(it->second);
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : ended) s->End();
}

void DaemonBackend::EndLive() {
  std::map<std::pair<std::string, std::string>, std::shared_ptr<live::LiveStream>> all;
  {
    std::lock_guard lock(live_mu_);
    all.swap(live_);
  }
  for (auto& [k, s] : all) s->End();
}

}  // namespace nightjar::cli
