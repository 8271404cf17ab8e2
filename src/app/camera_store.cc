#include "app/camera_store.h"

#include "db/database.h"

namespace nightjar::app {

Result<std::vector<config::CameraConfig>> CameraStore::LoadApiCameras(
    std::vector<std::string>* skipped) {
  return engine_.WithDb([&](db::Database& d) -> Result<std::vector<config::CameraConfig>> {
    NJ_TRY(auto rows, d.ListCameras());
    std::vector<config::CameraConfig> out;
    for (const auto& row : rows) {
      if (!row.from_api) continue;
      auto c = config::FromStoredJson(row.short_name, row.name, row.config_json, box_);
      if (!c) {
        if (skipped) skipped->push_back(row.short_name + ": " + c.error().message());
        continue;
      }
      out.push_back(std::move(*c));
    }
    return out;
  });
}

Result<std::set<std::string>> CameraStore::ApiCameraIds() {
  return engine_.WithDb([](db::Database& d) -> Result<std::set<std::string>> {
    NJ_TRY(auto rows, d.ListCameras());
    std::set<std::string> ids;
    for (const auto& row : rows) {
      if (row.from_api) ids.insert(row.short_name);
    }
    return ids;
  });
}

Result<void> CameraStore::Save(const config::CameraConfig& c) {
  const std::string stored = config::ToStoredJson(c, box_);
  NJ_CHECK_OK(engine_.EnsureCamera(c.id, c.name));
  return engine_.WithDb([&](db::Database& d) -> Result<void> {
    NJ_TRY(db::CameraRow row, d.GetCameraByShortName(c.id));
    row.name = c.name;
    row.config_json = stored;
    row.from_api = true;
    return d.UpdateCamera(row);
  });
}

Result<void> CameraStore::Forget(std::string_view id) {
  return engine_.WithDb([&](db::Database& d) -> Result<void> {
    auto row = d.GetCameraByShortName(id);
    if (!row || !row->from_api) return Ok();
    row->from_api = false;
    row->config_json = "{}";
    return d.UpdateCamera(*row);
  });
}

Result<int> CameraStore::SealClearSecrets() {
  return engine_.WithDb([&](db::Database& d) -> Result<int> {
    NJ_TRY(auto rows, d.ListCameras());
    int rewritten = 0;
    for (auto& row : rows) {
      if (!row.from_api || !config::StoredJsonHasClearSecret(row.config_json)) continue;
      auto c = config::FromStoredJson(row.short_name, row.name, row.config_json, box_);
      if (!c) continue;  // unreadable: LoadApiCameras reports it
      row.config_json = config::ToStoredJson(*c, box_);
      NJ_CHECK_OK(d.UpdateCamera(row));
      rewritten++;
    }
    return rewritten;
  });
}

}  // namespace nightjar::app
