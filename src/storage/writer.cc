#include "storage/writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>
#include <variant>

#include "base/clock.h"
#include "storage/file_hash.h"

namespace nightjar::storage {

struct Writer::File {
  int64_t id = 0;
  std::unique_ptr<WritableFile> file;
  std::vector<Bytes> pending;
  size_t head_written = 0;     // bytes of pending.front() already written (a block ended inside it)
  uint64_t pending_bytes = 0;  // not yet written
  Clock::time_point oldest_pending;
  uint64_t written = 0;    // bytes handed to the kernel successfully
  uint64_t submitted = 0;  // bytes whose writeback was started (StartWriteback)
  uint64_t durable = 0;    // bytes synced
  uint64_t dropped = 0;    // a page boundary: the durable pages before it were dropped from cache
  std::optional<Error> error;
};

struct Writer::Command {
  enum class Kind { kOpen, kAppend, kSync, kClose, kUnlink } kind;
  int64_t id = 0;
  uint64_t expected_bytes = 0;
  Bytes data;
  std::vector<int64_t> ids;
  std::function<void(std::map<int64_t, FileState>)> on_sync;
  std::function<void(FileState)> on_close;
  std::function<void(Result<void>)> on_unlink;
  std::function<Result<void>()> before_create;
  std::unique_ptr<FileHasher> hash;  // close: what Append hashed
  Clock::time_point arrival;  // appends: when the bytes were queued (their age counts from here)
};

Writer::Writer(const SampleFileDir& dir, WriterOptions options)
    : dir_(dir), options_(std::move(options)), thread_([this] { Run(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Writer::Open(int64_t id, uint64_t expected_bytes,
                  std::function<Result<void>()> before_create) {
  std::lock_guard lock(mu_);
  appending_[id].hash = std::make_unique<FileHasher>();
  Command c{Command::Kind::kOpen, id, expected_bytes};
  c.before_create = std::move(before_create);
  commands_.push_back(std::move(c));
  cv_.notify_one();
}

bool Writer::Append(int64_t id, Bytes data) {
  if (data->empty()) return true;  // nothing to write (and no piece that never leaves the queue)
  // Hashed once queued, outside the lock: the writer thread reads the hasher only after Close,
  // which this file's appending thread calls after its last Append. `keep` holds the bytes: the
  // writer may have written and dropped its share by then.
  const Bytes keep = data;
  FileHasher* hash = nullptr;
  {
    std::lock_guard lock(mu_);
    Appending* file = AppendLocked(id, std::move(data));
    if (file == nullptr) return false;
    hash = file->hash.get();
  }
  if (hash != nullptr) hash->Update(*keep);
  return true;
}

Writer::Appending* Writer::AppendLocked(int64_t id, Bytes data) {
  if (pending_bytes_ + data->size() > options_.max_pending_bytes) {
    stats_.rejected_appends++;
    return nullptr;
  }
  pending_bytes_ += data->size();
  stats_.pending_bytes = pending_bytes_;
  // Appends batch up: the writer wakes for them on its timer (see DueAt), or as soon as one
  // file has a batch's worth to write.
  Appending& file = appending_[id];
  uint64_t& unwritten = file.unwritten;
  const bool batch_full =
      unwritten < options_.batch_bytes && unwritten + data->size() >= options_.batch_bytes;
  unwritten += data->size();
  Command c{Command::Kind::kAppend, id};
  c.data = std::move(data);
  c.arrival = Clock::now();
  commands_.push_back(std::move(c));
  if (batch_full) {
    batch_full_ = true;
    cv_.notify_one();
  }
  return &file;
}

void Writer::Sync(std::function<void(std::map<int64_t, FileState>)> done) {
  std::lock_guard lock(mu_);
  Command c{Command::Kind::kSync};
  c.on_sync = std::move(done);
  commands_.push_back(std::move(c));
  cv_.notify_one();
}

void Writer::Close(int64_t id, std::function<void(FileState)> done) {
  std::lock_guard lock(mu_);
  Command c{Command::Kind::kClose, id};
  c.on_close = std::move(done);
  if (auto it = appending_.find(id); it != appending_.end()) c.hash = std::move(it->second.hash);
  commands_.push_back(std::move(c));
  cv_.notify_one();
}

void Writer::Unlink(std::vector<int64_t> ids, std::function<void(Result<void>)> done) {
  std::lock_guard lock(mu_);
  Command c{Command::Kind::kUnlink};
  c.ids = std::move(ids);
  c.on_unlink = std::move(done);
  commands_.push_back(std::move(c));
  cv_.notify_one();
}

WriterStats Writer::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Writer::Run() {
  std::vector<Command> batch;
  while (true) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      // Wake for commands that need an answer, for a file with a batch's worth to write, or when
      // appends are due for a batched write: those pending here, and those queued meanwhile (or
      // from now on), which arrived now at the earliest.
      auto due = DueAt(Clock::now());
      for (const auto& [id, f] : files_) {
        if (!f->pending.empty()) due = std::min(due, DueAt(f->oldest_pending));
      }
      cv_.wait_until(lock, due, [&] {
        if (stop_ || batch_full_) return true;
        return std::any_of(commands_.begin(), commands_.end(),
                           [](const Command& c) { return c.kind != Command::Kind::kAppend; });
      });
      batch.swap(commands_);
      batch_full_ = false;
      stopping = stop_;
    }
    // Opens first (safe: nothing queued before an open refers to its file), all in one group.
    std::stable_partition(batch.begin(), batch.end(),
                          [](const Command& c) { return c.kind == Command::Kind::kOpen; });
    size_t opens = 0;
    while (opens < batch.size() && batch[opens].kind == Command::Kind::kOpen) ++opens;
    ExecuteOpens(batch, 0, opens);
    for (size_t i = opens; i < batch.size(); ++i) Execute(batch[i]);
    batch.clear();
    // Write whatever is big enough or due, in whole blocks (see FlushBlocks).
    const auto now = Clock::now();
    bool wrote = false;
    for (auto& [id, f] : files_) {
      if (f->pending_bytes >= options_.batch_bytes ||
          (!f->pending.empty() && now >= DueAt(f->oldest_pending))) {
        FlushBlocks(*f, now);
        wrote = true;
      }
    }
    if (wrote) {
      std::lock_guard lock(mu_);
      stats_.write_rounds++;
    }
    if (stopping) {
      std::lock_guard lock(mu_);
      if (commands_.empty()) break;
    }
  }
  // Shutdown: what is queued is written and synced; files stay open-ended (the recorder closes
  // them before destroying the writer; anything else is recovered at the next start).
  FlushAll();
  for (auto& [id, f] : files_) {
    if (f->file && !f->error && f->written > f->durable && f->file->Sync()) f->durable = f->written;
  }
}

// `max_delay_ms` after the oldest pending bytes arrived, brought back to the shared grid
// (base/clock.h) of a quarter of that delay: the files of all streams that come due within the
// same quarter are written at one wake-up of this thread, not each at its own (a stream's bytes
// wait 3/4 to all of the delay).
Writer::Clock::time_point Writer::DueAt(Clock::time_point arrival) const {
  const auto max_age = std::chrono::milliseconds(options_.max_delay_ms);
  return FloorToGrid(arrival + max_age, Clock::duration(max_age / 4));
}

// `n` appended bytes of file `id` left the queue (written, or dropped with their file). Called
// with mu_ held.
void Writer::ReleasedLocked(int64_t id, uint64_t n) {
  pending_bytes_ -= n;
  stats_.pending_bytes = pending_bytes_;
  auto it = appending_.find(id);
  if (it != appending_.end()) it->second.unwritten -= std::min(n, it->second.unwritten);
}

void Writer::ExecuteOpens(std::vector<Command>& batch, size_t begin, size_t end) {
  if (begin == end) return;
  std::vector<Result<void>> ready(end - begin, Ok());
  auto run = [&] {
    for (size_t i = begin; i < end; ++i) {
      if (batch[i].before_create) ready[i - begin] = batch[i].before_create();
    }
  };
  Result<void> committed = Ok();
  if (options_.open_group) {
    committed = options_.open_group(run);
  } else {
    run();
  }
  for (size_t i = begin; i < end; ++i) {
    OpenFile(batch[i],
             committed ? std::move(ready[i - begin]) : Result<void>(Err(committed.error())));
  }
}

// Creates the file once its row exists (`ready`); a failure poisons only this file.
void Writer::OpenFile(Command& c, Result<void> ready) {
  auto f = std::make_unique<File>();
  f->id = c.id;
  Result<std::unique_ptr<WritableFile>> file = Err(ErrorCode::kInternal, "unset");
  if (ready) {
    file = dir_.Create(c.id);
  } else {
    file = Err(ready.error());
  }
  if (!file) {
    f->error = file.error();
  } else {
    f->file = std::move(*file);
    // Preallocation is an optimization: its failure is not an error.
    (void)f->file->Fallocate(0, c.expected_bytes);
  }
  files_[c.id] = std::move(f);
}

void Writer::Execute(Command& c) {
  switch (c.kind) {
    case Command::Kind::kOpen:
      OpenFile(c, c.before_create ? c.before_create() : Ok());
      break;
    case Command::Kind::kAppend: {
      auto it = files_.find(c.id);
      uint64_t n = c.data->size();
      if (it == files_.end() || it->second->error) {
        std::lock_guard lock(mu_);
        ReleasedLocked(c.id, n);
        if (it == files_.end()) appending_.erase(c.id);
        break;
      }
      File& f = *it->second;
      if (f.pending.empty()) f.oldest_pending = c.arrival;
      f.pending.push_back(std::move(c.data));
      f.pending_bytes += n;
      break;
    }
    case Command::Kind::kSync: {
      FlushAll();
      std::vector<File*> dirty;
      for (auto& [id, f] : files_) {
        if (f->file && !f->error && f->written > f->durable) dirty.push_back(f.get());
      }
      SyncFiles(dirty);
      std::map<int64_t, FileState> states;
      for (auto& [id, f] : files_) states[id] = StateOf(*f);
      c.on_sync(std::move(states));
      break;
    }
    case Command::Kind::kClose: {
      auto it = files_.find(c.id);
      if (it == files_.end()) {
        FileState s;
        s.error = Error(ErrorCode::kInternal, "close of a sample file that is not open");
        c.on_close(std::move(s));
        break;
      }
      File& f = *it->second;
      Flush(f);
      if (f.file && !f.error && f.written > f.durable) {
        if (auto ok = f.file->Sync(); ok) {
          f.durable = f.written;
        } else {
          f.error = ok.error();
        }
      }
      if (f.file && !f.error) DropDurable(f);
      FileState s = StateOf(f);
      if (f.file) {
        // Drop the unused preallocation and any bytes past the durable prefix.
        (void)f.file->Truncate(f.durable);
        (void)f.file->Close();
        if (auto ok = dir_.Sync(); !ok && !s.error) s.error = ok.error();
      }
      if (!f.error && c.hash) s.hash = c.hash->Final();
      files_.erase(it);
      {
        std::lock_guard lock(mu_);
        appending_.erase(c.id);
      }
      c.on_close(std::move(s));
      break;
    }
    case Command::Kind::kUnlink: {
      Result<void> result = Ok();
      for (int64_t id : c.ids) {
        auto ok = dir_.Unlink(id);
        if (!ok && ok.error().code() != ErrorCode::kNotFound && result) result = ok;
      }
      if (auto ok = dir_.Sync(); !ok && result) result = ok;
      c.on_unlink(std::move(result));
      break;
    }
  }
}

void Writer::SyncFiles(const std::vector<File*>& files) {
  // fdatasync mostly waits on the disk: several at once let the file system merge their journal
  // commits, where one after the other a checkpoint of 256 files lasted seconds while appends
  // piled up behind it. Each file is synced by exactly one thread; results are applied here.
  std::vector<Result<void>> results(files.size(), Ok());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < files.size();) results[i] = files[i]->file->Sync();
  };
  {
    std::vector<std::jthread> helpers;
    const size_t wanted = std::min(files.size(), kSyncThreads) - (files.empty() ? 0 : 1);
    try {
      while (helpers.size() < wanted) helpers.emplace_back(work);
    } catch (const std::system_error&) {
      // No thread to spare: the ones started (and this one) do the rest.
    }
    work();
  }  // joins the helpers
  for (size_t i = 0; i < files.size(); ++i) {
    if (results[i]) {
      files[i]->durable = files[i]->written;
      DropDurable(*files[i]);
    } else {
      files[i]->error = results[i].error();
    }
  }
  std::lock_guard lock(mu_);
  stats_.syncs += files.size();
}

// Durable bytes leave the page cache at once (WritableFile::DropCache), up to the last whole page
// (the partial one is written again by the next append). The kernel drops only folios wholly
// inside the range, and a large folio (naturally aligned, at most 2 MiB for a file's page cache
// on x86-64) may straddle the previous end: each range starts at the 2 MiB boundary below it. A
// recorder writes each byte once and seldom reads it back soon (live viewers are served from
// memory; a player or an export of the last minutes reads the disk), so keeping gigabytes of video
// cached only pushes out pages that are read (the database's, the footage being played) and leaves
// the reclaim of every page to the kernel. Dropped after each checkpoint's fdatasync, the pages are
// clean: nothing waits; and the next writes reuse the pages just freed. On a
// virtual machine whose host takes back the memory the guest leaves idle (here: DAMON pages out
// idle memory, the balloon returns it), every page of video left cached is reclaimed and the next
// writes land in memory the host must supply again: at 64 streams, after ~90 s, the copy into the
// page cache became 79 % of the process and its CPU five times what it was (bench/README.md, "The
// page cache").
void Writer::DropDurable(File& f) {
  static const uint64_t page = [] {
    const long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? static_cast<uint64_t>(size) : uint64_t{4096};
  }();
  constexpr uint64_t kLargestFolio = 2 << 20;
  const uint64_t end = f.durable / page * page;
  if (end <= f.dropped) return;
  const uint64_t start = f.dropped / kLargestFolio * kLargestFolio;
  f.file->DropCache(start, end - start);
  f.dropped = end;
}

// A batched write ends at a multiple of kWriteBlock in the file when it can, and keeps the bytes
// past it (less than a block) for the next one, which then starts on a block boundary: the page
// cache takes whole, aligned, large folios (ext4 allocates a folio per write_begin, as large as
// the write's alignment allows), where an append starting anywhere in a folio costs a chain of
// small ones. Measured with the writer's pattern (16 files, ~230 KiB writes): 0.30 ms of CPU per
// MB written unaligned, 0.24 in 64 KiB blocks. When less than a block is pending, everything is
// written (a slow stream's bytes do not wait for a block). The bytes kept back count as arrived
// now: they wait at most one more delay. (A failed file drops its queue in Flush either way.)
void Writer::FlushBlocks(File& f, Clock::time_point now) {
  if (f.pending_bytes < kWriteBlock) {
    Flush(f);
    return;
  }
  const uint64_t cut = (f.written + f.pending_bytes) / kWriteBlock * kWriteBlock;  // > written
  Flush(f, cut - f.written);
  if (!f.pending.empty()) f.oldest_pending = now;
}

void Writer::Flush(File& f) { Flush(f, f.pending_bytes); }

void Writer::Flush(File& f, uint64_t n) {
  if (f.pending.empty() || n == 0) return;
  n = std::min(n, f.pending_bytes);
  // The pieces [0, used) are written whole; piece `used` (if any) up to `left` bytes.
  size_t used = 0;
  uint64_t left = n;
  while (used < f.pending.size()) {
    const uint64_t size = f.pending[used]->size() - (used == 0 ? f.head_written : 0);
    if (size > left) break;
    left -= size;
    ++used;
  }
  if (f.file && !f.error) {
    // IOV_MAX is 1024 on Linux: write in groups.
    std::vector<std::span<const uint8_t>> parts;
    const size_t count = used + (left > 0 ? 1 : 0);
    for (size_t i = 0; i < count && !f.error; i += 1024) {
      parts.clear();
      uint64_t group_bytes = 0;
      for (size_t j = i; j < std::min(count, i + 1024); ++j) {
        std::span<const uint8_t> part(*f.pending[j]);
        if (j == 0) part = part.subspan(f.head_written);
        if (j == used) part = part.first(left);  // the block ends inside this piece
        parts.push_back(part);
        group_bytes += part.size();
      }
      if (auto ok = f.file->Writev(parts); ok) {
        f.written += group_bytes;
        // Let the disk start on it now, so the checkpoint's sync finds little left to do; in
        // ranges of at least kWritebackBytes: each call costs the writer's thread a block
        // allocation and a bio submission run (ext4: ~6 % of the CPU at one call per 0.5 s
        // write of a 4 Mbit/s stream), and larger ranges make larger extents.
        if (f.written - f.submitted >= kWritebackBytes) {
          f.file->StartWriteback(f.submitted, f.written - f.submitted);
          f.submitted = f.written;
        }
        std::lock_guard lock(mu_);
        stats_.bytes_written += group_bytes;
        stats_.write_calls++;
      } else {
        f.error = ok.error();
        std::lock_guard lock(mu_);
        stats_.failed_files++;
      }
    }
  }
  if (f.error) {
    // Nothing more will be written to this file: drop everything queued for it.
    n = f.pending_bytes;
    f.pending.clear();
    f.head_written = 0;
  } else {
    // Whole pieces leave; the piece the write ended in stays, its written part marked.
    const size_t head = used == 0 ? f.head_written + left : left;
    f.pending.erase(f.pending.begin(), f.pending.begin() + static_cast<ptrdiff_t>(used));
    f.head_written = f.pending.empty() ? 0 : head;
  }
  f.pending_bytes -= n;
  std::lock_guard lock(mu_);
  ReleasedLocked(f.id, n);
}

void Writer::FlushAll() {
  for (auto& [id, f] : files_) Flush(*f);
}

FileState Writer::StateOf(const File& f) const {
  FileState s;
  s.durable_bytes = f.durable;
  s.error = f.error;
  return s;
}

}  // namespace nightjar::storage
