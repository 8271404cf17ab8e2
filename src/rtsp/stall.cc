#include "rtsp/stall.h"

#include <algorithm>

namespace nightjar::rtsp {

void StallDetector::Start(Duration now) {
  started_ = now;
  last_packet_.reset();
  last_media_.reset();
  longest_.reset();
}

void StallDetector::OnMedia(Duration now) {
  last_packet_ = std::max(last_packet_.value_or(now), now);
  // The wait for the first access unit is not an interval of the stream.
  if (last_media_) longest_ = std::max(longest_.value_or(Duration(0)), now - *last_media_);
  last_media_ = now;
}

StallDetector::Duration StallDetector::Limit() const {
  if (!last_media_) return timeout_;
  const Duration scaled = std::max(kMinStall, kStallFactor * longest_.value_or(Duration(0)));
  return std::min(scaled, std::max(timeout_, kMinStall));
}

bool StallDetector::Stalled(Duration now) const {
  if (!started_) return false;
  return now - std::max(*started_, last_packet_.value_or(*started_)) > Limit();
}

}  // namespace nightjar::rtsp
