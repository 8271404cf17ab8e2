#include "rtsp/reorder.h"

#include <algorithm>
#include <utility>

namespace nightjar::rtsp {

int64_t TimestampUnwrapper::Unwrap(uint32_t ts) {
  if (!last_) {
    last_ = ts;
  } else {
    // The signed 32-bit distance from the previous value (two's complement wraps both ways).
    *last_ += static_cast<int32_t>(ts - static_cast<uint32_t>(*last_));
  }
  return *last_;
}

int64_t SequenceUnwrapper::Unwrap(uint16_t seq) {
  if (!last_) {
    last_ = seq;
  } else {
    *last_ += static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(*last_)));
  }
  return *last_;
}

bool ReorderBuffer::Insert(int64_t sequence, std::vector<uint8_t> data) {
  if (next_ && sequence < *next_) {
    ++late_or_duplicate_;
    return false;
  }
  auto it = std::lower_bound(held_.begin(), held_.end(), sequence,
                             [](const Packet& p, int64_t s) { return p.sequence < s; });
  if (it != held_.end() && it->sequence == sequence) {
    ++late_or_duplicate_;
    return false;
  }
  held_.insert(it, Packet{sequence, std::move(data), false});
  return true;
}

bool ReorderBuffer::TakeInOrder(int64_t sequence) {
  if (!held_.empty() || (next_ && sequence != *next_)) return false;
  next_ = sequence + 1;
  return true;
}

std::optional<ReorderBuffer::Packet> ReorderBuffer::Next() {
  if (held_.empty()) return std::nullopt;
  // The first packet ever defines where the sequence starts; later, wait for the gap to fill
  // unless the buffer is full.
  if (next_ && held_.front().sequence != *next_ && held_.size() < capacity_) return std::nullopt;
  return Drain();
}

std::optional<ReorderBuffer::Packet> ReorderBuffer::Drain() {
  if (held_.empty()) return std::nullopt;
  Packet p = std::move(held_.front());
  held_.erase(held_.begin());
  if (next_ && p.sequence != *next_) {
    p.loss_before = true;
    lost_ += static_cast<uint64_t>(p.sequence - *next_);
  }
  next_ = p.sequence + 1;
  return p;
}

}  // namespace nightjar::rtsp
