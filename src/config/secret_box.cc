#include "config/secret_box.h"

#include <sodium.h>

#include <vector>

#include "base/base64.h"
#include "config/key_file.h"

namespace nightjar::config {
namespace {

constexpr std::string_view kPrefix = "v1:";

}  // namespace

Result<SecretBox> SecretBox::Load(const std::string& path) {
  NJ_TRY(const KeyBytes key, LoadKeyFile(path));
  return SecretBox(key);
}

Result<SecretBox> SecretBox::LoadOrCreate(const std::string& path) {
  NJ_TRY(const KeyBytes key, LoadOrCreateKeyFile(path));
  return SecretBox(key);
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
