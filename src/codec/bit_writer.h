// MSB-first bit writer, the inverse of BitReader.
//
// Used to build AudioSpecificConfig, ADTS headers and hvcC records, and by tests to synthesise
// parameter sets that no available encoder emits (scaling lists, short-term RPS prediction).
// Writes into an owned std::vector<uint8_t>; cannot fail. Not thread-safe.
#ifndef NIGHTJAR_CODEC_BIT_WRITER_H_
#define NIGHTJAR_CODEC_BIT_WRITER_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace nightjar::codec {

class BitWriter {
 public:
  // Appends the low n bits (0 <= n <= 64) of value, most significant first.
  void WriteBits(uint64_t value, int n);
  void WriteFlag(bool flag) { WriteBits(flag ? 1 : 0, 1); }
  // ue(v) / se(v) Exp-Golomb codes (H.264 §9.1). WriteUe needs value <= 2^32 - 2 and WriteSe
  // needs value > INT32_MIN (the codes BitReader accepts).
  void WriteUe(uint32_t value);
  void WriteSe(int32_t value);
  // Pads with zero bits up to the next byte boundary.
  void AlignWithZeros();
  // rbsp_trailing_bits(): a 1 bit, then zero bits to the byte boundary.
  void WriteTrailingBits();

  bool byte_aligned() const { return bit_count_ % 8 == 0; }
  uint64_t bit_count() const { return bit_count_; }
  // The bytes so far; a partial last byte is zero-padded.
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> Take() && { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
  uint64_t bit_count_ = 0;
};

}  // namespace nightjar::codec

#endif  // NIGHTJAR_CODEC_BIT_WRITER_H_
