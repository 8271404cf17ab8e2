// Bounded MSB-first bit reader over an RBSP (emulation-prevention bytes already removed).
//
// Used by the H.264/H.265 parameter-set and AAC config parsers. Every read checks the remaining
// length and returns kMalformed instead of reading past the end, and the Exp-Golomb readers
// (ITU-T H.264 §9.1, H.265 §9.2) reject codes whose value would not fit in 32 bits. After a failed
// read the reader's position is unspecified; callers abandon the parse.
//
// The reader does not own the bytes: the span must outlive it. Not thread-safe (it has a cursor),
// but independent readers over the same bytes are fine.
#ifndef NIGHTJAR_CODEC_BIT_READER_H_
#define NIGHTJAR_CODEC_BIT_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/error.h"

namespace nightjar::codec {

class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  // Reads n bits (0 <= n <= 32) as an unsigned big-endian value. n == 0 yields 0.
  Result<uint32_t> ReadBits(int n);
  // Reads n bits (0 <= n <= 64).
  Result<uint64_t> ReadBits64(int n);
  Result<bool> ReadFlag();
  // ue(v): unsigned Exp-Golomb. Values up to 2^32 - 2; longer prefixes are kMalformed.
  Result<uint32_t> ReadUe();
  // se(v): signed Exp-Golomb, in [-(2^31 - 1), 2^31 - 1].
  Result<int32_t> ReadSe();
  // ue(v) that must be <= max; `what` names the syntax element for the error message.
  Result<uint32_t> ReadUeMax(uint32_t max, const char* what);
  // se(v) that must lie in [min, max].
  Result<int32_t> ReadSeRange(int32_t min, int32_t max, const char* what);
  Result<void> SkipBits(size_t n);
  // Returns the next n whole bytes as a view into the input (for byte-oriented records such as
  // avcC/hvcC). The reader must be byte-aligned (kInternal otherwise).
  Result<std::span<const uint8_t>> ReadBytes(size_t n);

  size_t bit_position() const { return pos_; }
  size_t bits_left() const { return data_.size() * 8 - pos_; }
  bool byte_aligned() const { return pos_ % 8 == 0; }

  // more_rbsp_data() (H.264 §7.2): true if anything other than the rbsp_trailing_bits (a 1 bit
  // followed by zero bits up to the end) remains.
  bool MoreRbspData() const;

 private:
  Error Truncated(size_t wanted) const;

  std::span<const uint8_t> data_;
  size_t pos_ = 0;  // in bits
};

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_BIT_READER_H_
