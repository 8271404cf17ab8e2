#include "db/rows.h"

#include <algorithm>
#include <cstdio>

namespace nightjar::db {

std::string UuidToHex(const Uuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (uint8_t b : uuid) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string SampleFileName(int64_t composite_id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(composite_id)));
  return buf;
}

std::string_view StreamKindName(StreamKind kind) {
  return kind == StreamKind::kMain ? "main" : "sub";
}

Result<StreamKind> ParseStreamKind(std::string_view text) {
  if (text == "main") return StreamKind::kMain;
  if (text == "sub") return StreamKind::kSub;
  return Err(ErrorCode::kInvalidArgument, "unknown stream kind \"" + std::string(text) + "\"");
}

std::string_view SampleEntryKindName(SampleEntryKind kind) {
  return kind == SampleEntryKind::kVideo ? "video" : "audio";
}

Result<SampleEntryKind> ParseSampleEntryKind(std::string_view text) {
  if (text == "video") return SampleEntryKind::kVideo;
  if (text == "audio") return SampleEntryKind::kAudio;
  return Err(ErrorCode::kInvalidArgument,
             "unknown sample entry kind \"" + std::string(text) + "\"");
}

std::string_view RecordingStateName(RecordingState state) {
  switch (state) {
    case RecordingState::kWriting:
      return "WRITING";
    case RecordingState::kWritten:
      return "WRITTEN";
    case RecordingState::kDeleting:
      return "DELETING";
  }
  return "?";
}

std::string_view UserRoleName(UserRole role) {
  switch (role) {
    case UserRole::kAdmin:
      return "admin";
    case UserRole::kOperator:
      return "operator";
    case UserRole::kViewer:
      return "viewer";
  }
  return "?";
}

Result<UserRole> ParseUserRole(std::string_view text) {
  if (text == "admin") return UserRole::kAdmin;
  if (text == "operator") return UserRole::kOperator;
  if (text == "viewer") return UserRole::kViewer;
  return Err(ErrorCode::kInvalidArgument, "unknown user role \"" + std::string(text) + "\"");
}

std::vector<RunSpan> GroupRuns(const std::vector<RecordingRow>& recs) {
  std::vector<RunSpan> runs;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (runs.empty() || recs[i].run_start_id != recs[runs.back().first].run_start_id) {
      runs.push_back({i, 0, recs[i].start, recs[i].end()});
    }
    RunSpan& r = runs.back();
    r.count++;
    r.end = std::max(r.end, recs[i].end());
  }
  return runs;
}

}  // namespace nightjar::db
