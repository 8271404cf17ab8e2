// Thumbnails of recorded video (GET /api/cameras/{id}/thumbnail.jpg): the key frame at or before
// a time, decoded and scaled to a small JPEG by src/decode, kept in a byte-bounded LRU cache.
//
// Why key frames and not the exact frame: a thumbnail follows a pointer hovering over the
// timeline. The key frame needs one decode; the exact frame needs the GOP decoded up to it.
// Measured on the project's 2-core test box (loaded; libavcodec on one thread): ~5.5 ms per 1080p
// frame and ~1.8 ms per 704x480 frame, so ~165 ms on average to reach a frame in the middle of a
// 2 s GOP at 30 fps, against 8-11 ms for a whole cold thumbnail request (plan, read, key frame
// decode, scale, JPEG) and 1.5 ms for a cached one. A key frame is at most one GOP (typically
// 1-4 s) before the time asked; the player seeks to the exact frame.
//
// Cost bounds: the cache holds at most ThumbnailOptions::cache_bytes of JPEG; at most
// max_decodes decodes run at once, a request waits up to queue_wait for a slot and then fails
// with kAborted (the handler answers 503 with Retry-After), so a storm of hovers cannot take
// every core.
//
// Threading: thread-safe; Get blocks (SQLite, one sample-file read, decoding).
#ifndef NIGHTJAR_APP_THUMBNAILS_H_
#define NIGHTJAR_APP_THUMBNAILS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "base/fs.h"
#include "http/services/media.h"
#include "storage/engine.h"

namespace nightjar::app {

struct ThumbnailOptions {
  size_t cache_bytes = size_t{16} << 20;  // ~3,000 thumbnails of 160 px
  int max_decodes = 2;
  std::chrono::milliseconds queue_wait{500};
  int quality = 5;  // JPEG quantizer scale (decode::SnapshotOptions::quality)
};

// A least-recently-used map from a stored frame (and width) to its JPEG, bounded in bytes.
// Thread-safe.
class ThumbnailCache {
 public:
  struct Key {
    int64_t composite_id = 0;  // the recording (its stream is part of the id)
    int64_t frame = 0;         // index of the key frame in the recording
    uint32_t width = 0;
    auto operator<=>(const Key&) const = default;
  };
  using Jpeg = std::shared_ptr<const std::vector<uint8_t>>;

  explicit ThumbnailCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  // The entry (now the most recently used), or null.
  Jpeg Get(const Key& key);
  // Adds or replaces an entry, then evicts the least recently used ones until the total fits
  // (an entry larger than the bound is not kept).
  void Put(const Key& key, Jpeg jpeg);
  size_t bytes() const;
  size_t size() const;

 private:
  using Lru = std::list<std::pair<Key, Jpeg>>;  // most recently used first
  const size_t max_bytes_;
  mutable std::mutex mu_;
  Lru lru_;
  std::map<Key, Lru::iterator> index_;
  size_t bytes_ = 0;
};

class Thumbnails {
 public:
  // `engine` and `fs` outlive the service.
  Thumbnails(storage::Engine& engine, Fs& fs, ThumbnailOptions options = {})
      : engine_(engine), fs_(fs), options_(options), cache_(options.cache_bytes) {}

  // As http::MediaService::OpenThumbnail.
  Result<http::Thumbnail> Get(std::string_view camera, std::string_view stream, Time90k t,
                              uint32_t width);

  const ThumbnailCache& cache() const { return cache_; }
  // Decodes run so far (cache misses that decoded), for tests and metrics.
  uint64_t decodes() const;

 private:
  Result<http::Thumbnail> FromStream(std::string_view camera, std::string_view stream, Time90k t,
                                     uint32_t width);
  // Waits up to queue_wait for a decode slot: false when none came.
  bool AcquireSlot();
  void ReleaseSlot();

  storage::Engine& engine_;
  Fs& fs_;
  const ThumbnailOptions options_;
  ThumbnailCache cache_;
  mutable std::mutex mu_;
  std::condition_variable slot_freed_;
  int running_ = 0;  // decodes holding a slot
  uint64_t decodes_ = 0;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_THUMBNAILS_H_
