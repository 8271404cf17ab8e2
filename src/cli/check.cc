// `nightjar check [--data DIR | --config F] [--hash] [--repair]`: the storage fsck.
#include <cstdio>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/data_dir.h"
#include "storage/check.h"

namespace nightjar::cli {
namespace {

struct CheckCliOptions {
  DataDirOptions dir;
  storage::CheckOptions check;
  bool verbose = false;
};

int RunCheck(const CheckCliOptions& o) {
  auto data = ResolveDataDir(o.dir);
  if (!data) {
    std::fprintf(stderr, "check: %s\n", data.error().message().c_str());
    return 2;
  }
  PosixFs fs;
  RealClock clock;
  auto report = storage::Check(fs, clock, *data, o.check);
  if (!report) {
    std::fprintf(stderr, "check: %s\n", report.error().ToString().c_str());
    return 2;
  }
  for (const auto& n : report->notes) {
    if (o.verbose || n.starts_with("moved")) std::printf("note: %s\n", n.c_str());
  }
  for (const auto& p : report->problems) std::printf("problem: %s\n", p.c_str());
  std::printf(
      "check: %lld recordings, %lld sample files%s: %s\n",
      static_cast<long long>(report->recordings), static_cast<long long>(report->files),
      o.check.hash ? (", " + std::to_string(report->bytes_hashed) + " bytes hashed").c_str() : "",
      report->ok() ? "clean" : (std::to_string(report->problems.size()) + " problems").c_str());
  return report->ok() ? 0 : 1;
}

}  // namespace

Command RegisterCheck(CLI::App& app) {
  auto o = std::make_shared<CheckCliOptions>();
  AddDataDirOptions(app, o->dir);
  app.add_flag("--hash", o->check.hash, "Also read every sample file and compare its hash");
  app.add_flag("--repair", o->check.repair,
               "Move files no recording names to trash/ (only with `nightjar run` stopped)");
  app.add_flag("-v,--verbose", o->verbose, "Print notes too (recordings being written, ...)");
  return [o] { return RunCheck(*o); };
}

}  // namespace nightjar::cli
