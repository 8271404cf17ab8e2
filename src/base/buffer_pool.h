// BufferPool: recycles the byte buffers of media frames so that the recording path does not call
// malloc/free per access unit. A depacketizer takes an empty buffer (Take) when an access unit
// starts and fills it; the streamer wraps the finished buffer as the frame's immutable shared
// bytes (Share); whoever drops the last reference (the disk writer's thread, a live GOP being
// replaced) gives it back, and the next access unit of a similar size takes it again.
//
// Size classes: four per power of two (64, 80, 96, 112, 128, 160, ... bytes). Give files a
// buffer under the largest class <= its capacity. Take(n, max) hands out a kept buffer of the
// smallest class >= n that has one, up to the class of `max` (by default 1.5 n: frames' sizes
// vary, and a buffer a little too large serves better than one allocated while the one that
// size idles), or allocates one of exactly n's class's capacity (at most 25 % over n). A 17 KB P
// frame never takes a key frame's 256 KB buffer.
//
// Memory: the pool keeps at most max_bytes of buffers (their capacities) and never one larger
// than max_buffer_bytes; beyond the total it frees buffers of the class holding the most bytes
// (so a burst of one size cannot fill it for good and starve the others) or the incoming one.
// It only ever keeps buffers that were in use at once, so it holds no more than the peak in
// flight. Beyond that it keeps only what is reused: Trim() frees the buffers that stayed idle
// since the previous Trim() (per class, the lowest count kept in between), and Take() calls it
// every trim_interval (reading the clock every 64th call), so a burst's buffers (a viewer leaving,
// a disk stalling) are freed a few seconds after it instead of staying in the pool. Release() frees
// everything kept. Shared buffers' control blocks (the shared_ptr's one allocation) are recycled
// the same way, at most max_blocks of them.
//
// Thread safety: every member function may be called from any thread (one mutex, held for a
// few list operations; buffers are allocated and freed outside it). A pool must outlive every
// buffer it shared (Share); BufferPool::Default() is never destroyed.
#ifndef NIGHTJAR_BASE_BUFFER_POOL_H_
#define NIGHTJAR_BASE_BUFFER_POOL_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"

namespace nightjar {

struct BufferPoolOptions {
  size_t max_bytes = size_t{32} << 20;        // capacity kept in all
  size_t max_buffer_bytes = size_t{4} << 20;  // larger buffers are freed when given back
  size_t max_blocks = 8192;                   // shared_ptr control blocks kept (128 bytes each)
  // How often Take() trims idle buffers (on clock's monotonic reading); zero: only explicit
  // Trim() calls do. The clock (null: the system's) must outlive the pool.
  std::chrono::milliseconds trim_interval{2000};
  const Clock* clock = nullptr;
};

struct BufferPoolStats {
  size_t kept_bytes = 0;    // capacity of the buffers kept now
  size_t kept_buffers = 0;  // how many
  size_t kept_blocks = 0;   // control blocks kept now
  size_t shared = 0;        // buffers out as Share()d bytes now
  uint64_t takes = 0;       // Take() calls
  uint64_t reused = 0;      // ... served by a kept buffer
  uint64_t gives = 0;       // Give() calls with a buffer that had capacity
  uint64_t freed = 0;       // buffers freed instead of kept (over a bound), evictions included
  uint64_t trimmed = 0;     // buffers freed by Trim() (idle) and Release()
};

class BufferPool {
 public:
  explicit BufferPool(BufferPoolOptions options = {});
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The process-wide pool the recording path uses. Never destroyed (buffers may be released by
  // any thread until the process exits).
  static BufferPool& Default();

  // An empty buffer with capacity() >= min_capacity: a kept one of the smallest class from
  // min_capacity's to max_capacity's (0: min_capacity * 1.5) that has one, else a new one of
  // min_capacity's class's capacity (or of exactly min_capacity above max_buffer_bytes, which the
  // pool will not keep). The caller owns it.
  std::vector<uint8_t> Take(size_t min_capacity, size_t max_capacity = 0);

  // Returns a buffer (its contents are dropped). Kept if within the bounds, else freed.
  void Give(std::vector<uint8_t>&& buffer);

  // `bytes` as immutable shared bytes whose buffer is given back to this pool when the last
  // reference goes, on whatever thread drops it. The control block comes from the pool too.
  std::shared_ptr<const std::vector<uint8_t>> Share(std::vector<uint8_t>&& bytes);

  // Frees the buffers and control blocks that were kept through the whole time since the previous
  // Trim() without being needed (per class: the fewest kept at any moment since then).
  void Trim();

  // Frees every kept buffer and control block (the shared ones are unaffected).
  void Release();

  BufferPoolStats Stats() const;

  // The capacity of the class a request of n bytes is served from (n <= max_buffer_bytes).
  static size_t ClassCapacity(size_t n);

 private:
  struct Holder;
  template <typename T>
  class BlockAllocator;

  // Index of the smallest class >= n / the largest class <= n (n >= the smallest class).
  static size_t ClassAtLeast(size_t n);
  static size_t ClassAtMost(size_t n);
  void* TakeBlock();
  void GiveBlock(void* block);
  void GiveImpl(std::vector<uint8_t>&& buffer, bool shared);
  using Buffers = std::vector<std::vector<uint8_t>>;
  // Makes room for `bytes` more under max_bytes by evicting from the fullest class other than
  // `except`; false if that is not possible. Evicted buffers are moved to `out` (freed unlocked).
  bool MakeRoomLocked(size_t bytes, size_t except, Buffers& out);
  // Moves the idle buffers and blocks to `buffers` and `blocks` (to be freed unlocked).
  void TrimLocked(Buffers& buffers, std::vector<void*>& blocks);

  struct Class {
    Buffers kept;      // the most recently given at the back
    size_t bytes = 0;  // their capacity
    size_t low = 0;    // the fewest kept since the last trim: that many were not needed
  };

  const BufferPoolOptions options_;
  mutable std::mutex mu_;
  std::vector<Class> classes_;
  std::vector<void*> blocks_;  // kept control blocks
  size_t blocks_low_ = 0;      // as Class::low
  const Clock& clock_;
  int64_t next_trim_nanos_;  // clock_.MonotonicNanos() of the next automatic trim
  BufferPoolStats stats_;    // its `shared` is always 0
  std::atomic<size_t> shared_{0};
};

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_BUFFER_POOL_H_
