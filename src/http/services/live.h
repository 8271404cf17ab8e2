// The live resource: LL-HLS playlists, segments and parts, WebSocket live view and snapshots of
// each camera stream (also of cameras that are not recorded). Implemented by app::Live over the
// live module's in-memory buffers.
#ifndef NIGHTJAR_HTTP_SERVICES_LIVE_H_
#define NIGHTJAR_HTTP_SERVICES_LIVE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "http/body_source.h"

namespace nightjar::http {

// The live side of one camera stream (src/live behind it): LL-HLS and WebSocket live view and
// snapshots. Thread-safe; the methods do not block except SnapshotJpeg (decoding).
class LiveView {
 public:
  enum class Ready { kYes, kWait, kNever };
  virtual ~LiveView() = default;
  // The LL-HLS playlist; with `msn` (and `part`) only once that segment (part) exists
  // (RFC 8216bis §6.2.5.2): kWait until then, kNever when it is too far ahead. Without `msn`
  // once a segment is complete, or once a part is when `parts_suffice`.
  virtual Ready Playlist(std::optional<uint64_t> msn, std::optional<uint64_t> part,
                         bool parts_suffice, const std::string& query, std::string* out) = 0;
  virtual Ready Segment(uint64_t msn, std::vector<uint8_t>* out) = 0;
  virtual Ready Part(uint64_t msn, uint64_t part, std::vector<uint8_t>* out) = 0;
  // A change counter and a Waiter that wakes once it moves past `version`; read the version
  // before asking, so that nothing happening in between is missed.
  virtual uint64_t Version() = 0;
  virtual std::shared_ptr<Waiter> WaitChange(uint64_t version) = 0;
  // A WebSocket live feed from the latest key frame (live/live_feed.h for the messages).
  virtual std::shared_ptr<MessageFeed> Subscribe() = 0;
  // The latest key frame as a JPEG at most `max_width` wide (0: full size). kNotFound when the
  // stream has no frame (not connected yet); decoding errors as they come. Blocking.
  virtual Result<std::vector<uint8_t>> SnapshotJpeg(uint32_t max_width) = 0;
};

class LiveService {
 public:
  virtual ~LiveService() = default;
  // The live view of a camera stream. kNotFound for an unknown camera or stream. Thread-safe,
  // does not block.
  virtual Result<std::shared_ptr<LiveView>> Live(std::string_view camera,
                                                 std::string_view stream) = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_LIVE_H_
