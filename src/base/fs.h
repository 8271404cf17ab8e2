// The file system, as every storage module sees it.
//
// This module owns the Fs interface (modelled on LevelDB's Env): all OS file access in Nightjar —
// sample files, the `meta` file, directory locks, free-space checks — goes through an Fs& handed in
// by the caller, never through direct syscalls. src/cli wires PosixFs; tests wire FaultFs
// (fault_fs.h) around it to inject I/O errors, a full disk, or a crash that drops unsynced data.
//
// Durability contract (what PosixFs provides and FaultFs models): data written to a file is durable
// only after WritableFile::Sync() returns Ok; a create, rename or unlink is durable only after the
// containing directory has been synced (Fs::SyncDir or Dir::Sync). Code that needs "this file
// exists with these bytes after a power cut" must do both.
//
// Paths are plain strings passed to the OS unchanged. Handles returned by an Fs must not outlive
// it. Fs implementations are thread-safe; individual file handles are not (one owner at a time),
// except RandomAccessFile reads, which may run concurrently.
#ifndef NIGHTJAR_BASE_FS_H_
#define NIGHTJAR_BASE_FS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar {

// Views text as bytes (for tests and small files such as `meta`).
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A file opened for writing. Not thread-safe. Destroying an open file closes it (ignoring errors;
// call Close() to see them). Failed calls may have had partial effect, as noted per method.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  // Writes at the end of the file (offset Size()). On error a prefix of the data may have been
  // written (e.g. up to the point the disk filled); Size() includes that prefix.
  virtual Result<void> Append(std::span<const uint8_t> data) = 0;

  // Appends several buffers with as few syscalls as possible (pwritev). Same error semantics.
  virtual Result<void> Writev(std::span<const std::span<const uint8_t>> parts) = 0;

  // Writes at `offset` without moving the append position, except that writing past the end
  // extends the file (and Size()).
  virtual Result<void> PositionalWrite(uint64_t offset, std::span<const uint8_t> data) = 0;

  // Makes the file's data (and size) durable: fdatasync(2). After a failed Sync the file's
  // durable contents are unknown (the kernel may already have dropped the dirty pages), so a
  // PosixFs file fails every later write and Sync with the same error; start a new file.
  virtual Result<void> Sync() = 0;

  // A hint: start writing [offset, offset + length) back to the disk now, without waiting, so
  // that a later Sync has little left to do (sync_file_range(2) SYNC_FILE_RANGE_WRITE). Makes
  // nothing durable by itself; the default does nothing.
  virtual void StartWriteback(uint64_t offset, uint64_t length) {
    (void)offset;
    (void)length;
  }

  // A hint: [offset, offset + length) will not be read again soon, and its clean pages may leave
  // the page cache now (posix_fadvise(2) POSIX_FADV_DONTNEED; pages partly outside the range,
  // dirty or under writeback stay). For bytes already made durable. The default does nothing.
  virtual void DropCache(uint64_t offset, uint64_t length) {
    (void)offset;
    (void)length;
  }

  // Reserves disk space for [offset, offset + length) without changing Size(), to limit
  // fragmentation and to fail early with kNoSpace. Where the file system cannot preallocate
  // (EOPNOTSUPP) it succeeds without doing anything: preallocation is only a hint.
  virtual Result<void> Fallocate(uint64_t offset, uint64_t length) = 0;

  // Sets the file's size (shrinking or extending with zeros); the append position follows.
  virtual Result<void> Truncate(uint64_t size) = 0;

  // Closes the descriptor. Every later call fails with kFailedPrecondition.
  virtual Result<void> Close() = 0;

  // Size of the file as written through this handle (never fails).
  virtual uint64_t Size() const = 0;
};

// A file opened for reading. ReadAt may be called from several threads at once.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to buf.size() bytes at `offset`; returns how many were read, fewer only at end of
  // file (0 at or past it).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const = 0;

  // Current size of the file (fstat).
  virtual Result<uint64_t> Size() const = 0;

  // The OS descriptor, for zero-copy sendfile(2); -1 if the file is not backed by one. Owned by
  // this object: do not close it, and do not use it after the object is destroyed.
  virtual int fd() const = 0;

  // Reads exactly buf.size() bytes at `offset`; a file that ends early is kMalformed (the caller
  // expected those bytes to exist, e.g. a sample file shorter than its database row says).
  Result<void> ReadExactAt(uint64_t offset, std::span<uint8_t> buf) const;
};

// An open directory, kept open to sync it after creating, renaming or unlinking entries.
class Dir {
 public:
  virtual ~Dir() = default;
  // fsync(2) of the directory: makes the entries changed so far durable.
  virtual Result<void> Sync() = 0;
  virtual int fd() const = 0;
};

// Held while a path is locked; destroying it releases the lock.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

struct FsStats {
  uint64_t free_bytes = 0;   // available to this (unprivileged) process
  uint64_t total_bytes = 0;  // size of the file system
};

class Fs {
 public:
  virtual ~Fs() = default;

  virtual Result<std::unique_ptr<Dir>> OpenDir(const std::string& path) = 0;

  // Creates a new, empty file; kAlreadyExists if the path exists (O_EXCL), so a sample file is
  // never silently overwritten. The creation is durable only after the directory is synced.
  virtual Result<std::unique_ptr<WritableFile>> CreateFile(const std::string& path) = 0;

  // Opens an existing file for writing without truncating it (e.g. to truncate a sample file back
  // to its last checkpoint during recovery); Size() starts at the current size.
  virtual Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path) = 0;

  virtual Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) = 0;

  // rename(2): atomically replaces `to` if it exists.
  virtual Result<void> Rename(const std::string& from, const std::string& to) = 0;
  virtual Result<void> Unlink(const std::string& path) = 0;

  // Names of the entries in a directory, without "." and "..", sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Calls fn with the name of each entry of a directory (without "." and ".."), in no particular
  // order, without holding all the names at once: for sample-file directories of millions of
  // files. fn returns false to stop early. The default goes through ListDir.
  virtual Result<void> ForEachName(const std::string& path,
                                   const std::function<bool(std::string_view)>& fn);

  // mkdir(2) with mode 0755 (before umask); kAlreadyExists if present.
  virtual Result<void> MakeDir(const std::string& path) = 0;
  // rmdir(2): the directory must be empty.
  virtual Result<void> RemoveDir(const std::string& path) = 0;

  // Opens, fsyncs and closes a directory. Prefer keeping a Dir open when syncing repeatedly.
  virtual Result<void> SyncDir(const std::string& path) = 0;

  virtual Result<uint64_t> FileSize(const std::string& path) = 0;

  // False if the path (or a directory on the way to it) does not exist; errors such as EACCES are
  // reported rather than guessed.
  virtual Result<bool> Exists(const std::string& path) = 0;

  // Takes an exclusive advisory lock on `path` — an existing directory, or a regular file that is
  // created if missing — for as long as the returned object lives. Fails with
  // kFailedPrecondition if anyone else holds it: another process, or another LockFile call in
  // this one (the lock is flock(2)'s, which belongs to the open file, not the process). Never
  // blocks. Caveat: on NFS, Linux emulates flock with byte-range locks, so there only the
  // exclusion between processes holds.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Free and total bytes of the file system holding `path`.
  virtual Result<FsStats> StatFs(const std::string& path) = 0;
};

// Reads a whole (small) file; kMalformed if it is larger than max_bytes, so a corrupt or hostile
// file cannot make us allocate without bound.
Result<std::string> ReadFileToString(Fs& fs, const std::string& path, uint64_t max_bytes);

// The real file system, through POSIX/Linux syscalls. EINTR is retried, short reads and writes are
// continued, errno values become Errors via Error::FromErrno with the path as context. Stateless
// and thread-safe.
class PosixFs final : public Fs {
 public:
  Result<std::unique_ptr<Dir>> OpenDir(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> CreateFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override;
  Result<void> Rename(const std::string& from, const std::string& to) override;
  Result<void> Unlink(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<void> ForEachName(const std::string& path,
                           const std::function<bool(std::string_view)>& fn) override;
  Result<void> MakeDir(const std::string& path) override;
  Result<void> RemoveDir(const std::string& path) override;
  Result<void> SyncDir(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<bool> Exists(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  Result<FsStats> StatFs(const std::string& path) override;
};

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_FS_H_
