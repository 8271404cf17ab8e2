// `nightjar run` (alias `record`): reads nightjar.toml (docs/config.md) and runs the daemon
// (app/daemon.h) until SIGINT/SIGTERM.
#include <cstdio>

#include "app/daemon.h"
#include "base/logging.h"
#include "cli/commands.h"
#include "config/daemon_config.h"

namespace nightjar::cli {
namespace {

struct RunOptions {
  std::string config;
  std::string data;
  std::string log_level;
};

int Run(const RunOptions& o) {
  config::DaemonConfig config;
  if (!o.config.empty()) {
    auto c = config::LoadDaemonConfig(o.config);
    if (!c) {
      std::fprintf(stderr, "nightjar run: %s\n", c.error().message().c_str());
      return kExitUsage;
    }
    config = std::move(*c);
  }
  if (!o.data.empty()) config.base_path = o.data;
  if (!o.log_level.empty()) config.log_level = o.log_level;
  // The last lines stay in memory for GET /api/system/log.
  auto tail = std::make_shared<LogTail>();
  if (auto ok = InitLogging(config.log_level, config.log_json, tail); !ok) {
    std::fprintf(stderr, "nightjar run: %s\n", ok.error().message().c_str());
    return kExitUsage;
  }
  app::DaemonOptions options;
  options.log_tail = tail;
  app::Daemon daemon(std::move(config), options);
  auto ran = daemon.Run();  // errors are logged where they happen
  if (ran) return kExitOk;
  return ran.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitNotFound;
}

}  // namespace

Command RegisterRun(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  app.add_option("--config", o->config, "nightjar.toml (without it: ./nightjar-data, no cameras)");
  app.add_option("--data", o->data, "Data directory (overrides [storage] base_path)");
  app.add_option("--log-level", o->log_level, "trace, debug, info, warn, error");
  return [o] { return Run(*o); };
}

}  // namespace nightjar::cli
