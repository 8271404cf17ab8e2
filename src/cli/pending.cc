#include <array>
#include <cstdio>
#include <string>

#include "cli/commands.h"

namespace nightjar::cli {
namespace {

struct Pending {
  const char* name;
  const char* help;
  const char* capability;
};

// Each of these is a real subcommand of the product whose engine is still being built; until it
// lands it refuses to run rather than print anything that looks like a result.
constexpr std::array<Pending, 0> kPending{};

}  // namespace

void RegisterPending(CLI::App& app, const std::function<void(Command)>& select) {
  for (const Pending& p : kPending) {
    auto* sub = app.add_subcommand(p.name, p.help);
    sub->allow_extras();
    sub->final_callback([p, select] {
      select([p] {
        std::fprintf(stderr,
                     "nightjar %s: not available in this build: the %s has not landed yet\n",
                     p.name, p.capability);
        return 3;
      });
    });
  }
}

}  // namespace nightjar::cli
