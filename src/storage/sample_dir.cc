#include "storage/sample_dir.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "base/base64.h"
#include "base/strings.h"

namespace nightjar::storage {
namespace {

constexpr std::string_view kMetaName = "meta";
constexpr std::string_view kMetaTmpName = "meta.tmp";
constexpr std::string_view kTrashName = "trash";
constexpr std::string_view kMetaHeader = "nightjar sample-file directory v1";

std::string MetaText(const Uuid& db_uuid, const Uuid& dir_uuid) {
  return std::string(kMetaHeader) + "\ndb_uuid=" + UuidHex(db_uuid) +
         "\ndir_uuid=" + UuidHex(dir_uuid) + "\n";
}

// Writes `meta` atomically: a temporary file, synced, renamed over, directory synced.
Result<void> WriteMeta(Fs& fs, const std::string& dir, const Uuid& db_uuid, const Uuid& dir_uuid) {
  const std::string tmp = dir + "/" + std::string(kMetaTmpName);
  if (auto exists = fs.Exists(tmp); exists && *exists) NJ_CHECK_OK(fs.Unlink(tmp));
  NJ_TRY(auto file, fs.CreateFile(tmp));
  std::string text = MetaText(db_uuid, dir_uuid);
  NJ_CHECK_OK(file->Append(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  NJ_CHECK_OK(file->Sync());
  NJ_CHECK_OK(file->Close());
  NJ_CHECK_OK(fs.Rename(tmp, dir + "/" + std::string(kMetaName)));
  return fs.SyncDir(dir);
}

Result<void> CheckMeta(const std::string& text, const std::string& dir, const Uuid& db_uuid,
                       const Uuid& dir_uuid) {
  auto lines = Split(text, '\n');
  if (lines.size() < 3 || lines[0] != kMetaHeader) {
    return Err(ErrorCode::kFailedPrecondition,
               dir + "/meta is not a Nightjar sample-file directory meta file");
  }
  auto field = [&](std::string_view key) -> std::string_view {
    for (auto l : lines) {
      if (auto kv = SplitOnce(l, '='); kv && kv->first == key) return kv->second;
    }
    return {};
  };
  if (field("db_uuid") != UuidHex(db_uuid)) {
    return Err(ErrorCode::kFailedPrecondition,
               dir + " belongs to another database (its meta names db " +
                   std::string(field("db_uuid")) + ", this database is " + UuidHex(db_uuid) +
                   "); refusing to use it. Is the wrong disk mounted?");
  }
  if (field("dir_uuid") != UuidHex(dir_uuid)) {
    return Err(ErrorCode::kFailedPrecondition,
               dir + " is a different sample-file directory of this database (meta names " +
                   std::string(field("dir_uuid")) + ", expected " + UuidHex(dir_uuid) + ")");
  }
  return Ok();
}

}  // namespace

Uuid NewUuid() {
  std::random_device rd;
  Uuid u;
  for (size_t i = 0; i < u.size(); i += 4) {
    uint32_t r = rd();
    for (size_t j = 0; j < 4; ++j) u[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  u[6] = (u[6] & 0x0f) | 0x40;  // version 4 (RFC 4122 §4.4)
  u[8] = (u[8] & 0x3f) | 0x80;  // variant
  return u;
}

std::string UuidHex(const Uuid& uuid) { return HexEncode(uuid); }

Result<std::unique_ptr<SampleFileDir>> SampleFileDir::Open(Fs& fs, std::string path,
                                                           const Uuid& db_uuid,
                                                           const Uuid& dir_uuid, Mode mode) {
  NJ_TRY(bool exists, fs.Exists(path));
  if (!exists) {
    if (mode == Mode::kReadOnly) {
      return Err(ErrorCode::kNotFound, "sample-file directory " + path + " does not exist");
    }
    NJ_CHECK_OK(fs.MakeDir(path));
  }
  std::unique_ptr<FileLock> lock;
  if (mode == Mode::kReadWrite) {
    auto l = fs.LockFile(path);
    if (!l) {
      return Err(ErrorCode::kFailedPrecondition,
                 path + " is in use by another Nightjar process (" + l.error().message() + ")");
    }
    lock = std::move(*l);
  }
  const std::string meta_path = path + "/" + std::string(kMetaName);
  NJ_TRY(bool has_meta, fs.Exists(meta_path));
  if (has_meta) {
    NJ_TRY(std::string text, ReadFileToString(fs, meta_path, 4096));
    NJ_CHECK_OK(CheckMeta(text, path, db_uuid, dir_uuid));
  } else {
    NJ_TRY(auto names, fs.ListDir(path));
    std::erase(names, std::string(kMetaTmpName));
    if (!names.empty()) {
      return Err(ErrorCode::kFailedPrecondition,
                 path +
                     " is not empty and has no meta file: it is not a Nightjar sample-file "
                     "directory (or its meta was lost); refusing to use it");
    }
    if (mode == Mode::kReadOnly) {
      return Err(ErrorCode::kFailedPrecondition, path + " was never initialized (no meta file)");
    }
    NJ_CHECK_OK(WriteMeta(fs, path, db_uuid, dir_uuid));
  }
  return std::unique_ptr<SampleFileDir>(new SampleFileDir(fs, std::move(path), std::move(lock)));
}

std::string SampleFileDir::FileName(int64_t composite_id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(composite_id));
  return buf;
}

std::optional<int64_t> SampleFileDir::ParseFileName(std::string_view name) {
  if (name.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : name) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::string SampleFileDir::PathOf(int64_t composite_id) const {
  return path_ + "/" + FileName(composite_id);
}

Result<std::unique_ptr<WritableFile>> SampleFileDir::Create(int64_t composite_id) const {
  return fs_.CreateFile(PathOf(composite_id));
}

Result<std::unique_ptr<WritableFile>> SampleFileDir::OpenExisting(int64_t composite_id) const {
  return fs_.OpenWritable(PathOf(composite_id));
}

Result<std::unique_ptr<RandomAccessFile>> SampleFileDir::OpenForRead(int64_t composite_id) const {
  return fs_.OpenForRead(PathOf(composite_id));
}

Result<void> SampleFileDir::Unlink(int64_t composite_id) const {
  return fs_.Unlink(PathOf(composite_id));
}

Result<void> SampleFileDir::Sync() const { return fs_.SyncDir(path_); }

Result<DirListing> SampleFileDir::List(const std::atomic<bool>* stop) const {
  // Streamed: a directory may hold millions of sample files (8 bytes each here).
  DirListing out;
  NJ_CHECK_OK(fs_.ForEachName(path_, [&](std::string_view n) {
    if (n == kMetaName || n == kTrashName || n == kMetaTmpName) return true;
    if (auto id = ParseFileName(n)) {
      out.sample_files.push_back(*id);
    } else {
      out.unknown.emplace_back(n);
    }
    return !stop || !*stop;
  }));
  std::sort(out.sample_files.begin(), out.sample_files.end());
  std::sort(out.unknown.begin(), out.unknown.end());
  return out;
}

Result<void> SampleFileDir::MoveToTrash(const std::string& name) const {
  const std::string trash = path_ + "/" + std::string(kTrashName);
  NJ_TRY(bool exists, fs_.Exists(trash));
  if (!exists) NJ_CHECK_OK(fs_.MakeDir(trash));
  NJ_CHECK_OK(fs_.Rename(path_ + "/" + name, trash + "/" + name));
  NJ_CHECK_OK(fs_.SyncDir(trash));
  return fs_.SyncDir(path_);
}

Result<FsStats> SampleFileDir::Stats() const { return fs_.StatFs(path_); }

Result<db::SampleFileHash> SampleFileDir::Hash(int64_t composite_id, uint64_t bytes,
                                               db::HashAlgorithm algorithm) const {
  NJ_TRY(auto file, OpenForRead(composite_id));
  FileHasher hasher(algorithm);
  std::vector<uint8_t> buf(1 << 20);
  for (uint64_t off = 0; off < bytes;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), bytes - off));
    NJ_CHECK_OK(file->ReadExactAt(off, std::span(buf.data(), n)));
    hasher.Update(std::span(buf.data(), n));
    off += n;
  }
  return hasher.Final();
}

}  // namespace nightjar::storage
