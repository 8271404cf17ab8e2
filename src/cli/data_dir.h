// Where the offline subcommands find the data directory: --data DIR, or [storage] base_path of
// the --config file (read by the daemon's own config reader), or ./nightjar-data.
#ifndef NIGHTJAR_CLI_DATA_DIR_H_
#define NIGHTJAR_CLI_DATA_DIR_H_

#include <CLI/CLI.hpp>
#include <string>

#include "base/error.h"

namespace nightjar::cli {

struct DataDirOptions {
  std::string data;
  std::string config;
};

void AddDataDirOptions(CLI::App& app, DataDirOptions& o);
Result<std::string> ResolveDataDir(const DataDirOptions& o);

}  // namespace nightjar::cli

#endif  // NIGHTJAR_CLI_DATA_DIR_H_
