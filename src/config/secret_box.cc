#include "config/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/base64.h"

namespace nightjar::config {
namespace {

constexpr std::string_view kPrefix = "v1:";

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
  std::array<uint8_t, SecretBox::kKeyBytes> key;
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

Result<SecretBox> SecretBox::Load(const std::string& path) {
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Err(ErrorCode::kNotFound, "no key file " + path);
    return std::unexpected(IoError("cannot open the key file", path));
  }
  struct stat st {};
  std::array<uint8_t, kKeyBytes + 1> buf{};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  if (!stat_ok || n < 0) return std::unexpected(IoError("cannot read the key file", path));
  if ((st.st_mode & 077) != 0) {
    return Err(ErrorCode::kPermissionDenied,
               "key file " + path + " is readable by others; chmod 600 it");
  }
  if (n != static_cast<ssize_t>(kKeyBytes)) {
    return Err(ErrorCode::kMalformed, "key file " + path + " must hold exactly 32 bytes");
  }
  std::array<uint8_t, kKeyBytes> key;
  std::memcpy(key.data(), buf.data(), kKeyBytes);
  sodium_memzero(buf.data(), buf.size());
  return SecretBox(key);
}

Result<SecretBox> SecretBox::LoadOrCreate(const std::string& path) {
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  if (::access(path.c_str(), F_OK) != 0) NJ_CHECK_OK(Create(path));
  return Load(path);
}

std::string SecretBox::Seal(std::string_view plain) const {
  std::vector<uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const uint8_t*>(plain.data()), plain.size(), out.data(),
                        key_.data());
  return std::string(kPrefix) + Base64Encode(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  if (!sealed.starts_with(kPrefix)) return Err(ErrorCode::kMalformed, "not a sealed value");
  auto bytes = Base64Decode(sealed.substr(kPrefix.size()));
  if (!bytes || bytes->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Err(ErrorCode::kMalformed, "not a sealed value");
  }
  const size_t n = bytes->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  std::string plain(n, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<uint8_t*>(plain.data()), bytes->data() + crypto_secretbox_NONCEBYTES,
          bytes->size() - crypto_secretbox_NONCEBYTES, bytes->data(), key_.data()) != 0) {
    return Err(ErrorCode::kPermissionDenied,
               "cannot open a sealed value (another data directory's key?)");
  }
  return plain;
}

}  // namespace nightjar::config
