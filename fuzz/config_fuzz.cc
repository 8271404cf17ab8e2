// nightjar.toml and the camera codec: any text either parses into cameras that pass the same
// validation as the API's, or is refused with a "file:line: key: message" error; a parsed camera
// survives the stored form and the API form unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "config/camera_config.h"
#include "config/daemon_config.h"
#include "config/secret_box.h"

using namespace nightjar;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 << 10) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto c = config::ParseDaemonConfig(text, "f.toml");
  if (!c) {
    if (c.error().message().rfind("f.toml:", 0) != 0) {
      std::fprintf(stderr, "error without a location: %s\n", c.error().message().c_str());
      std::abort();
    }
    return 0;
  }
  static const config::SecretBox box(std::array<uint8_t, config::SecretBox::kKeyBytes>{});
  for (const auto& cam : c->cameras) {
    if (!config::Validate(cam)) std::abort();
    auto back = config::FromStoredJson(cam.id, cam.name, config::ToStoredJson(cam, box), box);
    if (!back || !(*back == cam)) std::abort();
    config::CameraConfig api;
    nlohmann::json j = config::ToApiJson(cam);
    if (cam.password) j["password"] = *cam.password;
    j["url"] = cam.url;  // ToApiJson redacts passwords in URLs
    if (cam.sub_url) j["sub_url"] = *cam.sub_url;
    if (!config::ApplyJson(j, api) || !(api == cam)) std::abort();
  }
  return 0;
}
