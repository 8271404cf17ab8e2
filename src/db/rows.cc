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

std::vector<uint8_t> EncodeSampleFileHash(const SampleFileHash& hash) {
  std::vector<uint8_t> blob;
  blob.reserve(1 + hash.size);
  if (hash.algorithm != HashAlgorithm::kBlake2b256) {
    blob.push_back(static_cast<uint8_t>(hash.algorithm));
  }
  const std::span<const uint8_t> digest = hash.digest();
  blob.insert(blob.end(), digest.begin(), digest.end());
  return blob;
}

SampleFileHash MakeSampleFileHash(HashAlgorithm algorithm, std::span<const uint8_t> digest) {
  SampleFileHash h;
  h.algorithm = algorithm;
  h.size = static_cast<uint8_t>(std::min(digest.size(), h.bytes.size()));
  std::copy_n(digest.begin(), h.size, h.bytes.begin());
  return h;
}

Result<SampleFileHash> DecodeSampleFileHash(std::span<const uint8_t> blob) {
  if (blob.size() == 32) return MakeSampleFileHash(HashAlgorithm::kBlake2b256, blob);
  if (blob.size() == 17 && blob[0] == static_cast<uint8_t>(HashAlgorithm::kXxh3_128)) {
    return MakeSampleFileHash(HashAlgorithm::kXxh3_128, blob.subspan(1));
  }
  return Err(ErrorCode::kMalformed,
             "sample-file hash of " + std::to_string(blob.size()) + " bytes of no known form");
}

std::string_view HashAlgorithmName(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::kBlake2b256 ? "BLAKE2b-256" : "XXH3-128";
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
