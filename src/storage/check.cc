#include "storage/check.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <memory>

#include "base/base64.h"
#include "db/database.h"
#include "db/video_index.h"
#include "storage/sample_dir.h"

namespace nightjar::storage {
namespace {

std::string Name(const db::RecordingRow& r) {
  return "recording " + std::to_string(r.composite_id >> 32) + "/" +
         std::to_string(r.composite_id & 0xffffffff) + " (" +
         SampleFileDir::FileName(r.composite_id) + ")";
}

// The row's counts must be exactly what its index says (docs/schema.md).
void CheckIndex(const db::RecordingRow& r, const db::RecordingIndexRow* index,
                CheckReport& report) {
  if (index == nullptr) {
    report.problems.push_back(Name(r) + ": no index row");
    return;
  }
  auto v = db::SummarizeVideoIndex(index->video_index, (r.flags & db::kRecordingHasCto) != 0);
  if (!v) {
    report.problems.push_back(Name(r) + ": video index does not decode: " + v.error().message());
    return;
  }
  int64_t bytes = v->bytes;
  if (v->samples != r.video_samples || v->sync_samples != r.video_sync_samples) {
    report.problems.push_back(Name(r) + ": row says " + std::to_string(r.video_samples) +
                              " frames (" + std::to_string(r.video_sync_samples) +
                              " key), index has " + std::to_string(v->samples) + " (" +
                              std::to_string(v->sync_samples) + ")");
  }
  if (v->duration != r.media_duration) {
    report.problems.push_back(Name(r) + ": row media duration " +
                              std::to_string(r.media_duration.ticks()) + " != index " +
                              std::to_string(v->duration.ticks()));
  }
  if (r.video_samples > 0 && r.video_sync_samples == 0) {
    report.problems.push_back(Name(r) + ": no key frame");
  }
  if (index->audio_index) {
    auto a = db::SummarizeAudioIndex(*index->audio_index);
    auto c = index->chunk_index
                 ? db::SummarizeChunkIndex(*index->chunk_index)
                 : Result<db::ChunkIndexSummary>(Err(ErrorCode::kMalformed, "missing chunk index"));
    if (!a || !c) {
      report.problems.push_back(Name(r) + ": audio or chunk index does not decode");
      return;
    }
    bytes += a->bytes;
    if (a->samples != r.audio_samples || c->audio_samples != a->samples ||
        c->video_samples != v->samples) {
      report.problems.push_back(Name(r) + ": audio/chunk counts disagree with the row");
    }
  }
  if (bytes != r.sample_file_bytes) {
    report.problems.push_back(Name(r) + ": index describes " + std::to_string(bytes) +
                              " bytes, row says " + std::to_string(r.sample_file_bytes));
  }
}

void CheckHash(const SampleFileDir& dir, const db::RecordingRow& r, CheckReport& report) {
  if (!r.sample_file_hash) {
    report.problems.push_back(Name(r) + ": WRITTEN without a hash");
    return;
  }
  auto h = dir.Hash(r.composite_id, static_cast<uint64_t>(r.sample_file_bytes),
                    r.sample_file_hash->algorithm);
  if (!h) {
    report.problems.push_back(Name(r) + ": read failed: " + h.error().message());
    return;
  }
  report.bytes_hashed += r.sample_file_bytes;
  if (*h != *r.sample_file_hash) {
    report.problems.push_back(Name(r) + ": " + std::string(db::HashAlgorithmName(h->algorithm)) +
                              " mismatch: file has " + HexEncode(h->digest()) + ", row says " +
                              HexEncode(r.sample_file_hash->digest()));
  }
}

}  // namespace

Result<CheckReport> Check(Fs& fs, Clock& clock, const std::string& data_dir,
                          const CheckOptions& options) {
  CheckReport report;
  auto database = db::Database::Open(data_dir + "/nightjar.db", db::OpenMode::kReadOnly, clock);
  if (!database) return Err(database.error().Wrap("cannot open " + data_dir + "/nightjar.db"));
  db::Database& d = **database;
  if (auto ok = d.CheckIntegrity(); !ok) report.problems.push_back(ok.error().message());
  if (auto ok = d.VerifySchema(); !ok) report.problems.push_back(ok.error().message());

  NJ_TRY(auto dir_rows, d.ListSampleFileDirs());
  std::map<int64_t, std::unique_ptr<SampleFileDir>> dirs;
  for (const auto& row : dir_rows) {
    auto dir = SampleFileDir::Open(
        fs, row.path, d.uuid(), row.uuid,
        options.repair ? SampleFileDir::Mode::kReadWrite : SampleFileDir::Mode::kReadOnly);
    if (!dir) {
      report.problems.push_back("sample-file directory " + row.path + ": " + dir.error().message());
      continue;
    }
    dirs[row.id] = std::move(*dir);
  }
  NJ_TRY(auto streams, d.ListStreams());
  // dir id -> composite ids with rows, sorted before use: 8 bytes per recording (a std::set took
  // ~50, 0.9 GB for a year of 16 cameras).
  std::map<int64_t, std::vector<int64_t>> known;
  for (const auto& s : streams) {
    // The per-stream totals the triggers keep (docs/schema.md §Migration 2) against the rows.
    auto usage = d.GetStreamUsage(s.id);
    auto counted = d.CountStreamRecordings(s.id);
    if (usage && counted &&
        (usage->recordings != counted->first || usage->sample_file_bytes != counted->second)) {
      report.problems.push_back(
          "stream " + std::to_string(s.id) + ": totals say " + std::to_string(usage->recordings) +
          " recordings of " + std::to_string(usage->sample_file_bytes) + " bytes, the rows " +
          std::to_string(counted->first) + " of " + std::to_string(counted->second));
    }
    if (!s.sample_file_dir_id || !dirs.count(*s.sample_file_dir_id)) continue;
    const SampleFileDir& dir = *dirs[*s.sample_file_dir_id];
    NJ_TRY(auto rows, d.ListRecordings(s.id, Time90k(INT64_MIN / 4), Time90k(INT64_MAX / 4)));
    auto check_row = [&](const db::RecordingRow& r, const db::RecordingIndexRow* index) {
      report.recordings++;
      known[*s.sample_file_dir_id].push_back(r.composite_id);
      auto size = fs.FileSize(dir.PathOf(r.composite_id));
      if (!size) {
        report.problems.push_back(Name(r) + ": sample file missing (" + size.error().message() +
                                  ")");
        return;
      }
      CheckIndex(r, index, report);
      if (r.state == db::RecordingState::kWriting) {
        // Being written (or interrupted: the next start recovers it): the file holds at least
        // the checkpointed bytes.
        report.notes.push_back(Name(r) + " is being written");
        if (*size < static_cast<uint64_t>(r.sample_file_bytes)) {
          report.problems.push_back(Name(r) + ": file is shorter than its checkpoint");
        }
        return;
      }
      if (*size != static_cast<uint64_t>(r.sample_file_bytes)) {
        report.problems.push_back(Name(r) + ": file has " + std::to_string(*size) +
                                  " bytes, row says " + std::to_string(r.sample_file_bytes));
        return;
      }
      if (options.hash) CheckHash(dir, r, report);
    };
    // In id order, beside the stream's index rows read in one walk of their table (a lookup per
    // recording was ~30 % of the time on a million recordings). Index rows of recordings not
    // listed (being deleted) are passed over.
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.composite_id < b.composite_id; });
    size_t next = 0;
    NJ_CHECK_OK(d.ScanRecordingIndexes(
        db::CompositeId(s.id, 0), db::CompositeId(s.id + 1, 0) - 1,
        [&](const db::RecordingIndexRow& index) {
          for (; next < rows.size() && rows[next].composite_id < index.composite_id; ++next) {
            check_row(rows[next], nullptr);
          }
          if (next < rows.size() && rows[next].composite_id == index.composite_id) {
            check_row(rows[next++], &index);
          }
          return true;
        }));
    for (; next < rows.size(); ++next) check_row(rows[next], nullptr);
  }
  // Rows being deleted still name their files (ListRecordings leaves them out).
  NJ_TRY(auto deleting, d.ListRecordingsByState(db::RecordingState::kDeleting));
  for (const auto& r : deleting) {
    for (const auto& s : streams) {
      if (s.id == (r.composite_id >> 32) && s.sample_file_dir_id) {
        known[*s.sample_file_dir_id].push_back(r.composite_id);
        report.notes.push_back(Name(r) + " is being deleted");
      }
    }
  }
  for (auto& [dir_id, ids] : known) std::sort(ids.begin(), ids.end());
  for (const auto& [id, dir] : dirs) {
    NJ_TRY(DirListing listing, dir->List());
    const std::vector<int64_t>& with_rows = known[id];
    report.files += static_cast<int64_t>(listing.sample_files.size());
    std::vector<std::string> orphans = listing.unknown;
    for (int64_t f : listing.sample_files) {
      if (!std::binary_search(with_rows.begin(), with_rows.end(), f)) {
        orphans.push_back(SampleFileDir::FileName(f));
      }
    }
    for (const auto& name : orphans) {
      if (options.repair) {
        if (auto ok = dir->MoveToTrash(name); ok) {
          report.notes.push_back("moved " + dir->path() + "/" + name + " to trash/");
          continue;
        }
      }
      report.problems.push_back(dir->path() + "/" + name +
                                ": no recording names this file (check --repair moves it to "
                                "trash/)");
    }
  }
  return report;
}

}  // namespace nightjar::storage
