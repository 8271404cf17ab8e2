#include "base/buffer_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "base/clock.h"

namespace nightjar {
namespace {

// Pools whose contents change only by the calls a test makes.
const BufferPoolOptions kNoAutoTrim{.trim_interval = std::chrono::milliseconds(0)};

// `n` buffers of at least `size` bytes from `pool`.
std::vector<std::vector<uint8_t>> TakeSome(BufferPool& pool, int n, size_t size) {
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(n));
  for (auto& b : out) b = pool.Take(size);
  return out;
}

TEST(BufferPoolTest, ClassesAreFourPerPowerOfTwo) {
  EXPECT_EQ(BufferPool::ClassCapacity(0), 64u);
  EXPECT_EQ(BufferPool::ClassCapacity(64), 64u);
  EXPECT_EQ(BufferPool::ClassCapacity(65), 80u);
  EXPECT_EQ(BufferPool::ClassCapacity(81), 96u);
  EXPECT_EQ(BufferPool::ClassCapacity(112), 112u);
  EXPECT_EQ(BufferPool::ClassCapacity(113), 128u);
  EXPECT_EQ(BufferPool::ClassCapacity(129), 160u);
  EXPECT_EQ(BufferPool::ClassCapacity(17000), 20480u);    // a P frame
  EXPECT_EQ(BufferPool::ClassCapacity(200000), 229376u);  // a key frame
  EXPECT_EQ(BufferPool::ClassCapacity(size_t{4} << 20), size_t{4} << 20);
  // Never more than a quarter over what was asked for (beyond the smallest class).
  for (size_t n = 65; n < 300000; n += 97) {
    const size_t c = BufferPool::ClassCapacity(n);
    EXPECT_GE(c, n);
    EXPECT_LE(c, n + n / 4) << n;
  }
}

TEST(BufferPoolTest, TakeGivesCapacityAndReusesTheSameBuffer) {
  BufferPool pool(kNoAutoTrim);
  std::vector<uint8_t> a = pool.Take(17000);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.capacity(), 20480u);
  a.assign(17000, 7);
  const uint8_t* p = a.data();
  pool.Give(std::move(a));
  EXPECT_EQ(pool.Stats().kept_buffers, 1u);
  EXPECT_EQ(pool.Stats().kept_bytes, 20480u);

  std::vector<uint8_t> b = pool.Take(19000);  // same class
  EXPECT_EQ(b.data(), p);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), 20480u);
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.takes, 2u);
  EXPECT_EQ(s.reused, 1u);
  EXPECT_EQ(s.kept_buffers, 0u);
  EXPECT_EQ(s.kept_bytes, 0u);
}

TEST(BufferPoolTest, SizeClassesKeepSmallAndLargeApart) {
  BufferPool pool(kNoAutoTrim);
  std::vector<uint8_t> key = pool.Take(200000);
  const uint8_t* key_data = key.data();
  pool.Give(std::move(key));
  // A P frame does not take the key frame's buffer...
  std::vector<uint8_t> p = pool.Take(17000);
  EXPECT_NE(p.data(), key_data);
  EXPECT_EQ(p.capacity(), 20480u);
  EXPECT_EQ(pool.Stats().reused, 0u);
  // ... nor does a slightly larger key frame (its class is higher).
  std::vector<uint8_t> bigger = pool.Take(240000);
  EXPECT_NE(bigger.data(), key_data);
  // The next key frame of that size does.
  std::vector<uint8_t> again = pool.Take(200000);
  EXPECT_EQ(again.data(), key_data);
}

TEST(BufferPoolTest, ALargerClassServesUpToTheMaximum) {
  BufferPool pool(kNoAutoTrim);
  std::vector<uint8_t> v = pool.Take(24000);
  EXPECT_EQ(v.capacity(), 24576u);
  const uint8_t* p = v.data();
  pool.Give(std::move(v));
  // 17000's class is 20480; up to 1.5 x 17000 = 25500 by default, so 24576 serves ...
  std::vector<uint8_t> w = pool.Take(17000);
  EXPECT_EQ(w.data(), p);
  pool.Give(std::move(w));
  // ... but not when the caller wants no more than 20480 (nor 25000 for 10000).
  EXPECT_NE(pool.Take(17000, 20480).data(), p);
  EXPECT_NE(pool.Take(10000).data(), p);
  EXPECT_EQ(pool.Take(10000, 25000).data(), p);
}

TEST(BufferPoolTest, ABufferIsFiledUnderTheClassItCanServe) {
  BufferPool pool(kNoAutoTrim);
  std::vector<uint8_t> v;
  v.reserve(180000);  // between classes 163840 and 196608: serves requests up to 163840
  const uint8_t* p = v.data();
  pool.Give(std::move(v));
  EXPECT_NE(pool.Take(170000).data(), p);
  std::vector<uint8_t> w = pool.Take(150000);
  EXPECT_EQ(w.data(), p);
  EXPECT_GE(w.capacity(), 150000u);
}

TEST(BufferPoolTest, BuffersOverTheMaximumAreFreed) {
  BufferPool pool(
      BufferPoolOptions{.max_bytes = 1 << 20, .max_buffer_bytes = 64 << 10, .trim_interval = {}});
  std::vector<uint8_t> big = pool.Take(100000);
  EXPECT_EQ(big.capacity(), 100000u);  // exactly: the pool will not keep it anyway
  pool.Give(std::move(big));
  std::vector<uint8_t> tiny;
  tiny.reserve(10);
  pool.Give(std::move(tiny));
  pool.Give(std::vector<uint8_t>());  // no buffer at all: nothing happens
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.kept_buffers, 0u);
  EXPECT_EQ(s.kept_bytes, 0u);
  EXPECT_EQ(s.gives, 2u);
  EXPECT_EQ(s.freed, 2u);
}

TEST(BufferPoolTest, TotalBoundIsRespected) {
  BufferPool pool(
      BufferPoolOptions{.max_bytes = 100000, .max_buffer_bytes = 64 << 10, .trim_interval = {}});
  std::vector<std::vector<uint8_t>> out = TakeSome(pool, 10, 20480);
  for (auto& b : out) pool.Give(std::move(b));
  BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.kept_buffers, 4u);  // 4 x 20480 <= 100000 < 5 x 20480
  EXPECT_EQ(s.kept_bytes, 4u * 20480);
  EXPECT_EQ(s.freed, 6u);
  pool.Release();
  s = pool.Stats();
  EXPECT_EQ(s.kept_buffers, 0u);
  EXPECT_EQ(s.kept_bytes, 0u);
}

TEST(BufferPoolTest, AFullPoolMakesRoomForAnotherClass) {
  // Full of one class, the pool must not refuse buffers of another for good: the fullest class
  // gives way, but never to buffers of its own class.
  BufferPool pool(
      BufferPoolOptions{.max_bytes = 100000, .max_buffer_bytes = 64 << 10, .trim_interval = {}});
  std::vector<std::vector<uint8_t>> big = TakeSome(pool, 4, 20480);
  for (auto& b : big) pool.Give(std::move(b));
  EXPECT_EQ(pool.Stats().kept_bytes, 4u * 20480);

  std::vector<std::vector<uint8_t>> small = TakeSome(pool, 10, 4096);
  for (auto& b : small) pool.Give(std::move(b));
  BufferPoolStats s = pool.Stats();
  EXPECT_LE(s.kept_bytes, 100000u);
  EXPECT_EQ(s.kept_buffers, 2u + 10u);  // two 20480 buffers made room for the ten 4096 ones
  EXPECT_EQ(s.freed, 2u);
  // The small ones are reused now.
  for (int i = 0; i < 10; ++i) small[i] = pool.Take(4096);
  EXPECT_EQ(pool.Stats().reused, 10u);
}

TEST(BufferPoolTest, SharedBytesGoBackOnLastRelease) {
  BufferPool pool(kNoAutoTrim);
  std::vector<uint8_t> v = pool.Take(1000);
  v.assign({1, 2, 3});
  const uint8_t* p = v.data();
  std::shared_ptr<const std::vector<uint8_t>> a = pool.Share(std::move(v));
  EXPECT_EQ(*a, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(pool.Stats().shared, 1u);
  auto b = a;
  a.reset();
  EXPECT_EQ(pool.Stats().kept_buffers, 0u);  // still held by b
  b.reset();
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.shared, 0u);
  EXPECT_EQ(s.kept_buffers, 1u);
  EXPECT_EQ(s.kept_blocks, 1u);  // the control block is kept too
  EXPECT_EQ(pool.Take(1000).data(), p);
  // The next share reuses the control block.
  auto c = pool.Share(pool.Take(10));
  EXPECT_EQ(pool.Stats().kept_blocks, 0u);
}

TEST(BufferPoolTest, SharedBlocksAreBounded) {
  BufferPool pool(BufferPoolOptions{.max_blocks = 2, .trim_interval = {}});
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> shared(5);
  for (auto& p : shared) p = pool.Share(pool.Take(100));
  shared.clear();
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.kept_blocks, 2u);
  EXPECT_EQ(s.kept_buffers, 5u);
  EXPECT_EQ(s.shared, 0u);
}

// A producer thread (the network side) takes, fills and shares buffers; a consumer thread (the
// disk writer) releases them. Every buffer comes back, the contents are never disturbed, and
// after the first few the producer is served from the pool.
TEST(BufferPoolTest, ProducerAndConsumerThreads) {
  BufferPool pool(BufferPoolOptions{.max_bytes = 4 << 20, .trim_interval = {}});
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<const std::vector<uint8_t>>> queue;
  bool done = false;
  constexpr int kFrames = 20000;
  int bad = 0;
  std::thread consumer([&] {
    while (true) {
      std::shared_ptr<const std::vector<uint8_t>> f;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return done || !queue.empty(); });
        if (queue.empty()) return;
        f = std::move(queue.front());
        queue.pop_front();
      }
      cv.notify_all();  // room for the producer
      const uint8_t want = f->empty() ? 0 : (*f)[0];
      for (uint8_t b : *f) bad += b != want;
    }
  });
  for (int i = 0; i < kFrames; ++i) {
    const size_t size = i % 30 == 0 ? 150000 : 15000 + static_cast<size_t>(i % 7) * 500;
    std::vector<uint8_t> v = pool.Take(size);
    v.assign(size, static_cast<uint8_t>(i));
    auto shared = pool.Share(std::move(v));
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return queue.size() < 64; });  // the writer's bounded queue
    queue.push_back(std::move(shared));
    cv.notify_all();
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  consumer.join();
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(s.shared, 0u);
  EXPECT_EQ(s.takes, static_cast<uint64_t>(kFrames));
  EXPECT_GT(s.reused, static_cast<uint64_t>(kFrames) * 9 / 10);
  EXPECT_EQ(s.kept_buffers, s.gives - s.reused - s.freed - s.trimmed);
  EXPECT_LE(s.kept_bytes, size_t{4} << 20);
}

TEST(BufferPoolTest, TrimFreesWhatStayedIdle) {
  BufferPool pool(kNoAutoTrim);
  std::vector<std::vector<uint8_t>> out = TakeSome(pool, 3, 5000);
  for (auto& b : out) pool.Give(std::move(b));
  pool.Trim();  // given since the last trim: not idle for a whole interval yet
  EXPECT_EQ(pool.Stats().kept_buffers, 3u);
  EXPECT_EQ(pool.Stats().trimmed, 0u);

  pool.Give(pool.Take(5000));  // one of the three is needed (at most 2 kept meanwhile)
  pool.Trim();
  BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.kept_buffers, 1u);
  EXPECT_EQ(s.kept_bytes, BufferPool::ClassCapacity(5000));
  EXPECT_EQ(s.trimmed, 2u);

  pool.Trim();  // not needed through a whole interval: freed
  s = pool.Stats();
  EXPECT_EQ(s.kept_buffers, 0u);
  EXPECT_EQ(s.kept_bytes, 0u);
  EXPECT_EQ(s.trimmed, 3u);
  EXPECT_EQ(s.kept_buffers, s.gives - s.reused - s.freed - s.trimmed);
}

TEST(BufferPoolTest, TrimFreesIdleControlBlocks) {
  BufferPool pool(kNoAutoTrim);
  auto a = pool.Share(pool.Take(100));
  auto b = pool.Share(pool.Take(100));
  a.reset();
  b.reset();
  pool.Trim();
  EXPECT_EQ(pool.Stats().kept_blocks, 2u);
  auto c = pool.Share(pool.Take(100));  // one needed (and still in use), the other idle
  pool.Trim();
  EXPECT_EQ(pool.Stats().kept_blocks, 0u);
  c.reset();
  EXPECT_EQ(pool.Stats().kept_blocks, 1u);
  pool.Trim();  // given back since the last trim: kept
  EXPECT_EQ(pool.Stats().kept_blocks, 1u);
}

TEST(BufferPoolTest, TakeTrimsOnItsInterval) {
  SimulatedClock clock(Time90k(0));
  BufferPool pool(BufferPoolOptions{.trim_interval = std::chrono::seconds(2), .clock = &clock});
  std::vector<std::vector<uint8_t>> burst = TakeSome(pool, 100, 100000);
  for (auto& b : burst) pool.Give(std::move(b));
  EXPECT_EQ(pool.Stats().kept_buffers, 100u);
  // Only small buffers are needed from now on. Without time passing, nothing is trimmed ...
  for (int i = 0; i < 1000; ++i) pool.Give(pool.Take(100));
  EXPECT_EQ(pool.Stats().kept_buffers, 101u);
  // ... then the burst's buffers go within two intervals (the clock is read every 64 takes).
  for (int round = 0; round < 2; ++round) {
    clock.Advance(Duration90k::FromSeconds(2));
    for (int i = 0; i < 64; ++i) pool.Give(pool.Take(100));
  }
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.kept_buffers, 1u);  // the small one in use
  EXPECT_EQ(s.kept_bytes, 112u);
  EXPECT_EQ(s.trimmed, 100u);
}

// Trims from a third thread while buffers move between a producer and a consumer.
TEST(BufferPoolTest, TrimWhileBuffersMove) {
  BufferPool pool(kNoAutoTrim);
  std::atomic<bool> done{false};
  std::thread trimmer([&] {
    while (!done.load()) pool.Trim();
  });
  std::mutex mu;
  std::deque<std::shared_ptr<const std::vector<uint8_t>>> queue;
  std::thread consumer([&] {
    for (int n = 0; n < 5000;) {
      std::shared_ptr<const std::vector<uint8_t>> f;
      {
        std::lock_guard lock(mu);
        if (queue.empty()) continue;
        f = std::move(queue.front());
        queue.pop_front();
      }
      ++n;
      EXPECT_EQ(f->size(), 1000u + (*f)[0]);
    }
  });
  for (int i = 0; i < 5000; ++i) {
    const uint8_t tag = static_cast<uint8_t>(i);
    std::vector<uint8_t> v = pool.Take(1000u + tag);
    v.assign(1000u + tag, tag);
    auto shared = pool.Share(std::move(v));
    std::lock_guard lock(mu);
    queue.push_back(std::move(shared));
  }
  consumer.join();
  done = true;
  trimmer.join();
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.shared, 0u);
  EXPECT_EQ(s.kept_buffers, s.gives - s.reused - s.freed - s.trimmed);
}

}  // namespace
}  // namespace nightjar
