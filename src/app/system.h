// The system service (http::SystemService): storage use per sample-file directory and stream,
// and the engine's counters, for /api/status and /metrics.
//
// Threading: blocking (SQLite, statfs outside the database lock); thread-safe.
#ifndef NIGHTJAR_APP_SYSTEM_H_
#define NIGHTJAR_APP_SYSTEM_H_

#include <string>

#include "http/services/system.h"
#include "storage/engine.h"

namespace nightjar::app {

class System final : public http::SystemService {
 public:
  System(storage::Engine& engine, std::string data_dir)
      : engine_(engine), data_dir_(std::move(data_dir)) {}

  Result<http::StorageStatus> Storage() override;
  Result<http::Counters> GetCounters() override;

 private:
  storage::Engine& engine_;
  const std::string data_dir_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_SYSTEM_H_
