#include "app/daemon.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "app/auth_setup.h"
#include "app/camera_store.h"
#include "app/cameras.h"
#include "app/catalog.h"
#include "app/live.h"
#include "app/media.h"
#include "app/probes.h"
#include "app/status_file.h"
#include "app/stop_signals.h"
#include "app/system.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/version.h"
#include "config/secret_box.h"
#include "http/handlers/api.h"
#include "http/server.h"
#include "ingest/supervisor.h"
#include "storage/engine.h"

namespace nightjar::app {
namespace {

namespace asio = boost::asio;

storage::EngineOptions EngineOptionsFor(const config::DaemonConfig& c) {
  storage::EngineOptions o;
  o.checkpoint_interval = c.checkpoint;
  o.recording_duration = c.segment_duration;
  o.dirs = c.dirs;
  o.min_free_bytes = static_cast<uint64_t>(c.min_free_bytes);
  // Listing millions of sample files must not delay recording: after the start.
  o.file_scan = storage::EngineOptions::FileScan::kInBackground;
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

// The running services, wired: what the HTTP API sees and what shutdown stops in order.
struct Services {
  Services(asio::io_context& io, storage::Engine& engine, const Clock& clock, Fs& fs,
           const config::DaemonConfig& c, const config::SecretBox& box)
      : supervisor(io, engine, clock, SupervisorOptionsFor(c)),
        store(engine, box),
        cameras(supervisor, store),
        live(supervisor, clock),
        catalog(engine),
        media(engine, fs),
        system(engine, c.base_path),
        probes(io, supervisor, std::chrono::seconds(c.rtsp_timeout_secs)) {
    cameras.AddListener(&live);
  }
  static ingest::SupervisorOptions SupervisorOptionsFor(const config::DaemonConfig& c) {
    ingest::SupervisorOptions so;
    so.total_budget_bytes = c.total_budget_bytes;
    so.timeout = std::chrono::seconds(c.rtsp_timeout_secs);
    so.recording_duration = c.segment_duration;
    return so;
  }
  ingest::Supervisor supervisor;
  CameraStore store;
  Cameras cameras;
  LiveViews live;
  Catalog catalog;
  Media media;
  System system;
  Probes probes;
};

}  // namespace

Daemon::Daemon(config::DaemonConfig config, DaemonOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

void Daemon::RequestStop() {
  std::lock_guard lock(stop_mu_);
  if (stop_requested_) return;
  stop_requested_ = true;
  stop_.set_value();
}

Result<void> Daemon::Run() {
  const config::DaemonConfig& config = config_;
  if (auto ok = CheckAuthConfig(config); !ok) {
    spdlog::error("{}", ok.error().message());
    return ok;
  }
  // Everything the daemon creates is its user's alone: the database holds password and token
  // hashes, the data directory the keys and the footage (docs/security.md). A database left
  // readable by an older version or by hand is made private too.
  ::umask(0077);
  if (const std::string db_path = config.base_path + "/nightjar.db";
      std::filesystem::exists(db_path)) {
    std::error_code ec;
    using std::filesystem::perms;
    const perms mode = std::filesystem::status(db_path, ec).permissions();
    if (!ec && (mode & (perms::group_all | perms::others_all)) != perms::none) {
      std::filesystem::permissions(db_path, perms::group_all | perms::others_all,
                                   std::filesystem::perm_options::remove, ec);
      spdlog::info("{}: made readable by its owner only", db_path);
    }
  }
  PosixFs fs;
  RealClock clock;
  auto engine = storage::Engine::Open(fs, clock, config.base_path, EngineOptionsFor(config));
  if (!engine) {
    spdlog::error("cannot open the data directory {}: {}", config.base_path,
                  engine.error().ToString());
    return Err(ErrorCode::kNotFound, engine.error().message());
  }
  LogRecovery((*engine)->recovery());
  auto box = config::SecretBox::LoadOrCreate(config.base_path + "/" +
                                             std::string(config::SecretBox::kKeyFileName));
  if (!box) {
    spdlog::error("camera secrets key: {}", box.error().ToString());
    return Err(ErrorCode::kNotFound, box.error().message());
  }

  DaemonAuth authn;
  if (config.api_enabled && config.auth) {
    auto started = StartAuth(config, **engine, clock, *box, options_.log_tail.get());
    if (!started) {
      spdlog::error("authentication: {}", started.error().ToString());
      return std::unexpected(started.error());
    }
    authn = std::move(*started);
  } else if (config.api_enabled) {
    spdlog::warn(
        "AUTHENTICATION IS OFF ([api] auth = false): anyone who can reach {}:{} may watch, "
        "export and change everything",
        config.listen, config.port);
  }

  asio::io_context io(config.io_threads);
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(config.io_threads));
  for (int i = 0; i < config.io_threads; ++i) threads.emplace_back([&io] { io.run(); });

  StopSignals stop_signals;
  asio::signal_set signals(io);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signo) {
    if (ec) return;
    switch (stop_signals.OnSignal(clock.MonotonicNanos())) {
      case StopSignals::Action::kStop:
        spdlog::info("signal {}: finishing recordings and shutting down", signo);
        RequestStop();
        break;
      case StopSignals::Action::kSame:
        spdlog::info("signal {}: already shutting down", signo);
        break;
      case StopSignals::Action::kExitNow:
        spdlog::warn("signal {} again: exiting now (the next start recovers)", signo);
        std::_Exit(1);
    }
    signals.async_wait(on_signal);
  };
  if (options_.handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait(on_signal);
  }

  Result<void> result = Ok();
  {
    Services s(io, **engine, clock, fs, config, *box);
    for (const auto& failed : s.cameras.Start(config.cameras)) {
      spdlog::error("camera {}", failed);
      result = Err(ErrorCode::kInvalidArgument, "camera " + failed);
    }
    // HTTP: handlers and streamed bodies block on SQLite and disks, so they run on this pool.
    // More threads than cores: a piece waiting on a cold disk read (tens of ms on a busy
    // spinning disk) must not hold up the other clients' exports, playlists and status.
    asio::thread_pool http_pool(std::max(4u, 2 * std::thread::hardware_concurrency()));
    http::RequestMetrics metrics;
    std::unique_ptr<http::Server> server;
    if (result && config.api_enabled) {
      http::ServerOptions ho;
      ho.listen_address = config.listen;
      ho.port = config.port;
      ho.tls_cert_file = config.tls_cert;
      ho.tls_key_file = config.tls_key;
      http::Router router;
      http::ApiContext ctx;
      ctx.cameras = &s.cameras;
      ctx.catalog = &s.catalog;
      ctx.media = &s.media;
      ctx.live = &s.live;
      ctx.system = &s.system;
      ctx.auth = authn.auth.get();
      ctx.probe = &s.probes;
      ctx.log_tail = options_.log_tail.get();
      ctx.metrics = &metrics;
      ctx.clock = &clock;
      ctx.started = clock.Now();
      ctx.version = std::string(kVersion);
      ctx.web_dir = config.web_dir;
      http::AddApiRoutes(router, ctx);
      if (authn.auth) router.SetGuard(auth::MakeGuard(*authn.auth, authn.guard));
      if (auto checked = router.Check(); !checked) {
        spdlog::error("route table: {}", checked.error().ToString());
        result = Err(ErrorCode::kInternal, checked.error().message());
      } else {
        server = std::make_unique<http::Server>(io, http_pool, ho, std::move(router), metrics);
        if (auto ok = server->Start(); !ok) {
          spdlog::error("HTTP on {}:{}: {}", config.listen, config.port, ok.error().ToString());
          result = Err(ErrorCode::kIo, ok.error().message());
        } else {
          spdlog::info("HTTP API on {}://{}:{}/api/", server->tls() ? "https" : "http",
                       config.listen, server->port());
        }
      }
    }
    const std::string status_path = config.base_path + "/status.json";
    if (result) {
      spdlog::info("recording {} camera(s) into {}", s.supervisor.cameras().size(),
                   config.base_path);
      auto stopped = stop_.get_future();
      RetentionAuditor retention;
      // The calendar's days of every stream, read once on a thread of their own from the first
      // tick, a second after the start (the cameras' first rows go first).
      std::atomic<bool> warm_stop{false};
      std::thread warm_days;
      // Each second: notice user changes made by `nightjar user ...` (Authenticator::Poll);
      // every other second: the status file.
      for (int tick = 0; stopped.wait_for(std::chrono::seconds(1)) != std::future_status::ready;
           ++tick) {
        if (tick == 0 && config.api_enabled) {
          warm_days =
              std::thread([&warm_stop, &catalog = s.catalog] { catalog.WarmDays(warm_stop); });
        }
        if (authn.auth) {
          if (auto polled = authn.auth->Poll(); !polled) {
            spdlog::warn("authentication: reloading users: {}", polled.error().ToString());
          }
          retention.Poll(**engine, *authn.auth);
        }
        if (tick % 2 == 1) WriteStreamStatus(status_path, s.supervisor.Stats(), clock.Now());
      }
      warm_stop = true;
      if (warm_days.joinable()) warm_days.join();
    }
    s.live.EndAll();  // live viewers' feeds and waiting playlist requests end now
    if (server) {
      server->Stop();
      server->WaitStopped();
    }
    s.supervisor.StopAll();  // every streamer tears down and finalizes its recording
    if (authn.auth) (void)authn.auth->FlushActivity();
    http_pool.join();
    RemoveStreamStatus(status_path);
  }
  engine->reset();  // writers finish, a clean shutdown is recorded
  signals.cancel();
  work.reset();
  io.stop();
  for (auto& t : threads) t.join();
  spdlog::info("stopped");
  return result;
}

}  // namespace nightjar::app
