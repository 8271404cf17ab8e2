// The recorded-media service (http::MediaService): .mp4 (virtual, zero-copy ranges of the sample
// files), MPEG-TS and fMP4 for any range of a stream, and VOD HLS segments cut at key frames.
// Every body holds a retention lease on its recordings while it lives (storage::MediaPlan).
// Thumbnails of recorded frames come from app/thumbnails.h.
//
// Threading: every method blocks (SQLite, sample-file reads); thread-safe.
#ifndef NIGHTJAR_APP_MEDIA_H_
#define NIGHTJAR_APP_MEDIA_H_

#include "app/thumbnails.h"
#include "base/fs.h"
#include "http/services/media.h"
#include "storage/engine.h"
#include "storage/media_source.h"

namespace nightjar::app {

// The longest range one request may lay out (the layout is O(recordings): ~45,000 for 31 days).
inline constexpr Duration90k kMaxRange = Duration90k::FromSeconds(int64_t{31} * 86400);

class Media final : public http::MediaService {
 public:
  // `engine` and `fs` (the sample files are read through it) outlive the service.
  Media(storage::Engine& engine, Fs& fs, ThumbnailOptions thumbnails = {})
      : engine_(engine), fs_(fs), thumbnails_(engine, fs, thumbnails) {}

  Result<http::MediaBody> OpenMp4(std::string_view camera, std::string_view stream, Time90k from,
                                  Time90k to) override;
  Result<http::StreamBody> OpenTs(std::string_view camera, std::string_view stream, Time90k from,
                                  Time90k to) override;
  Result<std::vector<http::VodSegment>> VodSegments(std::string_view camera,
                                                    std::string_view stream, Time90k from,
                                                    Time90k to, int64_t target_90k) override;
  Result<http::StreamBody> OpenVodSegment(std::string_view camera, std::string_view stream,
                                          std::string_view id) override;
  Result<http::Fmp4Segment> OpenVodFmp4(std::string_view camera, std::string_view stream,
                                        std::string_view id, bool fragments,
                                        Time90k origin) override;
  Result<http::Thumbnail> OpenThumbnail(std::string_view camera, std::string_view stream, Time90k t,
                                        uint32_t width) override {
    return thumbnails_.Get(camera, stream, t, width);
  }

 private:
  // [from, to) of the stream, leased (the range bounded by kMaxRange).
  Result<storage::MediaPlan> PlanRange(std::string_view camera, std::string_view stream,
                                       Time90k from, Time90k to);
  // The plan of VOD segment `id`; kNotFound for ids that name no segment.
  Result<storage::MediaPlan> PlanSegment(int64_t stream_id, std::string_view id);

  storage::Engine& engine_;
  Fs& fs_;
  Thumbnails thumbnails_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_MEDIA_H_
