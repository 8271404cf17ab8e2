#include "storage/file_hash.h"

#include <gtest/gtest.h>

#include <string_view>

#include "base/base64.h"

namespace nightjar::storage {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Hex(const FileHasher& h) { return HexEncode(h.Final().digest()); }

TEST(FileHasherTest, Xxh3IsTheDefaultWithItsReferenceDigests) {
  FileHasher empty;
  EXPECT_EQ(empty.Final().algorithm, db::HashAlgorithm::kXxh3_128);
  EXPECT_EQ(Hex(empty), "99aa06d3014798d86001c324468d497f");  // XXH3-128 of nothing
  FileHasher abc;
  abc.Update(Bytes("abc"));
  EXPECT_EQ(Hex(abc), "06b05ab6733a618578af5f94892f3950");
}

TEST(FileHasherTest, Blake2bStillChecksOldRecordings) {
  FileHasher h(db::HashAlgorithm::kBlake2b256);
  h.Update(Bytes("a"));
  h.Update(Bytes("bc"));
  EXPECT_EQ(h.Final().algorithm, db::HashAlgorithm::kBlake2b256);
  EXPECT_EQ(Hex(h), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(FileHasherTest, PiecesHashAsTheWhole) {
  std::string data(100'000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  for (auto algorithm : {db::HashAlgorithm::kXxh3_128, db::HashAlgorithm::kBlake2b256}) {
    FileHasher whole(algorithm), pieces(algorithm);
    whole.Update(Bytes(data));
    for (size_t i = 0; i < data.size(); i += 1400) {
      pieces.Update(Bytes(std::string_view(data).substr(i, 1400)));
      (void)pieces.Final();  // reading the digest midway does not disturb it
    }
    EXPECT_EQ(whole.Final(), pieces.Final());
  }
}

}  // namespace
}  // namespace nightjar::storage
