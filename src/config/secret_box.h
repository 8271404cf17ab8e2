// Secrets at rest: camera passwords (and passwords inside camera URLs) are sealed with a key that
// lives in the data directory, so that a copy of nightjar.db alone (a backup, a support bundle)
// does not disclose them.
//
// Sealing is libsodium's crypto_secretbox (XSalsa20-Poly1305) with a fresh random nonce per
// value; the sealed text is "v1:" + base64(nonce || ciphertext). The key file is 32 random bytes,
// mode 0600, created on first use (O_EXCL, synced with its directory), never logged.
//
// Thread safety: a SecretBox is immutable after construction; Seal and Open may run concurrently.
#ifndef NIGHTJAR_CONFIG_SECRET_BOX_H_
#define NIGHTJAR_CONFIG_SECRET_BOX_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace nightjar::config {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr std::string_view kKeyFileName = "secret.key";

  explicit SecretBox(const std::array<uint8_t, kKeyBytes>& key) : key_(key) {}

  // Reads the key file at `path`, creating it (random key, mode 0600) when it does not exist.
  // kMalformed for a file of the wrong size; kPermissionDenied when it is readable by others
  // (the daemon refuses to use a key anyone may read); kIo for other failures.
  static Result<SecretBox> LoadOrCreate(const std::string& path);
  // Reads an existing key file (offline tools never create one). kNotFound when absent.
  static Result<SecretBox> Load(const std::string& path);

  std::string Seal(std::string_view plain) const;
  // kPermissionDenied when the text was sealed with another key or altered; kMalformed when it
  // is not sealed text at all.
  Result<std::string> Open(std::string_view sealed) const;

 private:
  std::array<uint8_t, kKeyBytes> key_;
};

}  // namespace nightjar::config

#endif  // NIGHTJAR_CONFIG_SECRET_BOX_H_
