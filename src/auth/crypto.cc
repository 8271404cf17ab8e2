#include "auth/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nightjar::auth {

Result<void> InitCrypto() {
  if (sodium_init() < 0) return Err(ErrorCode::kInternal, "libsodium failed to initialize");
  return Ok();
}

std::vector<uint8_t> RandomBytes(size_t n) {
  (void)InitCrypto();
  std::vector<uint8_t> out(n);
  randombytes_buf(out.data(), n);
  return out;
}

std::string RandomToken(std::string_view prefix, size_t bytes) {
  auto raw = RandomBytes(bytes);
  std::string out(prefix);
  out += Base64UrlEncode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

Digest Sha256(std::string_view data) {
  Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return d;
}

Digest HmacSha256(const Key& key, std::string_view data) {
  Digest d;
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st, d.data());
  return d;
}

std::string Base64UrlEncode(std::span<const uint8_t> data) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kVariant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text) {
  std::vector<uint8_t> out(text.size() * 3 / 4 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return Err(ErrorCode::kMalformed, "not base64url");
  }
  out.resize(len);
  return out;
}

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(std::span(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                            std::span(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

namespace {

Error IoError(const std::string& what, const std::string& path) {
  return Error(ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno));
}

Result<void> CreateKeyFile(const std::string& path) {
  auto key = RandomBytes(32);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Ok();  // another process made it first
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
  return Ok();
}

}  // namespace

Result<Key> LoadOrCreateKeyFile(const std::string& path) {
  NJ_CHECK_OK(InitCrypto());
  if (::access(path.c_str(), F_OK) != 0) NJ_CHECK_OK(CreateKeyFile(path));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(IoError("cannot open the key file", path));
  struct stat st {};
  std::array<uint8_t, 33> buf{};
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  ::close(fd);
  if (!stat_ok || n < 0) return std::unexpected(IoError("cannot read the key file", path));
  if ((st.st_mode & 077) != 0) {
    return Err(ErrorCode::kPermissionDenied,
               "key file " + path + " is readable by others; chmod 600 it");
  }
  if (n != 32) return Err(ErrorCode::kMalformed, "key file " + path + " must hold 32 bytes");
  Key key;
  std::memcpy(key.data(), buf.data(), key.size());
  sodium_memzero(buf.data(), buf.size());
  return key;
}

}  // namespace nightjar::auth
