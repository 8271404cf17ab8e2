// What the HTTP API needs from the running daemon, as plain data: cameras and their live stream
// statistics, camera management, storage status, recording listings and counters for /metrics.
//
// The daemon (src/cli, which sees ingest, storage and db) implements Backend; http sees only
// these structs, so it never includes rtsp, ingest or db (CONVENTIONS.md). Tests use a fake.
//
// Threading: every method may block (SQLite, statfs, stopping a camera's streams); the server
// calls them only on its blocking pool, possibly from several threads at once, so an
// implementation must be thread-safe. Errors map to statuses by http::FromError: kInvalidArgument
// -> 400, kNotFound -> 404, kAlreadyExists -> 409, anything unexpected -> 500.
#ifndef NIGHTJAR_HTTP_BACKEND_H_
#define NIGHTJAR_HTTP_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/time.h"
#include "http/body_source.h"

namespace nightjar::http {

// One camera stream's ingest state (ingest::StreamStats, reduced).
struct StreamInfo {
  std::string kind;   // "main" or "sub"
  std::string url;    // with any password already replaced by "***" (RedactUrl)
  std::string state;  // "connecting", "streaming", "backoff", "failed", "stopped"
  Time90k since;      // wall time the state began
  double fps = 0;     // over the last few seconds
  double bitrate_bps = 0;
  uint64_t frames = 0;  // video access units received since start
  uint64_t bytes = 0;   // access-unit bytes received since start
  uint64_t reconnects = 0;
  uint64_t frames_recorded = 0;
  uint64_t frames_shed = 0;
  std::string last_error;  // empty when none
  std::optional<Time90k> last_error_at;
  std::string video_codec;  // RFC 6381, e.g. "avc1.64001f"; empty before the first key frame
  uint32_t width = 0, height = 0;
};

struct CameraInfo {
  std::string id;    // "cam1"
  std::string name;  // display name
  bool record = true;
  bool audio = true;
  bool from_config = false;  // defined in the config file (read-only through the API)
  std::string transport;     // "tcp" or "udp"
  std::optional<int64_t> retain_bytes;
  std::optional<int64_t> retain_days;
  int max_reconnect_attempts = 0;  // 0: forever
  std::vector<StreamInfo> streams;
};

// A camera to add, as POST /api/cameras describes it (already type-checked by the handler;
// the backend validates meaning: a unique id, a usable URL, and so on).
struct CameraSpec {
  std::string id;
  std::string name;  // defaults to the id when absent
  std::string url;
  std::optional<std::string> sub_url;
  std::optional<std::string> username, password;  // override credentials in the URLs
  std::string transport = "tcp";
  bool record = true;
  bool audio = true;  // record the camera's audio track, if it has one
  std::optional<int64_t> retain_bytes;
  std::optional<int64_t> retain_days;
  int max_reconnect_attempts = 0;
};

struct StorageDirInfo {
  std::string path;
  uint64_t used_bytes = 0;                          // sample-file bytes of recordings stored here
  std::optional<uint64_t> free_bytes, total_bytes;  // nullopt when the file system is missing
  std::string error;                                // why free/total are unknown
};

struct StreamStorageInfo {
  std::string camera;  // camera id
  std::string kind;    // "main" / "sub"
  int64_t recordings = 0;
  uint64_t bytes = 0;
  std::optional<int64_t> retain_bytes;  // the stream's budget
  std::optional<Time90k> oldest_start, newest_end;
};

struct StorageStatus {
  std::string data_dir;
  std::vector<StorageDirInfo> dirs;
  std::vector<StreamStorageInfo> streams;
};

struct RecordingInfo {
  std::string id;  // "<stream id>/<recording id>", as `nightjar list` prints it
  Time90k start, end;
  uint64_t bytes = 0;
  int64_t frames = 0;
  int64_t key_frames = 0;
  std::string codec;  // RFC 6381
  uint32_t width = 0, height = 0;
  bool growing = false;  // still being written
};

// Recordings recorded back to back from one connection form a run; gaps lie between runs.
struct RunInfo {
  Time90k start, end;
  int64_t recordings = 0;
};

struct RecordingList {
  std::string camera;
  std::string stream;                     // "main" / "sub"
  std::vector<RecordingInfo> recordings;  // by start
  std::vector<RunInfo> runs;              // by start
};

// Monotonic counters that only the daemon keeps.
struct Counters {
  uint64_t retention_deleted_recordings = 0;
  uint64_t retention_deleted_bytes = 0;
};

// A time range of a stream as a file served piecewise (a virtual .mp4).
struct MediaBody {
  std::shared_ptr<BodySource> source;  // holds whatever the bytes need (e.g. a retention lease)
  std::string content_type;            // "video/mp4"
  std::string filename;                // for Content-Disposition: "cam1-20260219T140000.mp4"
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

class Backend {
 public:
  virtual ~Backend() = default;

  virtual Result<std::vector<CameraInfo>> ListCameras() = 0;
  // kInvalidArgument (message says which field) or kAlreadyExists for a taken id. The camera is
  // recording (or connecting) and persisted when this returns.
  virtual Result<void> AddCamera(const CameraSpec& spec) = 0;
  // Stops the camera's streams and forgets it; its recordings stay (retention removes them).
  // kNotFound for an unknown id.
  virtual Result<void> RemoveCamera(std::string_view id) = 0;
  // Changes camera `id`: `change` edits a copy of its whole current configuration (credentials
  // included; never sent to clients) while the backend holds its camera lock, so concurrent
  // changes apply one after the other, each on the result of the last; an error from `change`
  // aborts with that error. The result is validated as AddCamera and persisted. Settings that
  // need no new connection (name, retention) apply in place; changed URLs, credentials,
  // transport, audio, recording or reconnect policy restart the camera's streams, and the result
  // says so (true). kNotFound for an unknown id; kFailedPrecondition for a camera from the config
  // file (the file is its source of truth).
  using CameraChange = std::function<Result<void>(CameraSpec&)>;
  virtual Result<bool> UpdateCamera(std::string_view id, const CameraChange& change) = 0;
  virtual Result<StorageStatus> Storage() = 0;
  // Recordings of one stream overlapping [from, to) (absent bounds: unbounded).
  // kNotFound for an unknown camera or a stream it lacks.
  virtual Result<RecordingList> ListRecordings(std::string_view camera, std::string_view stream,
                                               std::optional<Time90k> from,
                                               std::optional<Time90k> to) = 0;
  // The [start, end) of every recording of one stream, by start (for the days with recordings).
  // kNotFound as ListRecordings.
  virtual Result<std::vector<std::pair<Time90k, Time90k>>> RecordingSpans(
      std::string_view camera, std::string_view stream) = 0;
  virtual Result<Counters> GetCounters() = 0;
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
  // The live view of a camera stream (also for cameras that are not recorded). kNotFound for an
  // unknown camera or stream.
  virtual Result<std::shared_ptr<LiveView>> Live(std::string_view camera,
                                                 std::string_view stream) = 0;
};

// "rtsp://user:secret@host/x" -> "rtsp://user:***@host/x"; URLs without a password unchanged.
std::string RedactUrl(std::string_view url);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_BACKEND_H_
