#include "db/schema.h"

#include <array>
#include <map>
#include <string>
#include <utility>

namespace nightjar::db {

namespace {

// Migration 1: docs/schema.md §Tables (schema version 1), verbatim. A test compares the two.
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  uuid BLOB NOT NULL CHECK (length(uuid) = 16),
  created_90k INTEGER NOT NULL
);

-- Each read-write open of the database (one per `nightjar run` process lifetime).
CREATE TABLE open (
  id INTEGER PRIMARY KEY,
  uuid BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
  start_90k INTEGER NOT NULL,
  end_90k INTEGER            -- set on clean shutdown
);

CREATE TABLE sample_file_dir (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  uuid BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),
  -- bytes kept free on this file system no matter what the streams' budgets say
  min_free_bytes INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE camera (
  id INTEGER PRIMARY KEY,
  short_name TEXT NOT NULL UNIQUE,   -- the id users and the API use: "cam1"
  name TEXT NOT NULL DEFAULT '',
  config_json TEXT NOT NULL DEFAULT '{}',  -- urls, credentials, transport (cameras added by API)
  from_api INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stream (
  id INTEGER PRIMARY KEY,
  camera_id INTEGER NOT NULL REFERENCES camera (id),
  kind TEXT NOT NULL CHECK (kind IN ('main', 'sub')),
  sample_file_dir_id INTEGER REFERENCES sample_file_dir (id),
  record INTEGER NOT NULL DEFAULT 1,
  retain_bytes INTEGER NOT NULL DEFAULT 0 CHECK (retain_bytes >= 0),  -- 0: no recordings kept
  retain_secs INTEGER CHECK (retain_secs > 0),                        -- NULL: no age limit
  next_recording_id INTEGER NOT NULL DEFAULT 1 CHECK (next_recording_id > 0),
  UNIQUE (camera_id, kind)
);

-- Codec parameters, shared by every recording that uses them.
CREATE TABLE sample_entry (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('video', 'audio')),
  codec TEXT NOT NULL,      -- RFC 6381 string: avc1.640028, hvc1.1.6.L120.90, mp4a.40.2; ulaw, alaw
  config BLOB NOT NULL,     -- avcC / hvcC box payload, AudioSpecificConfig, or empty (G.711)
  width INTEGER, height INTEGER,          -- video
  sample_rate INTEGER, channels INTEGER,  -- audio
  sha256 BLOB NOT NULL UNIQUE             -- of kind, codec, config: deduplication key
);

CREATE TABLE recording (
  composite_id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  open_id INTEGER NOT NULL REFERENCES open (id),
  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),  -- 0 WRITING, 1 WRITTEN, 2 DELETING
  flags INTEGER NOT NULL DEFAULT 0,  -- bit 0 protected, bit 1 run ended here, bit 2 B-frames (cto)
  run_start_id INTEGER NOT NULL,     -- composite_id of the first recording of its run
  start_90k INTEGER NOT NULL,        -- wall time of the first sample
  wall_duration_90k INTEGER NOT NULL,
  media_duration_90k INTEGER NOT NULL,  -- camera clock; wall = media * (1 + drift correction)
  video_samples INTEGER NOT NULL,
  video_sync_samples INTEGER NOT NULL,
  audio_samples INTEGER NOT NULL DEFAULT 0,
  sample_file_bytes INTEGER NOT NULL,
  video_sample_entry_id INTEGER NOT NULL REFERENCES sample_entry (id),
  audio_sample_entry_id INTEGER REFERENCES sample_entry (id),
  sample_file_blake2b BLOB           -- BLAKE2b-256 of the sample file; set when WRITTEN
);
CREATE INDEX recording_by_time ON recording (stream_id, start_90k);

-- The frame indexes, in a table of their own: read only when serving, never when listing.
CREATE TABLE recording_index (
  composite_id INTEGER PRIMARY KEY REFERENCES recording (composite_id),
  video_index BLOB NOT NULL,
  audio_index BLOB,   -- NULL without audio
  chunk_index BLOB    -- NULL without audio (one video chunk)
);

CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  camera_id INTEGER NOT NULL REFERENCES camera (id),
  start_90k INTEGER NOT NULL,
  end_90k INTEGER NOT NULL CHECK (end_90k >= start_90k),
  kind TEXT NOT NULL,          -- 'motion', 'manual', ...
  protected INTEGER NOT NULL DEFAULT 0,
  data_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX event_by_time ON event (camera_id, start_90k);

CREATE TABLE user (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT,          -- libsodium crypto_pwhash_str (argon2id)
  role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'user', 'viewer')),
  created_90k INTEGER NOT NULL
);

CREATE TABLE session (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES user (id),
  token_sha256 BLOB NOT NULL UNIQUE,
  created_90k INTEGER NOT NULL,
  expires_90k INTEGER NOT NULL
);
)sql";

// Migration 2: docs/schema.md §Migration 2, verbatim (the same test).
constexpr std::string_view kMigration2 = R"sql(
-- Per-stream totals kept by triggers in the same transaction as every change to a recording,
-- so that status and retention read them in O(1) rather than summing every recording.
ALTER TABLE stream ADD COLUMN recordings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stream ADD COLUMN sample_file_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE stream SET
  recordings = (SELECT count(*) FROM recording WHERE recording.stream_id = stream.id),
  sample_file_bytes = (SELECT coalesce(sum(sample_file_bytes), 0) FROM recording
                       WHERE recording.stream_id = stream.id);
CREATE TRIGGER recording_totals_insert AFTER INSERT ON recording BEGIN
  UPDATE stream SET recordings = recordings + 1,
                    sample_file_bytes = sample_file_bytes + NEW.sample_file_bytes
  WHERE id = NEW.stream_id;
END;
CREATE TRIGGER recording_totals_update AFTER UPDATE OF stream_id, sample_file_bytes ON recording
BEGIN
  UPDATE stream SET recordings = recordings - 1,
                    sample_file_bytes = sample_file_bytes - OLD.sample_file_bytes
  WHERE id = OLD.stream_id;
  UPDATE stream SET recordings = recordings + 1,
                    sample_file_bytes = sample_file_bytes + NEW.sample_file_bytes
  WHERE id = NEW.stream_id;
END;
CREATE TRIGGER recording_totals_delete AFTER DELETE ON recording BEGIN
  UPDATE stream SET recordings = recordings - 1,
                    sample_file_bytes = sample_file_bytes - OLD.sample_file_bytes
  WHERE id = OLD.stream_id;
END;
)sql";

// Migration 3: docs/schema.md §Migration 3, verbatim (the same test).
constexpr std::string_view kMigration3 = R"sql(
-- Roles become admin / operator / viewer ('user' was the operator's old name). SQLite cannot
-- change a CHECK constraint, so the table is rebuilt; sessions (which nothing wrote before
-- sign-in existed) are recreated with their new columns.
CREATE TABLE user_v3 (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT,          -- libsodium crypto_pwhash_str (argon2id)
  role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'operator', 'viewer')),
  created_90k INTEGER NOT NULL,
  totp_secret TEXT,            -- sealed (config/secret_box.h); NULL: no TOTP
  totp_pending TEXT,           -- sealed secret of an enrolment awaiting its first code
  totp_last_step INTEGER NOT NULL DEFAULT 0  -- last accepted RFC 6238 step: no code twice
);
INSERT INTO user_v3 (id, username, password_hash, role, created_90k)
  SELECT id, username, password_hash, CASE role WHEN 'user' THEN 'operator' ELSE role END,
         created_90k FROM user;
DROP TABLE session;
DROP TABLE user;
ALTER TABLE user_v3 RENAME TO user;

CREATE TABLE session (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
  token_sha256 BLOB NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  created_90k INTEGER NOT NULL,
  expires_90k INTEGER NOT NULL,          -- absolute expiry
  last_seen_90k INTEGER NOT NULL,        -- written behind, at most a minute late
  idle_secs INTEGER NOT NULL DEFAULT 0,  -- ends when unused this long; 0: no idle limit
  source TEXT NOT NULL DEFAULT '',       -- client address at sign-in
  user_agent TEXT NOT NULL DEFAULT ''
);

-- Per-camera rights of operators and viewers. `camera` is the camera's short name, so a grant
-- may name a camera before it is added and survives its removal and re-adding.
CREATE TABLE user_camera (
  user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
  camera TEXT NOT NULL,
  rights INTEGER NOT NULL CHECK (rights BETWEEN 0 AND 15),  -- 1 live, 2 recordings, 4 export, 8 ptz
  PRIMARY KEY (user_id, camera)
);

CREATE TABLE api_key (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  token_sha256 BLOB NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),  -- capped by the user's
  cameras_json TEXT,           -- JSON array of camera short names; NULL: the user's cameras
  created_90k INTEGER NOT NULL,
  expires_90k INTEGER,         -- NULL: never
  last_used_90k INTEGER        -- written behind
);

-- TOTP recovery codes, single use, stored as SHA-256 (80 random bits each).
CREATE TABLE recovery_code (
  user_id INTEGER NOT NULL REFERENCES user (id) ON DELETE CASCADE,
  code_sha256 BLOB NOT NULL CHECK (length(code_sha256) = 32),
  PRIMARY KEY (user_id, code_sha256)
);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  time_90k INTEGER NOT NULL,
  actor TEXT NOT NULL,              -- username, "key:<name>", "cli", "system"
  source TEXT NOT NULL DEFAULT '',  -- client address, "cli"
  action TEXT NOT NULL,             -- "login", "login_failed", "user_add", ...
  target TEXT NOT NULL DEFAULT '',
  details_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_time ON audit (time_90k);
)sql";

// Migration 4: docs/schema.md §Migration 4, verbatim (the same test).
constexpr std::string_view kMigration4 = R"sql(
-- Recordings not WRITTEN (being written or being deleted) are few at any time: startup
-- recovery, `nightjar status` and `nightjar check` find them through this partial index instead
-- of reading every recording (16.8 M rows for 16 cameras' year of one-minute recordings).
CREATE INDEX recording_not_written ON recording (state) WHERE state <> 1;
)sql";

constexpr std::array<std::string_view, 4> kMigrations = {kMigration1, kMigration2, kMigration3,
                                                         kMigration4};
static_assert(kMigrations.size() == kSchemaVersion);

// Most problems listed in one VerifySchema/CheckIntegrity error.
constexpr int kMaxProblems = 20;

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

// Why synchronous=FULL, although WAL mode is usually run with NORMAL: under NORMAL a committed
// transaction is durable only after the next WAL checkpoint, so a power cut can undo commits that
// the process has already acted on. The recording lifecycle (docs/schema.md §Recording lifecycle)
// acts on commits: after marking rows DELETING it unlinks their files, and after inserting a row
// (bumping stream.next_recording_id) it creates the file O_EXCL. Losing the first commit would
// leave WRITTEN rows whose files are gone; losing the second would hand the same recording id out
// again and collide with the file already created. FULL syncs the WAL at every commit, which costs
// one fdatasync per transaction; the writer commits about once per checkpoint interval (5 s) per
// disk plus once per recording, which is negligible.
Result<void> ConfigureConnection(Connection& conn, bool read_write) {
  NJ_CHECK_OK(conn.Exec("PRAGMA foreign_keys = ON"));
  if (!read_write) return Ok();
  {
    NJ_TRY(Statement stmt, conn.Prepare("PRAGMA journal_mode = WAL", /*cache=*/false));
    NJ_TRY(bool row, stmt.Step());
    std::string mode = row ? stmt.ColumnText(0) : "";
    // An in-memory database reports "memory" and cannot be shared anyway.
    if (mode != "wal" && mode != "memory") {
      return Err(ErrorCode::kUnsupported,
                 "sqlite: cannot put the database in WAL mode (journal_mode is \"" + mode + "\")");
    }
  }
  return conn.Exec("PRAGMA synchronous = FULL");
}

Result<int> SchemaVersion(Connection& conn) {
  NJ_TRY(int64_t version, conn.QueryInt("PRAGMA user_version"));
  return static_cast<int>(version);
}

namespace {

// One migration step inside its transaction; sets *done when there is nothing left to do.
Result<void> MigrateStep(Connection& conn, std::span<const std::string_view> migrations,
                         bool* done) {
  // Re-read inside the transaction: another process may have migrated since we last looked.
  NJ_TRY(int version, SchemaVersion(conn));
  int target = static_cast<int>(migrations.size());
  if (version > target) {
    return Err(ErrorCode::kFailedPrecondition,
               "database schema version " + std::to_string(version) +
                   " is newer than this Nightjar understands (" + std::to_string(target) +
                   "); it was written by a newer release: run that release or restore a backup");
  }
  if (version < 0) {
    return Err(ErrorCode::kMalformed, "database has negative schema version " +
                                          std::to_string(version) + "; not a Nightjar database");
  }
  if (version == target) {
    *done = true;
    return Ok();
  }
  if (version == 0) {
    NJ_TRY(int64_t objects, conn.QueryInt("SELECT count(*) FROM sqlite_master"));
    if (objects != 0) {
      return Err(ErrorCode::kFailedPrecondition,
                 "database has schema version 0 but holds " + std::to_string(objects) +
                     " schema objects: not a Nightjar database, refusing to modify it");
    }
  }
  auto applied = conn.Exec(migrations[static_cast<size_t>(version)]);
  if (!applied) {
    return Err(applied.error().Wrap("migration to schema version " + std::to_string(version + 1)));
  }
  return conn.Exec("PRAGMA user_version = " + std::to_string(version + 1));
}

}  // namespace

Result<void> Migrate(Connection& conn, std::span<const std::string_view> migrations) {
  // Bounded: every round either finishes, fails, or raises user_version by one.
  for (size_t round = 0; round <= migrations.size(); ++round) {
    bool done = false;
    NJ_CHECK_OK(conn.WithTransaction([&] { return MigrateStep(conn, migrations, &done); }));
    if (done) return Ok();
  }
  return Err(ErrorCode::kInternal, "schema migration did not converge");
}

Result<void> CheckSchemaVersion(Connection& conn, std::span<const std::string_view> migrations) {
  NJ_TRY(int version, SchemaVersion(conn));
  int target = static_cast<int>(migrations.size());
  if (version == target) return Ok();
  if (version > target) {
    return Err(ErrorCode::kFailedPrecondition,
               "database schema version " + std::to_string(version) +
                   " is newer than this Nightjar understands (" + std::to_string(target) + ")");
  }
  if (version == 0) {
    return Err(ErrorCode::kFailedPrecondition,
               "not a Nightjar database (schema version 0); create one with `nightjar init`");
  }
  return Err(ErrorCode::kFailedPrecondition,
             "database schema version " + std::to_string(version) + " is older than " +
                 std::to_string(target) +
                 "; open it read-write once (e.g. `nightjar run`) to "
                 "upgrade it");
}

namespace {

// (type, name) -> (tbl_name, sql) for every schema object.
using SchemaMap =
    std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>>;

Result<SchemaMap> ReadSchema(Connection& conn) {
  NJ_TRY(Statement stmt, conn.Prepare("SELECT type, name, tbl_name, sql FROM sqlite_master",
                                      /*cache=*/false));
  SchemaMap map;
  while (true) {
    NJ_TRY(bool row, stmt.Step());
    if (!row) break;
    map[{stmt.ColumnText(0), stmt.ColumnText(1)}] = {stmt.ColumnText(2), stmt.ColumnText(3)};
  }
  return map;
}

void AddProblem(std::string* problems, int* count, const std::string& problem) {
  if (++*count > kMaxProblems) return;
  *problems += "\n  ";
  *problems += problem;
}

}  // namespace

Result<void> VerifySchema(Connection& conn, std::span<const std::string_view> migrations) {
  NJ_TRY(auto expected_conn, Connection::Open(":memory:", Connection::Mode::kReadWriteCreate));
  NJ_CHECK_OK(Migrate(*expected_conn, migrations));
  NJ_TRY(SchemaMap expected, ReadSchema(*expected_conn));
  NJ_TRY(SchemaMap actual, ReadSchema(conn));
  NJ_TRY(int version, SchemaVersion(conn));

  std::string problems;
  int count = 0;
  if (version != static_cast<int>(migrations.size())) {
    AddProblem(&problems, &count,
               "schema version is " + std::to_string(version) + ", expected " +
                   std::to_string(migrations.size()));
  }
  for (const auto& [key, value] : expected) {
    auto it = actual.find(key);
    std::string what = key.first + " " + key.second;
    if (it == actual.end()) {
      AddProblem(&problems, &count, "missing " + what);
    } else if (it->second != value) {
      AddProblem(&problems, &count,
                 what + " differs: found \"" + it->second.second + "\" on " + it->second.first +
                     ", expected \"" + value.second + "\" on " + value.first);
    }
  }
  for (const auto& [key, value] : actual) {
    if (!expected.contains(key))
      AddProblem(&problems, &count, "unexpected " + key.first + " " + key.second);
  }
  if (count == 0) return Ok();
  if (count > kMaxProblems)
    problems += "\n  ... and " + std::to_string(count - kMaxProblems) + " more";
  return Err(ErrorCode::kMalformed, "database schema does not match the migrations:" + problems);
}

Result<void> CheckIntegrity(Connection& conn) {
  std::string problems;
  int count = 0;
  {
    NJ_TRY(Statement stmt, conn.Prepare("PRAGMA integrity_check", /*cache=*/false));
    while (true) {
      NJ_TRY(bool row, stmt.Step());
      if (!row) break;
      std::string line = stmt.ColumnText(0);
      if (line != "ok") AddProblem(&problems, &count, line);
    }
  }
  {
    NJ_TRY(Statement stmt, conn.Prepare("PRAGMA foreign_key_check", /*cache=*/false));
    while (true) {
      NJ_TRY(bool row, stmt.Step());
      if (!row) break;
      AddProblem(&problems, &count,
                 "foreign key violation: " + stmt.ColumnText(0) + " row " +
                     std::to_string(stmt.ColumnInt(1)) + " references missing " +
                     stmt.ColumnText(2) + " row");
    }
  }
  if (count == 0) return Ok();
  if (count > kMaxProblems)
    problems += "\n  ... and " + std::to_string(count - kMaxProblems) + " more";
  return Err(ErrorCode::kMalformed, "database integrity check failed:" + problems);
}

}  // namespace nightjar::db
