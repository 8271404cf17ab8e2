// The HTTP API's view of the running daemon (http::Backend): cameras and live stream stats from
// the supervisor, storage and recordings from the engine's database, cameras added through the
// API persisted in the database (camera.config_json, from_api = 1) so they survive restarts.
//
// Thread safety: every method may block and may be called from several HTTP pool threads at
// once; the supervisor and the engine serialize what they must.
#ifndef NIGHTJAR_CLI_DAEMON_BACKEND_H_
#define NIGHTJAR_CLI_DAEMON_BACKEND_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/fs.h"
#include "http/backend.h"
#include "ingest/supervisor.h"
#include "live/live_stream.h"
#include "storage/engine.h"
#include "storage/media_source.h"

namespace nightjar::cli {

class DaemonBackend final : public http::Backend {
 public:
  DaemonBackend(ingest::Supervisor& supervisor, storage::Engine& engine, std::string data_dir)
      : supervisor_(supervisor), engine_(engine), data_dir_(std::move(data_dir)) {}

  Result<std::vector<http::CameraInfo>> ListCameras() override;
  Result<void> AddCamera(const http::CameraSpec& spec) override;
  Result<void> RemoveCamera(std::string_view id) override;
  Result<bool> UpdateCamera(std::string_view id, const CameraChange& change) override;
  Result<http::StorageStatus> Storage() override;
  Result<http::RecordingList> ListRecordings(std::string_view camera, std::string_view stream,
                                             std::optional<Time90k> from,
                                             std::optional<Time90k> to) override;
  Result<std::vector<std::pair<Time90k, Time90k>>> RecordingSpans(std::string_view camera,
                                                                  std::string_view stream) override;
  Result<http::Counters> GetCounters() override;
  Result<http::MediaBody> OpenMp4(std::string_view camera, std::string_view stream, Time90k from,
                                  Time90k to) override;
  // daemon_media.cc
  Result<http::StreamBody> OpenTs(std::string_view camera, std::string_view stream, Time90k from,
                                  Time90k to) override;
  Result<std::vector<http::VodSegment>> VodSegments(std::string_view camera,
                                                    std::string_view stream, Time90k from,
                                                    Time90k to, int64_t target_90k) override;
  Result<http::StreamBody> OpenVodSegment(std::string_view camera, std::string_view stream,
                                          std::string_view id) override;
  Result<http::Fmp4Segment> OpenVodFmp4(std::string_view camera, std::string_view stream,
                                        std::string_view id, bool fragments,
                                        Time90k origin) override;
  Result<std::shared_ptr<http::LiveView>> Live(std::string_view camera,
                                               std::string_view stream) override;

  // Gives the camera's running streams (supervisor) a live buffer each; call after every
  // Supervisor::AddCamera. DetachLive ends them (viewers' feeds end) when the camera goes.
  void AttachLive(const std::string& camera);
  void DetachLive(const std::string& camera);
  // Ends every live stream (shutdown).
  void EndLive();

 private:
  Result<int64_t> StreamId(std::string_view camera, std::string_view stream);
  // The plan of VOD segment `id` of the stream (daemon_media.cc); kNotFound for ids that name
  // no segment.
  Result<storage::MediaPlan> PlanSegment(int64_t stream_id, std::string_view id);
  // Stores an API camera's configuration (camera.config_json, from_api = 1).
  Result<void> Persist(const ingest::CameraConfig& c);
  // The running configuration of camera `id`, if it runs.
  std::optional<ingest::CameraConfig> Running(std::string_view id) const;

  ingest::Supervisor& supervisor_;
  storage::Engine& engine_;
  const std::string data_dir_;
  PosixFs fs_;
  std::mutex change_mu_;  // one camera change (add, update, remove) at a time
  std::mutex live_mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<live::LiveStream>> live_;
};

// Cameras added through the API in an earlier run (camera rows with from_api = 1). Blocking.
Result<std::vector<ingest::CameraConfig>> LoadApiCameras(storage::Engine& engine);

// The JSON stored in camera.config_json for an API camera, and back.
std::string CameraConfigJson(const ingest::CameraConfig& c);
Result<ingest::CameraConfig> CameraConfigFromJson(const std::string& id, const std::string& name,
                                                  const std::string& json);

}  // namespace nightjar::cli

#endif  // NIGHTJAR_CLI_DAEMON_BACKEND_H_
