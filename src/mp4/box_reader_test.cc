#include "mp4/box_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace nightjar::mp4 {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(ReaderTest, ReadsBigEndianFieldsAndStopsAtTheEnd) {
  const Bytes data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                      0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};
  Reader r(data, "test");
  EXPECT_EQ(*r.U8(), 0x01);
  EXPECT_EQ(*r.U16(), 0x0203);
  EXPECT_EQ(*r.U24(), 0x040506u);
  EXPECT_EQ(*r.U32(), 0x0708090au);
  EXPECT_EQ(*r.U64(), 0x0b0c0d0e0f101112u);
  EXPECT_EQ(r.remaining(), 0u);
  Result<uint8_t> past = r.U8();
  ASSERT_FALSE(past.has_value());
  EXPECT_EQ(past.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(past.error().message().rfind("test: truncated", 0), 0u) << past.error().message();
}

TEST(ReaderTest, FailedReadConsumesNothing) {
  const Bytes data = {1, 2, 3};
  Reader r(data, "test");
  EXPECT_FALSE(r.U32().has_value());
  EXPECT_FALSE(r.Skip(4).has_value());
  EXPECT_FALSE(r.Bytes(~size_t{0}).has_value());  // no pointer arithmetic overflow
  EXPECT_EQ(r.position(), 0u);
  Result<ByteSpan> bytes = r.Bytes(2);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ((*bytes)[1], 2);
  EXPECT_EQ(r.Rest().size(), 1u);
  EXPECT_EQ(r.remaining(), 0u);
}

std::vector<Box> AllBoxes(const Bytes& data) {
  std::vector<Box> boxes;
  BoxIterator it(data);
  while (true) {
    Result<std::optional<Box>> box = it.Next();
    EXPECT_TRUE(box.has_value()) << box.error().ToString();
    if (!box || !*box) return boxes;
    boxes.push_back(**box);
  }
}

TEST(BoxIteratorTest, CompactLargeUuidAndToEndSizes) {
  const Bytes data = {
      0, 0, 0, 10, 'f', 'r', 'e', 'e', 0xaa, 0xbb,                 // compact size
      0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 17, 7,  // 64-bit
                                                                   // largesize
      0, 0, 0, 25, 'u', 'u', 'i', 'd', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 9, 0,
      0, 0, 0, 's', 'k', 'i', 'p', 5, 6, 7,  // size 0: to
                                             // the end
  };
  std::vector<Box> boxes = AllBoxes(data);
  ASSERT_EQ(boxes.size(), 4u);
  EXPECT_EQ(boxes[0].type, FourCc("free"));
  EXPECT_EQ(boxes[0].payload.size(), 2u);
  EXPECT_EQ(boxes[0].payload[0], 0xaa);
  EXPECT_EQ(boxes[1].type, FourCc("mdat"));
  ASSERT_EQ(boxes[1].payload.size(), 1u);
  EXPECT_EQ(boxes[1].payload[0], 7);
  EXPECT_EQ(boxes[2].type, FourCc("uuid"));
  ASSERT_EQ(boxes[2].payload.size(), 1u);  // the extended type is header, not payload
  EXPECT_EQ(boxes[2].payload[0], 9);
  EXPECT_EQ(boxes[3].type, FourCc("skip"));
  EXPECT_EQ(boxes[3].payload.size(), 3u);
  EXPECT_EQ(FourCcToString(boxes[3].type), "skip");
}

TEST(BoxIteratorTest, TrailingZeroTerminatorEndsTheList) {
  const Bytes data = {0, 0, 0, 8, 'f', 'r', 'e', 'e', 0, 0, 0, 0};
  EXPECT_EQ(AllBoxes(data).size(), 1u);
}

TEST(BoxIteratorTest, RejectsHeadersThatDoNotFit) {
  const Bytes cases[] = {
      {0, 0, 0, 9, 'f', 'r', 'e', 'e'},                           // one byte past the end
      {0, 0, 0, 7, 'f', 'r', 'e', 'e'},                           // smaller than the header
      {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0},               // largesize cut off
      {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 15},  // largesize < 16
      {0xff, 0xff, 0xff, 0xff, 'f', 'r', 'e', 'e'},               // 4 GB claimed
      {0, 0, 0, 8, 'u', 'u', 'i', 'd'},                           // no room for the extended type
      {0, 0, 0, 8, 'f'},                                          // partial header, not zeros
  };
  for (const Bytes& data : cases) {
    BoxIterator it(data);
    Result<std::optional<Box>> box = it.Next();
    ASSERT_FALSE(box.has_value());
    EXPECT_EQ(box.error().code(), ErrorCode::kMalformed);
  }
}

TEST(FullBoxHeaderTest, SplitsVersionAndFlags) {
  const Bytes data = {1, 0x12, 0x34, 0x56};
  Reader r(data, "test");
  Result<FullBoxHeader> h = ReadFullBoxHeader(r);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->version, 1);
  EXPECT_EQ(h->flags, 0x123456u);
}

}  // namespace
}  // namespace nightjar::mp4
