// Bounded big-endian readers for ISO BMFF (ISO/IEC 14496-12) boxes; internal to the mp4 module.
//
// Everything here works on a borrowed byte span and never reads outside it: every field read is
// checked against the bytes that remain, and a box header whose size does not fit in its parent is
// an Error (kMalformed), never a clamp. Nothing allocates. These types hold a view into memory the
// caller owns; they must not outlive it. Not thread-safe (each instance is used by one thread),
// but instances over the same read-only bytes may be used concurrently.
#ifndef NIGHTJAR_MP4_BOX_READER_H_
#define NIGHTJAR_MP4_BOX_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/error.h"

namespace nightjar::mp4 {

using ByteSpan = std::span<const uint8_t>;

// A box type as the 32-bit big-endian value of its four characters, e.g. FourCc("moov").
constexpr uint32_t FourCc(const char (&s)[5]) {
  return (uint32_t{static_cast<uint8_t>(s[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(s[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[2])} << 8) | uint32_t{static_cast<uint8_t>(s[3])};
}

// "moov" for FourCc("moov"); bytes are copied as-is (a hostile file may put anything there).
std::string FourCcToString(uint32_t fourcc);

// Unchecked big-endian loads, for tables whose total size was already checked.
inline uint16_t LoadBe16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline uint64_t LoadBe64(const uint8_t* p) {
  return (uint64_t{LoadBe32(p)} << 32) | uint64_t{LoadBe32(p + 4)};
}

// Sequential reader of big-endian fields. `what` names the structure being read (a box type or
// descriptor, a string literal with static lifetime) so a truncation error says where it happened.
class Reader {
 public:
  Reader(ByteSpan data, const char* what) : data_(data), what_(what) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

  Result<uint8_t> U8();
  Result<uint16_t> U16();
  Result<uint32_t> U24();
  Result<uint32_t> U32();
  Result<uint64_t> U64();
  Result<void> Skip(size_t n);
  // The next n bytes, as a view into the same memory.
  Result<ByteSpan> Bytes(size_t n);
  // Everything not yet read; leaves the reader at the end.
  ByteSpan Rest();

  // kMalformed "<what>: <detail>", for callers reporting a semantic problem in the same structure.
  std::unexpected<Error> Fail(const std::string& detail) const;

 private:
  Result<const uint8_t*> Take(size_t n);

  ByteSpan data_;
  size_t pos_ = 0;
  const char* what_;
};

// The version and flags of a FullBox (ISO/IEC 14496-12 §4.2).
struct FullBoxHeader {
  uint8_t version;
  uint32_t flags;  // 24 bits
};
Result<FullBoxHeader> ReadFullBoxHeader(Reader& reader);

// One box: its type and its payload (the bytes after the header, including any FullBox
// version/flags). For 'uuid' boxes the 16-byte extended type is part of the header and skipped.
struct Box {
  uint32_t type;
  ByteSpan payload;
};

// Iterates the boxes packed back to back in `data` (a file or a container box's payload),
// ISO/IEC 14496-12 §4.2: size 0 means "to the end of the enclosing data", size 1 means a 64-bit
// largesize follows the type. A header that does not fit, a size below the header length or a size
// past the end of `data` is kMalformed. As QuickTime allows, 1..7 trailing zero bytes (a 32-bit
// terminator) end the list instead of being an error.
class BoxIterator {
 public:
  explicit BoxIterator(ByteSpan data) : data_(data) {}

  // The next box, std::nullopt after the last one, or an error (after which iteration must stop).
  Result<std::optional<Box>> Next();

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace nightjar::mp4

#endif  // NIGHTJAR_MP4_BOX_READER_H_
