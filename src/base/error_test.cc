#include "base/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace nightjar {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Err(ErrorCode::kInvalidArgument, std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  NJ_TRY(int h, Half(x));
  NJ_TRY(int q, Half(h));
  return q;
}

Result<void> CheckEven(int x) {
  NJ_CHECK_OK(Half(x));
  return Ok();
}

TEST(ErrorTest, ToStringAndWrap) {
  Error e(ErrorCode::kMalformed, "SPS truncated at bit 37");
  EXPECT_EQ(e.ToString(), "malformed: SPS truncated at bit 37");
  Error w = e.Wrap("camera 3");
  EXPECT_EQ(w.code(), ErrorCode::kMalformed);
  EXPECT_EQ(w.message(), "camera 3: SPS truncated at bit 37");
}

TEST(ErrorTest, FromErrnoMapsCodes) {
  EXPECT_EQ(Error::FromErrno(ENOSPC, "x").code(), ErrorCode::kNoSpace);
  EXPECT_EQ(Error::FromErrno(ENOENT, "x").code(), ErrorCode::kNotFound);
  EXPECT_EQ(Error::FromErrno(EEXIST, "x").code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Error::FromErrno(EACCES, "x").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Error::FromErrno(EWOULDBLOCK, "x").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Error::FromErrno(EIO, "x").code(), ErrorCode::kIo);
  EXPECT_EQ(Error::FromErrno(ENOENT, "open /a").message(), "open /a: No such file or directory");
}

TEST(ErrorTest, TryAndCheckOkPropagate) {
  EXPECT_EQ(Quarter(8).value(), 2);
  auto r = Quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "3 is odd");
  EXPECT_TRUE(CheckEven(4).has_value());
  EXPECT_EQ(CheckEven(5).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace nightjar
