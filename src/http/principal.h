// Who a request acts for, and what a route needs of them: the seam between the router and an
// authentication module (src/auth), which installs a Router::Guard that authenticates each
// request, puts its Principal on it, and refuses what the principal may not do.
//
// Thread safety: a Principal is immutable once on a request and may be shared between threads.
#ifndef NIGHTJAR_HTTP_PRINCIPAL_H_
#define NIGHTJAR_HTTP_PRINCIPAL_H_

#include <string>
#include <string_view>

namespace nightjar::http {

// What a route needs, declared for every route in the route table (a route without one makes
// Router::Check fail, and the server refuses to start). Ordered from least to most.
enum class Permission {
  kUndeclared,      // a route table mistake, never granted
  kPublic,          // anyone, signed in or not (health, the login page, the UI's static files)
  kAuthenticated,   // any signed-in principal (its own account, the camera list it may see)
  kViewLive,        // live view of the route's camera (playlists, parts, WebSocket, snapshots)
  kViewRecordings,  // recordings of the route's camera (listings, VOD playback)
  kExport,          // downloads of the route's camera's recordings as files
  kManageCameras,   // add, change, remove cameras
  kAdmin,           // the system: metrics, users, settings
};
std::string_view PermissionName(Permission p);  // "public", "view_live", ...

// A signed-in user, API key or signed URL; the base class is what a daemon without
// authentication acts as (everything allowed). Auth derives from it.
class Principal {
 public:
  explicit Principal(std::string name) : name_(std::move(name)) {}
  virtual ~Principal() = default;
  const std::string& name() const { return name_; }  // for logs and the audit trail
  // Whether it may do `p` on `camera` (empty: no camera involved, e.g. listing cameras, where
  // the handler then asks per camera).
  virtual bool Allows(Permission p, std::string_view camera) const {
    (void)p;
    (void)camera;
    return true;
  }

 private:
  std::string name_;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_PRINCIPAL_H_
