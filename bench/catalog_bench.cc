// catalog_bench: what the database costs the API's listings on a site that has recorded for a
// while. Fills a fresh database (in a temporary directory under $TMPDIR or /tmp, removed at the
// end) with --streams streams of --days days of --recording-secs recordings each, a new run every
// 6 hours (a reconnection), as `nightjar run` leaves them, then times with the real Database:
//   - per-stream totals as /api/status and every retention pass read them (GetStreamUsage:
//     the totals the schema's triggers keep, plus two index lookups), against the peer, the same
//     totals counted row by row (CountStreamRecordings: what status and retention did before
//     schema version 2);
//   - the listing behind /api/cameras/{id}/recordings and /api/list for one day and for the
//     whole stream (ListRecordings), and the spans of the whole stream the days endpoint reads
//     (ListRecordingSpans).
// Each figure is the median of --repeat rounds, every stream once per round.
//
// usage: build/bench/catalog_bench [--streams 16] [--days 30] [--recording-secs 60] [--repeat 5]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "db/database.h"
#include "db/sqlite.h"

namespace nightjar::bench {
namespace {

struct Options {
  int streams = 16;
  int days = 30;
  int recording_secs = 60;
  int repeat = 5;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <typename Fn>
double MicrosPerCall(const std::vector<int64_t>& streams, int repeat, Fn fn) {
  std::vector<double> rounds;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s : streams) fn(s);
    const std::chrono::duration<double, std::micro> d = std::chrono::steady_clock::now() - t0;
    rounds.push_back(d.count() / static_cast<double>(streams.size()));
  }
  return Median(rounds);
}

[[noreturn]] void Fail(const char* what, const Error& e) {
  std::fprintf(stderr, "catalog_bench: %s: %s\n", what, e.ToString().c_str());
  std::exit(1);
}

void Check(const Result<void>& r, const char* what) {
  if (!r) Fail(what, r.error());
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r) Fail(what, r.error());
  return std::move(*r);
}

int Run(const Options& o) {
  std::string base = (std::filesystem::temp_directory_path() / "nj-catalog-XXXXXX").string();
  if (!mkdtemp(base.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string path = base + "/nightjar.db";
  SimulatedClock clock(Time90k::FromUnixSeconds(1'771'500'000));
  const int64_t per_stream = int64_t{o.days} * 86400 / o.recording_secs;
  const int64_t run_length = 6 * 3600 / o.recording_secs;
  std::vector<int64_t> streams;
  {
    auto d = Must(db::Database::Open(path, db::OpenMode::kCreate, clock), "create");
    for (int i = 0; i < o.streams; ++i) {
      db::CameraRow cam;
      cam.short_name = "cam" + std::to_string(i + 1);
      db::StreamRow s;
      s.camera_id = Must(d->InsertCamera(cam), "camera");
      s.retain_bytes = int64_t{1} << 50;
      streams.push_back(Must(d->InsertStream(s), "stream"));
    }
  }
  // The rows themselves in one transaction per stream (the Database inserts one per commit).
  const auto fill0 = std::chrono::steady_clock::now();
  {
    auto conn = Must(db::Connection::Open(path, db::Connection::Mode::kReadWrite), "open");
    db::Connection& c = *conn;
    Check(c.Exec("INSERT INTO open (id, uuid, start_90k) VALUES "
                 "(1000, x'00112233445566778899aabbccddeeff', 0);"
                 "INSERT INTO sample_entry (id, kind, codec, config, width, height, sha256) "
                 "VALUES (1, 'video', 'avc1.640028', x'01', 1920, 1080, "
                 "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')"),
          "sample entry");
    const int64_t t0 = clock.Now().ticks() - int64_t{o.days} * 86400 * kTicksPerSecond;
    const int64_t dur = int64_t{o.recording_secs} * kTicksPerSecond;
    for (int64_t s : streams) {
      Check(c.WithTransaction([&]() -> Result<void> {
        NJ_TRY(db::Statement st,
               c.Prepare("INSERT INTO recording (composite_id, stream_id, open_id, state, flags, "
                         "run_start_id, start_90k, wall_duration_90k, media_duration_90k, "
                         "video_samples, video_sync_samples, sample_file_bytes, "
                         "video_sample_entry_id) VALUES (?, ?, 1000, 1, 0, ?, ?, ?, ?, ?, ?, "
                         "?, 1)"));
        int64_t run_start = 0;
        for (int64_t i = 0; i < per_stream; ++i) {
          const int64_t id = s << 32 | (i + 1);
          if (i % run_length == 0) run_start = id;
          // A run ends 2 s early: the reconnection's gap.
          const int64_t wall = (i + 1) % run_length == 0 ? dur - 2 * kTicksPerSecond : dur;
          st.Reset();
          st.BindInt(1, id).BindInt(2, s).BindInt(3, run_start).BindInt(4, t0 + i * dur);
          st.BindInt(5, wall).BindInt(6, wall).BindInt(7, o.recording_secs * 30);
          st.BindInt(8, o.recording_secs / 2).BindInt(9, int64_t{o.recording_secs} * 500'000);
          NJ_CHECK_OK(st.Run());
        }
        return c.Exec("UPDATE stream SET next_recording_id = " + std::to_string(per_stream + 1) +
                      " WHERE id = " + std::to_string(s));
      }),
            "fill");
    }
  }
  const std::chrono::duration<double> fill = std::chrono::steady_clock::now() - fill0;
  std::printf(
      "catalog_bench: %d streams x %d days of %d s recordings = %lld rows (%.1f s to "
      "insert), database %.1f MB\n",
      o.streams, o.days, o.recording_secs, static_cast<long long>(per_stream * o.streams),
      fill.count(), static_cast<double>(std::filesystem::file_size(path)) / 1e6);

  auto d = Must(db::Database::Open(path, db::OpenMode::kReadOnly, clock), "reopen");
  db::Database& db = *d;
  // Both ways must agree before their speed means anything.
  for (int64_t s : streams) {
    auto u = db.GetStreamUsage(s);
    auto c = db.CountStreamRecordings(s);
    if (!u || !c || u->recordings != c->first || u->sample_file_bytes != c->second ||
        u->recordings != per_stream) {
      std::fprintf(stderr, "catalog_bench: stream %lld: totals disagree\n",
                   static_cast<long long>(s));
      return 1;
    }
  }
  const double usage_us =
      MicrosPerCall(streams, o.repeat, [&](int64_t s) { (void)db.GetStreamUsage(s); });
  const double count_us =
      MicrosPerCall(streams, o.repeat, [&](int64_t s) { (void)db.CountStreamRecordings(s); });
  const Time90k now = clock.Now();
  const Time90k day_ago = now - Duration90k::FromSeconds(86400);
  size_t day_rows = 0, all_rows = 0;
  const double day_us = MicrosPerCall(streams, o.repeat, [&](int64_t s) {
    auto rows = db.ListRecordings(s, day_ago, now);
    day_rows = rows ? rows->size() : 0;
  });
  const double all_us = MicrosPerCall(streams, 1, [&](int64_t s) {
    auto rows = db.ListRecordings(s, Time90k(0), now + Duration90k::FromSeconds(1));
    all_rows = rows ? rows->size() : 0;
  });
  size_t spans = 0;
  const double spans_us = MicrosPerCall(streams, 1, [&](int64_t s) {
    auto rows = db.ListRecordingSpans(s);
    spans = rows ? rows->size() : 0;
  });
  std::printf("  %-46s %12s %12s %8s\n", "per stream (median of rounds)", "nightjar", "row count",
              "ratio");
  std::printf("  %-46s %10.1f us %10.1f us %7.0fx\n", "totals (status, retention)", usage_us,
              count_us, count_us / std::max(usage_us, 0.001));
  std::printf("  status of all %d streams: %.2f ms (row by row: %.1f ms, with the lock held)\n",
              o.streams, usage_us * o.streams / 1000, count_us * o.streams / 1000);
  std::printf("  %-46s %10.2f ms (%zu rows)\n", "listing one day (recordings, /api/list)",
              day_us / 1000, day_rows);
  std::printf("  %-46s %10.2f ms (%zu rows)\n", "listing everything", all_us / 1000, all_rows);
  std::printf("  %-46s %10.2f ms (%zu spans)\n", "spans of everything (days endpoint)",
              spans_us / 1000, spans);
  std::filesystem::remove_all(base);
  return 0;
}

}  // namespace
}  // namespace nightjar::bench

int main(int argc, char** argv) {
  nightjar::bench::Options o;
  CLI::App app{"catalog_bench: the database behind status, retention and timelines"};
  app.add_option("--streams", o.streams)->check(CLI::Range(1, 4096));
  app.add_option("--days", o.days)->check(CLI::Range(1, 3650));
  app.add_option("--recording-secs", o.recording_secs)->check(CLI::Range(1, 600));
  app.add_option("--repeat", o.repeat)->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  return nightjar::bench::Run(o);
}
