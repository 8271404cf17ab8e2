#include "cli/data_dir.h"

#include <toml++/toml.h>

namespace nightjar::cli {

void AddDataDirOptions(CLI::App& app, DataDirOptions& o) {
  app.add_option("--data", o.data, "Data directory (holds nightjar.db)");
  app.add_option("--config", o.config, "nightjar.toml; its [storage] base_path is the data dir");
}

Result<std::string> ResolveDataDir(const DataDirOptions& o) {
  if (!o.data.empty()) return o.data;
  if (o.config.empty()) return std::string("./nightjar-data");
  toml::table parsed;
  try {  // Debian's toml++ reports errors by exception: converted here, at the adapter
    parsed = toml::parse_file(o.config);
  } catch (const toml::parse_error& e) {
    return Err(ErrorCode::kInvalidArgument, o.config + ":" + std::to_string(e.source().begin.line) +
                                                ": " + std::string(e.description()));
  }
  auto base = parsed["storage"]["base_path"].value<std::string>();
  if (!base) {
    return Err(ErrorCode::kInvalidArgument, o.config + ": [storage] base_path is not set");
  }
  return *base;
}

}  // namespace nightjar::cli
