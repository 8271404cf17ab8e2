// The daemon's 32-byte secret key files in the data directory (secret.key seals camera and TOTP
// secrets, url.key signs media URLs): created once, atomically (O_EXCL; another process that
// wins the race has its key read instead), mode 0600, synced with their directory; refused when
// group or others may read them.
//
// Thread safety: plain functions; concurrent creators agree on one key (O_EXCL).
#ifndef NIGHTJAR_CONFIG_KEY_FILE_H_
#define NIGHTJAR_CONFIG_KEY_FILE_H_

#include <array>
#include <cstdint>
#include <string>

#include "base/error.h"

namespace nightjar::config {

using KeyBytes = std::array<uint8_t, 32>;

// kNotFound when absent; kPermissionDenied when group/other-readable; kMalformed when not
// exactly 32 bytes; kIo otherwise.
Result<KeyBytes> LoadKeyFile(const std::string& path);
// Creates the file with fresh random bytes when absent, then loads it.
Result<KeyBytes> LoadOrCreateKeyFile(const std::string& path);

}  // namespace nightjar::config

#endif  // NIGHTJAR_CONFIG_KEY_FILE_H_
