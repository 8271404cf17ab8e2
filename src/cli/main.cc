// nightjar: the one binary. See docs/ARCHITECTURE.md.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/version.h"
#include "cli/commands.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"Nightjar network video recorder", "nightjar"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nightjar " + std::string(nightjar::kVersion));
  nightjar::cli::Command selected;
  auto select = [&selected](nightjar::cli::Command c) { selected = std::move(c); };
  auto add = [&](const char* name, const char* help, nightjar::cli::Command (*reg)(CLI::App&)) {
    auto* sub = app.add_subcommand(name, help);
    auto cmd = reg(*sub);
    sub->final_callback([cmd, select] { select(cmd); });
  };

  add("fakecam", "Serve simulated cameras over RTSP from clips", nightjar::cli::RegisterFakecam);
  add("check", "Verify the storage invariants (fsck)", nightjar::cli::RegisterCheck);
  add("status", "Show the state of the data directory (offline, read-only)",
      nightjar::cli::RegisterStatus);
  add("list", "List recordings of a camera stream, grouped into runs (offline, read-only)",
      nightjar::cli::RegisterList);
  add("export", "Export a time range of a camera to .mp4 or .ts (offline, read-only)",
      nightjar::cli::RegisterExport);
  add("run", "Record every configured camera and serve HTTP + web UI", nightjar::cli::RegisterRun);
  add("record", "Alias of run (the seed NVR's name)", nightjar::cli::RegisterRun);
  add("user", "Manage users, camera rights, API keys and TOTP (offline)",
      nightjar::cli::RegisterUser);
  add("audit", "Show the audit log (offline, read-only)", nightjar::cli::RegisterAudit);
  nightjar::cli::RegisterPending(app, select);

  try {  // CLI11 reports parse errors by exception: converted here, to the usage exit code
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints the message (or --help / --version)
    return code == 0 ? 0 : nightjar::cli::kExitUsage;
  }
  return selected ? selected() : nightjar::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Errors are values everywhere below; anything thrown is a bug (or out of memory): say so
  // instead of letting std::terminate abort without a word.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nightjar: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "nightjar: internal error\n");
  }
  return 70;  // EX_SOFTWARE
}
