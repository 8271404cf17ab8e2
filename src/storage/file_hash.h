// The integrity hash of sample files, computed as bytes go by (the writer) or read back (recovery,
// `check --hash`). New recordings use kDefaultHashAlgorithm; rows keep the algorithm their digest
// was made with (db::SampleFileHash), so recordings hashed with BLAKE2b-256 still check.
//
// XXH3-128 is the default: it is not cryptographic, and need not be (the hash detects damage to a
// file, it does not authenticate it), and it hashes ~15 GB/s here (AVX2 through libxxhash's
// dispatch) where BLAKE2b managed 0.5 GB/s: at 64 streams of 4 Mbit/s, BLAKE2b alone was 40 % of
// recording's CPU (bench/README.md).
//
// Thread safety: a FileHasher is used by one thread at a time.
#ifndef NIGHTJAR_STORAGE_FILE_HASH_H_
#define NIGHTJAR_STORAGE_FILE_HASH_H_

#include <cstdint>
#include <memory>
#include <span>

#include "db/rows.h"

namespace nightjar::storage {

inline constexpr db::HashAlgorithm kDefaultHashAlgorithm = db::HashAlgorithm::kXxh3_128;

class FileHasher {
 public:
  explicit FileHasher(db::HashAlgorithm algorithm = kDefaultHashAlgorithm);
  ~FileHasher();
  FileHasher(FileHasher&&) noexcept;
  FileHasher& operator=(FileHasher&&) noexcept;

  void Update(std::span<const uint8_t> bytes);
  // The digest of everything updated so far (the hasher may go on being updated).
  db::SampleFileHash Final() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace nightjar::storage

#endif  // NIGHTJAR_STORAGE_FILE_HASH_H_
