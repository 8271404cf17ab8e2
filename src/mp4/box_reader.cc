#include "mp4/box_reader.h"

#include <algorithm>
#include <string>

namespace nightjar::mp4 {

std::string FourCcToString(uint32_t fourcc) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((fourcc >> (24 - 8 * i)) & 0xff);
  return s;
}

std::unexpected<Error> Reader::Fail(const std::string& detail) const {
  return Err(ErrorCode::kMalformed, std::string(what_) + ": " + detail);
}

Result<const uint8_t*> Reader::Take(size_t n) {
  if (n > remaining()) {
    return Fail("truncated (need " + std::to_string(n) + " bytes at offset " +
                std::to_string(pos_) + ", have " + std::to_string(remaining()) + ")");
  }
  const uint8_t* p = data_.data() + pos_;
  pos_ += n;
  return p;
}

Result<uint8_t> Reader::U8() {
  NJ_TRY(const uint8_t* p, Take(1));
  return *p;
}

Result<uint16_t> Reader::U16() {
  NJ_TRY(const uint8_t* p, Take(2));
  return LoadBe16(p);
}

Result<uint32_t> Reader::U24() {
  NJ_TRY(const uint8_t* p, Take(3));
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[2]};
}

Result<uint32_t> Reader::U32() {
  NJ_TRY(const uint8_t* p, Take(4));
  return LoadBe32(p);
}

Result<uint64_t> Reader::U64() {
  NJ_TRY(const uint8_t* p, Take(8));
  return LoadBe64(p);
}

Result<void> Reader::Skip(size_t n) {
  auto taken = Take(n);
  if (!taken) return std::unexpected(std::move(taken).error());
  return Ok();
}

Result<ByteSpan> Reader::Bytes(size_t n) {
  NJ_TRY(const uint8_t* p, Take(n));
  return ByteSpan(p, n);
}

ByteSpan Reader::Rest() {
  ByteSpan rest = data_.subspan(pos_);
  pos_ = data_.size();
  return rest;
}

Result<FullBoxHeader> ReadFullBoxHeader(Reader& reader) {
  NJ_TRY(uint32_t word, reader.U32());
  return FullBoxHeader{static_cast<uint8_t>(word >> 24), word & 0xffffff};
}

Result<std::optional<Box>> BoxIterator::Next() {
  const size_t left = data_.size() - pos_;
  if (left == 0) return std::nullopt;
  const uint8_t* p = data_.data() + pos_;
  auto fail = [&](const std::string& detail) {
    return Err(ErrorCode::kMalformed, "box at offset " + std::to_string(pos_) + ": " + detail);
  };
  if (left < 8) {
    if (std::all_of(p, p + left, [](uint8_t b) { return b == 0; })) {
      pos_ = data_.size();
      return std::nullopt;
    }
    return fail("truncated header (" + std::to_string(left) + " bytes left)");
  }
  uint64_t size = LoadBe32(p);
  const uint32_t type = LoadBe32(p + 4);
  size_t header = 8;
  if (size == 1) {
    if (left < 16) return fail("truncated 64-bit size");
    size = LoadBe64(p + 8);
    header = 16;
  } else if (size == 0) {
    size = left;
  }
  if (type == FourCc("uuid")) header += 16;
  if (size < header) {
    return fail("size " + std::to_string(size) + " is smaller than its header (" +
                std::to_string(header) + ")");
  }
  if (size > left) {
    return fail("'" + FourCcToString(type) + "' size " + std::to_string(size) + " exceeds the " +
                std::to_string(left) + " bytes of its parent");
  }
  Box box{type, data_.subspan(pos_ + header, static_cast<size_t>(size) - header)};
  pos_ += static_cast<size_t>(size);
  return box;
}

}  // namespace nightjar::mp4
