// The per-disk writer: one thread per sample-file directory that owns every write, sync and
// unlink on that disk. Recorders of all streams hand it frames from the network side without ever
// blocking; it batches them into large writev calls (a file's pending frames in one call, waking
// when a file has 1 MiB pending or after a short delay, the files of all streams due in the same
// quarter of that delay together, each write ending on a 64 KiB boundary of the file when it can)
// so the disk sees large sequential writes and the page cache whole aligned folios. Each file's
// hash (storage/file_hash.h) is computed by Append on the caller's thread, soon after the frame
// was assembled on that core (the writer thread reached it ~0.5 s later, from memory; XXH3 runs
// ~2.5x faster over bytes still in the cache: bench/README.md). Bytes a sync made durable leave
// the page cache (see DropDurable in writer.cc).
//
// Memory is bounded: Append refuses (returns false) once `max_pending_bytes` are queued, and the
// caller sheds whole GOPs. A failed write (ENOSPC, EIO) marks only that file failed: its durable
// prefix is still reported and nothing already synced is lost.
//
// Thread safety: every public method may be called from any thread; the Appends and the Close of
// one file come from one thread at a time, in order (a recorder's strand). Callbacks run on the
// writer thread and must not block.
#ifndef NIGHTJAR_STORAGE_WRITER_H_
#define NIGHTJAR_STORAGE_WRITER_H_

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "db/rows.h"
#include "storage/file_hash.h"
#include "storage/frame.h"
#include "storage/sample_dir.h"

namespace nightjar::storage {

struct WriterOptions {
  // Runs the row inserts of recordings opened together (their `before_create`) as one unit, e.g.
  // one database transaction, so 100 streams starting at once cost one sync, not 100. Returns
  // whether the unit committed; when it did not, none of those files is created.
  std::function<Result<void>(const std::function<void()>&)> open_group;
  size_t max_pending_bytes = 64 << 20;  // queued but not yet written, all streams together
  size_t batch_bytes = 1 << 20;         // write a file as soon as it has this much pending ...
  // ... or when its oldest pending bytes are due: this old, brought back to the grid of a quarter
  // of it (so they wait 3/4 to all of it; see Writer::DueAt).
  int max_delay_ms = 500;
};

struct WriterStats {
  uint64_t bytes_written = 0;
  uint64_t write_calls = 0;
  uint64_t write_rounds = 0;  // wake-ups of the writer's thread that wrote appended bytes
  uint64_t syncs = 0;
  uint64_t rejected_appends = 0;
  uint64_t pending_bytes = 0;
  uint64_t failed_files = 0;
};

// What a Sync or Close found for one file.
struct FileState {
  uint64_t durable_bytes = 0;              // synced and valid: [0, durable_bytes) is on disk
  std::optional<Error> error;              // the first write/sync error, if any
  std::optional<db::SampleFileHash> hash;  // Close only: hash of the first durable_bytes bytes
};

class Writer {
 public:
  // Writeback of written bytes is started (WritableFile::StartWriteback) in ranges of at least
  // this much: fewer, larger submissions (see Flush in writer.cc).
  static constexpr uint64_t kWritebackBytes = 1 << 20;
  // Batched writes end on multiples of this in the file when they can (see FlushBlocks in
  // writer.cc): the bytes past the last one wait for the next write.
  static constexpr uint64_t kWriteBlock = 64 << 10;

  Writer(const SampleFileDir& dir, WriterOptions options);
  ~Writer();  // finishes everything queued, then joins the thread
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Creates the file (O_EXCL) and preallocates `expected_bytes`. `before_create`, if given, runs
  // first on the writer thread (the engine inserts the recording's row there, so a file never
  // exists without its row); if it fails the file is not created. Errors surface in Sync/Close.
  void Open(int64_t id, uint64_t expected_bytes,
            std::function<Result<void>()> before_create = nullptr);
  // Queues bytes for the end of file `id` and adds them to its hash. False (nothing queued) when
  // over the memory bound; the caller must then stop this recording (a gap follows).
  bool Append(int64_t id, Bytes data);
  // Writes everything queued for all open files, fdatasyncs them, then reports each file's state.
  void Sync(std::function<void(std::map<int64_t, FileState>)> done);
  // Writes what is queued for `id`, syncs, trims the preallocation, closes, syncs the directory,
  // and reports the final state with the hash of the durable bytes.
  void Close(int64_t id, std::function<void(FileState)> done);
  // Unlinks the files (missing ones are fine), syncs the directory, then calls done.
  void Unlink(std::vector<int64_t> ids, std::function<void(Result<void>)> done);

  WriterStats Stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct File;
  struct Command;
  Clock::time_point DueAt(Clock::time_point arrival) const;
  void ReleasedLocked(int64_t id, uint64_t n);
  struct Appending;
  // Queues the bytes; the file's entry, or nullptr (nothing queued) when over the memory bound.
  Appending* AppendLocked(int64_t id, Bytes data);
  void Run();
  // Writes the first `n` of the file's pending bytes (all of them without `n`).
  void Flush(File& f);
  void Flush(File& f, uint64_t n);
  void FlushBlocks(File& f, Clock::time_point now);
  void FlushAll();
  // fdatasyncs the files, up to kSyncThreads at once; sets each one's durable size or error.
  void SyncFiles(const std::vector<File*>& files);
  static constexpr size_t kSyncThreads = 8;
  FileState StateOf(const File& f) const;
  static void DropDurable(File& f);
  void Execute(Command& c);
  void ExecuteOpens(std::vector<Command>& batch, size_t begin, size_t end);
  void OpenFile(Command& c, Result<void> ready);

  const SampleFileDir& dir_;
  const WriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Swapped with the writer thread's batch, so both keep their capacity: no allocation per append.
  std::vector<Command> commands_;  // guarded by mu_
  uint64_t pending_bytes_ = 0;     // guarded by mu_
  bool stop_ = false;              // guarded by mu_
  // Per file, on the appending side: bytes appended and not yet written (queued here or pending
  // on the writer thread), and the hash of what was appended (from Open until Close takes it to
  // the writer thread). The map is guarded by mu_; a hasher is updated by its file's appending
  // thread, outside the lock.
  struct Appending {
    uint64_t unwritten = 0;
    std::unique_ptr<FileHasher> hash;
  };
  std::unordered_map<int64_t, Appending> appending_;
  bool batch_full_ = false;  // guarded by mu_: a file reached batch_bytes since the last wake
  WriterStats stats_;        // guarded by mu_
  std::map<int64_t, std::unique_ptr<File>> files_;  // writer thread only
  std::thread thread_;
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_WRITER_H_
