// Sequence and timestamp bookkeeping for one RTP stream (RFC 3550 §A.1): 16-bit sequence numbers
// and 32-bit timestamps unwrapped to 64 bits, and a bounded reorder buffer for UDP, where packets
// may arrive out of order or twice. Unwrapped values never leave rtsp/ in 32-bit form. I/O-free.
//
// Thread safety: one instance per stream, used from one thread.
#ifndef NIGHTJAR_RTSP_REORDER_H_
#define NIGHTJAR_RTSP_REORDER_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace nightjar::rtsp {

// Extends 32-bit RTP timestamps to 64 bits. The first value maps to itself; later values move by
// the signed 32-bit difference from the previous one, so wraps in either direction are followed.
class TimestampUnwrapper {
 public:
  int64_t Unwrap(uint32_t ts);
  std::optional<int64_t> last() const { return last_; }

 private:
  std::optional<int64_t> last_;
};

// Extends 16-bit sequence numbers the same way (no wrap ambiguity within ±32768 packets).
class SequenceUnwrapper {
 public:
  int64_t Unwrap(uint16_t seq);

 private:
  std::optional<int64_t> last_;
};

// Holds out-of-order packets until the gap before them fills, at most `capacity` packets. When the
// buffer is full the gap is declared lost and delivery skips past it. Duplicates and packets older
// than what was already delivered are dropped. Packets held are stored as owned copies; one in
// order with nothing held is not stored at all (TakeInOrder).
class ReorderBuffer {
 public:
  struct Packet {
    int64_t sequence;  // unwrapped
    std::vector<uint8_t> data;
    bool loss_before = false;  // set on delivery: sequence numbers were skipped before this one
  };

  explicit ReorderBuffer(size_t capacity = 64) : capacity_(capacity) {}

  // Adds a packet with unwrapped sequence number `sequence`. Returns false for a duplicate or a
  // packet that arrived too late (already skipped); it is dropped.
  bool Insert(int64_t sequence, std::vector<uint8_t> data);

  // Takes the next deliverable packet in order, if any: the expected one, or (when the buffer is
  // full) the oldest held one with loss_before set. The first packet ever taken sets where the
  // sequence starts. Call after each Insert until it returns nullopt: that keeps at most
  // `capacity` packets held.
  std::optional<Packet> Next();

  // Delivers everything held, in order, marking gaps (end of stream or a timeout).
  std::optional<Packet> Drain();

  // The common case without a copy: when nothing is held and `sequence` is the one expected
  // next (or the first ever), the packet counts as inserted and taken at once (no loss before
  // it) and true is returned; the caller delivers it from its own buffer. Otherwise false and
  // nothing changes: Insert it.
  bool TakeInOrder(int64_t sequence);

  uint64_t late_or_duplicate() const { return late_or_duplicate_; }
  uint64_t lost() const { return lost_; }

 private:
  size_t capacity_;
  std::optional<int64_t> next_;  // the sequence number expected next
  std::vector<Packet> held_;     // sorted by sequence
  uint64_t late_or_duplicate_ = 0, lost_ = 0;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_REORDER_H_
