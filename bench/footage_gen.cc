// footage_gen: fills a data directory with a year of footage, so that `nightjar run`, the API
// and `nightjar check` can be measured on what a site has after recording for a long time
// (bench/README.md "footage_gen"). --cameras cameras, each with a main and a sub stream, of
// --days days of back-to-back one-minute recordings ending now, a new run every --run-hours
// (2 s apart: a reconnection). The database is made by the real storage engine (schema,
// cameras, streams, sample entries, the sample-file directory and its `meta`), the recording rows
// are inserted in bulk with the same columns the engine writes.
//
// The footage is shaped to fit a shared disk (16 x 2 x 525,600 = 16.8 M recordings; their real
// frame indexes alone would be ~90 GB and the file system has 16.7 M inodes in all):
//   - the last --real-days of cam1 (main and sub) are real: one minute of each clip, recorded
//     through the engine, whose row, frame index, hash and sample file every such recording
//     repeats (the files are hard links to one copy per 60,000 links: ext4 allows 65,000), so
//     seeking and exporting there returns decodable video;
//   - every other recording has the same byte count per minute but a 1 fps all-key-frame index
//     (60 frames, ~125 bytes) and a sparse sample file (zeros, no blocks), hard-linked the same
//     way; such footage plays as garbage but lists, exports and checks like any other.
//
// usage: build/bench/footage_gen --data DIR [--clips build/clips] [--cameras 16] [--days 365]
//        [--real-days 30] [--run-hours 6]
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "db/rows.h"
#include "db/sqlite.h"
#include "db/video_index.h"
#include "storage/file_hash.h"
#include "storage/sample_dir.h"
#include "testutil/clip_feeder.h"

namespace nightjar::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int64_t kLinksPerFile = 60'000;  // ext4: at most 65,000 links per inode
constexpr int64_t kRowsPerTransaction = 100'000;

struct Options {
  std::string data;
  std::string clips = "build/clips";
  int cameras = 16;
  int days = 365;
  int real_days = 30;
  int run_hours = 6;
};

double Since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

[[noreturn]] void Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "footage_gen: %s: %s\n", what.c_str(), e.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r) Fail(what, r.error());
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

// What every recording of one kind repeats: its row's counts, its index and its file.
struct Shape {
  db::RecordingRow row;
  std::vector<uint8_t> video_index;
  std::string file;  // the sample file to copy (real) or empty (sparse)
};

// One minute of a clip, recorded through the engine into `dir` (a scratch data directory).
Shape RecordMinute(const std::string& dir, const testutil::Clip& clip, const std::string& name,
                   db::SampleEntryRow* entry) {
  PosixFs fs;
  SimulatedClock clock(Time90k::FromUnixSeconds(1'771'500'000));
  storage::EngineOptions o;
  o.start_maintenance_thread = false;
  int64_t stream = 0;
  {
    auto e = Must(storage::Engine::Open(fs, clock, dir, o), "template engine");
    const int64_t cam = Must(e->EnsureCamera(name, name), "template camera");
    stream = Must(e->EnsureStream(cam, db::StreamKind::kMain, int64_t{1} << 50), "template stream");
    Must(testutil::FeedClips(*e, clock, stream, {&clip}, 60.0), "recording " + name);
  }
  auto d = Must(db::Database::Open(dir + "/nightjar.db", db::OpenMode::kReadOnly, clock), "reopen");
  auto rows = Must(d->ListRecordings(stream, Time90k(0), clock.Now() + Duration90k(1)), "list");
  if (rows.size() != 1) {
    Fail(name,
         Error(ErrorCode::kInternal, "expected one recording, got " + std::to_string(rows.size())));
  }
  Shape s;
  s.row = rows[0];
  s.video_index = Must(d->GetRecordingIndex(s.row.composite_id), "index").video_index;
  *entry = Must(d->GetSampleEntry(s.row.video_sample_entry_id), "entry");
  s.file = dir + "/sample/" + storage::SampleFileDir::FileName(s.row.composite_id);
  return s;
}

// The same minute's bytes as a 1 fps all-key-frame recording of zeros (a sparse file).
Shape SparseMinute(const Shape& real) {
  Shape s;
  s.row = real.row;
  const int64_t frame_bytes = real.row.sample_file_bytes / 60;
  db::VideoIndexEncoder enc;
  for (int i = 0; i < 60; ++i) Must(enc.Append(Duration90k::FromSeconds(1), frame_bytes, true), "");
  s.video_index = enc.bytes();
  s.row.flags = 0;
  s.row.video_samples = enc.samples();
  s.row.video_sync_samples = enc.sync_samples();
  s.row.sample_file_bytes = enc.total_bytes();
  s.row.media_duration = s.row.wall_duration = enc.duration();
  std::vector<uint8_t> zeros(1 << 20, 0);
  storage::FileHasher hasher;  // the writer's algorithm, over the sparse file's zeros
  for (int64_t left = enc.total_bytes(); left > 0;) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(left, int64_t{1} << 20));
    hasher.Update(std::span<const uint8_t>(zeros.data(), n));
    left -= static_cast<int64_t>(n);
  }
  s.row.sample_file_hash = hasher.Final();
  return s;
}

// A stream's recordings: ids 1..n, the first `old` of them sparse, the rest real.
struct StreamPlan {
  int64_t stream_id = 0;
  const Shape* old_shape = nullptr;
  const Shape* real_shape = nullptr;  // null: every recording is sparse
  int64_t old = 0;
};

// Creates the sample files of every planned stream: one file per kLinksPerFile recordings of a
// shape (a copy of the real file, or a sparse one), hard links for the rest.
void MakeFiles(const std::string& sample_dir, const std::vector<StreamPlan>& plans, int64_t n,
               std::atomic<int64_t>& done) {
  for (const StreamPlan& p : plans) {
    std::string source;
    for (int64_t i = 1; i <= n; ++i) {
      const bool real = p.real_shape && i > p.old;
      const std::string path =
          sample_dir + "/" + storage::SampleFileDir::FileName(db::CompositeId(p.stream_id, i));
      const bool first_of_shape = i == 1 || (p.real_shape && i == p.old + 1);
      const int64_t k = real ? i - p.old - 1 : i - 1;
      if (first_of_shape || k % kLinksPerFile == 0) {
        if (real) {
          std::filesystem::copy_file(p.real_shape->file, path);
        } else {
          const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
          if (fd < 0 || ::ftruncate(fd, p.old_shape->row.sample_file_bytes) != 0) {
            Fail(path, Error::FromErrno(errno, path));
          }
          ::close(fd);
        }
        source = path;
      } else if (::link(source.c_str(), path.c_str()) != 0) {
        Fail(path, Error::FromErrno(errno, "link " + path));
      }
      done.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

// Inserts the rows of one stream with prepared statements, kRowsPerTransaction per commit.
void InsertRows(db::Connection& c, const StreamPlan& p, int64_t n, int64_t open_id, int64_t run_len,
                Time90k t0) {
  const std::string sql =
      "INSERT INTO recording (composite_id, stream_id, open_id, state, flags, run_start_id, "
      "start_90k, wall_duration_90k, media_duration_90k, video_samples, video_sync_samples, "
      "audio_samples, sample_file_bytes, video_sample_entry_id, audio_sample_entry_id, "
      "sample_file_blake2b) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, ?)";
  const std::string index_sql =
      "INSERT INTO recording_index (composite_id, video_index, audio_index, chunk_index) "
      "VALUES (?, ?, NULL, NULL)";
  const Duration90k minute = Duration90k::FromSeconds(60);
  for (int64_t first = 1; first <= n; first += kRowsPerTransaction) {
    const int64_t last = std::min(n, first + kRowsPerTransaction - 1);
    Must(c.WithTransaction([&]() -> Result<void> {
      NJ_TRY(db::Statement row, c.Prepare(sql));
      NJ_TRY(db::Statement index, c.Prepare(index_sql));
      for (int64_t i = first; i <= last; ++i) {
        const int64_t id = db::CompositeId(p.stream_id, i);
        const Shape& s = (p.real_shape && i > p.old) ? *p.real_shape : *p.old_shape;
        const int64_t k = i - 1;  // 0-based position: run k / run_len, 2 s between runs
        const Time90k start =
            t0 + Duration90k(minute.ticks() * k + 2 * kTicksPerSecond * (k / run_len));
        const bool run_end = (k + 1) % run_len == 0 || i == n;
        const int64_t run_start = db::CompositeId(p.stream_id, k - k % run_len + 1);
        row.Reset();
        row.BindInt(1, id).BindInt(2, p.stream_id).BindInt(3, open_id);
        row.BindInt(4,
                    (s.row.flags & ~db::kRecordingRunEnd) | (run_end ? db::kRecordingRunEnd : 0));
        row.BindInt(5, run_start).BindInt(6, start.ticks());
        row.BindInt(7, s.row.wall_duration.ticks()).BindInt(8, s.row.media_duration.ticks());
        row.BindInt(9, s.row.video_samples).BindInt(10, s.row.video_sync_samples);
        row.BindInt(11, s.row.sample_file_bytes).BindInt(12, s.row.video_sample_entry_id);
        row.BindBlob(13, db::EncodeSampleFileHash(*s.row.sample_file_hash));
        NJ_CHECK_OK(row.Run());
        index.Reset();
        index.BindInt(1, id).BindBlob(2, s.video_index);
        NJ_CHECK_OK(index.Run());
      }
      return Ok();
    }),
         "insert");
  }
  Must(c.Exec("UPDATE stream SET next_recording_id = " + std::to_string(n + 1) +
              " WHERE id = " + std::to_string(p.stream_id)),
       "next id");
}

int Run(const Options& o) {
  if (sodium_init() < 0) return 1;
  namespace fs = std::filesystem;
  if (fs::exists(o.data) && !fs::is_empty(o.data)) {
    std::fprintf(stderr, "footage_gen: %s exists and is not empty\n", o.data.c_str());
    return 1;
  }
  const auto t_all = SteadyClock::now();
  PosixFs pfs;
  const auto main_clip = Must(testutil::LoadClip(pfs, o.clips + "/main.mp4"), "main clip");
  const auto sub_clip = Must(testutil::LoadClip(pfs, o.clips + "/sub.mp4"), "sub clip");
  const std::string scratch = o.data + "/footage-template";
  fs::create_directories(scratch);
  db::SampleEntryRow main_entry, sub_entry;
  Shape real_main = RecordMinute(scratch + "/main", main_clip, "main", &main_entry);
  Shape real_sub = RecordMinute(scratch + "/sub", sub_clip, "sub", &sub_entry);

  // The database, directory and streams, made by the engine as `nightjar run` makes them.
  RealClock clock;
  const Time90k now = clock.Now();
  std::vector<StreamPlan> plans;
  {
    storage::EngineOptions eo;
    eo.start_maintenance_thread = false;
    auto e = Must(storage::Engine::Open(pfs, clock, o.data, eo), "engine");
    const int64_t main_id = Must(e->SampleEntry(main_entry), "entry");
    const int64_t sub_id = Must(e->SampleEntry(sub_entry), "entry");
    real_main.row.video_sample_entry_id = main_id;
    real_sub.row.video_sample_entry_id = sub_id;
    for (int i = 1; i <= o.cameras; ++i) {
      const std::string name = "cam" + std::to_string(i);
      const int64_t cam = Must(e->EnsureCamera(name, name), "camera");
      for (auto kind : {db::StreamKind::kMain, db::StreamKind::kSub}) {
        StreamPlan p;
        p.stream_id = Must(e->EnsureStream(cam, kind, int64_t{1} << 50), "stream");
        p.real_shape = i == 1 ? (kind == db::StreamKind::kMain ? &real_main : &real_sub) : nullptr;
        plans.push_back(p);
      }
    }
  }
  const Shape old_main = SparseMinute(real_main), old_sub = SparseMinute(real_sub);
  const int64_t n = int64_t{o.days} * 1440;
  const int64_t run_len = int64_t{o.run_hours} * 60;
  const int64_t real_n = std::min<int64_t>(n, int64_t{o.real_days} * 1440);
  for (size_t k = 0; k < plans.size(); ++k) {
    plans[k].old_shape = k % 2 == 0 ? &old_main : &old_sub;
    plans[k].old = plans[k].real_shape ? n - real_n : n;
  }
  // The last recording ends now: n minutes plus 2 s between runs.
  const Time90k t0 =
      now - Duration90k::FromSeconds(60 * n + 2 * ((n - 1) / run_len)) - Duration90k(1);

  std::printf("footage_gen: %d cameras x 2 streams x %d days = %lld recordings into %s\n",
              o.cameras, o.days, static_cast<long long>(n * 2 * o.cameras), o.data.c_str());
  std::atomic<int64_t> files{0};
  const auto t_files = SteadyClock::now();
  double files_secs = 0;
  std::thread filer([&] {
    MakeFiles(o.data + "/sample", plans, n, files);
    files_secs = Since(t_files);
  });
  const auto t_rows = SteadyClock::now();
  {
    auto c = Must(db::Connection::Open(o.data + "/nightjar.db", db::Connection::Mode::kReadWrite),
                  "open");
    Must(c->Exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144"), "pragma");
    const int64_t open_id = Must(c->QueryInt("SELECT max(id) FROM open"), "open id");
    for (const StreamPlan& p : plans) {
      InsertRows(*c, p, n, open_id, run_len, t0);
      std::printf("  stream %lld: %lld rows (%.0f s), %lld files so far\n",
                  static_cast<long long>(p.stream_id), static_cast<long long>(n), Since(t_rows),
                  static_cast<long long>(files.load()));
      std::fflush(stdout);
    }
    Must(c->Exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
  }
  const double rows_secs = Since(t_rows);
  filer.join();
  fs::remove_all(scratch);
  const auto db_bytes = static_cast<double>(fs::file_size(o.data + "/nightjar.db"));
  const double rows = static_cast<double>(n * 2 * o.cameras);
  std::printf("rows: %.0f in %.1f s (%.1f us/row); files: %lld in %.1f s; total %.1f s\n", rows,
              rows_secs, rows_secs * 1e6 / rows, static_cast<long long>(files.load()), files_secs,
              Since(t_all));
  std::printf("database: %.1f MB = %.0f bytes per recording row\n", db_bytes / 1e6,
              db_bytes / rows);
  std::printf("index per recording: real main %zu B (%lld frames), real sub %zu B, sparse %zu B\n",
              real_main.video_index.size(), static_cast<long long>(real_main.row.video_samples),
              real_sub.video_index.size(), old_main.video_index.size());
  std::printf("span: %s .. now; cam1's last %lld recordings per stream are real\n",
              std::to_string(t0.ToUnixSeconds()).c_str(), static_cast<long long>(real_n));
  return 0;
}

}  // namespace
}  // namespace nightjar::bench

int main(int argc, char** argv) {
  nightjar::bench::Options o;
  CLI::App app{"footage_gen: a data directory with a year of recordings"};
  app.add_option("--data", o.data, "Data directory to create (must not exist or be empty)")
      ->required();
  app.add_option("--clips", o.clips, "Directory with main.mp4 and sub.mp4");
  app.add_option("--cameras", o.cameras)->check(CLI::Range(1, 256));
  app.add_option("--days", o.days)->check(CLI::Range(1, 3650));
  app.add_option("--real-days", o.real_days, "Days of real footage at the end of cam1")
      ->check(CLI::Range(0, 3650));
  app.add_option("--run-hours", o.run_hours)->check(CLI::Range(1, 24 * 365));
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return nightjar::bench::Run(o);
}
