// Database: table sample_entry.
#include <sodium.h>

#include <algorithm>

#include "db/database.h"
#include "db/database_internal.h"

namespace nightjar::db {

namespace {

constexpr std::string_view kEntryColumns =
    "id, kind, codec, config, width, height, sample_rate, channels, sha256";

// SHA-256 over kind, codec and config, each preceded by its length (4 bytes, big-endian), so
// that the boundaries between the parts cannot shift.
Sha256 SampleEntryKey(const SampleEntryRow& row) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  auto put = [&](std::span<const uint8_t> part) {
    uint32_t n = static_cast<uint32_t>(part.size());
    const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                            static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    crypto_hash_sha256_update(&state, len, sizeof(len));
    crypto_hash_sha256_update(&state, part.data(), part.size());
  };
  std::string_view kind = SampleEntryKindName(row.kind);
  put({reinterpret_cast<const uint8_t*>(kind.data()), kind.size()});
  put({reinterpret_cast<const uint8_t*>(row.codec.data()), row.codec.size()});
  put(row.config);
  Sha256 out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

Result<SampleEntryRow> ReadEntry(Statement& stmt) {
  SampleEntryRow row;
  row.id = stmt.ColumnInt(0);
  auto kind = ParseSampleEntryKind(stmt.ColumnText(1));
  if (!kind) {
    return Err(ErrorCode::kMalformed,
               "sample entry " + std::to_string(row.id) + ": " + kind.error().message());
  }
  row.kind = *kind;
  row.codec = stmt.ColumnText(2);
  row.config = stmt.ColumnBlob(3);
  row.width = stmt.ColumnOptInt(4);
  row.height = stmt.ColumnOptInt(5);
  row.sample_rate = stmt.ColumnOptInt(6);
  row.channels = stmt.ColumnOptInt(7);
  NJ_TRY(row.sha256, ToArray<32>(stmt.ColumnBlobView(8), "sample_entry.sha256"));
  return row;
}

}  // namespace

Result<int64_t> Database::InsertOrGetSampleEntry(const SampleEntryRow& row) {
  if (row.codec.empty() || row.codec.size() > 0xffff || row.config.size() > 0xffffffffu) {
    return Err(ErrorCode::kInvalidArgument,
               "sample entry needs a codec string of at most 65535 bytes");
  }
  Sha256 key = SampleEntryKey(row);
  return Write([&]() -> Result<int64_t> {
    {
      NJ_TRY(Statement find,
             conn_->Prepare("SELECT id, kind, codec, config FROM sample_entry WHERE sha256 = ?"));
      find.BindBlob(1, key);
      NJ_TRY(bool found, find.Step());
      if (found) {
        // A SHA-256 collision is not expected in practice; a mismatch means a damaged row.
        auto config = find.ColumnBlobView(3);
        if (find.ColumnText(1) != SampleEntryKindName(row.kind) ||
            find.ColumnText(2) != row.codec ||
            !std::equal(config.begin(), config.end(), row.config.begin(), row.config.end())) {
          return Err(ErrorCode::kMalformed, "sample entry " + std::to_string(find.ColumnInt(0)) +
                                                " does not match its sha256");
        }
        return find.ColumnInt(0);
      }
    }
    NJ_TRY(Statement insert,
           conn_->Prepare("INSERT INTO sample_entry (kind, codec, config, width, height, "
                          "sample_rate, channels, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    NJ_CHECK_OK(insert.BindText(1, SampleEntryKindName(row.kind))
                    .BindText(2, row.codec)
                    .BindBlob(3, row.config)
                    .BindOptInt(4, row.width)
                    .BindOptInt(5, row.height)
                    .BindOptInt(6, row.sample_rate)
                    .BindOptInt(7, row.channels)
                    .BindBlob(8, key)
                    .Run());
    return conn_->LastInsertRowId();
  });
}

Result<SampleEntryRow> Database::GetSampleEntry(int64_t id) {
  NJ_TRY(Statement stmt, conn_->Prepare("SELECT " + std::string(kEntryColumns) +
                                        " FROM sample_entry WHERE id = ?"));
  stmt.BindInt(1, id);
  return OneRow<SampleEntryRow>(stmt, ReadEntry, "sample entry " + std::to_string(id));
}

Result<std::vector<SampleEntryRow>> Database::ListSampleEntries() {
  NJ_TRY(Statement stmt,
         conn_->Prepare("SELECT " + std::string(kEntryColumns) + " FROM sample_entry ORDER BY id"));
  return CollectRows<SampleEntryRow>(stmt, ReadEntry);
}

}  // namespace nightjar::db
