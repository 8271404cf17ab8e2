// `nightjar status [--data DIR | --config F] [--json]`: what a data directory holds — the
// database, each sample-file directory with its file system's free space, each camera stream with
// its budget and usage, and the database's opens. Offline: nightjar.db is opened read-only
// (db::OpenMode::kReadOnly), which works while `nightjar run` records into it (WAL mode, see
// db/database.h), and the sample-file directories are only stat'ed, never opened or locked.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/json_time.h"
#include "app/status_file.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/data_dir.h"
#include "db/database.h"

namespace nightjar::cli {
namespace {

using app::PutTime;

using nlohmann::json;

struct StatusOptions {
  DataDirOptions dir;
  bool json = false;
};

struct DirStatus {
  db::SampleFileDirRow row;
  Result<FsStats> fs = FsStats{};
  int64_t used_bytes = 0;  // sample_file_bytes of every recording of the streams stored here
};

struct StreamStatus {
  db::StreamRow row;
  db::StreamUsage usage;
  int64_t writing = 0;  // recordings in state WRITING (being written, or awaiting recovery)
};

struct CameraStatus {
  db::CameraRow row;
  std::vector<StreamStatus> streams;
};

struct Status {
  std::string data_dir;
  std::string db_path;
  uint64_t db_bytes = 0;
  uint64_t wal_bytes = 0;  // 0 when there is no -wal file
  std::vector<DirStatus> dirs;
  std::vector<CameraStatus> cameras;
  std::vector<db::OpenRow> opens;  // oldest first
};

Result<std::vector<CameraStatus>> GatherCameras(db::Database& d) {
  NJ_TRY(auto writing_rows, d.ListRecordingsByState(db::RecordingState::kWriting));
  std::map<int64_t, int64_t> writing;  // stream id -> count
  for (const auto& r : writing_rows) writing[r.stream_id]++;
  NJ_TRY(auto cameras, d.ListCameras());
  std::vector<CameraStatus> out;
  for (auto& c : cameras) {
    CameraStatus cs{std::move(c), {}};
    NJ_TRY(auto streams, d.ListStreams(cs.row.id));
    for (auto& s : streams) {
      NJ_TRY(auto usage, d.GetStreamUsage(s.id));
      const int64_t w = writing[s.id];
      cs.streams.push_back({s, usage, w});
    }
    out.push_back(std::move(cs));
  }
  return out;
}

Result<Status> Gather(Fs& fs, db::Database& d, const std::string& data_dir) {
  Status st;
  st.data_dir = data_dir;
  st.db_path = data_dir + "/nightjar.db";
  NJ_TRY(st.db_bytes, fs.FileSize(st.db_path));
  if (auto wal = fs.FileSize(st.db_path + "-wal")) st.wal_bytes = *wal;
  NJ_TRY(st.cameras, GatherCameras(d));
  NJ_TRY(auto dirs, d.ListSampleFileDirs());
  for (auto& row : dirs) {
    DirStatus ds{std::move(row), {}, 0};
    ds.fs = fs.StatFs(ds.row.path);  // a missing disk is reported, not fatal
    for (const auto& c : st.cameras) {
      for (const auto& s : c.streams) {
        if (s.row.sample_file_dir_id == ds.row.id) ds.used_bytes += s.usage.sample_file_bytes;
      }
    }
    st.dirs.push_back(std::move(ds));
  }
  NJ_TRY(st.opens, d.ListOpens());
  return st;
}

// ---- JSON -------------------------------------------------------------------------------------

json OpenJson(const db::OpenRow& o) {
  json j = {{"id", o.id}, {"clean_shutdown", o.end.has_value()}};
  PutTime(j, "start", o.start);
  PutTime(j, "end", o.end);
  return j;
}

json StreamJson(const StreamStatus& s) {
  json j = {{"id", s.row.id},
            {"kind", db::StreamKindName(s.row.kind)},
            {"record", s.row.record},
            {"sample_file_dir_id",
             s.row.sample_file_dir_id ? json(*s.row.sample_file_dir_id) : json(nullptr)},
            {"retain_bytes", s.row.retain_bytes},
            {"retain_secs", s.row.retain_secs ? json(*s.row.retain_secs) : json(nullptr)},
            {"recordings", s.usage.recordings},
            {"bytes", s.usage.sample_file_bytes},
            {"writing", s.writing}};
  PutTime(j, "oldest_start", s.usage.oldest_start);
  PutTime(j, "newest_end", s.usage.newest_end);
  return j;
}

json StatusJson(const Status& st) {
  json j = {
      {"data_dir", st.data_dir},
      {"database", {{"path", st.db_path}, {"bytes", st.db_bytes}, {"wal_bytes", st.wal_bytes}}}};
  json& dirs = j["sample_file_dirs"] = json::array();
  for (const auto& d : st.dirs) {
    json dj = {{"id", d.row.id},
               {"path", d.row.path},
               {"min_free_bytes", d.row.min_free_bytes},
               {"used_bytes", d.used_bytes}};
    if (d.fs) {
      dj["free_bytes"] = d.fs->free_bytes;
      dj["total_bytes"] = d.fs->total_bytes;
    } else {
      dj["error"] = d.fs.error().ToString();
    }
    dirs.push_back(std::move(dj));
  }
  json& cameras = j["cameras"] = json::array();
  for (const auto& c : st.cameras) {
    json cj = {{"id", c.row.id}, {"short_name", c.row.short_name}, {"name", c.row.name}};
    json& streams = cj["streams"] = json::array();
    for (const auto& s : c.streams) streams.push_back(StreamJson(s));
    cameras.push_back(std::move(cj));
  }
  int64_t unclean = 0;
  for (const auto& o : st.opens) unclean += o.end ? 0 : 1;
  j["opens"] = {{"count", st.opens.size()},
                {"unclean", unclean},
                {"last", st.opens.empty() ? json(nullptr) : OpenJson(st.opens.back())}};
  return j;
}

// ---- Human-readable ---------------------------------------------------------------------------

// Decimal units, like disk vendors and `df -H`: "532 B", "12.3 MB".
std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(kUnits)) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[u]);
  return buf;
}

std::string LocalOrDash(std::optional<Time90k> t) { return t ? FormatLocalDateTime(*t) : "-"; }

void PrintOpens(const std::vector<db::OpenRow>& opens) {
  if (opens.empty()) {
    std::printf("last open       never opened read-write\n");
    return;
  }
  const db::OpenRow& last = opens.back();
  int64_t unclean = 0;
  for (const auto& o : opens) unclean += o.end ? 0 : 1;
  std::printf("last open       #%lld started %s, %s\n", static_cast<long long>(last.id),
              FormatLocalDateTime(last.start).c_str(),
              last.end ? ("shut down cleanly " + FormatLocalDateTime(*last.end)).c_str()
                       : "not shut down cleanly (still running, or crashed)");
  std::printf("opens           %zu, %lld without a clean shutdown\n", opens.size(),
              static_cast<long long>(unclean));
}

void PrintDirs(const std::vector<DirStatus>& dirs) {
  std::printf("\nsample-file directories\n");
  int w = 4;
  for (const auto& d : dirs) w = std::max(w, static_cast<int>(d.row.path.size()));
  std::printf("  %-*s  %10s  %10s  %10s\n", w, "PATH", "USED", "FREE", "TOTAL");
  for (const auto& d : dirs) {
    std::printf("  %-*s  %10s  %10s  %10s%s\n", w, d.row.path.c_str(),
                FormatBytes(d.used_bytes).c_str(),
                d.fs ? FormatBytes(d.fs->free_bytes).c_str() : "?",
                d.fs ? FormatBytes(d.fs->total_bytes).c_str() : "?",
                d.fs ? "" : ("  (" + d.fs.error().message() + ")").c_str());
  }
}

void PrintCameras(const std::vector<CameraStatus>& cameras) {
  std::printf("\ncameras\n");
  int wc = 6, wn = 4;
  for (const auto& c : cameras) {
    wc = std::max(wc, static_cast<int>(c.row.short_name.size()));
    wn = std::max(wn, static_cast<int>(c.row.name.size()));
  }
  std::printf("  %-*s  %-*s  %-6s  %10s  %10s  %10s  %8s  %-19s  %-19s  %7s\n", wc, "CAMERA", wn,
              "NAME", "STREAM", "RECORDINGS", "USED", "BUDGET", "MAX AGE", "OLDEST START",
              "NEWEST END", "WRITING");
  for (const auto& c : cameras) {
    for (const auto& s : c.streams) {
      const std::string age =
          s.row.retain_secs ? FormatDuration(Duration90k::FromSeconds(*s.row.retain_secs)) : "-";
      std::printf("  %-*s  %-*s  %-6s  %10lld  %10s  %10s  %8s  %-19s  %-19s  %7lld\n", wc,
                  c.row.short_name.c_str(), wn, c.row.name.c_str(),
                  std::string(db::StreamKindName(s.row.kind)).c_str(),
                  static_cast<long long>(s.usage.recordings),
                  FormatBytes(s.usage.sample_file_bytes).c_str(),
                  (s.row.retain_bytes >= (int64_t{1} << 62) ? std::string("free space")
                                                            : FormatBytes(s.row.retain_bytes))
                      .c_str(),
                  age.c_str(), LocalOrDash(s.usage.oldest_start).c_str(),
                  LocalOrDash(s.usage.newest_end).c_str(), static_cast<long long>(s.writing));
    }
    if (c.streams.empty()) {
      std::printf("  %-*s  %-*s  (no streams)\n", wc, c.row.short_name.c_str(), wn,
                  c.row.name.c_str());
    }
  }
}

void PrintStatus(const Status& st) {
  std::printf("data directory  %s\n", st.data_dir.c_str());
  std::printf("database        %s  %s%s\n", st.db_path.c_str(), FormatBytes(st.db_bytes).c_str(),
              st.wal_bytes ? (" (+ " + FormatBytes(st.wal_bytes) + " WAL)").c_str() : "");
  PrintOpens(st.opens);
  PrintDirs(st.dirs);
  PrintCameras(st.cameras);
}

void PrintLive(const std::optional<json>& live) {
  if (!live) {
    std::printf("\nlive            no `nightjar run` is publishing stream status here\n");
    return;
  }
  std::printf("\nlive streams (nightjar run pid %lld, updated %s%s)\n",
              static_cast<long long>(live->value("pid", int64_t{0})),
              live->value("updated", std::string("?")).c_str(),
              live->value("stale", false) ? ", STALE: the daemon is not updating it" : "");
  std::printf("  %-12s %-4s %-10s %-5s %7s %9s %10s %6s %6s %6s  %s\n", "CAMERA", "KIND", "STATE",
              "TRANS", "FPS", "Mbit/s", "FRAMES", "RECON", "RESYNC", "LOST", "LAST ERROR");
  for (const json& s : live->value("streams", json::array())) {
    const std::string err = s.value("last_error", json()).is_string() ? s["last_error"] : "";
    const std::string transport = s.value("transport", json()).is_string() ? s["transport"] : "-";
    std::printf("  %-12s %-4s %-10s %-5s %7.1f %9.2f %10llu %6llu %6llu %6llu  %s\n",
                s.value("camera", "").c_str(), s.value("stream", "").c_str(),
                s.value("state", "").c_str(), transport.c_str(), s.value("fps", 0.0),
                s.value("bitrate_bps", 0.0) / 1e6,
                static_cast<unsigned long long>(s.value("frames", uint64_t{0})),
                static_cast<unsigned long long>(s.value("reconnects", uint64_t{0})),
                static_cast<unsigned long long>(s.value("resyncs", uint64_t{0})),
                static_cast<unsigned long long>(s.value("packets_lost", uint64_t{0})), err.c_str());
  }
}

int RunStatus(const StatusOptions& o) {
  auto data = ResolveDataDir(o.dir);
  if (!data) {
    std::fprintf(stderr, "status: %s\n", data.error().message().c_str());
    return kExitUsage;
  }
  PosixFs fs;
  RealClock clock;
  auto d = db::Database::Open(*data + "/nightjar.db", db::OpenMode::kReadOnly, clock);
  if (!d) {
    std::fprintf(stderr, "status: cannot open %s/nightjar.db: %s\n", data->c_str(),
                 d.error().ToString().c_str());
    return kExitNotFound;
  }
  auto st = Gather(fs, **d, *data);
  if (!st) {
    std::fprintf(stderr, "status: %s\n", st.error().ToString().c_str());
    return kExitNotFound;
  }
  // Live stream statistics, when a `nightjar run` on this directory publishes them.
  std::optional<json> live = app::ReadStreamStatus(*data + "/status.json");
  if (live) {
    const int64_t updated = live->value("updated_90k", int64_t{0});
    (*live)["stale"] = (clock.Now() - Time90k(updated)).ticks() > app::kStaleAfter.ticks();
  }
  if (o.json) {
    json j = StatusJson(*st);
    j["live"] = live ? *live : json(nullptr);
    // Names are stored as given; invalid UTF-8 is replaced rather than thrown on.
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    PrintStatus(*st);
    PrintLive(live);
  }
  return kExitOk;
}

}  // namespace

Command RegisterStatus(CLI::App& app) {
  auto o = std::make_shared<StatusOptions>();
  AddDataDirOptions(app, o->dir);
  app.add_flag("--json", o->json, "Print one JSON object instead of tables");
  return [o] { return RunStatus(*o); };
}

}  // namespace nightjar::cli
