#include "app/thumbnails.h"

#include "app/catalog.h"
#include "decode/snapshot.h"
#include "storage/media_source.h"

namespace nightjar::app {

// ---- ThumbnailCache --------------------------------------------------------------------------

ThumbnailCache::Jpeg ThumbnailCache::Get(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ThumbnailCache::Put(const Key& key, Jpeg jpeg) {
  if (!jpeg) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->second->size();
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += jpeg->size();
  lru_.emplace_front(key, std::move(jpeg));
  index_[key] = lru_.begin();
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

size_t ThumbnailCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t ThumbnailCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

// ---- Thumbnails ------------------------------------------------------------------------------

Result<http::Thumbnail> Thumbnails::Get(std::string_view camera, std::string_view stream, Time90k t,
                                        uint32_t width) {
  if (!stream.empty()) return FromStream(camera, stream, t, width);
  // The sub stream is smaller to read and to decode; the main stream when the sub stream does
  // not exist or recorded nothing at `t`.
  auto sub = FromStream(camera, "sub", t, width);
  if (sub || sub.error().code() != ErrorCode::kNotFound) return sub;
  return FromStream(camera, "main", t, width);
}

uint64_t Thumbnails::decodes() const {
  std::lock_guard lock(mu_);
  return decodes_;
}

bool Thumbnails::AcquireSlot() {
  std::unique_lock lock(mu_);
  if (!slot_freed_.wait_for(lock, options_.queue_wait,
                            [&] { return running_ < options_.max_decodes; })) {
    return false;
  }
  ++running_;
  ++decodes_;
  return true;
}

void Thumbnails::ReleaseSlot() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  slot_freed_.notify_one();
}

Result<http::Thumbnail> Thumbnails::FromStream(std::string_view camera, std::string_view stream,
                                               Time90k t, uint32_t width) {
  NJ_TRY(int64_t stream_id, StreamId(engine_, camera, stream));
  // The range [t, t + 1 tick) is planned from the key frame at or before t; leased, so retention
  // cannot delete the file before its frame is read.
  auto plan = storage::PlanRangeLeased(engine_, storage::EngineCatalog(engine_), fs_, stream_id, t,
                                       t + Duration90k(1));
  if (!plan && plan.error().code() == ErrorCode::kNotFound) {
    return Err(ErrorCode::kNotFound, "camera " + std::string(camera) + " recorded nothing on its " +
                                         std::string(stream) + " stream at " +
                                         FormatLocalDateTime(t));
  }
  if (!plan) return Err(plan.error());
  http::Thumbnail out;
  out.stream = std::string(stream);
  out.frame_time = plan->start - Duration90k(plan->video_skip_90k);
  out.growing = plan->growing();
  const ThumbnailCache::Key key{plan->recordings.front().composite_id,
                                plan->parts.front().first_frame, width};
  out.etag = "\"thumb-" + std::to_string(key.composite_id) + "-" + std::to_string(key.frame) + "-" +
             std::to_string(width) + "\"";
  out.jpeg = cache_.Get(key);
  if (out.jpeg) return out;

  // The plan's first video frame is the key frame.
  storage::FrameCursor cursor(*plan);
  storage::PlannedFrame frame;
  do {
    NJ_TRY(bool more, cursor.Next(&frame));
    if (!more) return Err(ErrorCode::kInternal, "thumbnail: the plan has no video frame");
  } while (frame.audio);
  const auto& segment = plan->mp4.segments[frame.segment];
  const mp4::SampleEntrySpec& entry = plan->mp4.video_entries[segment.video_entry];
  decode::SnapshotOptions o;
  o.max_width = width;
  o.quality = options_.quality;
  if (!AcquireSlot()) {
    return Err(ErrorCode::kAborted, "thumbnail: too many pictures being decoded; try again");
  }
  auto jpeg = decode::KeyFrameToJpeg(entry.codec, entry.config, frame.data, o);
  ReleaseSlot();
  if (!jpeg) return Err(jpeg.error());
  out.jpeg = std::make_shared<const std::vector<uint8_t>>(std::move(*jpeg));
  cache_.Put(key, out.jpeg);
  return out;
}

}  // namespace nightjar::app
