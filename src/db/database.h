// The Nightjar database: every read and write of nightjar.db.
//
// This module owns the database file (docs/schema.md): opening it (creating and migrating it, WAL
// mode, the `open` row of each read-write process), and the queries of every table, each write in
// one transaction so the lifecycle invariants of docs/schema.md §Recording lifecycle hold after a
// crash at any point. SQLite itself stays behind this interface.
//
// Threading contract: a Database is used by one thread at a time — in `nightjar run`, the storage
// engine's DB thread; nothing here locks. Read-only CLI commands open their own Database with
// OpenMode::kReadOnly, which works while another process writes (WAL); other processes' commits
// become visible at the next call. Waiting for another process's write lock is bounded by
// kBusyTimeoutMillis (then kTimeout).
//
// Failure modes common to all calls: SQLite errors are converted (sqlite.h: kTimeout for a lock
// held too long, kNoSpace, kIo, kMalformed for a damaged file), with the SQL in the message; every
// write fails with kFailedPrecondition on a read-only Database; a failed write changes nothing.
// Lookups of a missing id or name fail with kNotFound; inserting a duplicate unique value
// (short_name, path, username, ...) with kAlreadyExists; a reference to a missing row with
// kFailedPrecondition (foreign key).
#ifndef NIGHTJAR_DB_DATABASE_H_
#define NIGHTJAR_DB_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/time.h"
#include "db/rows.h"

namespace nightjar::db {

class Connection;

enum class OpenMode {
  kCreate,     // read-write; creates and initializes the file if missing
  kReadWrite,  // read-write; the file must exist and be a Nightjar database
  kReadOnly,   // SQLITE_OPEN_READONLY; the file must exist; never modifies it
  // Read-write for small offline edits (`nightjar user ...`) that may run while `nightjar run`
  // uses the database: creates and migrates like kCreate but records no `open` row (that row
  // stands for a recording process; open_id() is 0).
  kEdit,
};

class Database {
 public:
  // Opens `path`. A read-write open applies any pending migrations (schema.h), creates the `meta`
  // row with a random uuid on a new database, and inserts an `open` row (random uuid, start =
  // clock.Now()) identifying this process's session. `clock` must outlive the Database.
  // Fails with kNotFound for a missing file (kReadWrite, kReadOnly) or directory; with
  // kFailedPrecondition for a database newer than this binary (see schema.h), one that is not a
  // Nightjar database, or (kReadOnly) one that needs a migration first.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, OpenMode mode,
                                                Clock& clock);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The database's identity (table `meta`), checked against each sample-file dir's `meta` file.
  const Uuid& uuid() const { return uuid_; }
  // This process's `open` row id (recording.open_id); 0 when read-only.
  int64_t open_id() const { return open_id_; }
  bool read_only() const { return read_only_; }

  // Records a clean shutdown: sets this process's open.end_90k to clock.Now().
  Result<void> MarkCleanShutdown();
  // All `open` rows, oldest first (for `nightjar check` and startup diagnostics).
  Result<std::vector<OpenRow>> ListOpens();

  // For `nightjar check`: schema.h VerifySchema and CheckIntegrity on this database.
  Result<void> VerifySchema();
  Result<void> CheckIntegrity();

  // ---- Sample-file directories (dirs.cc) ----
  Result<int64_t> AddSampleFileDir(const std::string& path, const Uuid& uuid,
                                   int64_t min_free_bytes);
  Result<std::vector<SampleFileDirRow>> ListSampleFileDirs();
  Result<SampleFileDirRow> GetSampleFileDir(int64_t id);

  // ---- Cameras and streams (cameras.cc) ----
  // Inserts row (row.id is ignored) and returns the new id.
  Result<int64_t> InsertCamera(const CameraRow& row);
  // Replaces short_name, name, config_json and from_api of camera row.id.
  Result<void> UpdateCamera(const CameraRow& row);
  // Deletes the camera with its streams and events. Refused with kFailedPrecondition while any of
  // its streams has recordings (in any state): their sample files must be deleted first.
  Result<void> DeleteCamera(int64_t id);
  Result<std::vector<CameraRow>> ListCameras();  // by id
  Result<CameraRow> GetCamera(int64_t id);
  Result<CameraRow> GetCameraByShortName(std::string_view short_name);
  // The one (camera, stream) lookup of the CLI and the API: the camera by short name, then its
  // stream of `kind`. kNotFound naming what exists ("known cameras: cam1, cam2"; "it has: main")
  // so that a typo is easy to fix.
  Result<std::pair<CameraRow, StreamRow>> FindStream(std::string_view camera, StreamKind kind);

  // Inserts row (row.id and row.next_recording_id are ignored) and returns the new id.
  Result<int64_t> InsertStream(const StreamRow& row);
  // Replaces sample_file_dir_id, record, retain_bytes and retain_secs of stream row.id (camera and
  // kind are fixed). Moving a stream that has recordings to another directory is refused with
  // kFailedPrecondition: the rows would name files that are not there.
  Result<void> UpdateStream(const StreamRow& row);
  // All streams, or those of one camera, by id.
  Result<std::vector<StreamRow>> ListStreams(std::optional<int64_t> camera_id = std::nullopt);
  Result<StreamRow> GetStream(int64_t id);

  // ---- Sample entries (sample_entries.cc) ----
  // Returns the id of the entry with the same kind, codec and config, inserting row if there is
  // none. The key is SHA-256 over kind, codec and config, each preceded by its length as 4
  // big-endian bytes (so no two different triples hash the same input). row.id/sha256 are ignored.
  Result<int64_t> InsertOrGetSampleEntry(const SampleEntryRow& row);
  Result<SampleEntryRow> GetSampleEntry(int64_t id);
  Result<std::vector<SampleEntryRow>> ListSampleEntries();

  // ---- Recordings (recordings.cc) ----
  // Creates a recording of row.stream_id in state WRITING and returns its composite id,
  // stream_id << 32 | stream.next_recording_id, bumping next_recording_id in the same transaction
  // (ids are never reused). Also inserts its recording_index row from `index` (composite_id
  // ignored). row.composite_id and row.state are ignored; row.open_id 0 means open_id();
  // row.run_start_id 0 means "starts a run" (set to the new composite id). kInvalidArgument for
  // negative counts, a wall duration outside [0, kMaxRecordingDuration], unknown flag bits, or a
  // run_start_id of another stream or a later recording; kNotFound for a missing stream.
  Result<int64_t> InsertRecording(RecordingRow row, const RecordingIndexRow& index = {});
  // Makes the stream's next recording id at least `at_least` (never lowers it): startup uses it
  // when sample files exist with ids the database never handed out (a database restored from an
  // older backup), so new recordings never collide with them. kNotFound for a missing stream.
  Result<void> ReserveRecordingIds(int64_t stream_id, int64_t at_least);
  // Applies checkpoints and closes of WRITING recordings, all in ONE transaction: either every
  // update is applied or none is. An update with written_hash also moves the row to WRITTEN.
  // The update's flags replace the row's, except that kRecordingProtected is only ever added:
  // a user may protect a recording while it is written (SetRecordingFlags), and the writer's next
  // checkpoint must not undo that.
  // kFailedPrecondition if a row is not WRITING, kNotFound if it is missing; kInvalidArgument as
  // InsertRecording.
  Result<void> UpdateRecordings(std::span<const RecordingUpdate> updates);
  // Recordings of the stream that overlap [from, to) — start < to and start + wall_duration >
  // from; a recording with no duration yet (nothing checkpointed) counts as the instant `start`,
  // matching when from <= start < to — ordered by start then id. DELETING rows are left out
  // (their files are going away). Uses the recording_by_time index: since no recording is
  // longer than kMaxRecordingDuration, only starts in (from - kMaxRecordingDuration, to) are read.
  Result<std::vector<RecordingRow>> ListRecordings(int64_t stream_id, Time90k from, Time90k to);
  // All recordings in a state, by composite id (startup recovery; `nightjar check`).
  Result<std::vector<RecordingRow>> ListRecordingsByState(RecordingState state);
  // The wall-time span [start, end) of every recording of the stream not being deleted, in
  // ListRecordings' order (by start, then id): what a calendar of recorded days needs, read
  // without building rows (a year of one-minute recordings in under 0.1 s). With bounds, only the
  // recordings starting in (from - kMaxRecordingDuration, to): every one that overlaps
  // [from, to), and a few before.
  Result<std::vector<std::pair<Time90k, Time90k>>> ListRecordingSpans(
      int64_t stream_id, Time90k from = Time90k(INT64_MIN / 4),
      Time90k to = Time90k(INT64_MAX / 4));
  // The composite ids of every recording row (any state) in [from_id, to_id], ascending: for
  // matching a directory listing against the rows a chunk at a time (a rowid range read).
  Result<std::vector<int64_t>> ListRecordingIds(int64_t from_id, int64_t to_id);
  Result<RecordingRow> GetRecording(int64_t composite_id);
  Result<RecordingIndexRow> GetRecordingIndex(int64_t composite_id);
  // Calls fn(const RecordingIndexRow&) for every index row with an id in [from_id, to_id],
  // ascending, in one walk of the table (for `nightjar check`: a lookup per recording costs a
  // descent of the tree each). fn returns false to stop. One row in memory at a time.
  Result<void> ScanRecordingIndexes(int64_t from_id, int64_t to_id,
                                    const std::function<bool(const RecordingIndexRow&)>& fn);
  // Moves WRITTEN recordings to DELETING, in one transaction; any id that is not WRITTEN fails the
  // whole call (kFailedPrecondition, kNotFound) and changes nothing.
  Result<void> MarkDeleting(std::span<const int64_t> composite_ids);
  // Deletes recording rows and their index rows, in one transaction. Only DELETING rows and
  // WRITING rows (startup recovery of recordings never checkpointed) may be deleted; a WRITTEN row
  // must be marked DELETING first so its file is unlinked before the row goes
  // (kFailedPrecondition); a missing id is kNotFound. Either all go or none.
  Result<void> DeleteRecordingRows(std::span<const int64_t> composite_ids);
  // Up to `limit` WRITTEN, unprotected recordings of the stream with the earliest starts, oldest
  // first: the candidates for retention.
  Result<std::vector<RecordingRow>> OldestRecordings(int64_t stream_id, int64_t limit);
  // Count, total sample_file_bytes, earliest start and latest end over all of the stream's rows,
  // whatever their state (all their files occupy disk).
  Result<StreamUsage> GetStreamUsage(int64_t stream_id);
  // (recordings, bytes) of the stream counted row by row, as the totals GetStreamUsage reads
  // should say (`nightjar check` compares them). O(recordings of the stream).
  Result<std::pair<int64_t, int64_t>> CountStreamRecordings(int64_t stream_id);
  // Replaces the flag bits (kRecordingKnownFlags only, else kInvalidArgument).
  Result<void> SetRecordingFlags(int64_t composite_id, int64_t flags);

  // ---- Events (events.cc) ----
  // Inserts row (row.id ignored); kInvalidArgument if end < start.
  Result<int64_t> InsertEvent(const EventRow& row);
  // Events of the camera overlapping [from, to), ordered by start then id. An instant event
  // (start == end) matches when from <= start < to.
  Result<std::vector<EventRow>> ListEvents(int64_t camera_id, Time90k from, Time90k to);
  // The spans of the camera's protected events that overlap [from, to), sorted, with overlapping
  // or touching spans merged; not clipped to [from, to). Retention keeps recordings in them.
  Result<std::vector<TimeRange>> ProtectedRanges(int64_t camera_id, Time90k from, Time90k to);

  // ---- Users and sessions (users.cc) ----
  // Inserts row (row.id ignored; created is set to clock.Now()). The password hash is made by the
  // caller (crypto_pwhash_str); this layer never sees passwords.
  Result<int64_t> InsertUser(const UserRow& row);
  // Replaces username, password_hash and role of user row.id.
  Result<void> UpdateUser(const UserRow& row);
  Result<UserRow> GetUser(int64_t id);
  Result<UserRow> GetUserByName(std::string_view username);
  Result<std::vector<UserRow>> ListUsers();  // by id
  // Deletes the user and all of its sessions.
  Result<void> DeleteUser(int64_t id);

  // Inserts row (row.id ignored; created and last_seen are set to clock.Now()) and returns the
  // new id.
  Result<int64_t> InsertSession(const SessionRow& row);
  // The live session with this token hash (neither expires nor last_seen + idle_secs passed at
  // clock.Now()); kNotFound otherwise.
  Result<SessionRow> GetSessionByTokenHash(const Sha256& token_sha256);
  Result<std::vector<SessionRow>> ListSessions();  // the live ones, by id
  Result<void> DeleteSession(int64_t id);
  // Returns how many; `except_id` (a session id) is kept.
  Result<int64_t> DeleteUserSessions(int64_t user_id, int64_t except_id = 0);
  // Raises last_seen of each (session id, time) (never lowers it; gone ids are skipped), in one
  // transaction: the write-behind of sign-in activity.
  Result<void> TouchSessions(std::span<const std::pair<int64_t, Time90k>> last_seen);
  // Deletes every session that is no longer live; returns how many.
  Result<int64_t> DeleteExpiredSessions();

  // ---- Rights, API keys, recovery codes, audit (auth.cc) ----
  Result<std::vector<CameraGrantRow>> ListCameraGrants();  // by user, camera
  // Inserts or replaces the (user, camera) grant; kFailedPrecondition for a missing user.
  Result<void> PutCameraGrant(const CameraGrantRow& row);
  Result<void> DeleteCameraGrant(int64_t user_id, std::string_view camera);  // kNotFound
  // Inserts row (row.id, created, last_used ignored) and returns the new id.
  Result<int64_t> InsertApiKey(const ApiKeyRow& row);
  Result<std::vector<ApiKeyRow>> ListApiKeys();  // by id, expired ones included
  Result<void> DeleteApiKey(int64_t id);         // kNotFound
  // Raises last_used of each (key id, time); gone ids are skipped.
  Result<void> TouchApiKeys(std::span<const std::pair<int64_t, Time90k>> last_used);
  // Replaces the user's recovery codes with these hashes.
  Result<void> SetRecoveryCodes(int64_t user_id, std::span<const Sha256> code_sha256);
  // Deletes the user's code with this hash: true when there was one (it is used up).
  Result<bool> UseRecoveryCode(int64_t user_id, const Sha256& code_sha256);
  Result<int64_t> CountRecoveryCodes(int64_t user_id);
  // Appends row (row.id ignored; row.time zero means clock.Now()) and returns the new id.
  Result<int64_t> InsertAudit(const AuditRow& row);
  // Newest first, at most q.limit (capped at 1000).
  Result<std::vector<AuditRow>> ListAudit(const AuditQuery& q);
  // Deletes entries older than `before`; returns how many.
  Result<int64_t> DeleteAuditBefore(Time90k before);

  // SQLite's PRAGMA data_version: changes when another connection (another process) commits.
  // A daemon polls it to notice `nightjar user ...` edits.
  Result<int64_t> DataVersion();

  // Runs `fn` (returning Result<void>) as one transaction: the calls it makes commit together,
  // with one sync, or not at all. Calls nest (as savepoints).
  Result<void> Batch(const std::function<Result<void>()>& fn);

 private:
  Database(std::unique_ptr<Connection> conn, Clock& clock, bool read_only);
  Result<void> InitReadWrite(bool record_open);
  Result<void> LoadMeta();
  // Runs fn in a transaction after checking that the database is writable.
  template <typename F>
  auto Write(F&& fn) -> decltype(fn());

  std::unique_ptr<Connection> conn_;
  Clock& clock_;
  bool read_only_;
  Uuid uuid_{};
  int64_t open_id_ = 0;
};

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_DATABASE_H_
