// GET /api/cameras/{id}/view.mp4?from=T&to=T[&stream=main|sub]: any recorded range of a camera
// stream as one .mp4 (ISO BMFF), built on demand over the stored bytes. The server handles Range,
// If-None-Match / If-Range (the ETag is stable for the same content) and HEAD; players seek with
// byte ranges. `from`/`to` are the seed's local "2026-02-19T14:00:00" or any ParseTime form.
#include "http/handlers/api.h"

namespace nightjar::http {

Response HandleViewMp4(const ApiContext& ctx, const Request& req) {
  const std::string& camera = req.Param("id");
  const std::string stream(req.Query("stream").value_or("main"));
  Time90k from, to;
  if (auto bad = ParseRangeQuery(req, &from, &to)) return std::move(*bad);
  auto media = ctx.media->OpenMp4(camera, stream, from, to);
  if (!media) return FromError(media.error());
  Response r;
  r.content_type = media->content_type;
  r.source = media->source;
  r.headers.emplace_back("Content-Disposition", "inline; filename=\"" + media->filename + "\"");
  // Where presentation time 0 lies (90 kHz wall time), so that a player can map its clock to
  // wall time exactly (the web app's playhead and in-file seeks).
  r.headers.emplace_back("X-Start-90k", std::to_string(media->start.ticks()));
  return r;
}

}  // namespace nightjar::http
