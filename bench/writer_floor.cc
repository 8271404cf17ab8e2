// writer_floor: what the per-disk storage::Writer costs per MB it writes, against the floor: a
// bare loop of the system calls the writer makes, in the same pattern, fed the same frames. Both
// run in one process, one after the other, in each of --rounds rounds.
//
// A feeder (the main thread) plays --files cameras at --mbit each: every 1/30 s, one frame per
// file (all frames the same size), copied from a 256 MiB ring into a fresh pooled buffer (as a
// depacketizer fills one), so the bytes reach the writing thread from another thread's recent
// writes and never from a cache the ring stays in. Every 5 s the feeder asks for a checkpoint.
//  - writer: storage::Writer::Append per frame (which hashes it with XXH3 on the feeder's thread,
//    as the frame's assembler does in `nightjar run`), Writer::Sync at each checkpoint (default
//    WriterOptions: batched writes of whole 64 KiB blocks, writeback started per MiB, parallel
//    fdatasync, the durable pages dropped from the page cache).
//  - loop: the feeder hashes each frame (storage::FileHasher) and queues it under a mutex; one
//    thread takes the frames, and every 0.5 s per file writes what it holds with one pwritev,
//    starts writeback per MiB (sync_file_range); at a checkpoint, fdatasync then
//    POSIX_FADV_DONTNEED per file, one file after the other.
// Files are preallocated (fallocate, 64 MiB) in both. The figure is the CPU of every thread but
// the feeder's (getrusage: the process minus RUSAGE_THREAD of the main thread), plus the feeder's
// own CPU inside each side's per-frame call (CLOCK_THREAD_CPUTIME_ID around it: the queueing and
// the hash), per MB written.
// Exits 1 if a write or sync fails (the figures would not be the writer's).
//
// usage: build/bench/writer_floor [--files 16] [--mbit 4.2] [--seconds 30] [--rounds 2]
//                                 [--dir DIR]   (default: $TMPDIR or /tmp)
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/buffer_pool.h"
#include "base/fs.h"
#include "cpu_time.h"
#include "storage/file_hash.h"
#include "storage/sample_dir.h"
#include "storage/writer.h"

namespace nightjar::bench {
namespace {

using Clock = std::chrono::steady_clock;
using storage::Bytes;

struct Options {
  int files = 16;
  double mbit = 4.2;
  int seconds = 30;
  int rounds = 2;
  std::string dir;
};

constexpr int kFps = 30;
constexpr int kCheckpointFrames = 5 * kFps;
constexpr uint64_t kPreallocate = 64ULL << 20;

// The frames' source: written once, read in order, wrapping.
class Ring {
 public:
  Ring() : bytes_(256ULL << 20) {
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i + 8 <= bytes_.size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(&bytes_[i], &x, 8);
    }
  }
  // A pooled buffer holding the next `n` bytes of the ring.
  Bytes Next(size_t n) {
    if (pos_ + n > bytes_.size()) pos_ = 0;
    std::vector<uint8_t> v = BufferPool::Default().Take(n);
    v.resize(n);
    std::memcpy(v.data(), bytes_.data() + pos_, n);
    pos_ += n;
    return BufferPool::Default().Share(std::move(v));
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t pos_ = 0;
};

// What a side does with the feeder's frames.
class Side {
 public:
  virtual ~Side() = default;
  virtual void Frame(int file, Bytes data) = 0;
  virtual void Checkpoint() = 0;  // returns once the checkpoint is done
  virtual void Finish() = 0;      // writes and syncs what is left, closes the files
};

class WriterSide final : public Side {
 public:
  WriterSide(const storage::SampleFileDir& dir, int files) : writer_(dir, {}), files_(files) {
    for (int i = 0; i < files; ++i) writer_.Open(Id(i), kPreallocate);
  }
  void Frame(int file, Bytes data) override {
    if (!writer_.Append(Id(file), std::move(data))) {
      std::fprintf(stderr, "writer_floor: the writer refused an append\n");
      std::exit(1);
    }
  }
  void Checkpoint() override {
    std::promise<void> done;
    writer_.Sync([&](const std::map<int64_t, storage::FileState>& states) {
      for (const auto& [id, state] : states) Check(state);
      done.set_value();
    });
    done.get_future().wait();
  }
  void Finish() override {
    std::vector<std::promise<void>> closed(static_cast<size_t>(files_));
    for (int i = 0; i < files_; ++i) {
      writer_.Close(Id(i), [&closed, i](const storage::FileState& s) {
        Check(s);
        closed[static_cast<size_t>(i)].set_value();
      });
    }
    for (auto& c : closed) c.get_future().wait();
  }

 private:
  static int64_t Id(int file) { return (int64_t{1} << 32) | (file + 1); }
  // A failed write or sync ends the run: the figures would not be the writer's.
  static void Check(const storage::FileState& s) {
    if (!s.error) return;
    std::fprintf(stderr, "writer_floor: %s\n", s.error->ToString().c_str());
    std::exit(1);
  }
  storage::Writer writer_;
  int files_;
};

// The floor: the writer's system calls and hash, nothing else.
class LoopSide final : public Side {
 public:
  LoopSide(const std::string& dir, int files)
      : files_(static_cast<size_t>(files)), hashes_(static_cast<size_t>(files)) {
    for (size_t i = 0; i < files_.size(); ++i) {
      const std::string path = dir + "/loop" + std::to_string(i);
      files_[i].fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (files_[i].fd < 0) {
        std::perror(path.c_str());
        std::exit(1);
      }
      (void)fallocate(files_[i].fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(kPreallocate));
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~LoopSide() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
    for (File& f : files_) ::close(f.fd);
  }
  void Frame(int file, Bytes data) override {
    hashes_[static_cast<size_t>(file)].Update(*data);
    std::lock_guard lock(mu_);
    queue_.emplace_back(file, std::move(data));
  }
  void Checkpoint() override {
    std::promise<void> done;
    {
      std::lock_guard lock(mu_);
      checkpoint_ = &done;
    }
    cv_.notify_one();
    done.get_future().wait();
  }
  void Finish() override { Checkpoint(); }

 private:
  struct File {
    int fd = -1;
    std::vector<Bytes> pending;
    uint64_t written = 0;
    uint64_t submitted = 0;
  };

  void Run() {
    std::vector<std::pair<int, Bytes>> batch;
    auto next = Clock::now() + std::chrono::milliseconds(500);
    for (;;) {
      std::promise<void>* checkpoint = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait_until(lock, next, [&] { return stop_ || checkpoint_ != nullptr; });
        if (stop_) return;
        batch.swap(queue_);
        std::swap(checkpoint, checkpoint_);
      }
      for (auto& [file, data] : batch) {
        files_[static_cast<size_t>(file)].pending.push_back(std::move(data));
      }
      batch.clear();
      if (checkpoint == nullptr && Clock::now() < next) continue;
      for (File& f : files_) Write(f);
      if (checkpoint != nullptr) {
        for (File& f : files_) {
          (void)fdatasync(f.fd);
          (void)posix_fadvise(f.fd, 0, static_cast<off_t>(f.written), POSIX_FADV_DONTNEED);
        }
        checkpoint->set_value();
      } else {
        next += std::chrono::milliseconds(500);
      }
    }
  }

  static void Write(File& f) {
    if (f.pending.empty()) return;
    std::vector<iovec> iov;
    size_t bytes = 0;
    for (const Bytes& b : f.pending) {
      iov.push_back({const_cast<uint8_t*>(b->data()), b->size()});
      bytes += b->size();
    }
    const ssize_t w =
        pwritev(f.fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(f.written));
    if (w != static_cast<ssize_t>(bytes)) {
      std::perror("writer_floor: pwritev");
      std::exit(1);
    }
    f.written += bytes;
    if (f.written - f.submitted >= (1 << 20)) {
      (void)sync_file_range(f.fd, static_cast<off_t>(f.submitted),
                            static_cast<off_t>(f.written - f.submitted), SYNC_FILE_RANGE_WRITE);
      f.submitted = f.written;
    }
    f.pending.clear();
  }

  std::vector<File> files_;
  std::vector<storage::FileHasher> hashes_;  // the feeder's, one per file
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<int, Bytes>> queue_;  // guarded by mu_
  std::promise<void>* checkpoint_ = nullptr;  // guarded by mu_
  bool stop_ = false;                         // guarded by mu_
  std::thread thread_;
};

struct Figures {
  double mb = 0;
  double cpu_s = 0;
};

// Everything but the feeder (this thread).
double OthersCpuSeconds() { return CpuSeconds() - CpuSeconds(RUSAGE_THREAD); }

// The calling thread's CPU time in nanoseconds (a per-call figure: getrusage is coarser).
int64_t ThreadCpuNanos() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

Figures Feed(Side& side, Ring& ring, const Options& o) {
  const size_t frame_bytes = static_cast<size_t>(o.mbit * 1e6 / 8 / kFps);
  const int frames = o.seconds * kFps;
  Figures f;
  const double cpu0 = OthersCpuSeconds();
  int64_t in_frame_ns = 0;  // the feeder's CPU inside side.Frame
  const auto start = Clock::now();
  for (int n = 0; n < frames; ++n) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t{1000000} * n / kFps));
    for (int file = 0; file < o.files; ++file) {
      Bytes frame = ring.Next(frame_bytes);
      const int64_t t0 = ThreadCpuNanos();
      side.Frame(file, std::move(frame));
      in_frame_ns += ThreadCpuNanos() - t0;
    }
    if ((n + 1) % kCheckpointFrames == 0) side.Checkpoint();
  }
  side.Finish();
  f.cpu_s = OthersCpuSeconds() - cpu0 + static_cast<double>(in_frame_ns) / 1e9;
  f.mb = static_cast<double>(frame_bytes) * frames * o.files / 1e6;
  return f;
}

int Run(const Options& o) {
  namespace stdfs = std::filesystem;
  std::string base = o.dir;
  if (base.empty()) base = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  const stdfs::path root = stdfs::path(base) / ("writer_floor." + std::to_string(getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root);
  std::printf(
      "writer_floor: %d files at %.1f Mbit/s (%d frames/s), %d s per side and round, in %s\n",
      o.files, o.mbit, kFps, o.seconds, root.c_str());
  std::printf(
      "  CPU of every thread but the feeder's, and the feeder's in each per-frame call, per MB "
      "written (MB = 10^6 bytes)\n");
  Ring ring;
  PosixFs fs;
  std::map<std::string, Figures> total;
  for (int round = 1; round <= o.rounds; ++round) {
    for (const std::string side_name : {"writer", "loop"}) {
      const stdfs::path dir = root / (side_name + std::to_string(round));
      Figures f;
      if (side_name == "writer") {
        auto sample_dir =
            storage::SampleFileDir::Open(fs, dir.string(), storage::NewUuid(), storage::NewUuid(),
                                         storage::SampleFileDir::Mode::kReadWrite);
        if (!sample_dir) {
          std::fprintf(stderr, "writer_floor: %s\n", sample_dir.error().ToString().c_str());
          return 1;
        }
        WriterSide side(**sample_dir, o.files);
        f = Feed(side, ring, o);
      } else {
        stdfs::create_directories(dir);
        LoopSide side(dir.string(), o.files);
        f = Feed(side, ring, o);
      }
      stdfs::remove_all(dir);
      std::printf(
          "  round %d  %-6s  %8.1f MB  %7.3f s CPU  %6.3f ms/MB  %6.3f %% of a core per file\n",
          round, side_name.c_str(), f.mb, f.cpu_s, f.cpu_s * 1e3 / f.mb,
          f.cpu_s / o.seconds / o.files * 100);
      total[side_name].mb += f.mb;
      total[side_name].cpu_s += f.cpu_s;
    }
  }
  stdfs::remove_all(root);
  const double writer = total["writer"].cpu_s * 1e3 / total["writer"].mb;
  const double loop = total["loop"].cpu_s * 1e3 / total["loop"].mb;
  std::printf("all rounds: writer %.3f ms/MB, loop %.3f ms/MB, writer/loop %.2fx\n", writer, loop,
              writer / loop);
  return 0;
}

}  // namespace
}  // namespace nightjar::bench

int main(int argc, char** argv) {
  nightjar::bench::Options o;
  CLI::App app{"storage::Writer against a bare loop of its system calls, CPU per MB written"};
  app.add_option("--files", o.files, "files written at once (cameras)")->check(CLI::Range(1, 1024));
  app.add_option("--mbit", o.mbit, "each file's rate")->check(CLI::Range(0.1, 100.0));
  app.add_option("--seconds", o.seconds, "seconds per side and round")->check(CLI::Range(5, 3600));
  app.add_option("--rounds", o.rounds, "rounds (writer then loop)")->check(CLI::Range(1, 100));
  app.add_option("--dir", o.dir, "where the files go (default $TMPDIR or /tmp)");
  CLI11_PARSE(app, argc, argv);
  return nightjar::bench::Run(o);
}
