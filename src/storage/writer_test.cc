#include "storage/writer.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "base/fault_fs.h"
#include "storage/file_hash.h"
#include "testutil/temp_dir.h"

namespace nightjar::storage {
namespace {

Bytes Data(size_t n, uint8_t fill) { return std::make_shared<std::vector<uint8_t>>(n, fill); }

db::SampleFileHash HashOf(const std::string& bytes) {
  FileHasher h;
  h.Update(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return h.Final();
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d =
        SampleFileDir::Open(fs_, tmp_ / "d", NewUuid(), NewUuid(), SampleFileDir::Mode::kReadWrite);
    ASSERT_TRUE(d) << d.error().ToString();
    dir_ = std::move(*d);
  }
  std::map<int64_t, FileState> SyncNow(Writer& w) {
    std::promise<std::map<int64_t, FileState>> p;
    w.Sync([&](std::map<int64_t, FileState> s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  FileState CloseNow(Writer& w, int64_t id) {
    std::promise<FileState> p;
    w.Close(id, [&](FileState s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  std::string Contents(int64_t id) { return *ReadFileToString(fs_, dir_->PathOf(id), 1 << 30); }

  testutil::TempDir tmp_;
  PosixFs base_;
  FaultFs fs_{base_};
  std::unique_ptr<SampleFileDir> dir_;
};

TEST_F(WriterTest, WritesSyncsAndHashes) {
  Writer w(*dir_, {});
  w.Open(1, 1 << 20);
  w.Open(2, 1 << 20);
  ASSERT_TRUE(w.Append(1, Data(1000, 'a')));
  ASSERT_TRUE(w.Append(2, Data(500, 'b')));
  ASSERT_TRUE(w.Append(1, Data(24, 'c')));
  auto s = SyncNow(w);
  EXPECT_EQ(s[1].durable_bytes, 1024u);
  EXPECT_EQ(s[2].durable_bytes, 500u);
  EXPECT_FALSE(s[1].error);
  ASSERT_TRUE(w.Append(1, Data(76, 'd')));
  FileState c = CloseNow(w, 1);
  EXPECT_EQ(c.durable_bytes, 1100u);
  ASSERT_TRUE(c.hash);
  std::string contents = Contents(1);
  ASSERT_EQ(contents.size(), 1100u);  // preallocation trimmed
  EXPECT_EQ(contents.substr(1000, 24), std::string(24, 'c'));
  EXPECT_EQ(c.hash->algorithm, db::HashAlgorithm::kXxh3_128);
  EXPECT_EQ(*c.hash, HashOf(contents));
  // Batching: many appends, few write calls.
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(w.Append(2, Data(100, 'e')));
  SyncNow(w);
  EXPECT_LE(w.Stats().write_calls, 6u);
  EXPECT_EQ(w.Stats().bytes_written, 1100u + 500u + 30000u);
}

// Writeback is started in ranges of at least kWritebackBytes, back to back from the start of
// the file, however small the writes (here one per append).
TEST_F(WriterTest, StartsWritebackInLargeContiguousRanges) {
  WriterOptions o;
  o.batch_bytes = size_t{64} * 1024;
  Writer w(*dir_, o);
  w.Open(1, 4 << 20);
  constexpr size_t kPiece = size_t{64} * 1024, kPieces = 56;  // 3.5 MiB
  for (size_t i = 0; i < kPieces; ++i) {
    ASSERT_TRUE(w.Append(1, Data(kPiece, static_cast<uint8_t>(i))));
    if (i % 4 == 3) SyncNow(w);  // checkpoints in between change nothing
  }
  EXPECT_EQ(CloseNow(w, 1).durable_bytes, kPiece * kPieces);
  EXPECT_GE(w.Stats().write_calls, kPieces / 4);
  const auto ranges = fs_.WritebackRanges(dir_->PathOf(1));
  ASSERT_EQ(ranges.size(), 3u);  // 3.5 MiB: three whole MiB; the rest goes with the close's sync
  uint64_t next = 0;
  for (auto [offset, length] : ranges) {
    EXPECT_EQ(offset, next);
    EXPECT_GE(length, Writer::kWritebackBytes);
    next = offset + length;
  }
}

// Durable bytes leave the page cache after each checkpoint's sync and at the close, in whole
// pages; the partial page at the end of what is durable stays until the bytes after it are
// durable too. Each range starts at the 2 MiB boundary below the previous one's end (a large
// folio straddling that end is dropped with the next range).
TEST_F(WriterTest, DurableBytesLeaveThePageCacheInWholePages) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  constexpr uint64_t kMiB = 1 << 20;
  WriterOptions o;
  o.batch_bytes = 64 * kMiB;  // written at the syncs only
  Writer w(*dir_, o);
  w.Open(1, 8 * kMiB);
  ASSERT_TRUE(w.Append(1, Data(2 * page + 100, 'a')));
  EXPECT_TRUE(fs_.DroppedRanges(dir_->PathOf(1)).empty());  // nothing is durable yet
  EXPECT_EQ(SyncNow(w)[1].durable_bytes, 2 * page + 100);
  using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;
  EXPECT_EQ(fs_.DroppedRanges(dir_->PathOf(1)), (Ranges{{0, 2 * page}}));
  ASSERT_TRUE(w.Append(1, Data(page / 2, 'b')));  // still inside the third page
  SyncNow(w);
  EXPECT_EQ(fs_.DroppedRanges(dir_->PathOf(1)), (Ranges{{0, 2 * page}}));
  // Past 2 MiB, then on to 5 MiB and a half: the next range starts at 2 MiB, then at 4 MiB.
  const uint64_t first = 2 * page + 100 + page / 2;
  ASSERT_TRUE(w.Append(1, Data(3 * kMiB - first, 'c')));
  SyncNow(w);
  ASSERT_TRUE(w.Append(1, Data(5 * kMiB / 2 + 100, 'd')));
  const FileState closed = CloseNow(w, 1);
  const uint64_t durable = 3 * kMiB + 5 * kMiB / 2 + 100;
  EXPECT_EQ(closed.durable_bytes, durable);
  const uint64_t last = durable / page * page;
  EXPECT_EQ(fs_.DroppedRanges(dir_->PathOf(1)),
            (Ranges{{0, 2 * page}, {0, 3 * kMiB}, {2 * kMiB, last - 2 * kMiB}}));
  ASSERT_TRUE(closed.hash);
  const std::string contents = Contents(1);  // dropping pages loses no byte
  ASSERT_EQ(contents.size(), durable);
  EXPECT_EQ(contents.substr(2 * page + 100, page / 2), std::string(page / 2, 'b'));
  EXPECT_EQ(contents.substr(3 * kMiB, 10), std::string(10, 'd'));
}

// A file whose sync failed keeps its pages: nothing after the failure is known to be on the disk.
TEST_F(WriterTest, NothingIsDroppedThatIsNotDurable) {
  Writer w(*dir_, {});
  w.Open(1, 1 << 20);
  ASSERT_TRUE(w.Append(1, Data(size_t{64} * 1024, 'a')));
  fs_.FailNth(FsOp::kSync, 1, EIO);
  const auto s = SyncNow(w);
  EXPECT_TRUE(s.at(1).error);
  EXPECT_EQ(s.at(1).durable_bytes, 0u);
  EXPECT_TRUE(fs_.DroppedRanges(dir_->PathOf(1)).empty());
  CloseNow(w, 1);
  EXPECT_TRUE(fs_.DroppedRanges(dir_->PathOf(1)).empty());
}

TEST_F(WriterTest, BoundsMemory) {
  WriterOptions o;
  o.max_pending_bytes = 10'000;
  o.max_delay_ms = 60'000;  // nothing gets written on its own during the test
  o.batch_bytes = 1 << 30;
  Writer w(*dir_, o);
  w.Open(1, 0);
  int accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += w.Append(1, Data(1000, 'x'));
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(w.Stats().rejected_appends, 10u);
  SyncNow(w);  // writes everything queued, freeing the budget
  EXPECT_TRUE(w.Append(1, Data(1000, 'y')));
  // What was refused is neither in the file nor in its hash.
  FileState c = CloseNow(w, 1);
  const std::string contents = Contents(1);
  EXPECT_EQ(contents, std::string(10'000, 'x') + std::string(1000, 'y'));
  ASSERT_TRUE(c.hash);
  EXPECT_EQ(*c.hash, HashOf(contents));
}

// Append hashes on the caller's thread after queueing; the writer may have written the bytes and
// dropped its share by then: the hash is still that of the bytes appended, in order (under
// ASan, a hash of freed bytes is an error). Each frame is handed over as its only reference,
// from another thread, while the writer writes every append at once.
TEST_F(WriterTest, HashesWhatWasAppendedInOrderFromTheAppendingThread) {
  WriterOptions o;
  o.max_delay_ms = 1;
  o.batch_bytes = 1;  // every append is written at once
  Writer w(*dir_, o);
  w.Open(7, 0);
  FileHasher expect;
  std::thread appender([&] {
    for (int i = 0; i < 2000; ++i) {
      auto frame = std::make_shared<std::vector<uint8_t>>(3000 + i % 97, uint8_t(i));
      expect.Update(*frame);
      ASSERT_TRUE(w.Append(7, std::move(frame)));
    }
  });
  appender.join();
  FileState c = CloseNow(w, 7);
  ASSERT_TRUE(c.hash);
  EXPECT_EQ(*c.hash, expect.Final());
  EXPECT_EQ(*c.hash, HashOf(Contents(7)));
}

// Waits (up to a generous limit, for a loaded machine) until `done` holds.
template <class F>
bool WaitFor(F done) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A file with a batch's worth pending is written at once, without waiting for the delay; many
// files' small amounts that add up to a batch do not wake the writer (they wait for their time).
TEST_F(WriterTest, AFileWithABatchPendingIsWrittenWithoutWaitingForTheDelay) {
  WriterOptions o;
  o.batch_bytes = size_t{64} * 1024;
  o.max_delay_ms = 600'000;  // nothing is due during the test
  Writer w(*dir_, o);
  w.Open(1, 1 << 20);
  w.Open(2, 1 << 20);
  ASSERT_TRUE(w.Append(1, Data(size_t{40} * 1024, 'a')));
  ASSERT_TRUE(w.Append(2, Data(size_t{40} * 1024, 'b')));  // 80 KiB in all, neither file has 64
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(w.Stats().write_calls, 0u);
  ASSERT_TRUE(w.Append(1, Data(size_t{30} * 1024, 'c')));  // file 1 now has 70 KiB
  // Written up to the block boundary, and those bytes released (the stats move under two locks:
  // wait for both); file 2's 40 KiB and file 1's last 6 KiB wait.
  static_assert(Writer::kWriteBlock == uint64_t{64} * 1024);
  ASSERT_TRUE(WaitFor([&] {
    const WriterStats s = w.Stats();
    return s.write_calls == 1 && s.pending_bytes == uint64_t{46} * 1024;
  })) << "a file with a batch pending was not written before its delay";
  EXPECT_EQ(w.Stats().bytes_written, 64u * 1024);
  // Once written, file 1 needs another whole batch before it wakes the writer again.
  ASSERT_TRUE(w.Append(1, Data(size_t{40} * 1024, 'd')));  // 46 KiB unwritten
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(w.Stats().write_calls, 1u);
  ASSERT_TRUE(w.Append(1, Data(size_t{30} * 1024, 'e')));  // 76 KiB: up to 128 KiB written
  ASSERT_TRUE(WaitFor([&] {
    const WriterStats s = w.Stats();
    return s.write_calls == 2 && s.bytes_written == uint64_t{128} * 1024;
  }));
  auto s = SyncNow(w);
  EXPECT_EQ(s[1].durable_bytes, 140u * 1024);
  EXPECT_EQ(s[2].durable_bytes, 40u * 1024);
}

// A batched write ends on a block boundary of the file (Writer::kWriteBlock) and the bytes past it
// wait for the next write, which writes them even when they make no whole block; the bytes come
// out in order and hashed whole, a piece cut by the boundary included.
TEST_F(WriterTest, BatchedWritesEndOnBlockBoundaries) {
  WriterOptions o;
  o.batch_bytes = size_t{128} * 1024;
  o.max_delay_ms = 1000;  // the rest is written 750-1000 ms after the first write
  Writer w(*dir_, o);
  w.Open(1, 1 << 20);
  ASSERT_TRUE(w.Append(1, Data(size_t{100} * 1024, 'a')));
  ASSERT_TRUE(w.Append(1, Data(size_t{50} * 1024, 'b')));  // a batch: written at once
  ASSERT_TRUE(WaitFor([&] {
    const WriterStats s = w.Stats();
    return s.write_calls == 1 && s.pending_bytes == uint64_t{22} * 1024;
  })) << "the batch was not written up to the block boundary";
  EXPECT_EQ(w.Stats().bytes_written, uint64_t{128} * 1024);
  ASSERT_TRUE(WaitFor([&] { return w.Stats().bytes_written == uint64_t{150} * 1024; }))
      << "the bytes past the boundary were not written by the next round";
  EXPECT_EQ(w.Stats().write_calls, 2u);
  EXPECT_EQ(w.Stats().pending_bytes, 0u);
  ASSERT_TRUE(w.Append(1, Data(size_t{10} * 1024, 'c')));
  const FileState c = CloseNow(w, 1);
  EXPECT_EQ(c.durable_bytes, uint64_t{160} * 1024);
  const std::string contents = Contents(1);
  EXPECT_EQ(contents, std::string(size_t{100} * 1024, 'a') + std::string(size_t{50} * 1024, 'b') +
                          std::string(size_t{10} * 1024, 'c'));
  ASSERT_TRUE(c.hash);
  EXPECT_EQ(*c.hash, HashOf(contents));
}

// Less than a block pending is written whole even when it crosses a block boundary (after a
// checkpoint left the file's end anywhere): a slow stream's bytes never wait for a block.
TEST_F(WriterTest, LessThanABlockIsWrittenWholeAcrossABoundary) {
  WriterOptions o;
  o.max_delay_ms = 100;
  Writer w(*dir_, o);
  w.Open(1, 1 << 20);
  ASSERT_TRUE(w.Append(1, Data(1000, 'a')));
  SyncNow(w);                                  // the file ends at 1000
  ASSERT_TRUE(w.Append(1, Data(65000, 'b')));  // to 66,000, past the boundary at 65,536
  ASSERT_TRUE(WaitFor([&] { return w.Stats().bytes_written == 66000u; }));
  EXPECT_EQ(w.Stats().write_calls, 2u) << "the bytes were split at the boundary";
  EXPECT_EQ(CloseNow(w, 1).durable_bytes, 66000u);
}

// A write that fails after a block was written drops what the file still had queued, the kept
// bytes included: the memory is released and the file reports the error.
TEST_F(WriterTest, AFailedWriteAfterABlockReleasesTheKeptBytes) {
  WriterOptions o;
  o.batch_bytes = size_t{128} * 1024;
  o.max_delay_ms = 600'000;  // only the batch and the sync write
  Writer w(*dir_, o);
  w.Open(1, 1 << 20);
  ASSERT_TRUE(w.Append(1, Data(size_t{150} * 1024, 'a')));
  ASSERT_TRUE(WaitFor([&] { return w.Stats().pending_bytes == uint64_t{22} * 1024; }));
  fs_.SetWriteBudget(fs_.BytesWritten() + 1000);  // the disk fills up
  ASSERT_TRUE(w.Append(1, Data(1000, 'b')));
  auto s = SyncNow(w);
  ASSERT_TRUE(s[1].error);
  EXPECT_EQ(s[1].error->code(), ErrorCode::kNoSpace);
  EXPECT_EQ(w.Stats().pending_bytes, 0u);
  EXPECT_EQ(w.Stats().failed_files, 1u);
  ASSERT_TRUE(w.Append(1, Data(1000, 'c')));  // accepted and dropped: the file is poisoned
  SyncNow(w);
  EXPECT_EQ(w.Stats().pending_bytes, 0u);
  EXPECT_EQ(w.Stats().bytes_written, uint64_t{128} * 1024);
}

// Files whose bytes come due within the same quarter of the delay are written at one wake-up of
// the writer's thread, not each at its own moment.
TEST_F(WriterTest, FilesDueTogetherAreWrittenAtOneWakeUp) {
  WriterOptions o;
  o.max_delay_ms = 400;  // due times fall on a 100 ms grid
  Writer w(*dir_, o);
  constexpr int kFiles = 8;
  for (int i = 1; i <= kFiles; ++i) w.Open(i, 1 << 20);
  const auto first = std::chrono::steady_clock::now();
  for (int i = 1; i <= kFiles; ++i) {
    ASSERT_TRUE(w.Append(i, Data(1000, static_cast<uint8_t>(i))));
    std::this_thread::sleep_for(std::chrono::milliseconds(8));  // each file due 8 ms later
  }
  const auto spread = std::chrono::steady_clock::now() - first;
  ASSERT_TRUE(WaitFor([&] { return w.Stats().write_calls == kFiles; }));
  // The appends spread over ~64 ms (more on a loaded machine): their due times span at most
  // spread / 100 ms + 1 grid steps, so that many wake-ups + 1. Each at its own time: 8.
  const auto steps = spread / std::chrono::milliseconds(100);
  EXPECT_LE(w.Stats().write_rounds, static_cast<uint64_t>(steps) + 2) << "spread " << steps;
  EXPECT_EQ(w.Stats().bytes_written, kFiles * 1000u);
}

// A checkpoint syncs many files at once (several threads): each file's own result is kept, and
// a failed sync poisons only its file.
TEST_F(WriterTest, CheckpointSyncsManyFilesEachWithItsOwnResult) {
  Writer w(*dir_, {});
  constexpr int kFiles = 20;
  for (int id = 1; id <= kFiles; ++id) {
    w.Open(id, 0);
    ASSERT_TRUE(w.Append(
        id, Data(static_cast<size_t>(100) * static_cast<size_t>(id), static_cast<uint8_t>(id))));
  }
  fs_.FailNth(FsOp::kSync, 7, EIO);  // one of the 20 syncs, whichever thread makes it
  auto s = SyncNow(w);
  ASSERT_EQ(s.size(), static_cast<size_t>(kFiles));
  int failed = 0;
  for (int id = 1; id <= kFiles; ++id) {
    if (s[id].error) {
      ++failed;
      EXPECT_EQ(s[id].durable_bytes, 0u);
    } else {
      EXPECT_EQ(s[id].durable_bytes, 100u * id);
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(w.Stats().syncs, static_cast<uint64_t>(kFiles));
}

TEST_F(WriterTest, NoSpaceKeepsTheDurablePrefix) {
  Writer w(*dir_, {});
  w.Open(1, 0);
  ASSERT_TRUE(w.Append(1, Data(4000, 'a')));
  EXPECT_EQ(SyncNow(w)[1].durable_bytes, 4000u);
  fs_.SetWriteBudget(fs_.BytesWritten() + 1000);  // the disk fills up mid-write
  ASSERT_TRUE(w.Append(1, Data(4000, 'b')));
  auto s = SyncNow(w);
  EXPECT_EQ(s[1].durable_bytes, 4000u);
  ASSERT_TRUE(s[1].error);
  EXPECT_EQ(s[1].error->code(), ErrorCode::kNoSpace);
  FileState c = CloseNow(w, 1);
  EXPECT_EQ(c.durable_bytes, 4000u);
  EXPECT_FALSE(c.hash);                            // the caller hashes the durable prefix itself
  EXPECT_EQ(Contents(1), std::string(4000, 'a'));  // nothing already recorded is lost
}

TEST_F(WriterTest, UnlinkAndOpenErrors) {
  Writer w(*dir_, {});
  w.Open(1, 0);
  ASSERT_TRUE(w.Append(1, Data(10, 'a')));
  CloseNow(w, 1);
  w.Open(1, 0);  // the same id again: O_EXCL refuses
  auto s = SyncNow(w);
  ASSERT_TRUE(s[1].error);
  EXPECT_EQ(s[1].error->code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(w.Append(1, Data(10, 'a')) && SyncNow(w)[1].durable_bytes > 0);
  std::promise<Result<void>> p;
  w.Unlink({1, 99}, [&](Result<void> r) { p.set_value(std::move(r)); });
  EXPECT_TRUE(p.get_future().get());  // 99 never existed: fine
  EXPECT_TRUE(dir_->List()->sample_files.empty());
}

}  // namespace
}  // namespace nightjar::storage

namespace nightjar::storage {
namespace {

// Row inserts of recordings opened together run as one group (one transaction in the engine);
// a group that fails to commit creates none of its files.
TEST_F(WriterTest, OpensQueuedTogetherShareOneGroup) {
  std::mutex mu;
  int groups = 0;
  std::vector<int> group_of;  // per before_create call, the group it ran in
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> first_started;
  WriterOptions o;
  o.open_group = [&](const std::function<void()>& inserts) -> Result<void> {
    int g;
    {
      std::lock_guard lock(mu);
      g = ++groups;
    }
    if (g == 1) {
      first_started.set_value();
      released.wait();  // hold the writer while more opens queue up
    }
    inserts();
    if (g == 3) return Err(ErrorCode::kIo, "commit failed");
    return Ok();
  };
  Writer w(*dir_, o);
  auto before = [&] {
    std::lock_guard lock(mu);
    group_of.push_back(groups);
    return Ok();
  };
  w.Open(1, 0, before);
  first_started.get_future().wait();
  for (int64_t id = 2; id <= 5; ++id) w.Open(id, 0, before);
  release.set_value();
  auto s = SyncNow(w);
  EXPECT_EQ(groups, 2);
  EXPECT_EQ(group_of, (std::vector<int>{1, 2, 2, 2, 2}));
  w.Open(6, 0, before);  // group 3 fails to commit: no file
  ASSERT_TRUE(w.Append(6, Data(10, 'x')));
  FileState c = CloseNow(w, 6);
  EXPECT_TRUE(c.error);
  EXPECT_FALSE(*fs_.Exists(dir_->PathOf(6)));
  for (int64_t id = 1; id <= 5; ++id) EXPECT_TRUE(*fs_.Exists(dir_->PathOf(id))) << id;
}

}  // namespace
}  // namespace nightjar::storage
