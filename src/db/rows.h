// Plain values mirroring the rows of the database tables (docs/schema.md §Tables).
//
// This module owns the C++ shape of each row and the small helpers that belong to the row formats
// (composite ids, sample file names, the recording flag bits, enum <-> text). Times are Time90k /
// Duration90k where the column is *_90k; retain_secs stays whole seconds like its column. The
// structs carry no behaviour and no SQLite types; Database (database.h) reads and writes them.
//
// Thread safety: plain values.
#ifndef NIGHTJAR_DB_ROWS_H_
#define NIGHTJAR_DB_ROWS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/time.h"

namespace nightjar::db {

using Uuid = std::array<uint8_t, 16>;
using Sha256 = std::array<uint8_t, 32>;

// The integrity hash of a sample file (column recording.sample_file_blake2b, docs/schema.md
// §Sample-file hashes). The algorithm is kept with each recording's digest, so files hashed before
// the default changed still check.
enum class HashAlgorithm : uint8_t {
  kBlake2b256 = 0,  // libsodium crypto_generichash, 32 bytes: recordings made before XXH3
  kXxh3_128 = 1,    // xxHash XXH3-128 (canonical, big-endian), 16 bytes: the default
};
struct SampleFileHash {
  HashAlgorithm algorithm = HashAlgorithm::kXxh3_128;
  std::array<uint8_t, 32> bytes{};  // the digest, then zeros
  uint8_t size = 0;                 // of the digest: 32 (BLAKE2b-256) or 16 (XXH3-128)

  std::span<const uint8_t> digest() const { return std::span(bytes).first(size); }
  bool operator==(const SampleFileHash&) const = default;
};
// Builds one from a digest of at most 32 bytes (the rest is cut).
SampleFileHash MakeSampleFileHash(HashAlgorithm algorithm, std::span<const uint8_t> digest);
// The stored blob: a BLAKE2b-256 digest alone (32 bytes, as recordings always stored it); any
// other algorithm one byte of its HashAlgorithm value, then the digest (XXH3-128: 17 bytes).
std::vector<uint8_t> EncodeSampleFileHash(const SampleFileHash& hash);
// kMalformed for a blob of no known form.
Result<SampleFileHash> DecodeSampleFileHash(std::span<const uint8_t> blob);
std::string_view HashAlgorithmName(HashAlgorithm algorithm);  // "BLAKE2b-256", "XXH3-128"

// 32 lower-case hex digits, as in a sample-file directory's `meta` file.
std::string UuidToHex(const Uuid& uuid);

// One read-write open of the database (table `open`).
struct OpenRow {
  int64_t id = 0;
  Uuid uuid{};
  Time90k start;
  std::optional<Time90k> end;  // set on clean shutdown
};

struct SampleFileDirRow {
  int64_t id = 0;
  std::string path;
  Uuid uuid{};
  int64_t min_free_bytes = 0;
};

struct CameraRow {
  int64_t id = 0;
  std::string short_name;  // "cam1": the id users and the API use
  std::string name;
  std::string config_json = "{}";
  bool from_api = false;
};

enum class StreamKind { kMain, kSub };
std::string_view StreamKindName(StreamKind kind);  // "main", "sub"
Result<StreamKind> ParseStreamKind(std::string_view text);

struct StreamRow {
  int64_t id = 0;
  int64_t camera_id = 0;
  StreamKind kind = StreamKind::kMain;
  std::optional<int64_t> sample_file_dir_id;
  bool record = true;
  int64_t retain_bytes = 0;            // 0: no recordings kept
  std::optional<int64_t> retain_secs;  // whole seconds; empty: no age limit
  int64_t next_recording_id = 1;       // maintained by Database::InsertRecording; read-only
};

enum class SampleEntryKind { kVideo, kAudio };
std::string_view SampleEntryKindName(SampleEntryKind kind);  // "video", "audio"
Result<SampleEntryKind> ParseSampleEntryKind(std::string_view text);

struct SampleEntryRow {
  int64_t id = 0;
  SampleEntryKind kind = SampleEntryKind::kVideo;
  std::string codec;                     // RFC 6381: "avc1.640028", "mp4a.40.2"; "ulaw", "alaw"
  std::vector<uint8_t> config;           // avcC / hvcC payload, AudioSpecificConfig, or empty
  std::optional<int64_t> width, height;  // video
  std::optional<int64_t> sample_rate, channels;  // audio
  Sha256 sha256{};  // deduplication key; computed by Database::InsertOrGetSampleEntry
};

// ---- Recordings -------------------------------------------------------------------------------

enum class RecordingState { kWriting = 0, kWritten = 1, kDeleting = 2 };
std::string_view RecordingStateName(RecordingState state);  // "WRITING", ...

// recording.flags bits.
inline constexpr int64_t kRecordingProtected = 1;  // retention must not delete it
inline constexpr int64_t kRecordingRunEnd = 2;     // the run ended with this recording
inline constexpr int64_t kRecordingHasCto = 4;     // video_index has composition offsets
inline constexpr int64_t kRecordingKnownFlags = 7;

// The longest wall duration a recording may have. Recordings are about a minute long; the bound
// lets ListRecordings find recordings overlapping a time range with an index range scan on
// start_90k (start > from - kMaxRecordingDuration). Database refuses longer recordings.
inline constexpr Duration90k kMaxRecordingDuration = Duration90k(10 * kTicksPerMinute);

// composite_id = stream_id << 32 | recording_id (docs/schema.md §Recording ids).
constexpr int64_t CompositeId(int64_t stream_id, int64_t recording_id) {
  return stream_id << 32 | recording_id;
}
constexpr int64_t StreamIdOf(int64_t composite_id) { return composite_id >> 32; }
constexpr int64_t RecordingIdOf(int64_t composite_id) { return composite_id & 0xffffffff; }
// The sample file's name: the composite id as 16 lower-case hex digits, "0000000100000017".
std::string SampleFileName(int64_t composite_id);

struct RecordingRow {
  int64_t composite_id = 0;
  int64_t stream_id = 0;
  int64_t open_id = 0;
  RecordingState state = RecordingState::kWriting;
  int64_t flags = 0;         // kRecording* bits
  int64_t run_start_id = 0;  // composite_id of the first recording of its run
  Time90k start;             // wall time of the first sample
  Duration90k wall_duration;
  Duration90k media_duration;  // camera clock
  int64_t video_samples = 0;
  int64_t video_sync_samples = 0;
  int64_t audio_samples = 0;
  int64_t sample_file_bytes = 0;
  int64_t video_sample_entry_id = 0;
  std::optional<int64_t> audio_sample_entry_id;
  std::optional<SampleFileHash> sample_file_hash;  // set when WRITTEN

  Time90k end() const { return start + wall_duration; }
};

struct RecordingIndexRow {
  int64_t composite_id = 0;
  std::vector<uint8_t> video_index;                 // video_index.h
  std::optional<std::vector<uint8_t>> audio_index;  // empty without audio
  std::optional<std::vector<uint8_t>> chunk_index;  // empty without audio
};

// A checkpoint or close of one WRITING recording (docs/schema.md §Recording lifecycle): the new
// totals and indexes, all describing bytes already made durable in the sample file.
struct RecordingUpdate {
  int64_t composite_id = 0;
  int64_t flags = 0;
  Duration90k wall_duration;
  Duration90k media_duration;
  int64_t video_samples = 0;
  int64_t video_sync_samples = 0;
  int64_t audio_samples = 0;
  int64_t sample_file_bytes = 0;
  std::vector<uint8_t> video_index;
  std::optional<std::vector<uint8_t>> audio_index;
  std::optional<std::vector<uint8_t>> chunk_index;
  // Set when the recording is closed: the row becomes WRITTEN with this hash of the file.
  std::optional<SampleFileHash> written_hash;
};

// Aggregates over all of a stream's recording rows, whatever their state.
struct StreamUsage {
  int64_t recordings = 0;
  int64_t sample_file_bytes = 0;
  std::optional<Time90k> oldest_start;  // empty without recordings
  std::optional<Time90k> newest_end;
};

// ---- Events, users, sessions ------------------------------------------------------------------

struct EventRow {
  int64_t id = 0;
  int64_t camera_id = 0;
  Time90k start;
  Time90k end;       // >= start; equal for an instant
  std::string kind;  // "motion", "manual", ...
  bool is_protected = false;
  std::string data_json = "{}";
};

// A half-open span of wall time [start, end).
struct TimeRange {
  Time90k start;
  Time90k end;
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

// Schema version 3 renamed 'user' to 'operator' (docs/schema.md §Migration 3).
enum class UserRole { kAdmin, kOperator, kViewer };
std::string_view UserRoleName(UserRole role);  // "admin", "operator", "viewer"
Result<UserRole> ParseUserRole(std::string_view text);

struct UserRow {
  int64_t id = 0;
  std::string username;
  std::optional<std::string> password_hash;  // crypto_pwhash_str output; empty: cannot log in
  UserRole role = UserRole::kViewer;
  Time90k created;
  // TOTP (RFC 6238): the secret sealed with config::SecretBox; pending while enrolment waits
  // for its first code; the last accepted time step (a code is never accepted twice).
  std::optional<std::string> totp_secret, totp_pending;
  int64_t totp_last_step = 0;
};

// Rights of a user on one camera (bit set): docs/schema.md table user_camera.
inline constexpr uint32_t kRightLive = 1, kRightRecordings = 2, kRightExport = 4, kRightPtz = 8;
inline constexpr uint32_t kAllRights = 15;
struct CameraGrantRow {
  int64_t user_id = 0;
  std::string camera;  // the camera's short name
  uint32_t rights = 0;
};

struct SessionRow {
  int64_t id = 0;
  int64_t user_id = 0;
  Sha256 token_sha256{};  // the token itself is never stored
  Time90k created;
  Time90k expires;         // absolute
  Time90k last_seen;       // set to created on insert
  int64_t idle_secs = 0;   // ends after this long unused; 0: no idle limit
  std::string source;      // client address at sign-in
  std::string user_agent;  // at sign-in, truncated
};

struct ApiKeyRow {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  Sha256 token_sha256{};
  UserRole role = UserRole::kViewer;                // at most the user's (checked at use)
  std::optional<std::vector<std::string>> cameras;  // limited to these; nullopt: no limit
  Time90k created;
  std::optional<Time90k> expires, last_used;
};

struct AuditRow {
  int64_t id = 0;
  Time90k time;
  std::string actor;   // username, "key:<name>", "cli", "system"
  std::string source;  // client address, "cli", ""
  std::string action;  // "login", "login_failed", "user_add", ...
  std::string target;
  std::string details_json = "{}";
};
struct AuditQuery {
  std::optional<Time90k> from, to;   // [from, to)
  std::string action;                // empty: any
  std::optional<int64_t> before_id;  // paging: entries with smaller ids
  int64_t limit = 100;
};

// Recordings listed by start, grouped into runs: consecutive recordings sharing a run_start_id
// were recorded back to back from one connection (docs/schema.md). The one grouping of
// `nightjar list` and the API. Runs are by start; each spans its recordings' [start, end).
struct RunSpan {
  size_t first = 0;  // index of its first recording
  size_t count = 0;
  Time90k start, end;
};
std::vector<RunSpan> GroupRuns(const std::vector<RecordingRow>& recordings);

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_ROWS_H_
