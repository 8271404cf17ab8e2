// Recorded media beyond view.mp4: the seed's GET /api/export (MPEG-TS by default, .mp4 with
// format=mp4) and VOD HLS (GET /api/hls/{camera}/vod.m3u8?from&to, its segments under
// segment/ts/{id}; with format=fmp4, fragmented MP4 segments under segment/fmp4/{id} and their
// init segments under init/{id}, which MSE players append as they are). TS segments are muxed
// while they are sent; fMP4 ones (a few MB) in memory, so they have a length and take Range.
#include <cmath>

#include "base/strings.h"
#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

constexpr int64_t kVodSegmentTarget = 4 * kTicksPerSecond;

std::string StreamQuery(const std::string& stream) {
  return stream == "main" ? "" : "?stream=" + stream;
}

std::string IsoUtcMs(Time90k t) {
  const int64_t ms = t.ToUnixMillis();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

}  // namespace

std::optional<Response> ParseRangeQuery(const Request& req, Time90k* from, Time90k* to) {
  const char* names[2] = {"from", "to"};
  Time90k* out[2] = {from, to};
  for (int i = 0; i < 2; ++i) {
    auto text = req.Query(names[i]);
    if (!text || text->empty()) {
      return ErrorResponse(400, "bad_request", std::string(names[i]) + " is required");
    }
    auto t = ParseTime(*text);
    if (!t) {
      return ErrorResponse(400, "bad_request", std::string(names[i]) + ": " + t.error().message());
    }
    *out[i] = *t;
  }
  if (*from >= *to) return ErrorResponse(400, "bad_request", "from must be before to");
  return std::nullopt;
}

Response StreamResponse(StreamBody body, bool attachment) {
  Response r;
  r.content_type = body.content_type;
  r.stream = std::move(body.stream);
  r.headers.emplace_back("Content-Disposition", std::string(attachment ? "attachment" : "inline") +
                                                    "; filename=\"" + body.filename + "\"");
  return r;
}

Response HandleExport(const ApiContext& ctx, const Request& req) {
  auto camera = req.Query("camera");
  if (!camera || camera->empty()) return ErrorResponse(400, "bad_request", "camera is required");
  const std::string stream(req.Query("stream").value_or("main"));
  const std::string format(req.Query("format").value_or("ts"));
  if (format != "ts" && format != "mp4") {
    return ErrorResponse(400, "bad_request", "format: expected ts or mp4, got \"" + format + "\"");
  }
  Time90k from, to;
  if (auto bad = ParseRangeQuery(req, &from, &to)) return std::move(*bad);
  AuditRequest(
      ctx, req, "export", *camera,
      {{"stream", stream}, {"format", format}, {"from", from.ticks()}, {"to", to.ticks()}});
  if (format == "mp4") {
    auto media = ctx.media->OpenMp4(*camera, stream, from, to);
    if (!media) return FromError(media.error());
    Response r;
    r.content_type = media->content_type;
    r.source = media->source;
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + media->filename + "\"");
    return r;
  }
  auto ts = ctx.media->OpenTs(*camera, stream, from, to);
  if (!ts) return FromError(ts.error());
  return StreamResponse(std::move(*ts), true);
}

Response HandleVodPlaylist(const ApiContext& ctx, const Request& req) {
  const std::string& camera = req.Param("camera");
  const std::string stream(req.Query("stream").value_or("main"));
  const std::string format(req.Query("format").value_or("ts"));
  if (format != "ts" && format != "fmp4") {
    return ErrorResponse(400, "bad_request", "format: expected ts or fmp4, got \"" + format + "\"");
  }
  const bool fmp4 = format == "fmp4";
  Time90k from, to;
  if (auto bad = ParseRangeQuery(req, &from, &to)) return std::move(*bad);
  auto segments = ctx.media->VodSegments(camera, stream, from, to, kVodSegmentTarget);
  if (!segments) return FromError(segments.error());
  int64_t longest = 1;
  for (const auto& s : *segments) longest = std::max(longest, s.duration_90k);
  const std::string query = WithSignature(req, StreamQuery(stream));
  // fMP4 decode times count from the playlist's first segment (t0), so players' timelines start
  // at 0 rather than at the Unix epoch's 56 years.
  const std::string fmp4_query =
      (query.empty() ? "?" : query + "&") + "t0=" + std::to_string((*segments)[0].start.ticks());
  // EXT-X-MAP needs version 6 (RFC 8216 §7).
  std::string p =
      std::string("#EXTM3U\n#EXT-X-VERSION:") + (fmp4 ? "6" : "3") + "\n#EXT-X-PLAYLIST-TYPE:VOD\n";
  p += "#EXT-X-TARGETDURATION:" + std::to_string((longest + kTicksPerSecond - 1) / kTicksPerSecond);
  p += "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (size_t i = 0; i < segments->size(); ++i) {
    const VodSegment& s = (*segments)[i];
    if (i > 0 && s.discontinuity) p += "#EXT-X-DISCONTINUITY\n";
    if (i == 0 || s.discontinuity) {
      p += "#EXT-X-PROGRAM-DATE-TIME:" + IsoUtcMs(s.start) + "\n";
      // Codec parameters can change only where a discontinuity is: a new init segment there.
      if (fmp4) p += "#EXT-X-MAP:URI=\"init/" + s.id + ".mp4" + query + "\"\n";
    }
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.5f", static_cast<double>(s.duration_90k) / kTicksPerSecond);
    p += std::string("#EXTINF:") + dur + ",\n";
    p += fmp4 ? "segment/fmp4/" + s.id + ".m4s" + fmp4_query : "segment/ts/" + s.id + ".ts" + query;
    p += "\n";
  }
  p += "#EXT-X-ENDLIST\n";
  Response r = Response::Text(200, std::move(p), "application/vnd.apple.mpegurl");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

Response HandleVodSegment(const ApiContext& ctx, const Request& req, const std::string& id) {
  const std::string stream(req.Query("stream").value_or("main"));
  auto body = ctx.media->OpenVodSegment(req.Param("camera"), stream, id);
  if (!body) return FromError(body.error());
  const bool growing = body->growing;
  Response r = StreamResponse(std::move(*body), false);
  r.headers.emplace_back("Cache-Control", growing ? "no-cache" : "private, max-age=3600");
  return r;
}

Response HandleVodFmp4(const ApiContext& ctx, const Request& req, bool fragments) {
  std::string_view id = req.Param("id");
  const std::string_view ext = fragments ? ".m4s" : ".mp4";
  if (id.ends_with(ext)) id.remove_suffix(ext.size());
  const std::string stream(req.Query("stream").value_or("main"));
  Time90k origin(0);
  if (auto t0 = req.Query("t0"); t0 && !t0->empty()) {
    auto v = ParseInt64(*t0, 0);
    if (!v) return ErrorResponse(400, "bad_request", "t0: expected a 90 kHz time");
    origin = Time90k(*v);
  }
  auto seg = ctx.media->OpenVodFmp4(req.Param("camera"), stream, id, fragments, origin);
  if (!seg) return FromError(seg.error());
  Response r;
  r.content_type = "video/mp4";
  // Segment ids name stored frames, which never change once their recording is written: the
  // bytes are those of the id (and, for fragments, of the origin their decode times count
  // from). A segment of the recording being written may still change: neither cached nor tagged.
  std::string etag;
  if (!seg->growing) {
    etag = "\"" + std::string(fragments ? "m4s-" : "init-") + stream + "-" + std::string(id);
    if (fragments) etag += "-" + std::to_string(origin.ticks());
    etag += "\"";
  }
  r.source = MemoryBody(fragments ? std::move(seg->fragments) : std::move(seg->init), etag);
  r.headers.emplace_back("Cache-Control", seg->growing ? "no-cache" : "private, max-age=3600");
  r.headers.emplace_back("X-Codecs", seg->codecs);
  return r;
}

Response HandleVodInit(const ApiContext& ctx, const Request& req) {
  return HandleVodFmp4(ctx, req, false);
}

Response HandleVodFragments(const ApiContext& ctx, const Request& req) {
  return HandleVodFmp4(ctx, req, true);
}

}  // namespace nightjar::http
