#include "config/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testutil/temp_dir.h"

namespace nightjar::config {
namespace {

TEST(SecretBox, CreatesAPrivateKeyOnceAndReusesIt) {
  testutil::TempDir dir;
  const std::string path = dir / "secret.key";
  auto a = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(a) << a.error().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  const std::string sealed = a->Seal("hunter2");
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  EXPECT_NE(sealed, a->Seal("hunter2"));   // a fresh nonce each time
  auto b = SecretBox::LoadOrCreate(path);  // the same key again
  ASSERT_TRUE(b);
  auto opened = b->Open(sealed);
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, "hunter2");
  EXPECT_EQ(*b->Open(b->Seal("")), "");
}

TEST(SecretBox, RefusesTamperingAndBadKeyFiles) {
  testutil::TempDir dir;
  auto box = SecretBox::LoadOrCreate(dir / "k");
  ASSERT_TRUE(box);
  std::string sealed = box->Seal("pw");
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(box->Open(sealed).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(box->Open("pw").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(box->Open("v1:AAAA").error().code(), ErrorCode::kMalformed);

  EXPECT_EQ(SecretBox::Load(dir / "missing").error().code(), ErrorCode::kNotFound);
  const std::string short_key = dir / "short";
  std::ofstream(short_key) << "abc";
  ::chmod(short_key.c_str(), 0600);
  EXPECT_EQ(SecretBox::Load(short_key).error().code(), ErrorCode::kMalformed);
  const std::string open_key = dir / "open";
  std::ofstream(open_key) << std::string(32, 'k');
  ::chmod(open_key.c_str(), 0644);
  EXPECT_EQ(SecretBox::Load(open_key).error().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace nightjar::config
