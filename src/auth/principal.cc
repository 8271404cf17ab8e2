#include "auth/principal.h"

#include <vector>

namespace nightjar::auth {

namespace {
constexpr std::pair<uint32_t, std::string_view> kRightNames[] = {
    {db::kRightLive, "live"},
    {db::kRightRecordings, "recordings"},
    {db::kRightExport, "export"},
    {db::kRightPtz, "ptz"},
};

std::string DisplayName(const AuthPrincipal::Init& i) {
  if (i.via == Via::kApiKey) return i.username + "/key:" + i.key_name;
  return i.username;
}
}  // namespace

std::string RightsNames(uint32_t rights) {
  std::string out;
  for (const auto& [bit, name] : kRightNames) {
    if (!(rights & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

Result<uint32_t> ParseRights(std::string_view text) {
  uint32_t rights = 0;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view word = text.substr(0, comma);
    bool found = false;
    for (const auto& [bit, name] : kRightNames) {
      if (word == name) {
        rights |= bit;
        found = true;
      }
    }
    if (!found) {
      return Err(ErrorCode::kInvalidArgument,
                 "unknown right \"" + std::string(word) + "\" (live, recordings, export, ptz)");
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return rights;
}

uint32_t RightFor(http::Permission p) {
  switch (p) {
    case http::Permission::kViewLive:
      return db::kRightLive;
    case http::Permission::kViewRecordings:
      return db::kRightRecordings;
    case http::Permission::kExport:
      return db::kRightExport;
    default:
      return 0;
  }
}

AuthPrincipal::AuthPrincipal(Init init) : http::Principal(DisplayName(init)), i_(std::move(init)) {}

uint32_t AuthPrincipal::RightsOn(std::string_view camera) const {
  if (i_.cameras && !i_.cameras->contains(camera)) return 0;
  uint32_t rights = 0;
  const auto g = i_.grants.find(camera);
  switch (i_.user_role.value_or(i_.role)) {
    case Role::kAdmin:
      rights = db::kAllRights;
      break;
    case Role::kOperator:
      rights = g == i_.grants.end() ? db::kAllRights : g->second;
      break;
    case Role::kViewer:
      rights = g == i_.grants.end() ? 0 : g->second & (db::kRightLive | db::kRightRecordings);
      break;
  }
  // The role it acts as caps them (only an API key acts with less than its user).
  if (i_.role == Role::kViewer) rights &= db::kRightLive | db::kRightRecordings;
  if (i_.media_only) rights &= db::kRightLive | db::kRightRecordings | db::kRightExport;
  return rights;
}

bool AuthPrincipal::Allows(http::Permission p, std::string_view camera) const {
  using P = http::Permission;
  switch (p) {
    case P::kUndeclared:
      return false;
    case P::kPublic:
      return true;
    case P::kAuthenticated:
      return !i_.media_only;
    case P::kViewLive:
    case P::kViewRecordings:
    case P::kExport:
      // A listing route without a camera: the handler filters per camera.
      if (camera.empty()) return !i_.media_only;
      return (RightsOn(camera) & RightFor(p)) != 0;
    case P::kManageCameras:
    case P::kAdmin:
      return i_.role == Role::kAdmin && !i_.media_only;
  }
  return false;
}

}  // namespace nightjar::auth
