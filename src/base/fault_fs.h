// FaultFs: an Fs for tests that injects failures and simulates crashes.
//
// This module owns the fault-injecting wrapper used by storage tests. It forwards every call to a
// real Fs (normally PosixFs on a temp dir) and can:
//   1. fail the n-th operation of a kind (or of any kind) with a chosen errno, once or forever;
//   2. act as a full disk: once more than a byte budget has been written in total, writes fail
//      with ENOSPC (after writing the part that still fits, like a real short write);
//   3. simulate a crash (power cut) with SimulateCrash(), rolling the real files back to what the
//      durability contract in fs.h guarantees survived.
//
// The crash model (the worst case the contract allows, within these limits):
//   - File data: each file's *durable size* is its size at its last successful Sync (0 for a file
//     created through this FaultFs and never synced; the size when first seen for a file that
//     existed before). At a crash every file written through this FaultFs since the last crash
//     that is longer than its durable size is truncated to it (files changed behind its back, on
//     the wrapped Fs directly, are left alone).
//     Truncate() to a smaller size lowers the durable size at once (a shrink is never undone).
//     Fallocate has no effect on the model.
//     Not modelled: overwrites within the durable size (PositionalWrite into synced data) are
//     kept, and unsynced data is dropped whole, never partially kept or garbled.
//   - Directory entries: CreateFile, Rename, Unlink, MakeDir and RemoveDir are *pending* until
//     the directory holding the entry is synced (SyncDir or Dir::Sync of the parent, compared by
//     lexically normalised path); a rename needs both the source's and the destination's
//     directory synced. At a crash pending operations are undone newest first: created files and
//     directories are removed (a directory with everything under it), unlinked files are restored
//     with their durable contents, renames are moved back and a file they replaced is restored
//     with its durable contents. Restoring needs a copy taken at the time of the unlink/rename;
//     copies are kept in memory up to kMaxSavedBytes per file — beyond that (or for a replaced
//     directory) SimulateCrash restores what it can and reports kUnsupported.
//   - Handles: every file, Dir and lock handle opened before the crash is dead afterwards (calls
//     fail with kAborted) and its descriptor is closed, so locks are released as when a process
//     dies. Fault rules stay armed; call ClearFaults() before "restarting".
// Use consistent path spellings (all absolute, say): "a/b" and "/cwd/a/b" are different entries.
//
// Thread-safe: one mutex serialises every call (tests only). The FaultFs must outlive its handles,
// and the wrapped Fs must outlive the FaultFs.
#ifndef NIGHTJAR_BASE_FAULT_FS_H_
#define NIGHTJAR_BASE_FAULT_FS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/fs.h"

namespace nightjar {

// Operation kinds, for counting and for choosing which operation fails.
enum class FsOp : uint8_t {
  kAny,  // matches every kind below (in FailNth and OpCount)
  kOpenDir,
  kCreate,
  kOpenWritable,
  kOpenRead,
  kWrite,  // WritableFile::Append, Writev and PositionalWrite
  kSync,   // WritableFile::Sync
  kFallocate,
  kTruncate,
  kClose,
  kRead,  // RandomAccessFile::ReadAt and Size
  kRename,
  kUnlink,
  kListDir,
  kMakeDir,
  kRemoveDir,
  kSyncDir,  // Fs::SyncDir and Dir::Sync
  kStat,     // Fs::FileSize and Fs::Exists
  kLock,
  kStatFs,
};
inline constexpr size_t kNumFsOps = static_cast<size_t>(FsOp::kStatFs) + 1;
std::string_view FsOpName(FsOp op);

class FaultFs final : public Fs {
 public:
  // Largest file content SimulateCrash can restore after an unlink or a replacing rename.
  static constexpr uint64_t kMaxSavedBytes = 16 << 20;

  // `base` must outlive this object.
  explicit FaultFs(Fs& base);
  ~FaultFs() override;
  FaultFs(const FaultFs&) = delete;
  FaultFs& operator=(const FaultFs&) = delete;

  // Makes the n-th matching operation from now on (n = 1: the very next) fail with `err` without
  // reaching the wrapped Fs; with `persistent`, every matching operation after it fails too.
  // Several rules may be armed at once; each counts the operations it matches.
  void FailNth(FsOp op, int64_t n, int err, bool persistent = false);

  // Full-disk simulation: writes fail with ENOSPC once `bytes` bytes in total have been written
  // through this FaultFs (counting from its creation). The write that crosses the budget writes
  // the part that fits and then fails. Fallocate fails with ENOSPC once the budget is used up,
  // and StatFs reports no more free bytes than the budget has left.
  void SetWriteBudget(uint64_t bytes);

  // Disarms every FailNth rule and the write budget.
  void ClearFaults();

  // Operations attempted (including failed ones) since construction; kAny counts all.
  uint64_t OpCount(FsOp op) const;
  uint64_t BytesWritten() const;
  // The ranges [offset, offset + length) given to WritableFile::StartWriteback on `path`'s
  // handles, in call order.
  std::vector<std::pair<uint64_t, uint64_t>> WritebackRanges(const std::string& path) const;
  // The ranges given to WritableFile::DropCache on `path`'s handles, in call order.
  std::vector<std::pair<uint64_t, uint64_t>> DroppedRanges(const std::string& path) const;

  // Rolls the real files back to their durable state, as described at the top of this file, and
  // kills all open handles. Afterwards everything on disk counts as durable. Fails (after doing
  // all it can) with kUnsupported if some unlinked or replaced file could not be restored, or
  // with the wrapped Fs's error if the rollback itself failed.
  Result<void> SimulateCrash();

  // Fs
  Result<std::unique_ptr<Dir>> OpenDir(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> CreateFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override;
  Result<void> Rename(const std::string& from, const std::string& to) override;
  Result<void> Unlink(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<void> MakeDir(const std::string& path) override;
  Result<void> RemoveDir(const std::string& path) override;
  Result<void> SyncDir(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<bool> Exists(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  Result<FsStats> StatFs(const std::string& path) override;

  // The handles this FaultFs hands out (defined in fault_fs.cc).
  class WritableImpl;
  class ReadImpl;
  class DirImpl;
  class LockImpl;

 private:
  // Base of every handle, so that SimulateCrash can kill them all.
  class Handle {
   public:
    // Closes the wrapped handle; later calls fail with kAborted. Called with mu_ held.
    virtual void Kill() = 0;

   protected:
    ~Handle() = default;
  };

  // A directory-entry change not yet made durable by syncing its directory.
  struct PendingOp {
    enum class Kind { kCreate, kUnlink, kRename, kMakeDir, kRemoveDir };
    Kind kind;
    std::string path;                     // normalised; for a rename, the source
    std::string to;                       // rename destination (normalised)
    uint64_t id = 0;                      // the file created, unlinked or renamed
    std::optional<uint64_t> replaced_id;  // the file a rename replaced
    std::string saved;                    // durable contents of the unlinked or replaced file
    bool restorable = true;               // false if `saved` could not be taken
    bool path_dir_synced = false;
    bool to_dir_synced = false;
  };

  struct FaultRule {
    FsOp op;
    int64_t remaining;  // fires when this reaches 1 on a matching operation
    int err;
    bool persistent;
  };

  // All of these require mu_ held.
  Result<void> CountAndCheck(FsOp op, std::string_view what);
  uint64_t WriteAllowance(uint64_t wanted) const;  // bytes of `wanted` still within the budget
  std::optional<uint64_t> IdFor(const std::string& norm_path);  // nullopt: nothing at the path
  Result<std::string> SaveDurable(const std::string& norm_path, uint64_t id);
  void MarkDirSynced(const std::string& norm_dir);
  bool IsDurable(const PendingOp& op) const;
  Result<void> UndoOp(const PendingOp& op);
  Result<void> RestoreFile(const std::string& path, uint64_t id, const std::string& contents);
  Result<void> RemoveTree(const std::string& path);
  Result<void> TruncateToDurable();

  Fs& base_;
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;
  std::optional<uint64_t> write_budget_;
  uint64_t bytes_written_ = 0;
  std::array<uint64_t, kNumFsOps> op_counts_{};

  std::set<Handle*> live_handles_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, uint64_t> durable_size_;  // file id -> durable size
  std::map<std::string, uint64_t> ids_;                  // normalised path -> file id
  std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> writebacks_;
  std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> drops_;
  std::set<uint64_t> dirty_;  // ids written since the last crash
  std::vector<PendingOp> pending_;
};

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_FAULT_FS_H_
