#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/fs.h"
#include "testutil/temp_dir.h"

namespace nightjar {
namespace {

class PosixFsTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) const { return dir_ + "/" + name; }

  std::string Read(const std::string& path) {
    auto r = ReadFileToString(fs_, path, 1 << 20);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.value_or("");
  }

  void WriteFile(const std::string& path, std::string_view contents) {
    auto f = fs_.CreateFile(path);
    ASSERT_TRUE(f.has_value()) << f.error().ToString();
    ASSERT_TRUE((*f)->Append(AsBytes(contents)).has_value());
    ASSERT_TRUE((*f)->Close().has_value());
  }

  PosixFs fs_;
  testutil::TempDir tmp_;
  std::string dir_ = tmp_.path();
};

TEST_F(PosixFsTest, CreateAppendSyncCloseRead) {
  auto f = fs_.CreateFile(P("a"));
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ((*f)->Size(), 0u);
  ASSERT_TRUE((*f)->Append(AsBytes("hello ")).has_value());
  std::span<const uint8_t> parts[] = {AsBytes("wor"), AsBytes(""), AsBytes("ld")};
  ASSERT_TRUE((*f)->Writev(parts).has_value());
  EXPECT_EQ((*f)->Size(), 11u);
  ASSERT_TRUE((*f)->Sync().has_value());
  ASSERT_TRUE((*f)->Close().has_value());
  EXPECT_EQ(Read(P("a")), "hello world");
  EXPECT_EQ(fs_.FileSize(P("a")).value(), 11u);

  // A closed file refuses further use.
  EXPECT_EQ((*f)->Append(AsBytes("x")).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*f)->Close().error().code(), ErrorCode::kFailedPrecondition);
}

// Pages of the file's first `bytes` bytes that are in the page cache (mincore(2)).
size_t ResidentPages(const std::string& path, size_t bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  void* map = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return 0;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((bytes + page - 1) / page);
  size_t n = 0;
  if (mincore(map, bytes, resident.data()) == 0) {
    for (unsigned char r : resident) n += r & 1;
  }
  munmap(map, bytes);
  return n;
}

// DropCache takes the clean pages of a range out of the page cache (a file system without a page
// cache of its own, tmpfs, keeps them: there they are the file).
TEST_F(PosixFsTest, DropCacheTakesDurablePagesOutOfThePageCache) {
  struct statfs st {};
  ASSERT_EQ(statfs(dir_.c_str(), &st), 0);
  if (st.f_type == TMPFS_MAGIC) GTEST_SKIP() << "tmpfs keeps file pages in memory";
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t bytes = 64 * page + page / 2;
  auto f = fs_.CreateFile(P("video"));
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  const std::vector<uint8_t> data(bytes, 0x5a);
  ASSERT_TRUE((*f)->Append(data).has_value());
  ASSERT_TRUE((*f)->Sync().has_value());
  EXPECT_EQ(ResidentPages(P("video"), bytes), 65u);  // just written: cached
  (*f)->DropCache(0, bytes);
  EXPECT_EQ(ResidentPages(P("video"), bytes), 0u);
  ASSERT_TRUE((*f)->Close().has_value());
  EXPECT_EQ(Read(P("video")), std::string(data.begin(), data.end()));  // nothing lost
}

TEST_F(PosixFsTest, CreateIsExclusive) {
  WriteFile(P("a"), "keep");
  auto f = fs_.CreateFile(P("a"));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(f.error().message().find(P("a")), std::string::npos);
  EXPECT_EQ(Read(P("a")), "keep");
  EXPECT_EQ(fs_.CreateFile(P("nodir/a")).error().code(), ErrorCode::kNotFound);
}

TEST_F(PosixFsTest, WritevWithMoreBuffersThanIovMax) {
  auto f = fs_.CreateFile(P("many")).value();
  std::vector<std::string> chunks;
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    chunks.push_back(std::to_string(i) + ",");
    expected += chunks.back();
  }
  std::vector<std::span<const uint8_t>> parts;
  parts.reserve(chunks.size());
  for (const auto& c : chunks) parts.push_back(AsBytes(c));
  ASSERT_TRUE(f->Writev(parts).has_value());
  EXPECT_EQ(f->Size(), expected.size());
  ASSERT_TRUE(f->Close().has_value());
  EXPECT_EQ(Read(P("many")), expected);
}

TEST_F(PosixFsTest, PositionalWriteAndTruncate) {
  auto f = fs_.CreateFile(P("p")).value();
  ASSERT_TRUE(f->Append(AsBytes("0123456789")).has_value());
  ASSERT_TRUE(f->PositionalWrite(2, AsBytes("ab")).has_value());
  EXPECT_EQ(f->Size(), 10u);                         // overwrite inside: size unchanged
  ASSERT_TRUE(f->Append(AsBytes("X")).has_value());  // still appends at the end
  ASSERT_TRUE(f->PositionalWrite(13, AsBytes("Z")).has_value());  // past the end: extends
  EXPECT_EQ(f->Size(), 14u);
  ASSERT_TRUE(f->Sync().has_value());
  EXPECT_EQ(Read(P("p")), std::string("01ab456789X\0\0Z", 14));

  ASSERT_TRUE(f->Truncate(4).has_value());
  EXPECT_EQ(f->Size(), 4u);
  ASSERT_TRUE(f->Append(AsBytes("!")).has_value());  // appends at the new end
  ASSERT_TRUE(f->Truncate(7).has_value());           // extending pads with zeros
  ASSERT_TRUE(f->Close().has_value());
  EXPECT_EQ(Read(P("p")), std::string("01ab!\0\0", 7));
}

TEST_F(PosixFsTest, FallocateKeepsSize) {
  auto f = fs_.CreateFile(P("pre")).value();
  ASSERT_TRUE(f->Append(AsBytes("abc")).has_value());
  ASSERT_TRUE(f->Fallocate(0, 1 << 20).has_value());
  ASSERT_TRUE(f->Fallocate(0, 0).has_value());
  EXPECT_EQ(f->Size(), 3u);
  EXPECT_EQ(fs_.FileSize(P("pre")).value(), 3u);
  ASSERT_TRUE(f->Append(AsBytes("d")).has_value());
  ASSERT_TRUE(f->Close().has_value());
  EXPECT_EQ(Read(P("pre")), "abcd");
}

TEST_F(PosixFsTest, OpenWritableContinuesExistingFile) {
  WriteFile(P("w"), "abc");
  auto f = fs_.OpenWritable(P("w")).value();
  EXPECT_EQ(f->Size(), 3u);
  ASSERT_TRUE(f->Append(AsBytes("def")).has_value());
  ASSERT_TRUE(f->Truncate(5).has_value());
  ASSERT_TRUE(f->Close().has_value());
  EXPECT_EQ(Read(P("w")), "abcde");
  EXPECT_EQ(fs_.OpenWritable(P("missing")).error().code(), ErrorCode::kNotFound);
}

TEST_F(PosixFsTest, DiskFullAndPoisonedSync) {
  // /dev/full fails every write with ENOSPC and cannot be synced.
  auto f = fs_.OpenWritable("/dev/full");
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  auto w = (*f)->Append(AsBytes("x"));
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code(), ErrorCode::kNoSpace);
  EXPECT_NE(w.error().message().find("/dev/full"), std::string::npos);
  auto s = (*f)->Sync();
  ASSERT_FALSE(s.has_value());
  // After a failed sync every write and sync reports it rather than pretending.
  auto after = (*f)->PositionalWrite(0, AsBytes("y"));
  ASSERT_FALSE(after.has_value());
  EXPECT_NE(after.error().message().find("earlier sync failed"), std::string::npos);
  EXPECT_FALSE((*f)->Sync().has_value());
}

TEST_F(PosixFsTest, RandomAccessReads) {
  WriteFile(P("r"), "0123456789");
  auto f = fs_.OpenForRead(P("r")).value();
  EXPECT_EQ(f->Size().value(), 10u);
  std::vector<uint8_t> buf(4);
  EXPECT_EQ(f->ReadAt(3, buf).value(), 4u);
  EXPECT_EQ(std::string(buf.begin(), buf.end()), "3456");
  EXPECT_EQ(f->ReadAt(8, buf).value(), 2u);  // short only at EOF
  EXPECT_EQ(f->ReadAt(10, buf).value(), 0u);
  EXPECT_EQ(f->ReadAt(1000, buf).value(), 0u);
  ASSERT_TRUE(f->ReadExactAt(6, buf).has_value());
  EXPECT_EQ(std::string(buf.begin(), buf.end()), "6789");
  auto r = f->ReadExactAt(7, buf);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  // The raw descriptor is usable (for sendfile) and refers to the same file.
  struct stat st;
  ASSERT_EQ(fstat(f->fd(), &st), 0);
  EXPECT_EQ(st.st_size, 10);
  EXPECT_EQ(fs_.OpenForRead(P("missing")).error().code(), ErrorCode::kNotFound);
}

TEST_F(PosixFsTest, ReadFileToStringIsBounded) {
  WriteFile(P("meta"), "db=1234");
  EXPECT_EQ(ReadFileToString(fs_, P("meta"), 7).value(), "db=1234");
  auto r = ReadFileToString(fs_, P("meta"), 6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ReadFileToString(fs_, P("none"), 6).error().code(), ErrorCode::kNotFound);
}

TEST_F(PosixFsTest, NamespaceOperations) {
  WriteFile(P("b"), "B");
  WriteFile(P("a"), "A");
  ASSERT_TRUE(fs_.MakeDir(P("sub")).has_value());
  EXPECT_EQ(fs_.MakeDir(P("sub")).error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(fs_.ListDir(dir_).value(), (std::vector<std::string>{"a", "b", "sub"}));
  EXPECT_TRUE(fs_.ListDir(P("sub")).value().empty());
  EXPECT_EQ(fs_.ListDir(P("nope")).error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(fs_.Rename(P("a"), P("b")).has_value());  // replaces
  EXPECT_EQ(Read(P("b")), "A");
  EXPECT_FALSE(fs_.Exists(P("a")).value());
  EXPECT_EQ(fs_.Rename(P("a"), P("c")).error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(fs_.Rename(P("b"), P("sub/b")).has_value());
  EXPECT_TRUE(fs_.Exists(P("sub/b")).value());
  EXPECT_FALSE(fs_.RemoveDir(P("sub")).has_value());  // not empty
  ASSERT_TRUE(fs_.Unlink(P("sub/b")).has_value());
  EXPECT_EQ(fs_.Unlink(P("sub/b")).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(fs_.RemoveDir(P("sub")).has_value());
  EXPECT_FALSE(fs_.Exists(P("sub")).value());

  ASSERT_TRUE(fs_.SyncDir(dir_).has_value());
  auto d = fs_.OpenDir(dir_);
  ASSERT_TRUE(d.has_value());
  EXPECT_GE((*d)->fd(), 0);
  EXPECT_TRUE((*d)->Sync().has_value());
  WriteFile(P("f"), "");
  EXPECT_FALSE(fs_.OpenDir(P("f")).has_value());
  EXPECT_EQ(fs_.SyncDir(P("nope")).error().code(), ErrorCode::kNotFound);
}

TEST_F(PosixFsTest, ExistsAndFileSize) {
  WriteFile(P("f"), "12345");
  EXPECT_TRUE(fs_.Exists(P("f")).value());
  EXPECT_TRUE(fs_.Exists(dir_).value());
  EXPECT_FALSE(fs_.Exists(P("g")).value());
  EXPECT_FALSE(fs_.Exists(P("f/under-a-file")).value());  // ENOTDIR
  EXPECT_EQ(fs_.FileSize(P("f")).value(), 5u);
  EXPECT_EQ(fs_.FileSize(P("g")).error().code(), ErrorCode::kNotFound);
}

// Tries to lock `path` in a forked child; returns the child's verdict.
enum class ChildLock { kLocked, kRefused, kOtherError };
ChildLock LockInChild(const std::string& path) {
  pid_t pid = fork();
  if (pid == 0) {
    PosixFs fs;
    auto lock = fs.LockFile(path);
    int code = lock.has_value() ? 0 : lock.error().code() == ErrorCode::kFailedPrecondition ? 1 : 2;
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return ChildLock::kOtherError;
  switch (WEXITSTATUS(status)) {
    case 0:
      return ChildLock::kLocked;
    case 1:
      return ChildLock::kRefused;
    default:
      return ChildLock::kOtherError;
  }
}

TEST_F(PosixFsTest, LockFileIsExclusiveWithinAndAcrossProcesses) {
  auto lock = fs_.LockFile(P("lock"));
  ASSERT_TRUE(lock.has_value()) << lock.error().ToString();
  EXPECT_TRUE(fs_.Exists(P("lock")).value());  // created

  auto again = fs_.LockFile(P("lock"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(LockInChild(P("lock")), ChildLock::kRefused);

  lock->reset();  // released
  EXPECT_EQ(LockInChild(P("lock")), ChildLock::kLocked);
  auto relock = fs_.LockFile(P("lock"));
  EXPECT_TRUE(relock.has_value());
}

TEST_F(PosixFsTest, LockDirectory) {
  auto lock = fs_.LockFile(dir_);
  ASSERT_TRUE(lock.has_value()) << lock.error().ToString();
  EXPECT_EQ(fs_.LockFile(dir_).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(LockInChild(dir_), ChildLock::kRefused);
  EXPECT_EQ(fs_.LockFile(P("nodir/lock")).error().code(), ErrorCode::kNotFound);
}

TEST_F(PosixFsTest, StatFs) {
  auto s = fs_.StatFs(dir_);
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->total_bytes, 0u);
  EXPECT_LE(s->free_bytes, s->total_bytes);
  EXPECT_EQ(fs_.StatFs(P("nope")).error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace nightjar
