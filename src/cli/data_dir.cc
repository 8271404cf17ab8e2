#include "cli/data_dir.h"

#include "config/daemon_config.h"

namespace nightjar::cli {

void AddDataDirOptions(CLI::App& app, DataDirOptions& o) {
  app.add_option("--data", o.data, "Data directory (holds nightjar.db)");
  app.add_option("--config", o.config, "nightjar.toml; its [storage] base_path is the data dir");
}

Result<std::string> ResolveDataDir(const DataDirOptions& o) {
  if (!o.data.empty()) return o.data;
  if (o.config.empty()) return std::string("./nightjar-data");
  // The daemon's own reader: a file `nightjar run` refuses is refused here too, with the same
  // "file:line: key: message".
  NJ_TRY(config::DaemonConfig c, config::LoadDaemonConfig(o.config));
  return c.base_path;
}

}  // namespace nightjar::cli
