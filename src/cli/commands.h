// The `nightjar` subcommands. Each registers its options on the CLI11 app and returns the
// callback that runs it; cli/ is the only module that wires real clocks, disks and sockets.
#ifndef NIGHTJAR_CLI_COMMANDS_H_
#define NIGHTJAR_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace nightjar::cli {

// Returns the process exit code.
using Command = std::function<int()>;

// Exit codes of the offline subcommands (status, list); main() maps command-line parse errors to
// kExitUsage too.
inline constexpr int kExitOk = 0;
inline constexpr int kExitNotFound = 1;  // no such camera/stream/database, or it cannot be read
inline constexpr int kExitUsage = 2;     // a malformed option value (a time, a config file)

Command RegisterFakecam(CLI::App& app);
Command RegisterCheck(CLI::App& app);
// The recording daemon: run.cc (config.cc reads nightjar.toml).
Command RegisterRun(CLI::App& app);
// Offline, read-only (they work while `nightjar run` records): status.cc, list.cc.
Command RegisterStatus(CLI::App& app);
Command RegisterList(CLI::App& app);
// `nightjar export`: a time range to .mp4 or .ts through the serving code (export.cc).
Command RegisterExport(CLI::App& app);
// Users, rights, API keys, TOTP (user.cc, user_session.cc) and the audit log (audit.cc).
Command RegisterUser(CLI::App& app);
Command RegisterAudit(CLI::App& app);
// Subcommands whose capability has not landed yet: they say so and exit non-zero.
void RegisterPending(CLI::App& app, const std::function<void(Command)>& select);

}  // namespace nightjar::cli

#endif  // NIGHTJAR_CLI_COMMANDS_H_
