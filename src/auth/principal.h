// Who a request acts for, as authentication established it: a user signed in with a session or
// Basic auth, an API key, or a signed media URL; and the rule that decides what it may do.
//
// Roles (docs/security.md): admin may do everything. operator has every right on every camera,
// except that a grant row for a camera replaces its rights on that camera; no users, no system
// settings, no camera management. viewer has exactly the rights its grants give, limited to live
// view and recordings. An API key acts with the lesser of its role and its user's, limited to
// its cameras when it names some. A signed URL acts as its signer, limited to one camera, one
// path prefix and the view/export permissions.
//
// Thread safety: immutable after construction.
#ifndef NIGHTJAR_AUTH_PRINCIPAL_H_
#define NIGHTJAR_AUTH_PRINCIPAL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "db/rows.h"
#include "http/principal.h"

namespace nightjar::auth {

using Role = db::UserRole;
// The per-camera rights bits (db/rows.h: kRightLive ...) by name: "live", "recordings",
// "export", "ptz". ParseRights reads "live,recordings" (kInvalidArgument for an unknown word).
std::string RightsNames(uint32_t rights);
Result<uint32_t> ParseRights(std::string_view text);
// The right a permission needs on its camera (0 for permissions that are not per camera).
uint32_t RightFor(http::Permission p);

enum class Via { kSession, kBasic, kApiKey, kSignedUrl };

class AuthPrincipal final : public http::Principal {
 public:
  struct Init {
    int64_t user_id = 0;
    std::string username;
    Role role = Role::kViewer;  // what it acts as (an API key: the lesser of its and its user's)
    // The user's own role, from which its rights on cameras come (an API key's role then caps
    // them: a viewer key of an admin sees live and recordings of every camera it names).
    std::optional<Role> user_role;                        // unset: `role`
    std::map<std::string, uint32_t, std::less<>> grants;  // camera -> rights
    Via via = Via::kSession;
    int64_t session_id = 0;  // kSession
    int64_t key_id = 0;      // kApiKey
    std::string key_name;
    std::optional<std::set<std::string, std::less<>>> cameras;  // key or signed URL scope
    bool media_only = false;  // signed URL: view/export permissions only
  };
  explicit AuthPrincipal(Init init);

  bool Allows(http::Permission p, std::string_view camera) const override;
  // The rights on `camera` after role, grants and scope.
  uint32_t RightsOn(std::string_view camera) const;
  // Whether it may know that `camera` exists (any of live, recordings).
  bool Sees(std::string_view camera) const {
    return (RightsOn(camera) & (db::kRightLive | db::kRightRecordings)) != 0;
  }

  int64_t user_id() const { return i_.user_id; }
  const std::string& username() const { return i_.username; }
  Role role() const { return i_.role; }
  Via via() const { return i_.via; }
  int64_t session_id() const { return i_.session_id; }
  int64_t key_id() const { return i_.key_id; }
  const std::map<std::string, uint32_t, std::less<>>& grants() const { return i_.grants; }

 private:
  Init i_;
};

}  // namespace nightjar::auth

#endif  // NIGHTJAR_AUTH_PRINCIPAL_H_
