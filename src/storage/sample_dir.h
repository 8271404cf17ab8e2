// A sample-file directory: one per disk, holding one file per recording, tied to its database by
// the `meta` file (docs/schema.md "Identities"). It refuses a directory that belongs to another
// database or was never initialized, so a wrong disk is never written to or "cleaned".
//
// Thread safety: Open is not thread-safe against itself; afterwards every method may be called
// from any thread (they only issue independent file-system calls). Read-write opens hold an
// exclusive lock on the directory for the object's lifetime.
#ifndef NIGHTJAR_STORAGE_SAMPLE_DIR_H_
#define NIGHTJAR_STORAGE_SAMPLE_DIR_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fs.h"
#include "storage/file_hash.h"

namespace nightjar::storage {

using Uuid = std::array<uint8_t, 16>;

// A new random (version 4) uuid.
Uuid NewUuid();
std::string UuidHex(const Uuid& uuid);

struct DirListing {
  std::vector<int64_t> sample_files;  // composite ids, sorted
  std::vector<std::string> unknown;   // names that are neither sample files nor ours
};

class SampleFileDir {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path`. kReadWrite initializes a missing or empty directory (writing `meta`
  // atomically) and locks it; kReadOnly requires `meta` and takes no lock (it may run while
  // `nightjar run` records). Fails with kFailedPrecondition, naming the problem, when `meta` names
  // another database or directory, when a non-empty directory has no `meta`, or when another
  // process holds the lock.
  static Result<std::unique_ptr<SampleFileDir>> Open(Fs& fs, std::string path, const Uuid& db_uuid,
                                                     const Uuid& dir_uuid, Mode mode);

  const std::string& path() const { return path_; }
  Fs& fs() const { return fs_; }

  // "0000000100000017" for composite id 0x100000017.
  static std::string FileName(int64_t composite_id);
  static std::optional<int64_t> ParseFileName(std::string_view name);
  std::string PathOf(int64_t composite_id) const;

  // Creates a recording's file (O_EXCL: kAlreadyExists means an id was reused, a serious bug).
  Result<std::unique_ptr<WritableFile>> Create(int64_t composite_id) const;
  // Opens an existing file for truncation during recovery.
  Result<std::unique_ptr<WritableFile>> OpenExisting(int64_t composite_id) const;
  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(int64_t composite_id) const;
  // kNotFound when the file is already gone.
  Result<void> Unlink(int64_t composite_id) const;
  // Makes creations, unlinks and renames in the directory durable.
  Result<void> Sync() const;
  // `stop` (optional), once true, ends the listing early (what it has listed so far).
  Result<DirListing> List(const std::atomic<bool>* stop = nullptr) const;
  // Moves an unknown file into `trash/` (created on demand): `check --repair` never deletes.
  Result<void> MoveToTrash(const std::string& name) const;
  Result<FsStats> Stats() const;
  // The hash of the first `bytes` bytes of a recording's file (read back from the disk).
  Result<db::SampleFileHash> Hash(int64_t composite_id, uint64_t bytes,
                                  db::HashAlgorithm algorithm = kDefaultHashAlgorithm) const;

 private:
  SampleFileDir(Fs& fs, std::string path, std::unique_ptr<FileLock> lock)
      : fs_(fs), path_(std::move(path)), lock_(std::move(lock)) {}

  Fs& fs_;
  const std::string path_;
  std::unique_ptr<FileLock> lock_;
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_SAMPLE_DIR_H_
