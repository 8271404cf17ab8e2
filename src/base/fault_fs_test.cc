#include "base/fault_fs.h"
#include "testutil/temp_dir.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace nightjar {
namespace {

class FaultFsTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) const { return dir_ + "/" + name; }

  // Reads through the real file system, bypassing the FaultFs.
  std::string RealContents(const std::string& path) {
    auto r = ReadFileToString(real_, path, 1 << 20);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.value_or("<missing>");
  }
  bool RealExists(const std::string& path) { return real_.Exists(path).value(); }

  // Creates a file through `fs` with the given contents, optionally synced.
  void Write(Fs& fs, const std::string& path, std::string_view contents, bool sync) {
    auto f = fs.CreateFile(path);
    ASSERT_TRUE(f.has_value()) << f.error().ToString();
    ASSERT_TRUE((*f)->Append(AsBytes(contents)).has_value());
    if (sync) {
      ASSERT_TRUE((*f)->Sync().has_value());
    }
    ASSERT_TRUE((*f)->Close().has_value());
  }

  void Crash() {
    auto r = ffs_.SimulateCrash();
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }

  PosixFs real_;
  FaultFs ffs_{real_};
  testutil::TempDir tmp_;
  std::string dir_ = tmp_.path();
};

TEST_F(FaultFsTest, PassesThroughAndCounts) {
  Write(ffs_, P("a"), "hello", /*sync=*/true);
  EXPECT_EQ(RealContents(P("a")), "hello");
  EXPECT_EQ(ReadFileToString(ffs_, P("a"), 100).value(), "hello");
  EXPECT_EQ(ffs_.FileSize(P("a")).value(), 5u);
  EXPECT_TRUE(ffs_.Exists(P("a")).value());
  EXPECT_EQ(ffs_.ListDir(dir_).value(), std::vector<std::string>{"a"});
  EXPECT_EQ(ffs_.OpCount(FsOp::kCreate), 1u);
  EXPECT_EQ(ffs_.OpCount(FsOp::kWrite), 1u);
  EXPECT_EQ(ffs_.OpCount(FsOp::kSync), 1u);
  EXPECT_EQ(ffs_.OpCount(FsOp::kClose), 1u);
  EXPECT_EQ(ffs_.OpCount(FsOp::kOpenRead), 1u);
  EXPECT_EQ(ffs_.OpCount(FsOp::kStat), 2u);
  EXPECT_GE(ffs_.OpCount(FsOp::kAny), 9u);
  EXPECT_EQ(ffs_.BytesWritten(), 5u);
  EXPECT_EQ(FsOpName(FsOp::kSyncDir), "sync_dir");
}

TEST_F(FaultFsTest, FailNthOnce) {
  ffs_.FailNth(FsOp::kSync, 2, EIO);
  auto f = ffs_.CreateFile(P("a")).value();
  ASSERT_TRUE(f->Append(AsBytes("x")).has_value());
  EXPECT_TRUE(f->Sync().has_value());
  auto r = f->Sync();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("injected"), std::string::npos);
  EXPECT_TRUE(f->Sync().has_value());  // only once
  EXPECT_EQ(ffs_.OpCount(FsOp::kSync), 3u);
}

TEST_F(FaultFsTest, FailNthPersistentAndAny) {
  ffs_.FailNth(FsOp::kWrite, 1, EIO, /*persistent=*/true);
  auto f = ffs_.CreateFile(P("a")).value();
  EXPECT_FALSE(f->Append(AsBytes("x")).has_value());
  EXPECT_FALSE(f->PositionalWrite(0, AsBytes("x")).has_value());
  std::span<const uint8_t> parts[] = {AsBytes("y")};
  EXPECT_FALSE(f->Writev(parts).has_value());
  EXPECT_EQ(RealContents(P("a")), "");  // a failed injected write wrote nothing
  ffs_.ClearFaults();
  EXPECT_TRUE(f->Append(AsBytes("z")).has_value());

  // kAny counts every kind: the third operation from now fails, whatever it is.
  ffs_.FailNth(FsOp::kAny, 3, EACCES);
  EXPECT_TRUE(ffs_.Exists(P("a")).has_value());
  EXPECT_TRUE(f->Sync().has_value());
  auto r = ffs_.ListDir(dir_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(ffs_.ListDir(dir_).has_value());
}

TEST_F(FaultFsTest, InjectedFailuresHaveNoEffect) {
  ffs_.FailNth(FsOp::kCreate, 1, ENOSPC);
  auto f = ffs_.CreateFile(P("a"));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), ErrorCode::kNoSpace);
  EXPECT_FALSE(RealExists(P("a")));

  Write(ffs_, P("b"), "B", true);
  ffs_.FailNth(FsOp::kRename, 1, EIO);
  EXPECT_FALSE(ffs_.Rename(P("b"), P("c")).has_value());
  EXPECT_TRUE(RealExists(P("b")));
  ffs_.FailNth(FsOp::kUnlink, 1, EIO);
  EXPECT_FALSE(ffs_.Unlink(P("b")).has_value());
  EXPECT_TRUE(RealExists(P("b")));
  ffs_.FailNth(FsOp::kOpenRead, 1, EIO);
  EXPECT_FALSE(ffs_.OpenForRead(P("b")).has_value());
  ffs_.FailNth(FsOp::kLock, 1, EIO);
  EXPECT_FALSE(ffs_.LockFile(P("lock")).has_value());
  EXPECT_FALSE(RealExists(P("lock")));
}

TEST_F(FaultFsTest, TwoRulesDueAtOnceFireOnSuccessiveOperations) {
  ffs_.FailNth(FsOp::kStat, 1, EIO);
  ffs_.FailNth(FsOp::kStat, 1, EACCES);
  EXPECT_EQ(ffs_.Exists(dir_).error().code(), ErrorCode::kIo);
  EXPECT_EQ(ffs_.Exists(dir_).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(ffs_.Exists(dir_).has_value());
}

TEST_F(FaultFsTest, WriteBudgetFillsTheDisk) {
  ffs_.SetWriteBudget(10);
  auto f = ffs_.CreateFile(P("a")).value();
  ASSERT_TRUE(f->Append(AsBytes("012345")).has_value());
  EXPECT_EQ(ffs_.StatFs(dir_).value().free_bytes, 4u);
  auto r = f->Append(AsBytes("6789AB"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNoSpace);
  // The part that fit was written, like a real short write before ENOSPC.
  EXPECT_EQ(f->Size(), 10u);
  EXPECT_EQ(RealContents(P("a")), "0123456789");
  EXPECT_EQ(ffs_.BytesWritten(), 10u);
  EXPECT_EQ(f->Append(AsBytes("x")).error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(f->PositionalWrite(0, AsBytes("x")).error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(f->Fallocate(0, 100).error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(ffs_.StatFs(dir_).value().free_bytes, 0u);
  EXPECT_EQ(RealContents(P("a")), "0123456789");

  ffs_.ClearFaults();
  ASSERT_TRUE(f->Append(AsBytes("!")).has_value());
  EXPECT_EQ(RealContents(P("a")), "0123456789!");
}

TEST_F(FaultFsTest, WriteBudgetSplitsWritevAndPositionalWrites) {
  ffs_.SetWriteBudget(5);
  auto f = ffs_.CreateFile(P("a")).value();
  std::span<const uint8_t> parts[] = {AsBytes("ab"), AsBytes("cd"), AsBytes("ef")};
  EXPECT_EQ(f->Writev(parts).error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(RealContents(P("a")), "abcde");

  FaultFs other(real_);
  other.SetWriteBudget(2);
  auto g = other.CreateFile(P("b")).value();
  EXPECT_EQ(g->PositionalWrite(3, AsBytes("xyz")).error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(RealContents(P("b")), std::string("\0\0\0xy", 5));
}

TEST_F(FaultFsTest, CrashDropsUnsyncedCreate) {
  Write(ffs_, P("a"), "data", /*sync=*/false);
  Write(ffs_, P("b"), "data", /*sync=*/true);  // data synced, directory entry not
  Crash();
  EXPECT_FALSE(RealExists(P("a")));
  EXPECT_FALSE(RealExists(P("b")));
}

TEST_F(FaultFsTest, CrashKeepsDirSyncedFileButOnlyItsSyncedData) {
  auto f = ffs_.CreateFile(P("a")).value();
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  ASSERT_TRUE(f->Append(AsBytes("hello")).has_value());
  ASSERT_TRUE(f->Sync().has_value());
  ASSERT_TRUE(f->Append(AsBytes(" world")).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("a")), "hello");

  // Dir-synced but never data-synced: the file survives empty.
  auto g = ffs_.CreateFile(P("g")).value();
  ASSERT_TRUE(ffs_.SyncDir(dir_ + "/").has_value());  // spelling does not matter
  ASSERT_TRUE(g->Append(AsBytes("lost")).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("g")), "");
}

TEST_F(FaultFsTest, CrashKillsHandlesAndReleasesLocks) {
  auto f = ffs_.CreateFile(P("a")).value();
  ASSERT_TRUE(f->Append(AsBytes("abc")).has_value());
  auto lock = ffs_.LockFile(P("lock")).value();
  auto dir = ffs_.OpenDir(dir_).value();
  Write(real_, P("r"), "r", true);
  auto reader = ffs_.OpenForRead(P("r")).value();
  EXPECT_EQ(ffs_.LockFile(P("lock")).error().code(), ErrorCode::kFailedPrecondition);
  Crash();
  EXPECT_EQ(f->Append(AsBytes("x")).error().code(), ErrorCode::kAborted);
  EXPECT_EQ(f->Sync().error().code(), ErrorCode::kAborted);
  EXPECT_EQ(f->Size(), 3u);
  EXPECT_EQ(dir->Sync().error().code(), ErrorCode::kAborted);
  std::vector<uint8_t> buf(1);
  EXPECT_EQ(reader->ReadAt(0, buf).error().code(), ErrorCode::kAborted);
  EXPECT_EQ(reader->fd(), -1);
  // The "new process" can take the lock although the old handle object still exists.
  EXPECT_TRUE(ffs_.LockFile(P("lock")).has_value());
}

TEST_F(FaultFsTest, CrashRollsBackPreexistingFileToItsSizeWhenFirstSeen) {
  Write(real_, P("old"), "durable", true);
  auto f = ffs_.OpenWritable(P("old")).value();
  ASSERT_TRUE(f->Append(AsBytes(" + unsynced")).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("old")), "durable");
}

TEST_F(FaultFsTest, TruncateIsDurableAtOnce) {
  auto f = ffs_.CreateFile(P("a")).value();
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  ASSERT_TRUE(f->Append(AsBytes("0123456789")).has_value());
  ASSERT_TRUE(f->Sync().has_value());
  ASSERT_TRUE(f->Truncate(4).has_value());
  ASSERT_TRUE(f->Append(AsBytes("xy")).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("a")), "0123");
}

TEST_F(FaultFsTest, AtomicReplaceNeedsTheDirectorySync) {
  // The write-temp-then-rename pattern for a file such as `meta`.
  Write(real_, P("meta"), "old", true);
  Write(ffs_, P("meta.tmp"), "new", true);
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  ASSERT_TRUE(ffs_.Rename(P("meta.tmp"), P("meta")).has_value());
  EXPECT_EQ(RealContents(P("meta")), "new");
  Crash();  // rename not yet durable: the old file is back, the temp file too
  EXPECT_EQ(RealContents(P("meta")), "old");
  EXPECT_EQ(RealContents(P("meta.tmp")), "new");

  ASSERT_TRUE(ffs_.Rename(P("meta.tmp"), P("meta")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("meta")), "new");
  EXPECT_FALSE(RealExists(P("meta.tmp")));
}

TEST_F(FaultFsTest, RenameOfUnsyncedDataDropsIt) {
  // Forgetting to sync the temp file before the rename loses its contents.
  Write(real_, P("meta"), "old", true);
  Write(ffs_, P("meta.tmp"), "new", /*sync=*/false);
  ASSERT_TRUE(ffs_.Rename(P("meta.tmp"), P("meta")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("meta")), "");
}

TEST_F(FaultFsTest, CrossDirectoryRenameNeedsBothDirectoriesSynced) {
  ASSERT_TRUE(real_.MakeDir(P("x")).has_value());
  ASSERT_TRUE(real_.MakeDir(P("y")).has_value());
  Write(real_, P("x/f"), "f", true);
  ASSERT_TRUE(ffs_.Rename(P("x/f"), P("y/f")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(P("y")).has_value());
  Crash();
  EXPECT_TRUE(RealExists(P("x/f")));
  EXPECT_FALSE(RealExists(P("y/f")));

  ASSERT_TRUE(ffs_.Rename(P("x/f"), P("y/f")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(P("y")).has_value());
  auto x = ffs_.OpenDir(P("x")).value();
  ASSERT_TRUE(x->Sync().has_value());  // a Dir handle's Sync counts too
  Crash();
  EXPECT_FALSE(RealExists(P("x/f")));
  EXPECT_EQ(RealContents(P("y/f")), "f");
}

TEST_F(FaultFsTest, UnsyncedUnlinkIsUndoneWithDurableContents) {
  auto f = ffs_.CreateFile(P("a")).value();
  ASSERT_TRUE(f->Append(AsBytes("synced")).has_value());
  ASSERT_TRUE(f->Sync().has_value());
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  ASSERT_TRUE(f->Append(AsBytes(" not")).has_value());
  ASSERT_TRUE(f->Close().has_value());
  ASSERT_TRUE(ffs_.Unlink(P("a")).has_value());
  EXPECT_FALSE(RealExists(P("a")));
  Crash();
  EXPECT_EQ(RealContents(P("a")), "synced");

  ASSERT_TRUE(ffs_.Unlink(P("a")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  Crash();
  EXPECT_FALSE(RealExists(P("a")));
}

TEST_F(FaultFsTest, UndoesInReverseOrder) {
  Write(ffs_, P("a"), "first", true);
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  ASSERT_TRUE(ffs_.Unlink(P("a")).has_value());
  Write(ffs_, P("a"), "second", true);  // same name, new file, not dir-synced
  Crash();
  EXPECT_EQ(RealContents(P("a")), "first");
}

TEST_F(FaultFsTest, UnsyncedMakeDirLosesEverythingInside) {
  ASSERT_TRUE(ffs_.MakeDir(P("d")).has_value());
  ASSERT_TRUE(ffs_.MakeDir(P("d/e")).has_value());
  Write(ffs_, P("d/f"), "f", true);
  Write(ffs_, P("d/e/g"), "g", true);
  ASSERT_TRUE(ffs_.SyncDir(P("d")).has_value());  // d's entries, but d itself is not in dir_
  ASSERT_TRUE(ffs_.SyncDir(P("d/e")).has_value());
  Crash();
  EXPECT_FALSE(RealExists(P("d")));

  ASSERT_TRUE(ffs_.MakeDir(P("d")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  Write(ffs_, P("d/f"), "f", true);
  ASSERT_TRUE(ffs_.SyncDir(P("d")).has_value());
  Crash();
  EXPECT_EQ(RealContents(P("d/f")), "f");

  // An unsynced rmdir comes back.
  ASSERT_TRUE(ffs_.Unlink(P("d/f")).has_value());
  ASSERT_TRUE(ffs_.SyncDir(P("d")).has_value());
  ASSERT_TRUE(ffs_.RemoveDir(P("d")).has_value());
  Crash();
  EXPECT_TRUE(RealExists(P("d")));
  EXPECT_FALSE(RealExists(P("d/f")));
}

TEST_F(FaultFsTest, CrashWithNothingPendingChangesNothing) {
  Write(ffs_, P("a"), "a", true);
  ASSERT_TRUE(ffs_.SyncDir(dir_).has_value());
  Write(real_, P("untracked"), "u", false);
  Crash();
  Crash();
  EXPECT_EQ(RealContents(P("a")), "a");
  EXPECT_EQ(RealContents(P("untracked")), "u");
}

TEST_F(FaultFsTest, ReportsWhatItCannotRestore) {
  auto f = real_.CreateFile(P("big")).value();
  ASSERT_TRUE(f->Truncate(FaultFs::kMaxSavedBytes + 1).has_value());  // sparse, so cheap
  ASSERT_TRUE(f->Close().has_value());
  ASSERT_TRUE(ffs_.Unlink(P("big")).has_value());
  Write(ffs_, P("small"), "s", true);
  auto r = ffs_.SimulateCrash();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message().find("big"), std::string::npos);
  EXPECT_FALSE(RealExists(P("small")));  // the rest of the rollback still happened
}

}  // namespace
}  // namespace nightjar
