// storage_bench: what recording N cameras costs the storage engine. Synthetic 4 Mbit/s video
// streams go through one Recorder each, the per-disk Writer and SQLite checkpoints into sample
// files in a temporary directory (under $TMPDIR or /tmp, removed at the end), exactly as
// `nightjar run` drives the engine but without the network. Prints, per stream count N: the CPU
// of the whole process per stream, the bytes/s the writer wrote, its write calls and their size,
// the video_index bytes per frame (docs/schema.md §video_index; the target is <= 3), and the
// frames fed against the frames recorded (none may be lost unless the writer's memory bound
// refused appends).
//
// Time: the engine runs on a SimulatedClock advanced 1/30 s after each round (every stream gets
// its frame i, then the clock moves), so recordings are labelled as if fed in real time. By
// default rounds are fed as fast as the writer accepts them (the feeder waits while the writer's
// queue is over 3/4 of its bound, so nothing is shed); --realtime paces rounds on the monotonic
// clock instead. Checkpoints: as fast as possible, the maintenance thread is off and the feeder
// calls Engine::Checkpoint() every 5 s of media, so the fdatasync/SQLite work per media second is
// what real time would see; in real time, the engine's own maintenance thread checkpoints (and
// applies retention, a no-op here) every checkpoint_interval (default 5 s of wall time) while the
// feeder goes on, as in `nightjar run`.
//
// usage: build/bench/storage_bench [--streams 1,16,64,256] [--seconds 60] [--realtime]
//            [--max-pending-mb 64] [--max-delay-ms 500] [--trace]
// The last three are for finding where frames start being shed: the writer's memory bound and
// batching delay (WriterOptions), and a 10 ms trace of its queue on stderr.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/fs.h"
#include "cpu_time.h"
#include "db/database.h"
#include "storage/engine.h"
#include "testutil/sample_entry.h"

namespace nightjar::bench {
namespace {

using storage::Bytes;

constexpr int kFps = 30;
constexpr int64_t kFrameTicks = kTicksPerSecond / kFps;  // 3000 at 90 kHz
constexpr int kGopFrames = 60;                           // a key frame every 2 s
constexpr int64_t kBitsPerSecond = 4'000'000;
constexpr int64_t kKeyBytes = 150'000;
// The other 59 frames of a GOP carry the rest of the GOP's bytes.
constexpr int64_t kGopBytes = kBitsPerSecond / 8 * kGopFrames / kFps;
constexpr int64_t kOtherBytes = (kGopBytes - kKeyBytes) / (kGopFrames - 1);
constexpr int kCheckpointFrames = 5 * kFps;  // every 5 s of media

struct Options {
  std::vector<int> streams = {1, 16, 64, 256};
  int seconds = 60;
  bool realtime = false;
  bool trace = false;             // print the writer's queue every 10 ms to stderr
  storage::WriterOptions writer;  // defaults unless --max-pending-mb / --max-delay-ms
};

// Frame payloads, generated once and shared by every stream (Frame::data is a shared_ptr), so the
// generator costs one random number per frame. Sizes vary uniformly around the means (key frames
// ±10 %, others ±25 %) with a fixed seed; contents are random (incompressible) bytes behind an
// AVCC 4-byte NAL length and header, as a camera's access unit would look.
class PayloadPool {
 public:
  PayloadPool() {
    std::mt19937_64 rng(20240601);
    for (int i = 0; i < 32; ++i) key_.push_back(Make(rng, kKeyBytes, 0.10, 0x65));
    for (int i = 0; i < 1024; ++i) other_.push_back(Make(rng, kOtherBytes, 0.25, 0x41));
  }
  const Bytes& Pick(std::minstd_rand& rng, bool key) const {
    const auto& v = key ? key_ : other_;
    return v[rng() % v.size()];
  }
  // Average bit rate of a stream drawing uniformly from the pool.
  double MbitPerSecond() const {
    auto mean = [](const std::vector<Bytes>& v) {
      double sum = 0;
      for (const auto& b : v) sum += static_cast<double>(b->size());
      return sum / static_cast<double>(v.size());
    };
    return (mean(key_) + mean(other_) * (kGopFrames - 1)) * 8 * kFps / kGopFrames / 1e6;
  }

 private:
  static Bytes Make(std::mt19937_64& rng, int64_t mean, double spread, uint8_t nal_header) {
    std::uniform_real_distribution<double> scale(1 - spread, 1 + spread);
    const size_t n = static_cast<size_t>(static_cast<double>(mean) * scale(rng));
    auto data = std::make_shared<std::vector<uint8_t>>(n);
    for (size_t i = 0; i < n; i += 8) {
      const uint64_t r = rng();
      for (size_t j = i; j < std::min(n, i + 8); ++j) {
        (*data)[j] = static_cast<uint8_t>(r >> (j - i) * 8);
      }
    }
    const uint32_t nal = static_cast<uint32_t>(n - 4);
    for (int j = 0; j < 4; ++j) (*data)[j] = static_cast<uint8_t>(nal >> (24 - 8 * j));
    (*data)[4] = nal_header;
    return data;
  }
  std::vector<Bytes> key_, other_;
};

struct RunResult {
  double wall_seconds = 0;
  double fed_seconds = 0;  // the span of the rounds fed
  double cpu_seconds = 0;
  // Fast: the time the feeder waited for the writer's queue to drain. Real time: the most a
  // round started behind its schedule.
  double wait_seconds = 0;
  uint64_t peak_pending_bytes = 0;  // the writer's queue, sampled every 10 ms
  storage::WriterStats writer;
  int64_t frames_fed = 0;
  int64_t frames_recorded = 0;  // by the recorders
  int64_t frames_shed = 0;
  int64_t index_frames = 0;  // video_samples of the recordings in the database
  int64_t index_bytes = 0;   // their video_index blobs
  int64_t recordings = 0;
  int64_t not_written = 0;  // recordings left in a state other than WRITTEN
};

// A stream being fed: its recorder, its generator and the round of its first frame. Streams start
// up to one GOP apart, each with a key frame, so that key frames of different streams do not all
// arrive in the same round (real cameras' GOPs are not aligned either).
struct FedStream {
  int64_t id = 0;
  std::unique_ptr<storage::StreamRecording> recording;
  std::minstd_rand rng;
  int64_t start_round = 0;
};

Result<std::vector<FedStream>> SetUpStreams(storage::Engine& engine, int n) {
  NJ_TRY(int64_t entry, engine.SampleEntry(testutil::H264SampleEntry()));
  std::vector<FedStream> streams(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    FedStream& s = streams[static_cast<size_t>(i)];
    NJ_TRY(int64_t camera, engine.EnsureCamera("cam" + std::to_string(i + 1), "bench"));
    NJ_TRY(s.id, engine.EnsureStream(camera, db::StreamKind::kMain, int64_t{1} << 50));
    const Duration90k stagger = Duration90k::FromSeconds(60) * i / n;
    NJ_TRY(s.recording, engine.Record(s.id, 0, stagger));
    s.recording->recorder().SetVideoSampleEntry(entry);
    s.rng.seed(static_cast<uint32_t>(i + 1));
    s.start_round = i * kGopFrames / n;
  }
  return streams;
}

// Fast mode: waits while the writer's queue is over 3/4 of its bound, so appends are never
// refused and the measured rate is what the writer sustains. Returns the seconds spent waiting.
double WaitForWriter(storage::Engine& engine, const storage::EngineOptions& options) {
  const uint64_t limit = options.writer.max_pending_bytes / 4 * 3;
  if (engine.WriterStatsFor(0).pending_bytes <= limit) return 0;
  const auto start = std::chrono::steady_clock::now();
  while (engine.WriterStatsFor(0).pending_bytes > limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Feeds every stream its frames, round by round, then flushes the recorders and checkpoints
// (which also waits for their closes: the writer executes commands in order).
Result<void> Feed(storage::Engine& engine, const storage::EngineOptions& options,
                  std::vector<FedStream>& streams, const PayloadPool& pool, SimulatedClock& clock,
                  const Options& opt, RunResult& r) {
  const int64_t frames = int64_t{opt.seconds} * kFps;
  const int64_t rounds = frames + streams.back().start_round;  // the last starts latest
  const auto start = std::chrono::steady_clock::now();
  for (int64_t round = 0; round < rounds; ++round) {
    if (opt.realtime) {
      const auto due = start + round * std::chrono::nanoseconds(1'000'000'000 / kFps);
      const double late =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - due).count();
      r.wait_seconds = std::max(r.wait_seconds, late);
      std::this_thread::sleep_until(due);
    } else {
      r.wait_seconds += WaitForWriter(engine, options);
    }
    const Time90k now = clock.Now();
    for (FedStream& s : streams) {
      const int64_t f = round - s.start_round;  // the stream's frame number
      if (f < 0 || f >= frames) continue;
      storage::Frame frame;
      frame.media_time = f * kFrameTicks;
      frame.key = f % kGopFrames == 0;
      frame.data = pool.Pick(s.rng, frame.key);
      s.recording->recorder().OnFrame(frame, now);
      ++r.frames_fed;
    }
    clock.Advance(Duration90k(kFrameTicks));
    if (!opt.realtime && (round + 1) % kCheckpointFrames == 0) NJ_CHECK_OK(engine.Checkpoint());
  }
  r.fed_seconds = static_cast<double>(rounds) / kFps;
  for (FedStream& s : streams) s.recording->recorder().Flush(clock.Now());
  NJ_CHECK_OK(engine.Checkpoint());
  for (FedStream& s : streams) {
    r.frames_recorded += static_cast<int64_t>(s.recording->recorder().frames_recorded());
    r.frames_shed += static_cast<int64_t>(s.recording->recorder().frames_shed());
  }
  return Ok();
}

// Sums the video_index blobs and sample counts of every recording in the database.
Result<void> MeasureIndexes(storage::Engine& engine, const std::vector<FedStream>& streams,
                            RunResult& r) {
  return engine.WithDb([&](db::Database& d) -> Result<void> {
    for (const FedStream& s : streams) {
      NJ_TRY(auto rows, d.ListRecordings(s.id, Time90k(0), Time90k(INT64_MAX / 4)));
      for (const auto& row : rows) {
        NJ_TRY(auto index, d.GetRecordingIndex(row.composite_id));
        r.index_bytes += static_cast<int64_t>(index.video_index.size());
        r.index_frames += row.video_samples;
        ++r.recordings;
        if (row.state != db::RecordingState::kWritten) ++r.not_written;
      }
    }
    return Ok();
  });
}

// Samples the writer's queue every 10 ms from its own thread and keeps the peak: how close a run
// came to the memory bound (max_pending_bytes), where frames start being shed. With `trace`, also
// prints each sample to stderr: seconds since the start, pending MB, write calls, syncs.
class PendingSampler {
 public:
  PendingSampler(storage::Engine& engine, bool trace)
      : engine_(engine), trace_(trace), thread_([this](std::stop_token stop) { Run(stop); }) {}
  uint64_t Stop() {
    thread_.request_stop();
    thread_.join();
    return peak_;
  }

 private:
  void Run(const std::stop_token& stop) {
    const auto start = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
      const storage::WriterStats st = engine_.WriterStatsFor(0);
      peak_ = std::max(peak_, st.pending_bytes);
      if (trace_) {
        const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
        std::fprintf(stderr, "%.3f %.1f %llu %llu\n", t.count(),
                     static_cast<double>(st.pending_bytes) / 1e6,
                     static_cast<unsigned long long>(st.write_calls),
                     static_cast<unsigned long long>(st.syncs));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  storage::Engine& engine_;
  const bool trace_;
  uint64_t peak_ = 0;    // written by the thread until Stop joins it
  std::jthread thread_;  // last: starts after the members it uses
};

Result<RunResult> RunOnce(int n, const Options& opt, const PayloadPool& pool,
                          const std::string& data_dir) {
  PosixFs fs;
  SimulatedClock clock(Time90k::FromUnixSeconds(1'771'500'000));
  storage::EngineOptions options;
  options.writer = opt.writer;
  // Real time: the maintenance thread checkpoints every 5 s; else the feeder, every 5 s of media.
  options.start_maintenance_thread = opt.realtime;
  NJ_TRY(auto engine, storage::Engine::Open(fs, clock, data_dir, options));
  NJ_TRY(auto streams, SetUpStreams(*engine, n));
  RunResult r;
  const double cpu0 = CpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  PendingSampler sampler(*engine, opt.trace);
  Result<void> fed = Feed(*engine, options, streams, pool, clock, opt, r);
  r.peak_pending_bytes = sampler.Stop();
  NJ_CHECK_OK(fed);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  r.cpu_seconds = CpuSeconds() - cpu0;
  r.writer = engine->WriterStatsFor(0);
  NJ_CHECK_OK(MeasureIndexes(*engine, streams, r));
  streams.clear();
  engine.reset();
  return r;
}

void PrintHeader(const Options& opt, const PayloadPool& pool) {
  std::printf(
      "storage_bench: %d s of media per stream; 30 fps, key frame every %d frames (~%lld KB), "
      "%.2f Mbit/s average per stream\n",
      opt.seconds, kGopFrames, static_cast<long long>(kKeyBytes / 1000), pool.MbitPerSecond());
  std::printf("feeding: %s\ncheckpoints: %s\n",
              opt.realtime ? "paced in real time"
                           : "as fast as the writer accepts (waits while its queue is over 3/4 "
                             "of the bound)",
              opt.realtime ? "the engine's maintenance thread, every 5 s of wall time"
                           : "Engine::Checkpoint() from the feeder every 5 s of media");
  std::printf("writer: max_pending_bytes %zu MiB, batch_bytes %zu KiB, max_delay_ms %d\n\n",
              opt.writer.max_pending_bytes >> 20, opt.writer.batch_bytes >> 10,
              opt.writer.max_delay_ms);
  std::printf(
      "  N         streams\n"
      "  wall_s    wall time from the first frame to the last close and checkpoint\n"
      "  x_rt      seconds of rounds fed (media s + < 2: streams start up to 2 s apart) / wall_s\n"
      "  wait_s    fast: of wall_s, time the feeder waited for the writer's queue to drain;\n"
      "            real time: the most a round of frames started behind its schedule\n"
      "  cpu%%/str  process user+sys CPU / media s / N * 100: %% of one core per stream at real "
      "time\n"
      "  MB/s      WriterStats.bytes_written / wall_s (MB = 10^6 bytes)\n"
      "  wr/s      writer write calls per second of media (all streams); KB/wr = bytes per call\n"
      "  sync/s    fdatasyncs per second of media\n"
      "  peakMB    the writer's queue at its fullest (sampled every 10 ms; the bound is %.1f MB)\n"
      "  idxB/fr   video_index bytes per recorded frame (target <= 3)\n"
      "  fed, rec  frames fed / recorded (the recorders' count, checked against the database)\n"
      "  shed, rej frames the recorders shed / appends the writer refused over its memory bound\n"
      "\n",
      static_cast<double>(opt.writer.max_pending_bytes) / 1e6);
  std::printf("%5s %8s %6s %7s %9s %8s %8s %7s %7s %7s %8s %10s %10s %6s %5s\n", "N", "wall_s",
              "x_rt", "wait_s", "cpu%/str", "MB/s", "wr/s", "KB/wr", "sync/s", "peakMB", "idxB/fr",
              "fed", "rec", "shed", "rej");
}

double PerSecond(uint64_t count, double seconds) { return static_cast<double>(count) / seconds; }

// Prints one table line; false if frames went missing without the memory bound explaining it.
bool PrintRow(int n, const Options& opt, const RunResult& r) {
  const double media = opt.seconds;
  const storage::WriterStats& w = r.writer;
  const double bytes_per_call = static_cast<double>(w.bytes_written) /
                                static_cast<double>(std::max<uint64_t>(w.write_calls, 1));
  const double index_per_frame = static_cast<double>(r.index_bytes) /
                                 static_cast<double>(std::max<int64_t>(r.index_frames, 1));
  std::printf(
      "%5d %8.2f %6.1f %7.2f %9.3f %8.2f %8.1f %7.1f %7.2f %7.1f %8.3f %10lld %10lld %6lld %5llu\n",
      n, r.wall_seconds, r.fed_seconds / r.wall_seconds, r.wait_seconds,
      r.cpu_seconds / media / n * 100, PerSecond(w.bytes_written, r.wall_seconds) / 1e6,
      PerSecond(w.write_calls, media), bytes_per_call / 1e3, PerSecond(w.syncs, media),
      static_cast<double>(r.peak_pending_bytes) / 1e6, index_per_frame,
      static_cast<long long>(r.frames_fed), static_cast<long long>(r.frames_recorded),
      static_cast<long long>(r.frames_shed), static_cast<unsigned long long>(w.rejected_appends));
  std::fflush(stdout);
  bool ok = true;
  if (r.frames_recorded != r.index_frames || r.not_written != 0) {
    std::fprintf(stderr,
                 "N=%d: recorders recorded %lld frames, database holds %lld; %lld "
                 "recordings not WRITTEN\n",
                 n, static_cast<long long>(r.frames_recorded),
                 static_cast<long long>(r.index_frames), static_cast<long long>(r.not_written));
    ok = false;
  }
  if (r.frames_recorded != r.frames_fed && w.rejected_appends == 0) {
    std::fprintf(stderr, "N=%d: %lld frames lost below the memory bound\n", n,
                 static_cast<long long>(r.frames_fed - r.frames_recorded));
    ok = false;
  }
  return ok;
}

// A directory under $TMPDIR (or /tmp), removed with everything in it when this goes.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/storage_bench.XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }  // empty if it could not be created

 private:
  std::string path_;
};

int Main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Storage engine benchmark: N synthetic 4 Mbit/s streams into sample files"};
  app.add_option("--streams", opt.streams, "stream counts to run, e.g. 1,16,64")
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seconds", opt.seconds, "seconds of media per stream")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--realtime", opt.realtime, "pace frames in real time");
  size_t pending_mb = opt.writer.max_pending_bytes >> 20;
  app.add_option("--max-pending-mb", pending_mb, "writer memory bound (WriterOptions)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-delay-ms", opt.writer.max_delay_ms, "writer batching delay")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--trace", opt.trace,
               "print the writer's queue every 10 ms to stderr: seconds, pending MB, write calls, "
               "syncs");
  CLI11_PARSE(app, argc, argv);
  opt.writer.max_pending_bytes = pending_mb << 20;

  const PayloadPool pool;
  PrintHeader(opt, pool);
  bool ok = true;
  for (int n : opt.streams) {
    TempDir tmp;  // one per N, so the disk holds one run's files at a time
    if (tmp.path().empty()) {
      std::perror("mkdtemp");
      return 1;
    }
    auto r = RunOnce(n, opt, pool, tmp.path() + "/data");
    if (!r) {
      std::fprintf(stderr, "N=%d: %s\n", n, r.error().ToString().c_str());
      return 1;
    }
    ok = PrintRow(n, opt, *r) && ok;
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace nightjar::bench

int main(int argc, char** argv) { return nightjar::bench::Main(argc, argv); }
