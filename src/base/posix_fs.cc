// PosixFs: the Fs interface over Linux syscalls.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "base/fs.h"

namespace nightjar {
namespace {

// Retries a syscall that failed with EINTR (a signal arrived before it did anything).
template <typename F>
auto RetryEintr(F f) {
  for (;;) {
    auto r = f();
    if (r != -1 || errno != EINTR) return r;
  }
}

std::unexpected<Error> ErrnoError(std::string_view op, const std::string& path) {
  int err = errno;
  std::string context(op);
  context += ' ';
  context += path;
  return std::unexpected(Error::FromErrno(err, context));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) close(fd_);
  }

  Result<void> Append(std::span<const uint8_t> data) override {
    std::span<const uint8_t> parts[] = {data};
    return Writev(parts);
  }

  Result<void> Writev(std::span<const std::span<const uint8_t>> parts) override {
    NJ_CHECK_OK(CheckUsable());
    std::vector<struct iovec> iov;
    iov.reserve(parts.size());
    for (auto p : parts) {
      if (!p.empty()) iov.push_back({const_cast<uint8_t*>(p.data()), p.size()});
    }
    size_t i = 0;
    while (i < iov.size()) {
      int n = static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX));
      ssize_t w = RetryEintr([&] { return pwritev(fd_, &iov[i], n, static_cast<off_t>(size_)); });
      if (w < 0) return ErrnoError("pwritev", path_);
      if (w == 0) return Err(ErrorCode::kIo, "pwritev " + path_ + ": wrote nothing");
      size_ += static_cast<uint64_t>(w);
      // Skip the fully written buffers and trim the partially written one (short write).
      size_t left = static_cast<size_t>(w);
      while (left > 0) {
        if (left >= iov[i].iov_len) {
          left -= iov[i].iov_len;
          ++i;
        } else {
          iov[i].iov_base = static_cast<uint8_t*>(iov[i].iov_base) + left;
          iov[i].iov_len -= left;
          left = 0;
        }
      }
    }
    return Ok();
  }

  Result<void> PositionalWrite(uint64_t offset, std::span<const uint8_t> data) override {
    NJ_CHECK_OK(CheckUsable());
    while (!data.empty()) {
      ssize_t w = RetryEintr(
          [&] { return pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset)); });
      if (w < 0) return ErrnoError("pwrite", path_);
      if (w == 0) return Err(ErrorCode::kIo, "pwrite " + path_ + ": wrote nothing");
      offset += static_cast<uint64_t>(w);
      data = data.subspan(static_cast<size_t>(w));
      size_ = std::max(size_, offset);
    }
    return Ok();
  }

  void StartWriteback(uint64_t offset, uint64_t length) override {
    if (fd_ >= 0) {
      sync_file_range(fd_, static_cast<off64_t>(offset), static_cast<off64_t>(length),
                      SYNC_FILE_RANGE_WRITE);
    }
  }

  void DropCache(uint64_t offset, uint64_t length) override {
    if (fd_ >= 0 && length > 0) {
      (void)posix_fadvise(fd_, static_cast<off_t>(offset), static_cast<off_t>(length),
                          POSIX_FADV_DONTNEED);
    }
  }

  Result<void> Sync() override {
    NJ_CHECK_OK(CheckUsable());
    if (RetryEintr([&] { return fdatasync(fd_); }) != 0) {
      auto e = ErrnoError("fdatasync", path_);
      sync_error_ = e.error();  // see fs.h: the durable state is now unknown
      return e;
    }
    return Ok();
  }

  Result<void> Fallocate(uint64_t offset, uint64_t length) override {
    NJ_CHECK_OK(CheckUsable());
    if (length == 0) return Ok();
    int r = RetryEintr([&] {
      return fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                       static_cast<off_t>(length));
    });
    if (r == 0) return Ok();
    if (errno == EOPNOTSUPP || errno == ENOSYS) return Ok();  // e.g. some FUSE or network FSes
    return ErrnoError("fallocate", path_);
  }

  Result<void> Truncate(uint64_t size) override {
    NJ_CHECK_OK(CheckUsable());
    if (RetryEintr([&] { return ftruncate(fd_, static_cast<off_t>(size)); }) != 0) {
      return ErrnoError("ftruncate", path_);
    }
    size_ = size;
    return Ok();
  }

  Result<void> Close() override {
    if (fd_ < 0) return Err(ErrorCode::kFailedPrecondition, path_ + " already closed");
    // Never retry close(2) on EINTR: on Linux the descriptor is released regardless.
    int r = close(fd_);
    fd_ = -1;
    if (r != 0 && errno != EINTR) return ErrnoError("close", path_);
    return Ok();
  }

  uint64_t Size() const override { return size_; }

 private:
  Result<void> CheckUsable() const {
    if (fd_ < 0) return Err(ErrorCode::kFailedPrecondition, path_ + " is closed");
    if (sync_error_) return Err(sync_error_->Wrap("earlier sync failed"));
    return Ok();
  }

  int fd_;
  std::string path_;
  uint64_t size_;
  std::optional<Error> sync_error_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixRandomAccessFile() override { close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const override {
    size_t done = 0;
    while (done < buf.size()) {
      ssize_t r = RetryEintr([&] {
        return pread(fd_, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
      });
      if (r < 0) return ErrnoError("pread", path_);
      if (r == 0) break;  // end of file
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (fstat(fd_, &st) != 0) return ErrnoError("fstat", path_);
    return static_cast<uint64_t>(st.st_size);
  }

  int fd() const override { return fd_; }

 private:
  int fd_;
  std::string path_;
};

class PosixDir final : public Dir {
 public:
  PosixDir(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixDir() override { close(fd_); }
  Result<void> Sync() override {
    if (RetryEintr([&] { return fsync(fd_); }) != 0) return ErrnoError("fsync", path_);
    return Ok();
  }
  int fd() const override { return fd_; }

 private:
  int fd_;
  std::string path_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { close(fd_); }  // releases the flock

 private:
  int fd_;
};

Result<int> OpenFd(const std::string& path, int flags, mode_t mode = 0) {
  int fd = RetryEintr([&] { return open(path.c_str(), flags | O_CLOEXEC, mode); });
  if (fd < 0) return ErrnoError("open", path);
  return fd;
}

}  // namespace

Result<std::unique_ptr<Dir>> PosixFs::OpenDir(const std::string& path) {
  NJ_TRY(int fd, OpenFd(path, O_RDONLY | O_DIRECTORY));
  return std::make_unique<PosixDir>(fd, path);
}

Result<std::unique_ptr<WritableFile>> PosixFs::CreateFile(const std::string& path) {
  NJ_TRY(int fd, OpenFd(path, O_WRONLY | O_CREAT | O_EXCL, 0644));
  return std::make_unique<PosixWritableFile>(fd, path, 0);
}

Result<std::unique_ptr<WritableFile>> PosixFs::OpenWritable(const std::string& path) {
  NJ_TRY(int fd, OpenFd(path, O_WRONLY));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    auto e = ErrnoError("fstat", path);
    close(fd);
    return e;
  }
  return std::make_unique<PosixWritableFile>(fd, path, static_cast<uint64_t>(st.st_size));
}

Result<std::unique_ptr<RandomAccessFile>> PosixFs::OpenForRead(const std::string& path) {
  NJ_TRY(int fd, OpenFd(path, O_RDONLY));
  return std::make_unique<PosixRandomAccessFile>(fd, path);
}

Result<void> PosixFs::Rename(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) return ErrnoError("rename", from + " -> " + to);
  return Ok();
}

Result<void> PosixFs::Unlink(const std::string& path) {
  if (unlink(path.c_str()) != 0) return ErrnoError("unlink", path);
  return Ok();
}

Result<std::vector<std::string>> PosixFs::ListDir(const std::string& path) {
  std::vector<std::string> names;
  auto listed = ForEachName(path, [&](std::string_view name) {
    names.emplace_back(name);
    return true;
  });
  if (!listed) return std::unexpected(listed.error());
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> PosixFs::ForEachName(const std::string& path,
                                  const std::function<bool(std::string_view)>& fn) {
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return ErrnoError("opendir", path);
  for (;;) {
    errno = 0;
    struct dirent* e = readdir(d);
    if (e == nullptr) {
      if (errno != 0) {
        auto err = ErrnoError("readdir", path);
        closedir(d);
        return err;
      }
      break;
    }
    std::string_view name(e->d_name);
    if (name != "." && name != ".." && !fn(name)) break;
  }
  closedir(d);
  return Ok();
}

Result<void> PosixFs::MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0) return ErrnoError("mkdir", path);
  return Ok();
}

Result<void> PosixFs::RemoveDir(const std::string& path) {
  if (rmdir(path.c_str()) != 0) return ErrnoError("rmdir", path);
  return Ok();
}

Result<void> PosixFs::SyncDir(const std::string& path) {
  NJ_TRY(auto dir, OpenDir(path));
  return dir->Sync();
}

Result<uint64_t> PosixFs::FileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoError("stat", path);
  return static_cast<uint64_t>(st.st_size);
}

Result<bool> PosixFs::Exists(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return ErrnoError("stat", path);
}

Result<std::unique_ptr<FileLock>> PosixFs::LockFile(const std::string& path) {
  // flock(2) locks belong to the open file description, so a second open+flock in this same
  // process conflicts too (fcntl locks would not: they are per process and any close drops them).
  // Directories cannot be opened for writing, hence the fallback.
  int fd = RetryEintr([&] { return open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644); });
  if (fd < 0 && errno == EISDIR) {
    fd = RetryEintr([&] { return open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  }
  if (fd < 0) return ErrnoError("open", path);
  if (RetryEintr([&] { return flock(fd, LOCK_EX | LOCK_NB); }) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return Err(ErrorCode::kFailedPrecondition, path + " is locked by another holder");
    }
    errno = err;
    return ErrnoError("flock", path);
  }
  return std::make_unique<PosixFileLock>(fd);
}

Result<FsStats> PosixFs::StatFs(const std::string& path) {
  struct statvfs st;
  if (RetryEintr([&] { return statvfs(path.c_str(), &st); }) != 0) {
    return ErrnoError("statvfs", path);
  }
  FsStats out;
  out.free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  out.total_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  return out;
}

}  // namespace nightjar
