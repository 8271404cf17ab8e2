// `nightjar export --camera ID [--stream main|sub] --from T --to T -o FILE [--data DIR |
// --config F]`: writes a time range of a camera stream as a standalone file, .mp4 or .ts by the
// extension of FILE. Offline and read-only (nightjar.db opened read-only, sample files read by
// path), so it runs while `nightjar run` records. It goes through exactly what the server serves:
// storage/media_source (range -> recordings -> segments) and mp4/virtual_mp4 or storage/ts_export.
//
// .mp4 is frame-accurate: it holds the frames from the key frame at or before --from, and its
// edit list starts presentation with the frame that contains --from. .ts starts at that key frame
// (a transport stream has no edit list) and ends with the frame that contains --to.
#include <cstdio>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/fs.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/data_dir.h"
#include "db/database.h"
#include "mp4/virtual_mp4.h"
#include "storage/media_source.h"
#include "storage/ts_export.h"

namespace nightjar::cli {
namespace {

struct ExportOptions {
  DataDirOptions dir;
  std::string camera;
  std::string stream = "main";
  std::string from, to;
  std::string out;
};

struct Failure {
  int code;
  std::string message;
};

// A FILE* that is removed unless Commit() is called, so a failed export leaves nothing behind.
class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)) {}
  ~OutputFile() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(path_.c_str());
  }
  Result<void> Open() {
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) return Err(Error::FromErrno(errno, "cannot create " + path_));
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
    return Ok();
  }
  Result<void> Write(std::span<const uint8_t> b) {
    if (std::fwrite(b.data(), 1, b.size(), f_) != b.size()) {
      return Err(Error::FromErrno(errno, "writing " + path_));
    }
    written_ += b.size();
    return Ok();
  }
  Result<void> Commit() {
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return Err(Error::FromErrno(errno, "closing " + path_));
    committed_ = true;
    return Ok();
  }
  uint64_t written() const { return written_; }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
  uint64_t written_ = 0;
};

Result<int64_t> FindStreamId(db::Database& d, const std::string& camera_name, db::StreamKind kind) {
  NJ_TRY(db::CameraRow camera, d.GetCameraByShortName(camera_name));
  NJ_TRY(auto streams, d.ListStreams(camera.id));
  for (const auto& s : streams) {
    if (s.kind == kind) return s.id;
  }
  return Err(ErrorCode::kNotFound, "camera " + camera_name + " has no " +
                                       std::string(db::StreamKindName(kind)) + " stream");
}

Result<void> WriteMp4(const storage::MediaPlan& plan, OutputFile& out) {
  NJ_TRY(auto mp4, mp4::VirtualMp4::Build(plan.mp4));
  return mp4->Read(0, mp4->size(), *plan.reader,
                   [&](std::span<const uint8_t> b) { return out.Write(b); });
}

Result<void> WriteTs(const storage::MediaPlan& plan, OutputFile& out) {
  NJ_TRY(auto ts, storage::TsExport::Create(plan));
  std::vector<uint8_t> buf;
  while (true) {
    buf.clear();
    NJ_CHECK_OK(ts->Next(&buf, 1 << 20));
    if (buf.empty()) return Ok();
    NJ_CHECK_OK(out.Write(buf));
  }
}

std::optional<Failure> Export(const ExportOptions& o) {
  auto from = ParseTime(o.from);
  if (!from) return Failure{kExitUsage, "--from: " + from.error().message()};
  auto to = ParseTime(o.to);
  if (!to) return Failure{kExitUsage, "--to: " + to.error().message()};
  if (*from >= *to) return Failure{kExitUsage, "--from must be before --to"};
  auto kind = db::ParseStreamKind(o.stream);
  if (!kind) return Failure{kExitUsage, "--stream: " + kind.error().message()};
  const bool ts = o.out.ends_with(".ts");
  if (!ts && !o.out.ends_with(".mp4")) {
    return Failure{kExitUsage, "-o: the file name must end in .mp4 or .ts"};
  }
  auto data = ResolveDataDir(o.dir);
  if (!data) return Failure{kExitUsage, data.error().message()};
  RealClock clock;
  auto d = db::Database::Open(*data + "/nightjar.db", db::OpenMode::kReadOnly, clock);
  if (!d) {
    return Failure{kExitNotFound, "cannot open " + *data + "/nightjar.db: " + d.error().ToString()};
  }
  auto stream = FindStreamId(**d, o.camera, *kind);
  if (!stream) return Failure{kExitNotFound, stream.error().message()};
  PosixFs fs;
  auto plan = storage::PlanRange(storage::DatabaseCatalog(std::move(*d)), fs, *stream, *from, *to);
  if (!plan) return Failure{kExitNotFound, plan.error().message()};
  OutputFile out(o.out);
  Result<void> ok = out.Open();
  if (ok) ok = ts ? WriteTs(*plan, out) : WriteMp4(*plan, out);
  if (ok) ok = out.Commit();
  if (!ok) return Failure{kExitNotFound, ok.error().ToString()};
  std::fprintf(stderr, "export: wrote %s: %llu bytes, %zu recording%s, %s .. %s\n", o.out.c_str(),
               static_cast<unsigned long long>(out.written()), plan->recordings.size(),
               plan->recordings.size() == 1 ? "" : "s", FormatLocalDateTime(plan->start).c_str(),
               FormatLocalDateTime(plan->end).c_str());
  return std::nullopt;
}

}  // namespace

Command RegisterExport(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  app.add_option("--camera", o->camera, "Camera short name (e.g. cam1)")->required();
  app.add_option("--stream", o->stream, "main or sub")->default_str("main");
  app.add_option("--from", o->from, "Start: 2026-02-19T14:00:00 (local) or ISO 8601 with an offset")
      ->required();
  app.add_option("--to", o->to, "End (exclusive), in the same forms as --from")->required();
  app.add_option("-o,--output", o->out, "Output file: .mp4 or .ts")->required();
  AddDataDirOptions(app, o->dir);
  return [o] {
    if (auto failure = Export(*o)) {
      std::fprintf(stderr, "export: %s\n", failure->message.c_str());
      return failure->code;
    }
    return kExitOk;
  };
}

}  // namespace nightjar::cli
