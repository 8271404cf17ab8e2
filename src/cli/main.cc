// nightjar: the one binary. See docs/ARCHITECTURE.md.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Nightjar network video recorder", "nightjar"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nightjar 0.1.0");
  nightjar::cli::Command selected;
  auto select = [&selected](nightjar::cli::Command c) { selected = std::move(c); };

  auto* fakecam = app.add_subcommand("fakecam", "Serve simulated cameras over RTSP from clips");
  auto fakecam_cmd = nightjar::cli::RegisterFakecam(*fakecam);
  fakecam->final_callback([&] { select(fakecam_cmd); });
  auto* check = app.add_subcommand("check", "Verify the storage invariants (fsck)");
  auto check_cmd = nightjar::cli::RegisterCheck(*check);
  check->final_callback([&] { select(check_cmd); });
  nightjar::cli::RegisterPending(app, select);

  CLI11_PARSE(app, argc, argv);
  return selected ? selected() : 2;
}
