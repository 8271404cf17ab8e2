// nightjar.toml: the daemon's configuration (docs/config.md). The seed NVR's config.example.toml
// is accepted unchanged; our keys live beside its keys. Unknown keys are errors (a typo must not
// silently leave a camera unrecorded), each naming the file, line and key.
#ifndef NIGHTJAR_CONFIG_DAEMON_CONFIG_H_
#define NIGHTJAR_CONFIG_DAEMON_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/time.h"
#include "config/camera_config.h"

namespace nightjar::config {

// The build's own web/dist (an installed layout sets [api] web_dir instead).
std::string DefaultWebDir();

struct DaemonConfig {
  // [storage]
  std::string base_path = "./nightjar-data";  // the data directory (nightjar.db lives here)
  std::vector<std::string> dirs;              // sample-file directories; empty: <base>/sample
  int64_t total_budget_bytes = 0;  // chunk_size_mb * max_pools, or budget_gb; 0: free space
  Duration90k segment_duration = Duration90k::FromSeconds(60);
  Duration90k checkpoint = Duration90k::FromSeconds(5);
  int64_t min_free_bytes = int64_t{1} << 30;  // min_free_mb
  // writer_queue_size x 256 KiB batches; without it 64 MiB, or 1 MiB per configured stream when
  // that is more (a second of a 4 Mbit/s stream is 0.5 MB: room for a sync that takes a while).
  std::optional<size_t> writer_queue_bytes;
  // [api]
  bool api_enabled = true;
  std::string listen = "0.0.0.0";
  uint16_t port = 8080;
  std::string tls_cert, tls_key;
  // The built web UI (players, /ui/); by default the build's own web/dist.
  std::string web_dir = DefaultWebDir();
  // Authentication (docs/API.md §Authentication). auth = false is accepted only with a loopback
  // `listen` (the daemon refuses to start otherwise).
  bool auth = true;
  int64_t session_idle_days = 7;  // a session ends after this long unused
  int64_t session_max_days = 30;  // and this long after sign-in in any case
  int64_t audit_retain_days = 365;
  bool require_totp_for_admins = false;
  // A bearer token for /metrics scrapers (besides admins); a secret: never logged. Empty: none.
  std::string metrics_token;
  // [log]
  std::string log_level = "info";
  bool log_json = false;
  // [ingest]
  int io_threads = 1;
  int rtsp_timeout_secs = 10;
  // [[cameras]]
  std::vector<CameraConfig> cameras;
};

// Parses `text` (the contents of `path`, used in messages). kInvalidArgument on syntax errors,
// unknown keys, wrong types and invalid values: "nightjar.toml:12: cameras[1].url: ...".
Result<DaemonConfig> ParseDaemonConfig(const std::string& text, const std::string& path);

// Reads and parses a file; kNotFound if it does not exist.
Result<DaemonConfig> LoadDaemonConfig(const std::string& path);

}  // namespace nightjar::config

#endif  // NIGHTJAR_CONFIG_DAEMON_CONFIG_H_
