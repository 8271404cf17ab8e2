#include "base/fault_fs.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <filesystem>

namespace nightjar {
namespace {

constexpr std::string_view kOpNames[kNumFsOps] = {
    "any",       "open_dir",   "create",   "open_writable", "open_read", "write",  "sync",
    "fallocate", "truncate",   "close",    "read",          "rename",    "unlink", "list_dir",
    "make_dir",  "remove_dir", "sync_dir", "stat",          "lock",      "statfs",
};

// Lexically normalised spelling, so that "d/", "d/." and "./d" name the same directory entry.
std::string Normalize(const std::string& path) {
  std::string n = std::filesystem::path(path).lexically_normal().string();
  while (n.size() > 1 && n.back() == '/') n.pop_back();
  return n.empty() ? "." : n;
}

Error Killed(const std::string& path) {
  return Error(ErrorCode::kAborted, path + ": handle invalidated by a simulated crash");
}

}  // namespace

std::string_view FsOpName(FsOp op) {
  auto i = static_cast<size_t>(op);
  return i < kNumFsOps ? kOpNames[i] : "unknown";
}

// ---- Handles -----------------------------------------------------------------------------------

class FaultFs::WritableImpl final : public WritableFile, public FaultFs::Handle {
 public:
  WritableImpl(FaultFs* fs, std::unique_ptr<WritableFile> base, std::string path, uint64_t id)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)), id_(id) {}
  ~WritableImpl() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    fs_->live_handles_.erase(this);
    base_.reset();
  }

  void Kill() override {
    if (!base_) return;
    killed_size_ = base_->Size();
    base_.reset();
  }

  Result<void> Append(std::span<const uint8_t> data) override {
    std::span<const uint8_t> parts[] = {data};
    return Writev(parts);
  }

  void StartWriteback(uint64_t offset, uint64_t length) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return;
    fs_->writebacks_[path_].emplace_back(offset, length);
    base_->StartWriteback(offset, length);
  }

  void DropCache(uint64_t offset, uint64_t length) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return;
    fs_->drops_[path_].emplace_back(offset, length);
    base_->DropCache(offset, length);
  }

  Result<void> Writev(std::span<const std::span<const uint8_t>> parts) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kWrite, path_));
    fs_->dirty_.insert(id_);
    uint64_t total = 0;
    for (auto p : parts) total += p.size();
    uint64_t allowed = fs_->WriteAllowance(total);
    // Cut the buffers down to what fits in the budget.
    std::vector<std::span<const uint8_t>> cut;
    uint64_t left = allowed;
    for (auto p : parts) {
      if (left == 0) break;
      cut.push_back(p.first(std::min<uint64_t>(left, p.size())));
      left -= cut.back().size();
    }
    uint64_t before = base_->Size();
    auto r = base_->Writev(cut);
    fs_->bytes_written_ += base_->Size() - before;
    if (!r) return r;
    if (allowed < total) return Err(Error::FromErrno(ENOSPC, "injected write budget " + path_));
    return Ok();
  }

  Result<void> PositionalWrite(uint64_t offset, std::span<const uint8_t> data) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kWrite, path_));
    fs_->dirty_.insert(id_);
    uint64_t allowed = fs_->WriteAllowance(data.size());
    NJ_CHECK_OK(base_->PositionalWrite(offset, data.first(allowed)));
    fs_->bytes_written_ += allowed;
    if (allowed < data.size()) {
      return Err(Error::FromErrno(ENOSPC, "injected write budget " + path_));
    }
    return Ok();
  }

  Result<void> Sync() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kSync, path_));
    NJ_CHECK_OK(base_->Sync());
    fs_->durable_size_[id_] = base_->Size();
    return Ok();
  }

  Result<void> Fallocate(uint64_t offset, uint64_t length) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kFallocate, path_));
    if (length > 0 && fs_->WriteAllowance(1) == 0) {
      return Err(Error::FromErrno(ENOSPC, "injected write budget " + path_));
    }
    return base_->Fallocate(offset, length);
  }

  Result<void> Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kTruncate, path_));
    fs_->dirty_.insert(id_);
    NJ_CHECK_OK(base_->Truncate(size));
    uint64_t& durable = fs_->durable_size_[id_];
    durable = std::min(durable, size);  // a shrink is modelled as immediately durable
    return Ok();
  }

  Result<void> Close() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kClose, path_));
    return base_->Close();
  }

  uint64_t Size() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    return base_ ? base_->Size() : killed_size_;
  }

 private:
  FaultFs* fs_;
  std::unique_ptr<WritableFile> base_;
  std::string path_;
  uint64_t id_;
  uint64_t killed_size_ = 0;
};

class FaultFs::ReadImpl final : public RandomAccessFile, public FaultFs::Handle {
 public:
  ReadImpl(FaultFs* fs, std::unique_ptr<RandomAccessFile> base, std::string path)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}
  ~ReadImpl() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    fs_->live_handles_.erase(this);
    base_.reset();
  }
  void Kill() override { base_.reset(); }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kRead, path_));
    return base_->ReadAt(offset, buf);
  }
  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kRead, path_));
    return base_->Size();
  }
  int fd() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    return base_ ? base_->fd() : -1;
  }

 private:
  FaultFs* fs_;
  std::unique_ptr<RandomAccessFile> base_;
  std::string path_;
};

class FaultFs::DirImpl final : public Dir, public FaultFs::Handle {
 public:
  DirImpl(FaultFs* fs, std::unique_ptr<Dir> base, std::string norm_path)
      : fs_(fs), base_(std::move(base)), path_(std::move(norm_path)) {}
  ~DirImpl() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    fs_->live_handles_.erase(this);
    base_.reset();
  }
  void Kill() override { base_.reset(); }

  Result<void> Sync() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    if (!base_) return Err(Killed(path_));
    NJ_CHECK_OK(fs_->CountAndCheck(FsOp::kSyncDir, path_));
    NJ_CHECK_OK(base_->Sync());
    fs_->MarkDirSynced(path_);
    return Ok();
  }
  int fd() const override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    return base_ ? base_->fd() : -1;
  }

 private:
  FaultFs* fs_;
  std::unique_ptr<Dir> base_;
  std::string path_;
};

class FaultFs::LockImpl final : public FileLock, public FaultFs::Handle {
 public:
  LockImpl(FaultFs* fs, std::unique_ptr<FileLock> base) : fs_(fs), base_(std::move(base)) {}
  ~LockImpl() override {
    std::lock_guard<std::mutex> lock(fs_->mu_);
    fs_->live_handles_.erase(this);
    base_.reset();
  }
  void Kill() override { base_.reset(); }

 private:
  FaultFs* fs_;
  std::unique_ptr<FileLock> base_;
};

// ---- Fault injection ---------------------------------------------------------------------------

FaultFs::FaultFs(Fs& base) : base_(base) {}

FaultFs::~FaultFs() { assert(live_handles_.empty() && "FaultFs destroyed before its handles"); }

void FaultFs::FailNth(FsOp op, int64_t n, int err, bool persistent) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back({op, std::max<int64_t>(n, 1), err, persistent});
}

void FaultFs::SetWriteBudget(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  write_budget_ = bytes;
}

void FaultFs::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
  write_budget_.reset();
}

uint64_t FaultFs::OpCount(FsOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return op_counts_[static_cast<size_t>(op)];
}

uint64_t FaultFs::BytesWritten() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_written_;
}

namespace {
std::vector<std::pair<uint64_t, uint64_t>> RangesOf(
    const std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>>& ranges,
    const std::string& path) {
  auto it = ranges.find(path);
  return it == ranges.end() ? std::vector<std::pair<uint64_t, uint64_t>>{} : it->second;
}
}  // namespace

std::vector<std::pair<uint64_t, uint64_t>> FaultFs::WritebackRanges(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return RangesOf(writebacks_, path);
}

std::vector<std::pair<uint64_t, uint64_t>> FaultFs::DroppedRanges(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return RangesOf(drops_, path);
}

Result<void> FaultFs::CountAndCheck(FsOp op, std::string_view what) {
  ++op_counts_[static_cast<size_t>(op)];
  ++op_counts_[static_cast<size_t>(FsOp::kAny)];
  std::optional<int> fired;
  for (auto it = rules_.begin(); it != rules_.end();) {
    if (it->op == FsOp::kAny || it->op == op) {
      if (it->remaining > 1) {
        --it->remaining;
      } else if (!fired) {
        fired = it->err;
        if (!it->persistent) {
          it = rules_.erase(it);
          continue;
        }
      }
      // Otherwise also due, but one failure per operation: it fires on the next match.
    }
    ++it;
  }
  if (!fired) return Ok();
  std::string context = "injected fault in ";
  context += FsOpName(op);
  context += ' ';
  context += what;
  return Err(Error::FromErrno(*fired, context));
}

uint64_t FaultFs::WriteAllowance(uint64_t wanted) const {
  if (!write_budget_) return wanted;
  uint64_t left = *write_budget_ > bytes_written_ ? *write_budget_ - bytes_written_ : 0;
  return std::min(wanted, left);
}

// ---- Fs operations -----------------------------------------------------------------------------

Result<std::unique_ptr<Dir>> FaultFs::OpenDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kOpenDir, path));
  NJ_TRY(auto base, base_.OpenDir(path));
  auto h = std::make_unique<DirImpl>(this, std::move(base), Normalize(path));
  live_handles_.insert(h.get());
  return h;
}

Result<std::unique_ptr<WritableFile>> FaultFs::CreateFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kCreate, path));
  NJ_TRY(auto base, base_.CreateFile(path));
  std::string norm = Normalize(path);
  uint64_t id = next_id_++;
  durable_size_[id] = 0;
  ids_[norm] = id;
  pending_.push_back({.kind = PendingOp::Kind::kCreate, .path = norm, .id = id});
  auto h = std::make_unique<WritableImpl>(this, std::move(base), path, id);
  live_handles_.insert(h.get());
  return h;
}

Result<std::unique_ptr<WritableFile>> FaultFs::OpenWritable(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kOpenWritable, path));
  NJ_TRY(auto base, base_.OpenWritable(path));
  std::string norm = Normalize(path);
  auto it = ids_.find(norm);
  uint64_t id;
  if (it != ids_.end()) {
    id = it->second;
  } else {  // first sight of a file from before: count it as durable as it is
    id = next_id_++;
    durable_size_[id] = base->Size();
    ids_[norm] = id;
  }
  auto h = std::make_unique<WritableImpl>(this, std::move(base), path, id);
  live_handles_.insert(h.get());
  return h;
}

Result<std::unique_ptr<RandomAccessFile>> FaultFs::OpenForRead(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kOpenRead, path));
  NJ_TRY(auto base, base_.OpenForRead(path));
  auto h = std::make_unique<ReadImpl>(this, std::move(base), path);
  live_handles_.insert(h.get());
  return h;
}

Result<void> FaultFs::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kRename, from + " -> " + to));
  std::string nf = Normalize(from), nt = Normalize(to);
  auto from_id = IdFor(nf);
  if (!from_id || nf == nt) return base_.Rename(from, to);  // fails, or changes nothing
  PendingOp op{.kind = PendingOp::Kind::kRename, .path = nf, .to = nt, .id = *from_id};
  if (auto victim = IdFor(nt)) {
    op.replaced_id = *victim;
    auto saved = SaveDurable(nt, *victim);
    op.restorable = saved.has_value();
    if (saved) op.saved = std::move(*saved);
  }
  NJ_CHECK_OK(base_.Rename(from, to));
  ids_.erase(nf);
  ids_[nt] = *from_id;
  pending_.push_back(std::move(op));
  return Ok();
}

Result<void> FaultFs::Unlink(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kUnlink, path));
  std::string norm = Normalize(path);
  auto id = IdFor(norm);
  if (!id) return base_.Unlink(path);  // nothing there (it will fail)
  PendingOp op{.kind = PendingOp::Kind::kUnlink, .path = norm, .id = *id};
  auto saved = SaveDurable(norm, *id);
  op.restorable = saved.has_value();
  if (saved) op.saved = std::move(*saved);
  NJ_CHECK_OK(base_.Unlink(path));
  ids_.erase(norm);
  pending_.push_back(std::move(op));
  return Ok();
}

Result<std::vector<std::string>> FaultFs::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kListDir, path));
  return base_.ListDir(path);
}

Result<void> FaultFs::MakeDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kMakeDir, path));
  NJ_CHECK_OK(base_.MakeDir(path));
  pending_.push_back({.kind = PendingOp::Kind::kMakeDir, .path = Normalize(path)});
  return Ok();
}

Result<void> FaultFs::RemoveDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kRemoveDir, path));
  NJ_CHECK_OK(base_.RemoveDir(path));
  pending_.push_back({.kind = PendingOp::Kind::kRemoveDir, .path = Normalize(path)});
  return Ok();
}

Result<void> FaultFs::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kSyncDir, path));
  NJ_CHECK_OK(base_.SyncDir(path));
  MarkDirSynced(Normalize(path));
  return Ok();
}

Result<uint64_t> FaultFs::FileSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kStat, path));
  return base_.FileSize(path);
}

Result<bool> FaultFs::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kStat, path));
  return base_.Exists(path);
}

Result<std::unique_ptr<FileLock>> FaultFs::LockFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kLock, path));
  NJ_TRY(auto base, base_.LockFile(path));
  auto h = std::make_unique<LockImpl>(this, std::move(base));
  live_handles_.insert(h.get());
  return h;
}

Result<FsStats> FaultFs::StatFs(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  NJ_CHECK_OK(CountAndCheck(FsOp::kStatFs, path));
  NJ_TRY(FsStats stats, base_.StatFs(path));
  // A disk that fills at the write budget also reports its free space accordingly.
  if (write_budget_) stats.free_bytes = std::min(stats.free_bytes, WriteAllowance(UINT64_MAX));
  return stats;
}

}  // namespace nightjar
