// The `nightjar` subcommands. Each registers its options on the CLI11 app and returns the
// callback that runs it; cli/ is the only module that wires real clocks, disks and sockets.
#ifndef NIGHTJAR_CLI_COMMANDS_H_
#define NIGHTJAR_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace nightjar::cli {

// Returns the process exit code.
using Command = std::function<int()>;

Command RegisterFakecam(CLI::App& app);
Command RegisterCheck(CLI::App& app);
// Subcommands whose capability has not landed yet: they say so and exit non-zero.
void RegisterPending(CLI::App& app, std::function<void(Command)> select);

}  // namespace nightjar::cli

#endif  // NIGHTJAR_CLI_COMMANDS_H_
