// Decode times for video received over RTP. RTP timestamps are presentation times (RFC 6184
// §5.1, RFC 7798 §4.1); with B-frames they are not monotonic in decode (arrival) order, but a
// recording needs monotonic decode times and composition offsets (ISO/IEC 14496-12 §8.6.1.3).
//
// With a reorder depth of D frames (H.264 max_num_reorder_frames, H.265
// sps_max_num_reorder_pics), frame k in decode order gets the (k-D)-th smallest presentation
// time, known once D more frames have arrived: monotonic, and never later than the frame's own
// presentation time. The first D frames are extrapolated backwards by the frame interval. Output
// is therefore delayed by D frames; D = 0 (no B-frames, most cameras) passes frames straight
// through. A stream that reorders deeper than it declared is clamped so decode times still
// increase and composition offsets stay >= 0.
//
// I/O-free. Thread-compatible; one per video track.
#ifndef NIGHTJAR_INGEST_DECODE_TIME_H_
#define NIGHTJAR_INGEST_DECODE_TIME_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <vector>

namespace nightjar::ingest {

template <typename T>
class DecodeTimeAssigner {
 public:
  struct Out {
    T item;
    int64_t dts;
    int32_t cto;  // pts - dts >= 0
  };

  // Presentation times further than this from the previous frame's are a discontinuity.
  static constexpr int64_t kMaxReorderSpan = 90000;  // 1 s at 90 kHz

  explicit DecodeTimeAssigner(uint32_t reorder_depth = 0) : depth_(reorder_depth) {}

  uint32_t depth() const { return depth_; }

  // Takes the next frame in decode order with presentation time `pts`; appends the frames whose
  // decode time is now known to `out`.
  void Push(T item, int64_t pts, std::vector<Out>& out) {
    const int64_t newest = pending_.empty() ? (last_dts_ ? *last_dts_ : pts) : pending_.back().pts;
    if (pts < newest - kMaxReorderSpan || pts > newest + kMaxReorderSpan) {
      // A timestamp jump, not reordering: settle the old timeline and start a new one (the
      // recorder sees the jump and ends the run there).
      Flush(out);
      Reset();
    }
    if (depth_ == 0) {  // nothing to wait for: no queue, heap or minima (most cameras)
      ++emitted_;
      Emit(std::move(item), pts, pts, out);
      return;
    }
    pending_.push_back({std::move(item), pts});
    pts_heap_.push(pts);
    while (pending_.size() > depth_) Pop(out);
  }

  // Emits everything held (end of stream).
  void Flush(std::vector<Out>& out) {
    while (!pending_.empty()) Pop(out);
  }

  // Forgets everything held (a gap: what follows is not continuous with it).
  void Reset() {
    pending_.clear();
    pts_heap_ = {};
    minima_.clear();
    emitted_ = 0;
    step_.reset();
    last_dts_.reset();
  }

 private:
  struct Held {
    T item;
    int64_t pts;
  };

  void Pop(std::vector<Out>& out) {
    const int64_t smallest = pts_heap_.top();
    pts_heap_.pop();
    minima_.push_back(smallest);
    Held h = std::move(pending_.front());
    pending_.pop_front();
    int64_t dts;
    if (emitted_ < depth_) {
      // Before the first presentation time: one frame interval per frame still to come.
      if (!step_) step_ = pts_heap_.empty() ? 1 : std::max<int64_t>(1, pts_heap_.top() - smallest);
      dts = minima_.front() - static_cast<int64_t>(depth_ - emitted_) * *step_;
    } else {
      dts = minima_.front();
      minima_.pop_front();
    }
    ++emitted_;
    Emit(std::move(h.item), h.pts, dts, out);
  }

  void Emit(T item, int64_t pts, int64_t dts, std::vector<Out>& out) {
    if (dts > pts) dts = pts;                                  // deeper than declared
    if (last_dts_ && dts <= *last_dts_) dts = *last_dts_ + 1;  // keep decode times increasing
    last_dts_ = dts;
    const int64_t cto = pts - dts;
    out.push_back({std::move(item), dts, static_cast<int32_t>(cto > 0 ? cto : 0)});
  }

  uint32_t depth_;
  std::deque<Held> pending_;
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> pts_heap_;
  std::deque<int64_t> minima_;  // smallest presentation times, in order, not yet used
  uint64_t emitted_ = 0;
  std::optional<int64_t> step_;
  std::optional<int64_t> last_dts_;
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_DECODE_TIME_H_
