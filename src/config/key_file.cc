#include "config/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nightjar::config {
namespace {

Error IoError(const std::string& what, const std::string& path) {
  return Error(ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno));
}

Result<void> SyncParent(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(IoError("cannot open", dir));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return std::unexpected(IoError("cannot sync", dir));
  return Ok();
}

Result<void> Create(const std::string& path) {
  KeyBytes key;
  randombytes_buf(key.data(), key.size());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Ok();  // another process made it first: read theirs
    return std::unexpected(IoError("cannot create the key file", path));
  }
  const bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(key.data(), key.size());
  if (!ok) {
    ::unlink(path.c_str());
    return std::unexpected(IoError("cannot write the key file", path));
  }
  return SyncParent(path);
}

}  // namespace

Result<KeyBytes> LoadKeyFile(const std::string& path) {
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Err(ErrorCode::kNotFound, "no key file " + path);
    return std::unexpected(IoError("cannot open the key file", path));
  }
  struct stat st {};
  std::array<uint8_t, sizeof(KeyBytes) + 1> buf{};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  if (!stat_ok || n < 0) return std::unexpected(IoError("cannot read the key file", path));
  if ((st.st_mode & 077) != 0) {
    return Err(ErrorCode::kPermissionDenied,
               "key file " + path + " is readable by others; chmod 600 it");
  }
  if (n != static_cast<ssize_t>(sizeof(KeyBytes))) {
    return Err(ErrorCode::kMalformed, "key file " + path + " must hold exactly 32 bytes");
  }
  KeyBytes key;
  std::memcpy(key.data(), buf.data(), key.size());
  sodium_memzero(buf.data(), buf.size());
  return key;
}

Result<KeyBytes> LoadOrCreateKeyFile(const std::string& path) {
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  if (::access(path.c_str(), F_OK) != 0) NJ_CHECK_OK(Create(path));
  return LoadKeyFile(path);
}

}  // namespace nightjar::config
