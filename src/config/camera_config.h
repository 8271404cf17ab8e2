// One camera's configuration, the one type the config file, the HTTP API and the database share,
// and its one codec.
//
// Every field is declared once, in the field table of camera_config.cc: its name (the same in
// nightjar.toml, in API bodies and in the stored JSON), its type, its bounds, and whether it is a
// secret. The TOML reader, the JSON reader (API bodies, merge patches, the stored form) and the
// JSON writers all walk that table, so adding a field is: the member below, one table line,
// its validation if it has any beyond bounds, and the API docs (docs/API.md §Camera fields,
// docs/openapi.yaml).
//
// Secrets: `password`, and any password inside a URL's userinfo, are sealed (SecretBox) in the
// stored form and never appear in the API's view of a camera.
//
// Thread safety: plain values and pure functions.
#ifndef NIGHTJAR_CONFIG_CAMERA_CONFIG_H_
#define NIGHTJAR_CONFIG_CAMERA_CONFIG_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error.h"

namespace nightjar::config {

class SecretBox;

enum class Transport { kTcp, kUdp };
std::string_view TransportName(Transport t);  // "tcp", "udp"

struct CameraConfig {
  std::string id;    // short name: "cam1" (URL paths, file names, CLI --camera); see ValidCameraId
  std::string name;  // display name; the id when not given
  std::optional<std::string> location;  // where it is ("Back yard"): groups cameras in the UI
  std::string url;                      // main stream, rtsp://
  std::optional<std::string> sub_url;
  std::optional<std::string> username, password;  // override credentials in the URLs
  Transport transport = Transport::kTcp;
  bool record = true;  // false: live view only
  bool audio = true;   // record the audio track when the camera has one
  // Per-stream retention; nullopt: the stream's share of the total budget / no age limit.
  std::optional<int64_t> retain_bytes;
  std::optional<int64_t> retain_days;
  int64_t max_reconnect_attempts = 0;  // consecutive failures before giving up; 0: forever

  bool operator==(const CameraConfig&) const = default;
};

// Limits shared by every reader (config file, API, database).
inline constexpr size_t kMaxCameraIdLength = 64;
inline constexpr size_t kMaxCameraNameLength = 256;  // also locations
inline constexpr size_t kMaxUrlLength = 2048;
inline constexpr size_t kMaxCredentialLength = 256;
inline constexpr int64_t kMaxRetainBytes = int64_t{1} << 60;  // 90 kHz arithmetic stays in range
inline constexpr int64_t kMaxRetainDays = 36500;
inline constexpr int64_t kMaxReconnectAttempts = 1'000'000;

// Camera ids appear in URL paths and file names: 1-64 of [A-Za-z0-9_-].
bool ValidCameraId(std::string_view id);

// Checks meaning beyond each field's type and bounds: the id, URLs that parse as rtsp://.
// kInvalidArgument naming the field ("url: ...").
Result<void> Validate(const CameraConfig& c);

// Whether two configurations stream the same way: everything but the name and retention (what
// can change without new connections).
bool SameConnections(const CameraConfig& a, const CameraConfig& b);

// Applies the members of a JSON object to `c`, strictly: unknown fields, wrong types and values
// out of bounds are kInvalidArgument naming the field; null removes an optional field (JSON
// merge patch, RFC 7396) and is refused for required ones. Fields not named keep their values.
// Used for POST/PUT bodies (on a default CameraConfig) and PATCH bodies (on the current one).
// Neither validates (call Validate) nor fills defaults (see FinishApiCamera).
Result<void> ApplyJson(const nlohmann::json& object, CameraConfig& c);

// After ApplyJson on an API body: the id and url are required, the name defaults to the id,
// then Validate.
Result<void> FinishApiCamera(CameraConfig& c);

// The API's view of the configuration: every field but secrets; passwords inside URLs are
// replaced by "***" (RedactUrl). The id and name included.
nlohmann::json ToApiJson(const CameraConfig& c);

// The stored form (docs/schema.md, camera.config_json): every field but id and name (columns of
// their own); secrets sealed with `box` as "<field>_sealed". FromStoredJson reads it back
// (also the older form with secrets in clear, which the daemon rewrites sealed at start-up) and
// validates; kMalformed for text that is not such an object, kPermissionDenied for a secret the
// key does not open (a different data directory's key).
std::string ToStoredJson(const CameraConfig& c, const SecretBox& box);
Result<CameraConfig> FromStoredJson(std::string id, std::string name, std::string_view text,
                                    const SecretBox& box);
// Whether stored text holds a secret in clear (written before sealing existed).
bool StoredJsonHasClearSecret(std::string_view text);

// One field's value as the readers hand it over (null: JSON null, removing an optional field).
using FieldValue = std::variant<std::nullptr_t, bool, int64_t, std::string>;

// Sets the field called `name` (as in the table) from `value`, checking its type, bounds and
// syntax (ids, rtsp:// URLs). kInvalidArgument with a message that does not repeat the name
// ("expected true or false", "must be between 1 and 36500", "unknown key"): each reader
// says where (the TOML reader: file, line and key; the JSON reader: the field).
Result<void> SetField(CameraConfig& c, std::string_view name, const FieldValue& value);
// Fields every camera must have ("id", "url").
const std::vector<std::string_view>& RequiredFields();

// "rtsp://user:secret@host/x" -> "rtsp://user:***@host/x"; URLs without a password unchanged.
std::string RedactUrl(std::string_view url);

}  // namespace nightjar::config

#endif  // NIGHTJAR_CONFIG_CAMERA_CONFIG_H_
