// The recorded-media resource: any time range of a stream as .mp4, MPEG-TS or VOD HLS segments
// (/api/export, view.mp4, vod.m3u8 and its segments). Implemented by app::Media over the
// storage engine; bodies are read lazily from the sample files under a retention lease.
//
// Threading: methods block (SQLite, sample-file reads); called on the server's blocking pool;
// thread-safe. Errors as http::FromError maps them.
#ifndef NIGHTJAR_HTTP_SERVICES_MEDIA_H_
#define NIGHTJAR_HTTP_SERVICES_MEDIA_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/time.h"
#include "http/body_source.h"

namespace nightjar::http {

// A time range of a stream as a file served piecewise (a virtual .mp4).
struct MediaBody {
  std::shared_ptr<BodySource> source;  // holds whatever the bytes need (e.g. a retention lease)
  std::string content_type;            // "video/mp4"
  std::string filename;                // for Content-Disposition: "cam1-20260219T140000.mp4"
  // Wall time at presentation time 0: the start of the frame containing `from` (up to one
  // frame before it), or the first recorded frame after it.
  Time90k start;
};

// A body of unknown length (an MPEG-TS export or VOD segment, muxed as it is sent).
struct StreamBody {
  std::shared_ptr<StreamSource> stream;  // holds what the bytes need (e.g. a retention lease)
  std::string content_type;              // "video/mp2t"
  std::string filename;                  // "cam1-20260219T140000.ts"
  bool growing = false;  // of a recording still being written: may differ if asked again
};

// One segment of a VOD HLS playlist. `id` is opaque to clients (it names the recording and its
// frames); segments start at key frames and follow one another in time.
struct VodSegment {
  std::string id;
  Time90k start;
  int64_t duration_90k = 0;
  bool discontinuity = false;  // a gap (or a new run) precedes it
};

// One VOD segment as fragmented MP4: the init segment for its sample entries, and (when asked
// for) its fragments, one moof + mdat per GOP.
struct Fmp4Segment {
  std::vector<uint8_t> init;
  std::vector<uint8_t> fragments;
  std::string codecs;  // RFC 6381, comma-separated: "avc1.640028,mp4a.40.2"
  // The recording is still being written: the last segment's audio tail and the wall-clock
  // placement may still change at its next checkpoint (no caching, no strong ETag).
  bool growing = false;
};

// A recorded frame as a small JPEG (GET /api/cameras/{id}/thumbnail.jpg): the key frame at or
// before the asked time, scaled. The bytes are shared with the service's cache (never changed).
struct Thumbnail {
  std::shared_ptr<const std::vector<uint8_t>> jpeg;
  std::string stream;  // "main" or "sub": the stream the frame is from
  Time90k frame_time;  // wall time of the frame shown
  // Strong, quoted entity tag naming the stored frame and the width: a recorded frame never
  // changes, so neither do these bytes.
  std::string etag;
  // The recording is still being written: the wall-clock placement of its frames may still move
  // a little at its next checkpoint, so the frame answering the same time may change.
  bool growing = false;
};

class MediaService {
 public:
  virtual ~MediaService() = default;
  // [from, to) of a camera stream as an .mp4 built on demand (frame-accurate start via an edit
  // list; recordings across runs back to back). kNotFound: unknown camera or stream, or nothing
  // recorded in the range; kInvalidArgument: from >= to or a range over the limit.
  virtual Result<MediaBody> OpenMp4(std::string_view camera, std::string_view stream, Time90k from,
                                    Time90k to) = 0;
  // The same range as MPEG-TS (H.264/H.265 + AAC), muxed while it is sent.
  virtual Result<StreamBody> OpenTs(std::string_view camera, std::string_view stream, Time90k from,
                                    Time90k to) = 0;
  // [from, to) cut into VOD HLS segments of about `target_90k` (at key frames), and one of
  // them as MPEG-TS. kNotFound as OpenMp4, and for an id that names nothing (any more).
  virtual Result<std::vector<VodSegment>> VodSegments(std::string_view camera,
                                                      std::string_view stream, Time90k from,
                                                      Time90k to, int64_t target_90k) = 0;
  virtual Result<StreamBody> OpenVodSegment(std::string_view camera, std::string_view stream,
                                            std::string_view id) = 0;
  // The same segment as fMP4; the fragments only when `fragments` (the init segment alone reads
  // no sample data). Decode times count from the wall time `origin` (the playlist's start, so
  // that an MSE player's timeline begins near 0; 0 = the Unix epoch), never below 0.
  // kUnsupported for a video codec fMP4 cannot carry.
  virtual Result<Fmp4Segment> OpenVodFmp4(std::string_view camera, std::string_view stream,
                                          std::string_view id, bool fragments, Time90k origin) = 0;
  // The key frame at or before `t` of a camera stream ("main", "sub"; "" = the sub stream when it
  // has a recording at `t`, else the main stream) as a JPEG at most `width` wide. kNotFound:
  // unknown camera or stream, or nothing recorded at `t`; kAborted: too many decodes running
  // (try again shortly); decoding errors as decode::KeyFrameToJpeg returns them. Blocking.
  virtual Result<Thumbnail> OpenThumbnail(std::string_view camera, std::string_view stream,
                                          Time90k t, uint32_t width) = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_SERVICES_MEDIA_H_
