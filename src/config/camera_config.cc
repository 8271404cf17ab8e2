#include "config/camera_config.h"

#include <nlohmann/json.hpp>
#include <type_traits>

#include "config/secret_box.h"
#include "rtsp/url.h"

namespace nightjar::config {
namespace {

using nlohmann::json;
using C = CameraConfig;

using Member = std::variant<std::string C::*, std::optional<std::string> C::*, bool C::*,
                            std::optional<int64_t> C::*, int64_t C::*, Transport C::*>;
using Check = Result<void> (*)(std::string_view);

struct Field {
  std::string_view name;
  Member member;
  int64_t min = 0, max = 0;  // integers: inclusive bounds; strings: max is the length limit
  Check check = nullptr;     // strings: syntax beyond the length
  bool secret = false;       // sealed when stored, never shown
  bool url = false;          // may carry a password in its userinfo (sealed when it does)
  bool column = false;       // stored in a column of its own, not in config_json
  bool required = false;
};

Result<void> CheckId(std::string_view id) {
  if (ValidCameraId(id)) return Ok();
  return Err(ErrorCode::kInvalidArgument, "expected 1 to 64 letters, digits, '_' or '-'");
}

Result<void> CheckUrl(std::string_view url) {
  if (auto u = rtsp::ParseRtspUrl(url); !u) return std::unexpected(u.error());
  return Ok();
}

constexpr int64_t kUrlMax = kMaxUrlLength;
constexpr int64_t kCredMax = kMaxCredentialLength;

// The one list of camera fields (docs/API.md §Camera fields documents each).
const Field kFields[] = {
    {.name = "id",
     .member = &C::id,
     .max = kMaxCameraIdLength,
     .check = CheckId,
     .column = true,
     .required = true},
    {.name = "name", .member = &C::name, .max = kMaxCameraNameLength, .column = true},
    {.name = "location", .member = &C::location, .max = kMaxCameraNameLength},
    {.name = "url",
     .member = &C::url,
     .max = kUrlMax,
     .check = CheckUrl,
     .url = true,
     .required = true},
    {.name = "sub_url", .member = &C::sub_url, .max = kUrlMax, .check = CheckUrl, .url = true},
    {.name = "username", .member = &C::username, .max = kCredMax},
    {.name = "password", .member = &C::password, .max = kCredMax, .secret = true},
    {.name = "transport", .member = &C::transport},
    {.name = "record", .member = &C::record},
    {.name = "audio", .member = &C::audio},
    {.name = "retain_bytes", .member = &C::retain_bytes, .min = 0, .max = kMaxRetainBytes},
    {.name = "retain_days", .member = &C::retain_days, .min = 1, .max = kMaxRetainDays},
    {.name = "max_reconnect_attempts",
     .member = &C::max_reconnect_attempts,
     .min = 0,
     .max = kMaxReconnectAttempts},
};

const Field* FindField(std::string_view name) {
  for (const Field& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<std::string> StringOf(const Field& f, const FieldValue& v) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return std::unexpected(Invalid("expected a string"));
  if (static_cast<int64_t>(s->size()) > f.max) {
    return std::unexpected(Invalid("longer than " + std::to_string(f.max) + " bytes"));
  }
  if (f.check) NJ_CHECK_OK(f.check(*s));
  return *s;
}

Result<int64_t> IntOf(const Field& f, const FieldValue& v) {
  const auto* n = std::get_if<int64_t>(&v);
  if (!n) return std::unexpected(Invalid("expected an integer"));
  if (*n < f.min || *n > f.max) {
    return std::unexpected(
        Invalid("must be between " + std::to_string(f.min) + " and " + std::to_string(f.max)));
  }
  return *n;
}

Result<void> Set(const Field& f, C& c, const FieldValue& v) {
  const bool null = std::holds_alternative<std::nullptr_t>(v);
  return std::visit(
      [&](auto member) -> Result<void> {
        using T = std::remove_reference_t<decltype(c.*member)>;
        T& out = c.*member;
        if constexpr (std::is_same_v<T, std::optional<std::string>> ||
                      std::is_same_v<T, std::optional<int64_t>>) {
          if (null) {
            out.reset();
            return Ok();
          }
        } else if (null) {
          return std::unexpected(Invalid("cannot be removed"));
        }
        if constexpr (std::is_same_v<T, std::string> ||
                      std::is_same_v<T, std::optional<std::string>>) {
          NJ_TRY(out, StringOf(f, v));
        } else if constexpr (std::is_same_v<T, std::optional<int64_t>> ||
                             std::is_same_v<T, int64_t>) {
          NJ_TRY(out, IntOf(f, v));
        } else if constexpr (std::is_same_v<T, bool>) {
          const auto* b = std::get_if<bool>(&v);
          if (!b) return std::unexpected(Invalid("expected true or false"));
          out = *b;
        } else {
          static_assert(std::is_same_v<T, Transport>);
          const auto* s = std::get_if<std::string>(&v);
          if (!s || (*s != "tcp" && *s != "udp")) {
            return std::unexpected(Invalid("expected \"tcp\" or \"udp\""));
          }
          out = *s == "udp" ? Transport::kUdp : Transport::kTcp;
        }
        return Ok();
      },
      f.member);
}

// The field's value as JSON; null for an absent optional.
json Get(const Field& f, const C& c) {
  return std::visit(
      [&](auto member) -> json {
        const auto& v = c.*member;
        using T = std::remove_cvref_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Transport>) {
          return std::string(TransportName(v));
        } else if constexpr (std::is_same_v<T, std::optional<std::string>> ||
                             std::is_same_v<T, std::optional<int64_t>>) {
          return v ? json(*v) : json(nullptr);
        } else {
          return json(v);
        }
      },
      f.member);
}

Result<FieldValue> ValueOf(const json& j) {
  if (j.is_null()) return FieldValue(nullptr);
  if (j.is_boolean()) return FieldValue(j.get<bool>());
  if (j.is_number_integer()) return FieldValue(j.get<int64_t>());
  if (j.is_string()) return FieldValue(j.get<std::string>());
  return std::unexpected(Invalid("expected a string, an integer, true or false"));
}

bool UrlHasPassword(std::string_view url) { return RedactUrl(url) != url; }

}  // namespace

std::string_view TransportName(Transport t) { return t == Transport::kUdp ? "udp" : "tcp"; }

bool ValidCameraId(std::string_view id) {
  if (id.empty() || id.size() > kMaxCameraIdLength) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
    if (!ok) return false;
  }
  return true;
}

Result<void> SetField(CameraConfig& c, std::string_view name, const FieldValue& value) {
  const Field* f = FindField(name);
  if (!f) return std::unexpected(Invalid("unknown key"));
  return Set(*f, c, value);
}

const std::vector<std::string_view>& RequiredFields() {
  static const std::vector<std::string_view> kRequired = [] {
    std::vector<std::string_view> out;
    for (const Field& f : kFields) {
      if (f.required) out.push_back(f.name);
    }
    return out;
  }();
  return kRequired;
}

Result<void> Validate(const CameraConfig& c) {
  // Every field through its own checks again: a configuration built in code is held to the
  // same rules as one read from a file or a request.
  for (const Field& f : kFields) {
    CameraConfig copy;
    const json v = Get(f, c);
    NJ_TRY(FieldValue value, ValueOf(v));
    if (auto ok = Set(f, copy, value); !ok) {
      return Err(ErrorCode::kInvalidArgument, std::string(f.name) + ": " + ok.error().message());
    }
  }
  return Ok();
}

bool SameConnections(const CameraConfig& a, const CameraConfig& b) {
  CameraConfig x = a, y = b;
  x.name = y.name = "";
  x.retain_bytes = y.retain_bytes = std::nullopt;
  x.retain_days = y.retain_days = std::nullopt;
  return x == y;
}

Result<void> ApplyJson(const json& object, CameraConfig& c) {
  if (!object.is_object()) return std::unexpected(Invalid("the body must be a JSON object"));
  for (const auto& [key, j] : object.items()) {
    const Field* f = FindField(key);
    if (!f) return Err(ErrorCode::kInvalidArgument, "unknown field \"" + key + "\"");
    auto v = ValueOf(j);
    auto ok = v ? Set(*f, c, *v) : Result<void>(std::unexpected(v.error()));
    if (!ok) return Err(ErrorCode::kInvalidArgument, key + ": " + ok.error().message());
  }
  return Ok();
}

Result<void> FinishApiCamera(CameraConfig& c) {
  if (!ValidCameraId(c.id)) {
    return Err(ErrorCode::kInvalidArgument, "id is required: 1-64 letters, digits, '-' or '_'");
  }
  if (c.url.empty()) return Err(ErrorCode::kInvalidArgument, "url is required");
  if (c.name.empty()) c.name = c.id;
  return Validate(c);
}

json ToApiJson(const CameraConfig& c) {
  json j = json::object();
  for (const Field& f : kFields) {
    if (f.secret) continue;
    json v = Get(f, c);
    if (f.url && v.is_string()) v = RedactUrl(v.get<std::string>());
    j[std::string(f.name)] = std::move(v);
  }
  return j;
}

std::string ToStoredJson(const CameraConfig& c, const SecretBox& box) {
  json j = json::object();
  for (const Field& f : kFields) {
    json v = Get(f, c);
    if (f.column || v.is_null()) continue;
    const std::string key(f.name);
    if (f.secret || (f.url && UrlHasPassword(v.get<std::string>()))) {
      j[key + "_sealed"] = box.Seal(v.get<std::string>());
    } else {
      j[key] = std::move(v);
    }
  }
  return j.dump();
}

Result<CameraConfig> FromStoredJson(std::string id, std::string name, std::string_view text,
                                    const SecretBox& box) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string where = "camera " + id + ": stored configuration";
  if (!j.is_object()) return Err(ErrorCode::kMalformed, where + " is not a JSON object");
  CameraConfig c;
  c.id = std::move(id);
  c.name = std::move(name);
  for (const Field& f : kFields) {
    if (f.column) continue;
    const std::string key(f.name);
    FieldValue v = nullptr;
    if (auto sealed = j.find(key + "_sealed"); sealed != j.end() && sealed->is_string()) {
      auto opened = box.Open(sealed->get<std::string>());
      if (!opened) {
        std::string message = where;
        message.append(": ").append(key).append(": ").append(opened.error().message());
        return Err(opened.error().code(), message);
      }
      v = std::move(*opened);
    } else if (auto plain = j.find(key); plain != j.end()) {
      NJ_TRY(v, ValueOf(*plain));
    } else {
      continue;  // absent: the default
    }
    if (auto ok = Set(f, c, v); !ok) {
      std::string message = where;
      message.append(": ").append(key).append(": ").append(ok.error().message());
      return Err(ErrorCode::kMalformed, message);
    }
  }
  if (c.url.empty()) return Err(ErrorCode::kMalformed, where + " has no url");
  if (auto ok = Validate(c); !ok)
    return Err(ErrorCode::kMalformed, where + ": " + ok.error().message());
  return c;
}

bool StoredJsonHasClearSecret(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  for (const Field& f : kFields) {
    auto it = j.find(std::string(f.name));
    if (it == j.end() || !it->is_string()) continue;
    if (f.secret || (f.url && UrlHasPassword(it->get<std::string>()))) return true;
  }
  return false;
}

std::string RedactUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t start = scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  const std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, start + colon + 1));
  out += "***";
  out += url.substr(start + at);
  return out;
}

}  // namespace nightjar::config
