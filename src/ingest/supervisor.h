// The camera supervisor: one Streamer per stream of every camera (main, and sub when
// configured), started, stopped, added and removed while the others keep recording. Owns the
// per-stream retention budgets derived from the total budget.
//
// Threading: AddCamera, RemoveCamera and StopAll block (database work, waiting for streamers to
// finalize their recordings); call them from a thread that is not running the io_context (the
// main thread, or the HTTP server's blocking pool). Stats and cameras() may be called from any
// thread. The io_context must keep running while they wait.
#ifndef NIGHTJAR_INGEST_SUPERVISOR_H_
#define NIGHTJAR_INGEST_SUPERVISOR_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "ingest/camera_config.h"
#include "ingest/camera_runner.h"
#include "ingest/stream_stats.h"
#include "ingest/streamer.h"
#include "storage/engine.h"

namespace nightjar::ingest {

// The client options a camera's stream connects with: `url` (the camera's url or sub_url), the
// camera's credentials (over those in the URL), transport and audio; `timeout` per step. The
// streamers and the connection probe (probe.h) both use it.
rtsp::ClientOptions ClientOptionsFor(const CameraConfig& camera, const std::string& url,
                                     std::chrono::milliseconds timeout);

struct SupervisorOptions {
  // Total bytes all streams may keep, shared out to cameras without their own retain_bytes (a
  // main stream weighs 4, a sub stream 1). 0: no byte budget (free space decides, see
  // EngineOptions::min_free_bytes).
  int64_t total_budget_bytes = 0;
  BackoffOptions backoff;
  std::chrono::milliseconds timeout{10000};                       // RTSP replies and media silence
  Duration90k recording_duration = Duration90k::FromSeconds(60);  // staggers spread over it
};

class Supervisor final : public CameraRunner {
 public:
  Supervisor(boost::asio::io_context& io, storage::Engine& engine, const Clock& clock,
             SupervisorOptions options);
  ~Supervisor() override;  // StopAll()

  // Creates (or reuses) the camera's database rows and starts its streams. kAlreadyExists if a
  // camera with this id runs; kInvalidArgument for an invalid configuration.
  Result<void> AddCamera(const CameraConfig& camera) override;
  // Stops the camera's streams, finalizing their recordings; its recordings stay. kNotFound.
  Result<void> RemoveCamera(const std::string& id) override;
  // Replaces a running camera's name and retention settings without touching its streams (the
  // new budgets apply at once). kNotFound; kInvalidArgument when `camera` differs in anything
  // its connections depend on (SameConnections), which needs RemoveCamera + AddCamera instead.
  Result<void> UpdateSettings(const CameraConfig& camera) override;
  // Stops everything (graceful shutdown). Idempotent.
  void StopAll();

  std::vector<CameraConfig> cameras() const override;
  std::vector<StreamStats> Stats() const override;
  bool AddObserver(const std::string& camera, db::StreamKind kind,
                   std::shared_ptr<media::FrameObserver> observer) override;
  // The streamer of a camera's stream (live view attaches observers), or null.
  std::shared_ptr<Streamer> Find(const std::string& camera, db::StreamKind kind) const;

 private:
  struct Running {
    CameraConfig config;
    int64_t camera_id = 0;
    std::vector<std::shared_ptr<Streamer>> streamers;
  };
  Result<void> ApplyBudgets();
  static void StopStreamers(const std::vector<std::shared_ptr<Streamer>>& streamers);

  boost::asio::io_context& io_;
  storage::Engine& engine_;
  const Clock& clock_;
  const SupervisorOptions options_;
  boost::asio::thread_pool blocking_{1};  // SQLite work of the streamers, off the io threads
  mutable std::mutex mu_;
  std::map<std::string, Running> cameras_;  // guarded by mu_
  uint64_t started_streams_ = 0;            // guarded by mu_; spreads the staggers
};

}  // namespace nightjar::ingest

#endif  // NIGHTJAR_INGEST_SUPERVISOR_H_
