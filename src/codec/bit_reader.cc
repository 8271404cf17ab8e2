#include "codec/bit_reader.h"

#include <string>

namespace nightjar::codec {

Error BitReader::Truncated(size_t wanted) const {
  return Error(ErrorCode::kMalformed, "bitstream truncated: wanted " + std::to_string(wanted) +
                                          " bits at bit " + std::to_string(pos_) + " of " +
                                          std::to_string(data_.size() * 8));
}

Result<uint64_t> BitReader::ReadBits64(int n) {
  if (n < 0 || n > 64) {
    return Err(ErrorCode::kInternal, "BitReader::ReadBits64: bad width " + std::to_string(n));
  }
  if (static_cast<size_t>(n) > bits_left()) return std::unexpected(Truncated(n));
  uint64_t value = 0;
  for (int i = 0; i < n;) {
    size_t byte = pos_ / 8;
    int bit_in_byte = static_cast<int>(pos_ % 8);
    // Take as many bits as possible from the current byte at once.
    int take = 8 - bit_in_byte;
    if (take > n - i) take = n - i;
    uint32_t bits = (data_[byte] >> (8 - bit_in_byte - take)) & ((1u << take) - 1);
    value = (value << take) | bits;
    i += take;
    pos_ += take;
  }
  return value;
}

Result<uint32_t> BitReader::ReadBits(int n) {
  if (n < 0 || n > 32) {
    return Err(ErrorCode::kInternal, "BitReader::ReadBits: bad width " + std::to_string(n));
  }
  NJ_TRY(uint64_t v, ReadBits64(n));
  return static_cast<uint32_t>(v);
}

Result<bool> BitReader::ReadFlag() {
  NJ_TRY(uint64_t v, ReadBits64(1));
  return v != 0;
}

Result<uint32_t> BitReader::ReadUe() {
  // H.264 §9.1: leadingZeroBits zeros, a 1, then leadingZeroBits bits;
  // codeNum = 2^leadingZeroBits - 1 + bits. With 32 or more leading zeros the value needs more
  // than 32 bits, which no syntax element allows.
  int leading_zeros = 0;
  while (true) {
    NJ_TRY(bool bit, ReadFlag());
    if (bit) break;
    if (++leading_zeros > 31) {
      return Err(ErrorCode::kMalformed, "Exp-Golomb code too long at bit " + std::to_string(pos_));
    }
  }
  NJ_TRY(uint64_t suffix, ReadBits64(leading_zeros));
  return static_cast<uint32_t>((uint64_t{1} << leading_zeros) - 1 + suffix);
}

Result<int32_t> BitReader::ReadSe() {
  // H.264 §9.1.1 Table 9-3: k -> (-1)^(k+1) * Ceil(k / 2).
  NJ_TRY(uint32_t k, ReadUe());
  int64_t magnitude = (static_cast<int64_t>(k) + 1) / 2;
  return static_cast<int32_t>((k % 2 == 1) ? magnitude : -magnitude);
}

Result<uint32_t> BitReader::ReadUeMax(uint32_t max, const char* what) {
  NJ_TRY(uint32_t v, ReadUe());
  if (v > max) {
    return Err(ErrorCode::kMalformed,
               std::string(what) + " = " + std::to_string(v) + " exceeds " + std::to_string(max));
  }
  return v;
}

Result<int32_t> BitReader::ReadSeRange(int32_t min, int32_t max, const char* what) {
  NJ_TRY(int32_t v, ReadSe());
  if (v < min || v > max) {
    return Err(ErrorCode::kMalformed, std::string(what) + " = " + std::to_string(v) + " outside [" +
                                          std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return v;
}

Result<void> BitReader::SkipBits(size_t n) {
  if (n > bits_left()) return std::unexpected(Truncated(n));
  pos_ += n;
  return Ok();
}

Result<std::span<const uint8_t>> BitReader::ReadBytes(size_t n) {
  if (!byte_aligned()) return Err(ErrorCode::kInternal, "BitReader::ReadBytes: not byte-aligned");
  if (n > bits_left() / 8) return std::unexpected(Truncated(n * 8));
  std::span<const uint8_t> bytes = data_.subspan(pos_ / 8, n);
  pos_ += n * 8;
  return bytes;
}

bool BitReader::MoreRbspData() const {
  if (bits_left() == 0) return false;
  // Find the last 1 bit in the buffer: that is the rbsp_stop_one_bit. More data exists if it lies
  // after the current position.
  for (size_t byte = data_.size(); byte-- > 0;) {
    uint8_t b = data_[byte];
    if (b == 0) continue;
    int last_one = 7;
    while (((b >> (7 - last_one)) & 1) == 0) --last_one;
    size_t stop_bit = byte * 8 + static_cast<size_t>(last_one);
    return stop_bit > pos_;
  }
  return false;
}

}  // namespace nightjar::codec
