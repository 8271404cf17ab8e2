// The database schema: numbered migrations, connection settings, and schema verification.
//
// This module owns the SQL text of the schema (docs/schema.md §Tables; migration 1 is that text
// verbatim), the schema version kept in SQLite's `PRAGMA user_version`, the per-connection
// PRAGMAs, and the comparison of a database's schema against what the migrations produce (for
// `nightjar check`). Private to src/db: Database::Open is the only production caller.
//
// Thread safety: functions use the given connection only, under its one-thread-at-a-time rule.
#ifndef NIGHTJAR_DB_SCHEMA_H_
#define NIGHTJAR_DB_SCHEMA_H_

#include <span>
#include <string_view>

#include "base/error.h"
#include "db/sqlite.h"

namespace nightjar::db {

// The schema version this binary writes and understands (= Migrations().size()).
inline constexpr int kSchemaVersion = 4;

// The migration scripts: element i turns schema version i into i + 1.
std::span<const std::string_view> Migrations();

// Sets the PRAGMAs every connection needs: foreign_keys=ON always; for read-write connections also
// journal_mode=WAL (so read-only processes can read while `nightjar run` writes) and
// synchronous=FULL (see schema.cc for why not NORMAL). Must run outside any transaction.
// Fails if the database cannot be put in WAL mode (kUnsupported) or on any SQLite error.
Result<void> ConfigureConnection(Connection& conn, bool read_write);

// PRAGMA user_version.
Result<int> SchemaVersion(Connection& conn);

// Brings the database up to migrations.size(), each migration in its own BEGIN IMMEDIATE
// transaction that also sets user_version, so a crash leaves the database at a whole version and
// two processes migrating at once cannot both apply a step. Fails with kFailedPrecondition when the
// database is newer than the migrations (written by a newer Nightjar) or when it is at version 0
// but already holds tables (not a Nightjar database); a failing script rolls its step back.
Result<void> Migrate(Connection& conn, std::span<const std::string_view> migrations);
inline Result<void> Migrate(Connection& conn) { return Migrate(conn, Migrations()); }

// For connections that must not migrate (read-only opens): requires user_version ==
// migrations.size(), else kFailedPrecondition saying what to do.
Result<void> CheckSchemaVersion(Connection& conn, std::span<const std::string_view> migrations);
inline Result<void> CheckSchemaVersion(Connection& conn) {
  return CheckSchemaVersion(conn, Migrations());
}

// Compares the database's sqlite_master (tables, indexes, triggers, views: type, name, table and
// SQL text) and user_version with those of a fresh in-memory database built by `migrations`.
// Fails with kMalformed listing every missing, extra or altered object.
Result<void> VerifySchema(Connection& conn, std::span<const std::string_view> migrations);
inline Result<void> VerifySchema(Connection& conn) { return VerifySchema(conn, Migrations()); }

// PRAGMA integrity_check and PRAGMA foreign_key_check: kMalformed listing the first problems.
Result<void> CheckIntegrity(Connection& conn);

}  // namespace nightjar::db

#endif  // NIGHTJAR_DB_SCHEMA_H_
