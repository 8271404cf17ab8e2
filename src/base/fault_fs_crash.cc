// FaultFs's crash model: bookkeeping of what is durable, and the rollback in SimulateCrash.
#include <algorithm>
#include <ranges>

#include "base/fault_fs.h"

namespace nightjar {
namespace {

std::string ParentDir(const std::string& norm) {
  size_t pos = norm.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return norm.substr(0, pos);
}

}  // namespace

std::optional<uint64_t> FaultFs::IdFor(const std::string& norm) {
  if (auto it = ids_.find(norm); it != ids_.end()) return it->second;
  // First sight of an entry from before this FaultFs (or from before the last crash): whatever
  // is there counts as durable.
  auto size = base_.FileSize(norm);
  if (!size) return std::nullopt;
  uint64_t id = next_id_++;
  durable_size_[id] = *size;
  ids_[norm] = id;
  return id;
}

Result<std::string> FaultFs::SaveDurable(const std::string& norm, uint64_t id) {
  NJ_TRY(auto file, base_.OpenForRead(norm));
  NJ_TRY(uint64_t size, file->Size());
  size = std::min(size, durable_size_[id]);
  if (size > kMaxSavedBytes) {
    return Err(ErrorCode::kUnsupported, norm + " is too large to save for crash simulation");
  }
  std::string saved(size, '\0');
  auto buf = std::span<uint8_t>(reinterpret_cast<uint8_t*>(saved.data()), saved.size());
  NJ_CHECK_OK(file->ReadExactAt(0, buf));
  return saved;
}

bool FaultFs::IsDurable(const PendingOp& op) const {
  if (op.kind == PendingOp::Kind::kRename) return op.path_dir_synced && op.to_dir_synced;
  return op.path_dir_synced;
}

void FaultFs::MarkDirSynced(const std::string& norm_dir) {
  for (auto& op : pending_) {
    if (ParentDir(op.path) == norm_dir) op.path_dir_synced = true;
    if (op.kind == PendingOp::Kind::kRename && ParentDir(op.to) == norm_dir) {
      op.to_dir_synced = true;
    }
  }
  std::erase_if(pending_, [this](const PendingOp& op) { return IsDurable(op); });
}

Result<void> FaultFs::SimulateCrash() {
  std::lock_guard<std::mutex> lock(mu_);
  // The process "dies": its descriptors close and its locks go away.
  for (Handle* h : live_handles_) h->Kill();
  std::optional<Error> first_error;
  // Undo newest first, so that each undo sees the namespace as it was right after its operation.
  for (const PendingOp& op : std::views::reverse(pending_)) {
    auto r = UndoOp(op);
    if (!r && !first_error) first_error = r.error();
  }
  pending_.clear();
  auto r = TruncateToDurable();
  if (!r && !first_error) first_error = r.error();
  dirty_.clear();
  if (first_error) return Err(first_error->Wrap("simulated crash"));
  return Ok();
}

Result<void> FaultFs::UndoOp(const PendingOp& op) {
  using Kind = PendingOp::Kind;
  switch (op.kind) {
    case Kind::kCreate: {
      auto it = ids_.find(op.path);
      if (it == ids_.end() || it->second != op.id) return Ok();  // moved away durably
      ids_.erase(it);
      return base_.Unlink(op.path);
    }
    case Kind::kUnlink:
      if (!op.restorable) {
        return Err(ErrorCode::kUnsupported, "cannot restore unlinked " + op.path);
      }
      return RestoreFile(op.path, op.id, op.saved);
    case Kind::kRename: {
      auto it = ids_.find(op.to);
      if (it != ids_.end() && it->second == op.id) {
        ids_.erase(it);
        NJ_CHECK_OK(base_.Rename(op.to, op.path));
        ids_[op.path] = op.id;
      }
      if (!op.replaced_id) return Ok();
      if (!op.restorable) {
        return Err(ErrorCode::kUnsupported, "cannot restore " + op.to + " replaced by a rename");
      }
      return RestoreFile(op.to, *op.replaced_id, op.saved);
    }
    case Kind::kMakeDir: {
      std::string prefix = op.path + "/";
      std::erase_if(ids_, [&](const auto& e) { return e.first.starts_with(prefix); });
      return RemoveTree(op.path);
    }
    case Kind::kRemoveDir:
      return base_.MakeDir(op.path);
  }
  return Ok();
}

Result<void> FaultFs::RestoreFile(const std::string& path, uint64_t id,
                                  const std::string& contents) {
  NJ_TRY(auto file, base_.CreateFile(path));
  NJ_CHECK_OK(file->Append(AsBytes(contents)));
  NJ_CHECK_OK(file->Close());
  ids_[path] = id;
  durable_size_[id] = contents.size();
  return Ok();
}

Result<void> FaultFs::RemoveTree(const std::string& path) {
  NJ_TRY(auto names, base_.ListDir(path));
  for (const auto& name : names) {
    std::string child = path;
    child += '/';
    child += name;
    auto r = base_.Unlink(child);
    if (!r && !RemoveTree(child)) return r;  // not a file (a directory) or really failing
  }
  return base_.RemoveDir(path);
}

Result<void> FaultFs::TruncateToDurable() {
  for (const auto& [path, id] : ids_) {
    if (!dirty_.contains(id)) continue;
    uint64_t durable = durable_size_[id];
    auto size = base_.FileSize(path);
    if (!size || *size <= durable) continue;
    NJ_TRY(auto file, base_.OpenWritable(path));
    NJ_CHECK_OK(file->Truncate(durable));
    NJ_CHECK_OK(file->Close());
  }
  return Ok();
}

}  // namespace nightjar
