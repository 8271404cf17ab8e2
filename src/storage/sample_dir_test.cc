#include "storage/sample_dir.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

namespace nightjar::storage {
namespace {

class SampleDirTest : public ::testing::Test {
 protected:
  testutil::TempDir tmp_;
  PosixFs fs_;
  Uuid db_ = NewUuid(), dir_ = NewUuid();
  std::string path_ = tmp_ / "disk1";
};

TEST_F(SampleDirTest, InitializesAndReopens) {
  {
    auto d = SampleFileDir::Open(fs_, path_, db_, dir_, SampleFileDir::Mode::kReadWrite);
    ASSERT_TRUE(d) << d.error().ToString();
    auto f = (*d)->Create(0x100000001);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->Append(std::vector<uint8_t>{1, 2, 3}));
    ASSERT_TRUE((*f)->Close());
    // A second read-write open of the same directory is refused while this one lives.
    auto again = SampleFileDir::Open(fs_, path_, db_, dir_, SampleFileDir::Mode::kReadWrite);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
    // Read-only access works meanwhile.
    EXPECT_TRUE(SampleFileDir::Open(fs_, path_, db_, dir_, SampleFileDir::Mode::kReadOnly));
  }
  auto d = SampleFileDir::Open(fs_, path_, db_, dir_, SampleFileDir::Mode::kReadWrite);
  ASSERT_TRUE(d);
  auto list = (*d)->List();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->sample_files, std::vector<int64_t>{0x100000001});
  EXPECT_TRUE(list->unknown.empty());
  EXPECT_EQ((*d)->Create(0x100000001).error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SampleDirTest, RefusesWrongDatabaseAndForeignDirectories) {
  ASSERT_TRUE(SampleFileDir::Open(fs_, path_, db_, dir_, SampleFileDir::Mode::kReadWrite));
  auto other_db = SampleFileDir::Open(fs_, path_, NewUuid(), dir_, SampleFileDir::Mode::kReadWrite);
  ASSERT_FALSE(other_db);
  EXPECT_NE(other_db.error().message().find("another database"), std::string::npos);
  auto other_dir = SampleFileDir::Open(fs_, path_, db_, NewUuid(), SampleFileDir::Mode::kReadOnly);
  ASSERT_FALSE(other_dir);
  // A non-empty directory without meta (someone's photo collection) is never taken over.
  std::string foreign = tmp_ / "photos";
  ASSERT_TRUE(fs_.MakeDir(foreign));
  ASSERT_TRUE(fs_.CreateFile(foreign + "/cat.jpg"));
  auto f = SampleFileDir::Open(fs_, foreign, db_, dir_, SampleFileDir::Mode::kReadWrite);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(*fs_.Exists(foreign + "/cat.jpg"));
  EXPECT_FALSE(*fs_.Exists(foreign + "/meta"));
}

TEST_F(SampleDirTest, NamesAndTrash) {
  EXPECT_EQ(SampleFileDir::FileName(0x100000017), "0000000100000017");
  EXPECT_EQ(SampleFileDir::ParseFileName("0000000100000017"), 0x100000017);
  EXPECT_FALSE(SampleFileDir::ParseFileName("000000010000001G"));
  EXPECT_FALSE(SampleFileDir::ParseFileName("meta"));
  EXPECT_FALSE(SampleFileDir::ParseFileName("ffffffffffffffff"));
  auto d = SampleFileDir::Open(fs_, path_, db_, dir_, SampleFileDir::Mode::kReadWrite);
  ASSERT_TRUE(d);
  ASSERT_TRUE(fs_.CreateFile(path_ + "/stray.bin"));
  auto list = (*d)->List();
  EXPECT_EQ(list->unknown, std::vector<std::string>{"stray.bin"});
  ASSERT_TRUE((*d)->MoveToTrash("stray.bin"));
  EXPECT_TRUE((*d)->List()->unknown.empty());
  EXPECT_TRUE(*fs_.Exists(path_ + "/trash/stray.bin"));
}

}  // namespace
}  // namespace nightjar::storage
