#include "app/media.h"

#include <charconv>
#include <cstring>

#include "app/catalog.h"
#include "mp4/virtual_mp4.h"
#include "storage/fmp4_export.h"
#include "storage/media_source.h"
#include "storage/ts_export.h"

namespace nightjar::app {
namespace {

Result<void> CheckRange(Time90k from, Time90k to) {
  if (to - from > kMaxRange) {
    return Err(ErrorCode::kInvalidArgument, "ranges are limited to 31 days");
  }
  return Ok();
}

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

// A planned range served as its virtual .mp4; holds the plan's lease (retention waits) and reader.
class Mp4Body final : public http::BodySource {
 public:
  Mp4Body(storage::MediaPlan plan, std::shared_ptr<const mp4::VirtualMp4> mp4)
      : plan_(std::move(plan)), mp4_(std::move(mp4)) {}
  uint64_t size() const override { return mp4_->size(); }
  std::string etag() const override { return mp4_->etag(); }
  std::optional<Time90k> last_modified() const override {
    return Time90k::FromUnixSeconds(mp4_->last_modified_unix_seconds());
  }
  Result<void> Read(uint64_t offset, std::span<uint8_t> out) override {
    size_t filled = 0;
    NJ_CHECK_OK(mp4_->Read(offset, offset + out.size(), *plan_.reader,
                           [&](std::span<const uint8_t> b) -> Result<void> {
                             std::memcpy(out.data() + filled, b.data(), b.size());
                             filled += b.size();
                             return Ok();
                           }));
    if (filled != out.size()) return Err(ErrorCode::kInternal, "short read of the virtual mp4");
    return Ok();
  }

 private:
  storage::MediaPlan plan_;
  std::shared_ptr<const mp4::VirtualMp4> mp4_;
};

}  // namespace

Result<storage::MediaPlan> Media::PlanRange(std::string_view camera, std::string_view stream,
                                            Time90k from, Time90k to) {
  NJ_CHECK_OK(CheckRange(from, to));
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
  return storage::PlanRangeLeased(engine_, storage::EngineCatalog(engine_), fs_, stream_id, from,
                                  to);
}

Result<http::MediaBody> Media::OpenMp4(std::string_view camera, std::string_view stream,
                                       Time90k from, Time90k to) {
  NJ_TRY(storage::MediaPlan plan, PlanRange(camera, stream, from, to));
  NJ_TRY(auto mp4, mp4::VirtualMp4::Build(plan.mp4));
  http::MediaBody body;
  body.filename =
      std::string(camera) + "-" + std::string(stream) + "-" + Stamp(plan.start) + ".mp4";
  body.content_type = "video/mp4";
  body.start = plan.start;
  body.source = std::make_shared<Mp4Body>(std::move(plan), std::move(mp4));
  return body;
}

Result<http::StreamBody> Media::OpenTs(std::string_view camera, std::string_view stream,
                                       Time90k from, Time90k to) {
  NJ_TRY(storage::MediaPlan plan, PlanRange(camera, stream, from, to));
  const Time90k start = plan.start;
  NJ_TRY(auto ts, storage::TsExport::Create(std::move(plan)));
  http::StreamBody body;
  body.stream = std::make_shared<TsBody>(std::move(ts));
  body.content_type = "video/mp2t";
  body.filename = std::string(camera) + "-" + std::string(stream) + "-" + Stamp(start) + ".ts";
  return body;
}

Result<storage::MediaPlan> Media::PlanSegment(int64_t stream_id, std::string_view id) {
  NJ_TRY(storage::VodSegment s, ParseSegmentId(id));
  auto plan = storage::PlanFramesLeased(engine_, storage::EngineCatalog(engine_), fs_, stream_id,
                                        s.composite_id, s.first_frame, s.end_frame);
  // Frames that are not in the recording (or do not start at a key frame) name no segment.
  if (!plan && plan.error().code() == ErrorCode::kInvalidArgument) {
    return Err(ErrorCode::kNotFound, "no segment \"" + std::string(id) + "\"");
  }
  return plan;
}

Result<std::vector<http::VodSegment>> Media::VodSegments(std::string_view camera,
                                                         std::string_view stream, Time90k from,
                                                         Time90k to, int64_t target_90k) {
  NJ_CHECK_OK(CheckRange(from, to));
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
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

Result<http::StreamBody> Media::OpenVodSegment(std::string_view camera, std::string_view stream,
                                               std::string_view id) {
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
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

Result<http::Fmp4Segment> Media::OpenVodFmp4(std::string_view camera, std::string_view stream,
                                             std::string_view id, bool fragments, Time90k origin) {
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
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

}  // namespace nightjar::app
