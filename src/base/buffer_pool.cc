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

BufferPool::BufferPool(BufferPoolOptions options) : options_(options) {
  const size_t classes =
      options_.max_buffer_bytes < kMinClass ? 0 : ClassAtMost(options_.max_buffer_bytes) + 1;
  classes_.resize(classes);
  class_bytes_.resize(classes);
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

std::vector<uint8_t> BufferPool::Take(size_t min_capacity) {
  std::vector<uint8_t> buffer;
  const size_t c = ClassAtLeast(min_capacity);
  const bool pooled = c < classes_.size() && ClassSize(c) <= options_.max_buffer_bytes;
  {
    std::lock_guard lock(mu_);
    stats_.takes++;
    if (pooled && !classes_[c].empty()) {
      buffer = std::move(classes_[c].back());
      classes_[c].pop_back();
      class_bytes_[c] -= buffer.capacity();
      stats_.kept_bytes -= buffer.capacity();
      stats_.kept_buffers--;
      stats_.reused++;
      return buffer;
    }
  }
  buffer.reserve(pooled ? ClassSize(c) : min_capacity);
  return buffer;
}

void BufferPool::Give(std::vector<uint8_t>&& buffer) { GiveImpl(std::move(buffer), false); }

void BufferPool::GiveImpl(std::vector<uint8_t>&& buffer, bool shared) {
  std::vector<uint8_t> b = std::move(buffer);  // freed on return unless kept
  const size_t cap = b.capacity();
  // A buffer without capacity (moved from) has nothing to keep.
  if (cap == 0 && !shared) return;
  // Freed on return, outside the lock.
  std::vector<std::vector<uint8_t>> evicted;
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
  classes_[c].push_back(std::move(b));
  class_bytes_[c] += cap;
  stats_.kept_bytes += cap;
  stats_.kept_buffers++;
}

bool BufferPool::MakeRoomLocked(size_t bytes, size_t except,
                                std::vector<std::vector<uint8_t>>& out) {
  while (stats_.kept_bytes + bytes > options_.max_bytes) {
    size_t fullest = 0;
    for (size_t i = 1; i < class_bytes_.size(); ++i) {
      if (class_bytes_[i] > class_bytes_[fullest]) fullest = i;
    }
    // The incoming buffer's own class being the fullest, keeping it would only grow it.
    if (fullest == except || class_bytes_[fullest] == 0) return false;
    std::vector<uint8_t>& victim = classes_[fullest].back();
    class_bytes_[fullest] -= victim.capacity();
    stats_.kept_bytes -= victim.capacity();
    stats_.kept_buffers--;
    stats_.freed++;
    out.push_back(std::move(victim));
    classes_[fullest].pop_back();
  }
  return true;
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
  std::vector<std::vector<std::vector<uint8_t>>> buffers;
  std::vector<void*> blocks;
  {
    std::lock_guard lock(mu_);
    for (auto& c : classes_) {
      buffers.push_back(std::move(c));
      c.clear();
    }
    std::fill(class_bytes_.begin(), class_bytes_.end(), 0);
    blocks.swap(blocks_);
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
