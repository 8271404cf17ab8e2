// GET /api/cameras/{id}/thumbnail.jpg?t=T[&stream=main|sub][&w=N]: the recorded key frame at or
// before T as a small JPEG (app/thumbnails.h says why key frames), for the timeline's hover.

#include "base/strings.h"
#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

constexpr int64_t kMinWidth = 64, kMaxWidth = 640, kDefaultWidth = 160;

// T as the other endpoints read times (ParseTime), or a 90 kHz integer as the web app sends.
Result<Time90k> ParseThumbnailTime(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    NJ_TRY(int64_t ticks, ParseInt64(text, 0));
    return Time90k(ticks);
  }
  return ParseTime(text);
}

}  // namespace

Response HandleThumbnail(const ApiContext& ctx, const Request& req) {
  auto text = req.Query("t");
  if (!text || text->empty())
    return ErrorResponse(400, "bad_request", "the t parameter is required");
  auto t = ParseThumbnailTime(*text);
  if (!t) return ErrorResponse(400, "bad_request", "t: " + t.error().message());
  const std::string stream(req.Query("stream").value_or(""));
  if (!stream.empty()) {
    if (auto bad = CheckStream(stream)) return std::move(*bad);
  }
  int64_t width = kDefaultWidth;
  if (auto w = req.Query("w")) {
    auto v = ParseInt64(*w, kMinWidth, kMaxWidth);
    if (!v) return ErrorResponse(400, "bad_request", "w: expected a number from 64 to 640");
    width = *v;
  }
  auto thumb = ctx.media->OpenThumbnail(req.Param("id"), stream, *t, static_cast<uint32_t>(width));
  if (!thumb) {
    Response r = FromError(thumb.error());
    // kAborted: every decode slot is busy (a storm of hovers); the client may ask again.
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  Response r;
  r.content_type = "image/jpeg";
  // The ETag names the stored frame and width; a frame never changes once recorded. A time in a
  // recording still being written may later resolve to another frame: revalidated every time.
  r.source = MemoryBody(*thumb->jpeg, thumb->etag);
  r.headers.emplace_back("Cache-Control",
                         thumb->growing ? "private, no-cache" : "private, max-age=86400");
  r.headers.emplace_back("X-Frame-Time", std::to_string(thumb->frame_time.ticks()));
  r.headers.emplace_back("X-Stream", thumb->stream);
  return r;
}

}  // namespace nightjar::http
