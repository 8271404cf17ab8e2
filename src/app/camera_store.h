// Where cameras added through the API live between runs: camera.config_json (the codec's stored
// form, secrets sealed) with from_api = 1 (docs/schema.md). Cameras of the config file have rows
// too (their recordings need them) but no stored configuration: the file is their source.
//
// Threading: every method blocks on SQLite (through Engine::WithDb); thread-safe.
#ifndef NIGHTJAR_APP_CAMERA_STORE_H_
#define NIGHTJAR_APP_CAMERA_STORE_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "config/camera_config.h"
#include "config/secret_box.h"
#include "storage/engine.h"

namespace nightjar::app {

class CameraStore {
 public:
  // `engine` outlives the store; `box` seals and opens the stored secrets.
  CameraStore(storage::Engine& engine, const config::SecretBox& box) : engine_(engine), box_(box) {}

  // The cameras added through the API in earlier runs. A row that cannot be read (another data
  // directory's key, a damaged row) is skipped and reported in `skipped` ("cam3: ...").
  Result<std::vector<config::CameraConfig>> LoadApiCameras(std::vector<std::string>* skipped);
  // The ids of the cameras whose configuration is stored (from_api = 1).
  Result<std::set<std::string>> ApiCameraIds();
  // Stores `c` as an API camera (creating its row if needed).
  Result<void> Save(const config::CameraConfig& c);
  // Forgets camera `id`'s stored configuration; its row and recordings stay. No error when it
  // has none.
  Result<void> Forget(std::string_view id);
  // Rewrites stored configurations that still hold a secret in clear (written before secrets
  // were sealed) in the sealed form. Returns how many it rewrote.
  Result<int> SealClearSecrets();

 private:
  storage::Engine& engine_;
  const config::SecretBox box_;
};

}  // namespace nightjar::app

#endif  // NIGHTJAR_APP_CAMERA_STORE_H_
