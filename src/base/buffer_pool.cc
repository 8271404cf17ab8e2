#include "base/buffer_pool.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <new>
#include <utility>

namespace nightjar {
namespace {

// Classes: 64 bytes and up, four per power of two. Class i holds buffers of at least
// (16 << i / 4) * (4 + i % 4) bytes: 64, 80, 96, 112, 128, 160, 192, 224, 256, ...
constexpr size_t kMinClass = 64;
constexpr int kMinClassBits = 6;  // 64 = 1 << 6

constexpr size_t ClassSize(size_t i) { return (size_t{16} << (i / 4)) * (4 + i % 4); }

// Control blocks of Share()d buffers: one size fits the only type allocated (libstdc++'s
// in-place control block holding a Holder is ~64 bytes; a larger one falls back to new).
constexpr size_t kBlockSize = 128;

const Clock& SystemClock() {
  static const RealClock clock;  // stateless, trivially destructible in effect
  return clock;
}

int64_t TrimNanos(std::chrono::milliseconds interval) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count();
}

}  // namespace

// What a Share()d buffer's control block holds: the bytes, and where they go back to.
struct BufferPool::Holder {
  Holder(BufferPool* p, std::vector<uint8_t>&& b) : pool(p), bytes(std::move(b)) {}
  ~Holder() { pool->GiveImpl(std::move(bytes), true); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  BufferPool* pool;
  std::vector<uint8_t> bytes;
};

// The allocator std::allocate_shared rebinds to its control block type: blocks of kBlockSize
// come from (and go back to) the pool.
template <typename T>
class BufferPool::BlockAllocator {
 public:
  using value_type = T;
  explicit BlockAllocator(BufferPool* pool) : pool_(pool) {}
  template <typename U>
  explicit BlockAllocator(const BlockAllocator<U>& other) : pool_(other.pool_) {}

  T* allocate(size_t n) {
    if (Fits(n)) return static_cast<T*>(pool_->TakeBlock());
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    if (Fits(n)) {
      pool_->GiveBlock(p);
    } else {
      std::allocator<T>().deallocate(p, n);
    }
  }
  template <typename U>
  bool operator==(const BlockAllocator<U>& other) const {
    return pool_ == other.pool_;
  }

 private:
  template <typename U>
  friend class BlockAllocator;
  static bool Fits(size_t n) {
    return n == 1 && sizeof(T) <= kBlockSize && alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  }
  BufferPool* pool_;
};

BufferPool::BufferPool(BufferPoolOptions options)
    : options_(options),
      clock_(options.clock != nullptr ? *options.clock : SystemClock()),
      next_trim_nanos_(clock_.MonotonicNanos() + TrimNanos(options.trim_interval)) {
  const size_t classes =
      options_.max_buffer_bytes < kMinClass ? 0 : ClassAtMost(options_.max_buffer_bytes) + 1;
  classes_.resize(classes);
}

BufferPool::~BufferPool() {
  // A Share()d buffer still out would give itself back to a destroyed pool.
  assert(shared_.load() == 0);
  for (void* b : blocks_) ::operator delete(b);
}

BufferPool& BufferPool::Default() {
  static BufferPool* const pool = new BufferPool();  // never destroyed: see the header
  return *pool;
}

size_t BufferPool::ClassAtLeast(size_t n) {
  if (n <= kMinClass) return 0;
  // 64 << o < n <= 128 << o; the class is n rounded up to a multiple of a quarter of 64 << o.
  const size_t o = static_cast<size_t>(std::bit_width(n - 1)) - (kMinClassBits + 1);
  const size_t unit = size_t{16} << o;
  const size_t quarters = (n + unit - 1) / unit;  // 5..8
  return 4 * o + quarters - 4;
}

size_t BufferPool::ClassAtMost(size_t n) {
  // 64 << o <= n < 128 << o; n rounded down to a multiple of a quarter of 64 << o.
  const size_t o = static_cast<size_t>(std::bit_width(n)) - (kMinClassBits + 1);
  const size_t quarters = n / (size_t{16} << o);  // 4..7
  return 4 * o + quarters - 4;
}

size_t BufferPool::ClassCapacity(size_t n) { return ClassSize(ClassAtLeast(n)); }

std::vector<uint8_t> BufferPool::Take(size_t min_capacity, size_t max_capacity) {
  std::vector<uint8_t> buffer;
  const size_t c = ClassAtLeast(min_capacity);
  const bool pooled = c < classes_.size() && ClassSize(c) <= options_.max_buffer_bytes;
  if (max_capacity == 0) max_capacity = min_capacity + min_capacity / 2;
  // The classes that may serve: c up to the last one whose buffers are <= max_capacity.
  const size_t last = !pooled
                          ? c
                          : std::min(classes_.size() - 1,
                                     std::max(c, ClassAtMost(std::max(max_capacity, kMinClass))));
  Buffers idle;  // freed on return, outside the lock
  std::vector<void*> idle_blocks;
  {
    std::lock_guard lock(mu_);
    stats_.takes++;
    // The clock is read once in a while only: this is the per-frame path.
    if (options_.trim_interval.count() > 0 && stats_.takes % 64 == 0) {
      const int64_t now = clock_.MonotonicNanos();
      if (now >= next_trim_nanos_) {
        TrimLocked(idle, idle_blocks);
        next_trim_nanos_ = now + TrimNanos(options_.trim_interval);
      }
    }
    size_t from = c;
    while (pooled && from <= last && classes_[from].kept.empty()) ++from;
    if (pooled && from <= last) {
      Class& k = classes_[from];
      buffer = std::move(k.kept.back());
      k.kept.pop_back();
      k.low = std::min(k.low, k.kept.size());
      k.bytes -= buffer.capacity();
      stats_.kept_bytes -= buffer.capacity();
      stats_.kept_buffers--;
      stats_.reused++;
    }
  }
  for (void* b : idle_blocks) ::operator delete(b);
  if (buffer.capacity() == 0) buffer.reserve(pooled ? ClassSize(c) : min_capacity);
  return buffer;
}

void BufferPool::Give(std::vector<uint8_t>&& buffer) { GiveImpl(std::move(buffer), false); }

void BufferPool::GiveImpl(std::vector<uint8_t>&& buffer, bool shared) {
  std::vector<uint8_t> b = std::move(buffer);  // freed on return unless kept
  const size_t cap = b.capacity();
  // A buffer without capacity (moved from) has nothing to keep.
  if (cap == 0 && !shared) return;
  // Freed on return, outside the lock.
  Buffers evicted;
  std::lock_guard lock(mu_);
  if (shared) shared_.fetch_sub(1, std::memory_order_relaxed);
  if (cap == 0) return;
  stats_.gives++;
  if (cap < kMinClass || cap > options_.max_buffer_bytes || cap > options_.max_bytes) {
    stats_.freed++;
    return;
  }
  const size_t c = ClassAtMost(cap);
  if (stats_.kept_bytes + cap > options_.max_bytes && !MakeRoomLocked(cap, c, evicted)) {
    stats_.freed++;
    return;
  }
  b.clear();
  classes_[c].kept.push_back(std::move(b));
  classes_[c].bytes += cap;
  stats_.kept_bytes += cap;
  stats_.kept_buffers++;
}

bool BufferPool::MakeRoomLocked(size_t bytes, size_t except, Buffers& out) {
  while (stats_.kept_bytes + bytes > options_.max_bytes) {
    size_t fullest = 0;
    for (size_t i = 1; i < classes_.size(); ++i) {
      if (classes_[i].bytes > classes_[fullest].bytes) fullest = i;
    }
    // The incoming buffer's own class being the fullest, keeping it would only grow it.
    if (fullest == except || classes_[fullest].bytes == 0) return false;
    Class& k = classes_[fullest];
    const size_t cap = k.kept.back().capacity();
    out.push_back(std::move(k.kept.back()));
    k.kept.pop_back();
    k.low = std::min(k.low, k.kept.size());
    k.bytes -= cap;
    stats_.kept_bytes -= cap;
    stats_.kept_buffers--;
    stats_.freed++;
  }
  return true;
}

void BufferPool::TrimLocked(Buffers& buffers, std::vector<void*>& blocks) {
  for (Class& k : classes_) {
    // The oldest first (the front): the others are more likely still in the CPU's caches.
    for (size_t i = 0; i < k.low; ++i) {
      k.bytes -= k.kept[i].capacity();
      stats_.kept_bytes -= k.kept[i].capacity();
      buffers.push_back(std::move(k.kept[i]));
    }
    k.kept.erase(k.kept.begin(), k.kept.begin() + static_cast<ptrdiff_t>(k.low));
    stats_.kept_buffers -= k.low;
    stats_.trimmed += k.low;
    k.low = k.kept.size();
  }
  blocks.insert(blocks.end(), blocks_.begin(),
                blocks_.begin() + static_cast<ptrdiff_t>(blocks_low_));
  blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<ptrdiff_t>(blocks_low_));
  stats_.kept_blocks -= blocks_low_;
  blocks_low_ = blocks_.size();
}

void BufferPool::Trim() {
  Buffers buffers;
  std::vector<void*> blocks;
  {
    std::lock_guard lock(mu_);
    TrimLocked(buffers, blocks);
  }
  for (void* b : blocks) ::operator delete(b);
}

std::shared_ptr<const std::vector<uint8_t>> BufferPool::Share(std::vector<uint8_t>&& bytes) {
  shared_.fetch_add(1, std::memory_order_relaxed);
  auto holder = std::allocate_shared<Holder>(BlockAllocator<Holder>(this), this, std::move(bytes));
  const std::vector<uint8_t>* p = &holder->bytes;
  return std::shared_ptr<const std::vector<uint8_t>>(std::move(holder), p);
}

void* BufferPool::TakeBlock() {
  {
    std::lock_guard lock(mu_);
    if (!blocks_.empty()) {
      void* b = blocks_.back();
      blocks_.pop_back();
      blocks_low_ = std::min(blocks_low_, blocks_.size());
      stats_.kept_blocks--;
      return b;
    }
  }
  return ::operator new(kBlockSize);
}

void BufferPool::GiveBlock(void* block) {
  {
    std::lock_guard lock(mu_);
    if (blocks_.size() < options_.max_blocks) {
      blocks_.push_back(block);
      stats_.kept_blocks++;
      return;
    }
  }
  ::operator delete(block);
}

void BufferPool::Release() {
  std::vector<Buffers> buffers;
  std::vector<void*> blocks;
  {
    std::lock_guard lock(mu_);
    for (Class& k : classes_) {
      stats_.trimmed += k.kept.size();
      buffers.push_back(std::move(k.kept));
      k = Class();
    }
    blocks.swap(blocks_);
    blocks_low_ = 0;
    stats_.kept_bytes = stats_.kept_buffers = stats_.kept_blocks = 0;
  }
  for (void* b : blocks) ::operator delete(b);
}

BufferPoolStats BufferPool::Stats() const {
  std::lock_guard lock(mu_);
  BufferPoolStats s = stats_;
  s.shared = shared_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace nightjar
