// `nightjar list --camera ID [--stream main|sub] [--from T] [--to T] [--data DIR | --config F]
// [--json]`: the recordings of one camera stream that overlap [from, to), grouped into runs
// (docs/schema.md: the recordings sharing a run_start_id were recorded back to back from one
// connection), with the gaps between runs. Offline: nightjar.db is opened read-only, which works
// while `nightjar run` records into it (WAL mode, see db/database.h).
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "app/catalog.h"
#include "app/json_time.h"
#include "base/clock.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/data_dir.h"
#include "db/database.h"

namespace nightjar::cli {
namespace {

using app::PutTime;

using nlohmann::json;

struct ListOptions {
  DataDirOptions dir;
  std::string camera;
  std::string stream = "main";
  std::string from, to;
  bool json = false;
};

// [from, to) as given on the command line (absent: unbounded).
struct Range {
  std::optional<Time90k> from, to;
};

using app::Listing;
using db::RunSpan;

// A usage error (exit 2) or a lookup failure (exit 1), with the message for stderr.
struct Failure {
  int code;
  std::string message;
};

std::optional<Failure> ParseRange(const ListOptions& o, Range& r) {
  for (auto [flag, text, out] :
       {std::tuple{"--from", &o.from, &r.from}, std::tuple{"--to", &o.to, &r.to}}) {
    if (text->empty()) continue;
    auto t = ParseTime(*text);
    if (!t) return Failure{kExitUsage, std::string(flag) + ": " + t.error().message()};
    *out = *t;
  }
  if (r.from && r.to && *r.from >= *r.to) {
    return Failure{kExitUsage, "--from must be before --to"};
  }
  return std::nullopt;
}

// ---- Output -----------------------------------------------------------------------------------

std::string IdOf(const db::RecordingRow& r) { return app::RecordingName(r); }

std::string Resolution(const db::SampleEntryRow& e) {
  if (!e.width || !e.height) return "-";
  return std::to_string(*e.width) + "x" + std::to_string(*e.height);
}

std::string StateOf(const db::RecordingRow& r) {
  return std::string(db::RecordingStateName(r.state)) +
         (r.flags & db::kRecordingProtected ? ",protected" : "");
}

void PutSpan(json& j, Time90k start, Time90k end) {
  PutTime(j, "start", start);
  PutTime(j, "end", end);
  j["duration_90k"] = (end - start).ticks();
  j["duration_s"] = (end - start).ToSeconds();
}

json RecordingJson(const db::RecordingRow& r, const db::SampleEntryRow& e) {
  json j = {{"id", IdOf(r)},
            {"composite_id", r.composite_id},
            {"run_start_id", r.run_start_id},
            {"bytes", r.sample_file_bytes},
            {"mb", static_cast<double>(r.sample_file_bytes) / 1e6},
            {"frames", r.video_samples},
            {"key_frames", r.video_sync_samples},
            {"audio_samples", r.audio_samples},
            {"media_duration_90k", r.media_duration.ticks()},
            {"codec", e.codec},
            {"width", e.width ? json(*e.width) : json(nullptr)},
            {"height", e.height ? json(*e.height) : json(nullptr)},
            {"resolution", Resolution(e)},
            {"state", db::RecordingStateName(r.state)},
            {"protected", (r.flags & db::kRecordingProtected) != 0}};
  PutSpan(j, r.start, r.end());
  return j;
}

json ListingJson(const Listing& l, const Range& range) {
  json j = {{"camera",
             {{"id", l.camera.id}, {"short_name", l.camera.short_name}, {"name", l.camera.name}}},
            {"stream", {{"id", l.stream.id}, {"kind", db::StreamKindName(l.stream.kind)}}}};
  PutTime(j, "from", range.from);
  PutTime(j, "to", range.to);
  json& recs = j["recordings"] = json::array();
  int64_t bytes = 0;
  Duration90k total;
  for (const auto& r : l.recordings) {
    recs.push_back(RecordingJson(r, l.entries.at(r.video_sample_entry_id)));
    bytes += r.sample_file_bytes;
    total += r.wall_duration;
  }
  json& runs = j["runs"] = json::array();
  json& gaps = j["gaps"] = json::array();
  for (size_t i = 0; i < l.runs.size(); ++i) {
    const RunSpan& run = l.runs[i];
    json rj = {{"recordings", run.count},
               {"first_id", IdOf(l.recordings[run.first])},
               {"last_id", IdOf(l.recordings[run.first + run.count - 1])}};
    PutSpan(rj, run.start, run.end);
    runs.push_back(std::move(rj));
    if (i + 1 < l.runs.size()) {
      json gj;
      PutSpan(gj, run.end, l.runs[i + 1].start);
      gaps.push_back(std::move(gj));
    }
  }
  j["total"] = {{"recordings", l.recordings.size()},
                {"runs", l.runs.size()},
                {"bytes", bytes},
                {"duration_90k", total.ticks()},
                {"duration_s", total.ToSeconds()}};
  return j;
}

void PrintListing(const Listing& l) {
  int64_t bytes = 0;
  for (const auto& r : l.recordings) bytes += r.sample_file_bytes;
  std::printf("%s \"%s\" %s stream: %zu recording%s in %zu run%s, %.1f MB\n",
              l.camera.short_name.c_str(), l.camera.name.c_str(),
              std::string(db::StreamKindName(l.stream.kind)).c_str(), l.recordings.size(),
              l.recordings.size() == 1 ? "" : "s", l.runs.size(), l.runs.size() == 1 ? "" : "s",
              static_cast<double>(bytes) / 1e6);
  int wid = 2, wcodec = 5;
  for (const auto& r : l.recordings) {
    wid = std::max(wid, static_cast<int>(IdOf(r).size()));
    const auto& e = l.entries.at(r.video_sample_entry_id);
    wcodec = std::max(wcodec, static_cast<int>(e.codec.size()));
  }
  for (size_t i = 0; i < l.runs.size(); ++i) {
    const RunSpan& run = l.runs[i];
    std::printf("\nrun %zu: %s .. %s  %.3f s, %zu recordings\n", i + 1,
                FormatLocalDateTime(run.start).c_str(), FormatLocalDateTime(run.end).c_str(),
                (run.end - run.start).ToSeconds(), run.count);
    std::printf("  %-*s  %-19s  %-19s  %10s  %10s  %8s  %6s  %4s  %-*s  %-10s  %s\n", wid, "ID",
                "START", "END", "DURATION s", "BYTES", "MB", "FRAMES", "KEY", wcodec, "CODEC",
                "RESOLUTION", "STATE");
    for (size_t k = run.first; k < run.first + run.count; ++k) {
      const db::RecordingRow& r = l.recordings[k];
      const auto& e = l.entries.at(r.video_sample_entry_id);
      std::printf("  %-*s  %-19s  %-19s  %10.3f  %10lld  %8.2f  %6lld  %4lld  %-*s  %-10s  %s\n",
                  wid, IdOf(r).c_str(), FormatLocalDateTime(r.start).c_str(),
                  FormatLocalDateTime(r.end()).c_str(), r.wall_duration.ToSeconds(),
                  static_cast<long long>(r.sample_file_bytes),
                  static_cast<double>(r.sample_file_bytes) / 1e6,
                  static_cast<long long>(r.video_samples),
                  static_cast<long long>(r.video_sync_samples), wcodec, e.codec.c_str(),
                  Resolution(e).c_str(), StateOf(r).c_str());
    }
    if (i + 1 < l.runs.size()) {
      std::printf("\ngap: %s .. %s  %s\n", FormatLocalDateTime(run.end).c_str(),
                  FormatLocalDateTime(l.runs[i + 1].start).c_str(),
                  FormatDuration(l.runs[i + 1].start - run.end).c_str());
    }
  }
}

int RunList(const ListOptions& o) {
  Range range;
  if (auto bad = ParseRange(o, range)) {
    std::fprintf(stderr, "list: %s\n", bad->message.c_str());
    return bad->code;
  }
  auto kind = db::ParseStreamKind(o.stream);
  if (!kind) {
    std::fprintf(stderr, "list: --stream: %s\n", kind.error().message().c_str());
    return kExitUsage;
  }
  auto data = ResolveDataDir(o.dir);
  if (!data) {
    std::fprintf(stderr, "list: %s\n", data.error().message().c_str());
    return kExitUsage;
  }
  RealClock clock;
  auto d = db::Database::Open(*data + "/nightjar.db", db::OpenMode::kReadOnly, clock);
  if (!d) {
    std::fprintf(stderr, "list: cannot open %s/nightjar.db: %s\n", data->c_str(),
                 d.error().ToString().c_str());
    return kExitNotFound;
  }
  auto listing = app::LoadListing(**d, o.camera, *kind, range.from, range.to);
  if (!listing) {
    std::fprintf(stderr, "list: %s\n", listing.error().message().c_str());
    return kExitNotFound;
  }
  if (o.json) {
    // Names are stored as given; invalid UTF-8 is replaced rather than thrown on.
    std::printf(
        "%s\n",
        ListingJson(*listing, range).dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    PrintListing(*listing);
  }
  return kExitOk;
}

}  // namespace

Command RegisterList(CLI::App& app) {
  auto o = std::make_shared<ListOptions>();
  app.add_option("--camera", o->camera, "Camera short name (e.g. cam1)")->required();
  app.add_option("--stream", o->stream, "main or sub")->default_str("main");
  app.add_option("--from", o->from,
                 "Start of the range: 2026-02-19T14:00:00 (local) or ISO 8601 with an offset");
  app.add_option("--to", o->to, "End of the range (exclusive), in the same forms as --from");
  AddDataDirOptions(app, o->dir);
  app.add_flag("--json", o->json, "Print one JSON object instead of tables");
  return [o] { return RunList(*o); };
}

}  // namespace nightjar::cli
