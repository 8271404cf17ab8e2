#include "codec/bit_writer.h"

namespace nightjar::codec {

void BitWriter::WriteBits(uint64_t value, int n) {
  for (int i = n - 1; i >= 0; --i) {
    if (bit_count_ % 8 == 0) bytes_.push_back(0);
    if ((value >> i) & 1) bytes_.back() |= static_cast<uint8_t>(0x80 >> (bit_count_ % 8));
    ++bit_count_;
  }
}

void BitWriter::WriteUe(uint32_t value) {
  uint64_t code = uint64_t{value} + 1;
  int bits = 0;
  while ((code >> bits) > 1) ++bits;
  WriteBits(0, bits);
  WriteBits(code, bits + 1);
}

void BitWriter::WriteSe(int32_t value) {
  // Inverse of Table 9-3: positive v -> 2v - 1, non-positive v -> -2v.
  int64_t v = value;
  WriteUe(static_cast<uint32_t>(v > 0 ? 2 * v - 1 : -2 * v));
}

void BitWriter::AlignWithZeros() {
  while (bit_count_ % 8 != 0) WriteBits(0, 1);
}

void BitWriter::WriteTrailingBits() {
  WriteBits(1, 1);
  AlignWithZeros();
}

}  // namespace nightjar::codec
