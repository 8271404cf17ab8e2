// The daemon of `nightjar run`: the one place that wires real clocks, disks and sockets. It opens
// the storage engine (recovering what a crash left), starts the cameras (config file, then those
// added through the API), serves the HTTP API and web UI, publishes <data>/status.json for the
// offline `nightjar status`, and shuts down gracefully: live viewers ended, the HTTP server
// drained, every stream torn down with its recording finalized, the engine closed cleanly.
//
// Threads: `io_threads` run the io_context (every RTSP session and HTTP connection); the
// supervisor's pool does the streamers' SQLite work; a pool of 2 threads per core (at least 4)
// runs HTTP handlers and body reads; the engine has its writer and maintenance threads; the
// thread that calls Run waits for the stop request and refreshes status.json every 2 s.
#ifndef NIGHTJAR_APP_DAEMON_H_
#define NIGHTJAR_APP_DAEMON_H_

#include <future>
#include <memory>
#include <mutex>

#include "base/error.h"
#include "base/log_tail.h"
#include "config/daemon_config.h"

namespace nightjar::app {

struct DaemonOptions {
  // SIGINT/SIGTERM request the stop; repeats within 2 s are the same request, a later one exits
  // at once (the next start recovers). app/stop_signals.h.
  bool handle_signals = true;
  // The log tail InitLogging feeds, served at GET /api/system/log; none: that route is 404.
  std::shared_ptr<LogTail> log_tail;
};

class Daemon {
 public:
  Daemon(config::DaemonConfig config, DaemonOptions options = {});

  // Runs until RequestStop (or a signal), then shuts down. Errors: kNotFound when the data
  // directory cannot be opened; kInvalidArgument when a camera of the config file cannot start;
  // kIo when the HTTP server cannot listen (each logged here as it happens). Call once.
  Result<void> Run();
  // Thread-safe; idempotent.
  void RequestStop();

 private:
  const config::DaemonConfig config_;
  const DaemonOptions options_;
  std::mutex stop_mu_;
  bool stop_requested_ = false;
  std::promise<void> stop_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_DAEMON_H_
