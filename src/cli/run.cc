// `nightjar run` (alias `record`): opens the storage engine (recovering what a crash left),
// starts a streamer per configured camera stream, and shuts down gracefully on SIGINT/SIGTERM:
// streams torn down, open recordings finalized, the database closed cleanly.
//
// Threads: `io_threads` run the io_context (every RTSP session and HTTP connection); the
// supervisor's pool does the streamers' SQLite work; a pool of 2 threads per core (at least 4)
// runs HTTP handlers and body reads; the engine has its writer and maintenance threads; the main
// thread waits for a signal and refreshes <data>/status.json (live stream stats for `nightjar
// status`).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/fs.h"
#include "base/logging.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/daemon_backend.h"
#include "cli/stream_status.h"
#include "http/handlers/api.h"
#include "http/server.h"
#include "ingest/supervisor.h"
#include "storage/engine.h"

namespace nightjar::cli {
namespace {

namespace asio = boost::asio;

struct RunOptions {
  std::string config;
  std::string data;
  std::string log_level;
};

storage::EngineOptions EngineOptionsFor(const Config& c) {
  storage::EngineOptions o;
  o.checkpoint_interval = c.checkpoint;
  o.recording_duration = c.segment_duration;
  o.dirs = c.dirs;
  o.min_free_bytes = static_cast<uint64_t>(c.min_free_bytes);
  size_t streams = 0;
  for (const auto& cam : c.cameras) streams += cam.sub_url ? 2 : 1;
  o.writer.max_pending_bytes =
      c.writer_queue_bytes.value_or(std::max<size_t>(size_t{64} << 20, streams << 20));
  return o;
}

void LogRecovery(const storage::RecoveryReport& r) {
  if (r.recovered_from_checkpoint || r.discarded_writing || r.finished_deleting) {
    spdlog::warn(
        "recovery: {} recording(s) kept up to their last checkpoint, {} empty one(s) removed, {} "
        "deletion(s) finished",
        r.recovered_from_checkpoint, r.discarded_writing, r.finished_deleting);
  }
  for (const auto& f : r.unknown_files) {
    spdlog::warn("recovery: {} has no database row; left untouched", f);
  }
}

// The config file's cameras, then those added through the API in earlier runs (the config file
// wins for an id both name). False when a configured camera cannot start.
bool AddCameras(const Config& config, ingest::Supervisor& supervisor, storage::Engine& engine) {
  bool ok = true;
  std::set<std::string> ids;
  for (const auto& cam : config.cameras) {
    ids.insert(cam.id);
    if (auto r = supervisor.AddCamera(cam); !r) {
      spdlog::error("camera {}: {}", cam.id, r.error().ToString());
      ok = false;
    }
  }
  auto api = LoadApiCameras(engine);
  if (!api) {
    spdlog::error("cameras added through the API: {}", api.error().ToString());
    return ok;
  }
  for (const auto& cam : *api) {
    if (ids.contains(cam.id)) continue;
    if (auto r = supervisor.AddCamera(cam); !r) {
      spdlog::error("camera {} (added through the API): {}", cam.id, r.error().ToString());
    }
  }
  return ok;
}

int Run(const RunOptions& o) {
  Config config;
  if (!o.config.empty()) {
    auto c = LoadConfig(o.config);
    if (!c) {
      std::fprintf(stderr, "nightjar run: %s\n", c.error().message().c_str());
      return kExitUsage;
    }
    config = std::move(*c);
  }
  if (!o.data.empty()) config.base_path = o.data;
  if (!o.log_level.empty()) config.log_level = o.log_level;
  if (auto ok = InitLogging(config.log_level, config.log_json); !ok) {
    std::fprintf(stderr, "nightjar run: %s\n", ok.error().message().c_str());
    return kExitUsage;
  }

  PosixFs fs;
  RealClock clock;
  auto engine = storage::Engine::Open(fs, clock, config.base_path, EngineOptionsFor(config));
  if (!engine) {
    spdlog::error("cannot open the data directory {}: {}", config.base_path,
                  engine.error().ToString());
    return kExitNotFound;
  }
  LogRecovery((*engine)->recovery());

  asio::io_context io(config.io_threads);
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < config.io_threads; ++i) threads.emplace_back([&io] { io.run(); });

  std::promise<int> stop;
  int signals_seen = 0;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signo) {
    if (ec) return;
    if (++signals_seen == 1) {
      spdlog::info("signal {}: finishing recordings and shutting down", signo);
      stop.set_value(signo);
    } else {
      spdlog::warn("second signal: exiting now (the next start recovers)");
      std::_Exit(1);
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  ingest::SupervisorOptions so;
  so.total_budget_bytes = config.total_budget_bytes;
  so.timeout = std::chrono::seconds(config.rtsp_timeout_secs);
  so.recording_duration = config.segment_duration;
  int exit_code = kExitOk;
  {
    ingest::Supervisor supervisor(io, **engine, clock, so);
    DaemonBackend backend(supervisor, **engine, config.base_path);
    if (!AddCameras(config, supervisor, **engine)) exit_code = kExitUsage;
    for (const auto& c : supervisor.cameras()) backend.AttachLive(c.id);
    // HTTP: handlers and streamed bodies block on SQLite and disks, so they run on this pool.
    // More threads than cores: a piece waiting on a cold disk read (tens of ms on a busy
    // spinning disk) must not hold up the other clients' exports, playlists and status.
    asio::thread_pool http_pool(std::max(4u, 2 * std::thread::hardware_concurrency()));
    http::RequestMetrics metrics;
    std::unique_ptr<http::Server> server;
    if (exit_code == kExitOk && config.api_enabled) {
      http::ServerOptions ho;
      ho.listen_address = config.listen;
      ho.port = config.port;
      ho.tls_cert_file = config.tls_cert;
      ho.tls_key_file = config.tls_key;
      http::Router router;
      http::AddApiRoutes(router, http::ApiContext{&backend, &metrics, &clock, clock.Now(), "0.1.0",
                                                  config.web_dir});
      server = std::make_unique<http::Server>(io, http_pool, ho, std::move(router), metrics);
      if (auto ok = server->Start(); !ok) {
        spdlog::error("HTTP on {}:{}: {}", config.listen, config.port, ok.error().ToString());
        exit_code = kExitNotFound;
      } else {
        spdlog::info("HTTP API on {}://{}:{}/api/", server->tls() ? "https" : "http", config.listen,
                     server->port());
      }
    }
    if (exit_code == kExitOk) {
      spdlog::info("recording {} camera(s) into {}", supervisor.cameras().size(), config.base_path);
      auto stopped = stop.get_future();
      const std::string status_path = config.base_path + "/status.json";
      while (stopped.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
        WriteStreamStatus(status_path, supervisor.Stats(), clock.Now());
      }
    }
    backend.EndLive();  // live viewers' feeds and waiting playlist requests end now
    if (server) {
      server->Stop();
      server->WaitStopped();
    }
    supervisor.StopAll();  // every streamer tears down and finalizes its recording
    http_pool.join();
    std::error_code ec;
    std::filesystem::remove(config.base_path + "/status.json", ec);
  }
  engine->reset();  // writers finish, a clean shutdown is recorded
  work.reset();
  io.stop();
  for (auto& t : threads) t.join();
  spdlog::info("stopped");
  return exit_code;
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
