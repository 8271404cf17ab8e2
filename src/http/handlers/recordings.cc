// What a timeline needs of a camera stream's recordings, without the recordings themselves:
//
//   GET /api/cameras/{id}/recordings[?stream=][&from=T][&to=T][&limit=N][&cursor=C]
//     the runs (recordings made back to back from one connection) overlapping [from, to),
//     clipped to it, oldest first, `limit` per page, with the gaps between them; `next` is the
//     cursor of the following page (null on the last), `total` sums the whole range.
//   GET /api/cameras/{id}/days[?stream=][&tz=+01:00]
//     every calendar day that has recordings, with the seconds recorded on it, in the given UTC
//     offset or (without tz) the server's local time zone, daylight saving time included.
#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "http/handlers/api.h"
#include "http/handlers/json.h"

namespace nightjar::http {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultLimit = 1000;
constexpr int64_t kMaxLimit = 10000;

// A run of the listing with what the timeline shows about it, clipped to the range.
struct Run {
  Time90k start, end;
  int64_t recordings = 0;
  uint64_t bytes = 0;
  int64_t frames = 0;
  bool growing = false;
  std::string codec;
  uint32_t width = 0, height = 0;
};

std::vector<Run> Runs(const RecordingList& l, std::optional<Time90k> from,
                      std::optional<Time90k> to) {
  std::vector<Run> runs;
  runs.reserve(l.runs.size());
  size_t next = 0;
  for (const RunInfo& info : l.runs) {
    Run r;
    r.start = from ? std::max(info.start, *from) : info.start;
    r.end = to ? std::min(info.end, *to) : info.end;
    r.recordings = info.recordings;
    for (int64_t i = 0; i < info.recordings && next < l.recordings.size(); ++i, ++next) {
      const RecordingInfo& rec = l.recordings[next];
      if (i == 0) {
        r.codec = rec.codec;
        r.width = rec.width;
        r.height = rec.height;
      }
      r.bytes += rec.bytes;
      r.frames += rec.frames;
      r.growing = rec.growing;
    }
    if (r.start < r.end) runs.push_back(std::move(r));
  }
  return runs;
}

json RunJson(const Run& r) {
  json j = {{"recordings", r.recordings}, {"bytes", r.bytes}, {"frames", r.frames},
            {"growing", r.growing},       {"codec", r.codec}, {"width", r.width},
            {"height", r.height}};
  PutSpan(j, r.start, r.end);
  return j;
}

}  // namespace

Response HandleRecordings(const ApiContext& ctx, const Request& req) {
  const std::string stream(req.Query("stream").value_or("main"));
  if (auto bad = CheckStream(stream)) return std::move(*bad);
  std::optional<Time90k> from, to;
  if (auto bad = ParseTimeParam(req, "from", from)) return std::move(*bad);
  if (auto bad = ParseTimeParam(req, "to", to)) return std::move(*bad);
  if (from && to && *from >= *to) {
    return ErrorResponse(400, "bad_request", "from must be before to");
  }
  int64_t limit = kDefaultLimit;
  if (auto text = req.Query("limit")) {
    auto v = ParseInt64(*text, 1, kMaxLimit);
    if (!v) {
      return ErrorResponse(400, "bad_request", "limit: expected 1 to " + std::to_string(kMaxLimit));
    }
    limit = *v;
  }
  // The cursor: "<start>" or "<start>.<skip>": the runs from the first starting at or after
  // `start` (a clipped start, 90 kHz), the first `skip` of those starting exactly there left out
  // (runs that share a start, after a clock step back, are not repeated or lost between pages).
  std::optional<int64_t> cursor;
  int64_t skip = 0;
  if (auto text = req.Query("cursor"); text && !text->empty()) {
    const size_t dot = text->find('.');
    auto start = ParseInt64(text->substr(0, dot));
    auto skipped =
        dot == std::string_view::npos ? Result<int64_t>(0) : ParseInt64(text->substr(dot + 1), 0);
    if (!start || !skipped) {
      return ErrorResponse(400, "bad_request", "cursor: not one this API gave");
    }
    cursor = *start;
    skip = *skipped;
  }
  const std::string& camera = req.Param("id");
  auto list = ctx.catalog->ListRecordings(camera, stream, from, to);
  if (!list) return FromError(list.error());
  const std::vector<Run> runs = Runs(*list, from, to);

  json j = {{"camera", camera}, {"stream", stream}};
  PutTime(j, "from", from);
  PutTime(j, "to", to);
  // The page: runs starting at or after the cursor (a run's clipped start, in 90 kHz ticks).
  size_t first = 0;
  if (cursor) {
    first = static_cast<size_t>(
        std::lower_bound(runs.begin(), runs.end(), *cursor,
                         [](const Run& r, int64_t c) { return r.start.ticks() < c; }) -
        runs.begin());
    first = std::min(runs.size(), first + static_cast<size_t>(std::min<int64_t>(skip, INT32_MAX)));
  }
  const size_t last = std::min(runs.size(), first + static_cast<size_t>(limit));
  json& page = j["runs"] = json::array();
  json& gaps = j["gaps"] = json::array();
  for (size_t i = first; i < last; ++i) {
    // The gap before each run of the page, the one before the page's first run included.
    if (i > 0 && runs[i - 1].end < runs[i].start) {
      json g;
      PutSpan(g, runs[i - 1].end, runs[i].start);
      gaps.push_back(std::move(g));
    }
    page.push_back(RunJson(runs[i]));
  }
  j["next"] = nullptr;
  if (last < runs.size()) {
    const Time90k t = runs[last].start;
    size_t same = 0;  // runs before the next page that start where it does
    while (same < last && runs[last - 1 - same].start == t) ++same;
    j["next"] = std::to_string(t.ticks()) + (same ? "." + std::to_string(same) : "");
  }
  uint64_t bytes = 0;
  Duration90k recorded(0);
  for (const Run& r : runs) {
    bytes += r.bytes;
    recorded += r.end - r.start;
  }
  j["total"] = {{"runs", runs.size()},
                {"recordings", list->recordings.size()},
                {"bytes", bytes},
                {"recorded_s", recorded.ToSeconds()}};
  return Response::Json(200, j);
}

Response HandleDays(const ApiContext& ctx, const Request& req) {
  const std::string stream(req.Query("stream").value_or("main"));
  if (auto bad = CheckStream(stream)) return std::move(*bad);
  std::optional<int64_t> offset;
  if (auto text = req.Query("tz"); text && !text->empty()) {
    offset = ParseUtcOffset(*text);
    if (!offset) {
      return ErrorResponse(400, "bad_request",
                           "tz: expected a UTC offset such as +01:00, -05:30 or Z");
    }
  }
  const std::string& camera = req.Param("id");
  auto days = ctx.catalog->RecordingDays(camera, stream, offset);
  if (!days) return FromError(days.error());
  json j = {{"camera", camera}, {"stream", stream}};
  j["tz"] = offset ? json(std::string(*req.Query("tz"))) : json("local");
  json& out = j["days"] = json::array();
  for (const DayTotal& d : *days) {
    json dj = {
        {"date", d.date}, {"recorded_s", d.recorded.ToSeconds()}, {"recordings", d.recordings}};
    PutTime(dj, "first", d.first);
    PutTime(dj, "last", d.last);
    out.push_back(std::move(dj));
  }
  return Response::Json(200, j);
}

}  // namespace nightjar::http
