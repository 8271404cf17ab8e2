// GET /api/list?camera=cam1[&stream=main|sub][&from=T][&to=T]: the recordings of one camera
// stream overlapping [from, to), grouped into runs, with the gaps between runs — the seed NVR's
// "segment list", in the shape of `nightjar list --json`. Times in the query are the seed's
// local "2026-02-19T14:00:00" or any form base/time.h ParseTime accepts.
#include <nlohmann/json.hpp>

#include "http/handlers/api.h"
#include "http/handlers/json.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

json ListingJson(const RecordingList& l, std::optional<Time90k> from, std::optional<Time90k> to) {
  json j = {{"camera", l.camera}, {"stream", l.stream}};
  PutTime(j, "from", from);
  PutTime(j, "to", to);
  json& recs = j["recordings"] = json::array();
  uint64_t bytes = 0;
  for (const auto& r : l.recordings) {
    json rj = {
        {"id", r.id},       {"bytes", r.bytes}, {"frames", r.frames}, {"key_frames", r.key_frames},
        {"codec", r.codec}, {"width", r.width}, {"height", r.height}, {"growing", r.growing}};
    PutSpan(rj, r.start, r.end);
    recs.push_back(std::move(rj));
    bytes += r.bytes;
  }
  json& runs = j["runs"] = json::array();
  json& gaps = j["gaps"] = json::array();
  for (size_t i = 0; i < l.runs.size(); ++i) {
    json rj = {{"recordings", l.runs[i].recordings}};
    PutSpan(rj, l.runs[i].start, l.runs[i].end);
    runs.push_back(std::move(rj));
    if (i + 1 < l.runs.size() && l.runs[i].end < l.runs[i + 1].start) {
      json gj;
      PutSpan(gj, l.runs[i].end, l.runs[i + 1].start);
      gaps.push_back(std::move(gj));
    }
  }
  j["total"] = {{"recordings", l.recordings.size()}, {"runs", l.runs.size()}, {"bytes", bytes}};
  return j;
}

}  // namespace

std::optional<Response> ParseTimeParam(const Request& req, std::string_view name,
                                       std::optional<Time90k>& out) {
  auto text = req.Query(name);
  if (!text || text->empty()) return std::nullopt;
  auto t = ParseTime(*text);
  if (!t) return ErrorResponse(400, "bad_request", std::string(name) + ": " + t.error().message());
  out = *t;
  return std::nullopt;
}

Response HandleList(const ApiContext& ctx, const Request& req) {
  auto camera = req.Query("camera");
  if (!camera || camera->empty()) {
    return ErrorResponse(400, "bad_request", "the camera parameter is required");
  }
  const std::string stream(req.Query("stream").value_or("main"));
  if (auto bad = CheckStream(stream)) return std::move(*bad);
  std::optional<Time90k> from, to;
  if (auto bad = ParseTimeParam(req, "from", from)) return std::move(*bad);
  if (auto bad = ParseTimeParam(req, "to", to)) return std::move(*bad);
  if (from && to && *from >= *to) {
    return ErrorResponse(400, "bad_request", "from must be before to");
  }
  auto list = ctx.catalog->ListRecordings(*camera, stream, from, to);
  if (!list) return FromError(list.error());
  return Response::Json(200, ListingJson(*list, from, to));
}

}  // namespace nightjar::http
