#include "http/router.h"

#include <algorithm>
#include <cassert>

#include "base/strings.h"
#include "http/origin.h"

namespace nightjar::http {
namespace {

// The path's segments without the leading empty one: "/a/b" -> {"a", "b"}; "/" -> {""}.
std::vector<std::string_view> PathSegments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return Split(path, '/');
}

bool IsPlaceholder(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// Matches decoded `segs` against `route`; fills `params` on success.
bool MatchSegments(const Route& route, const std::vector<std::string>& segs, PathParams& params) {
  if (route.segments.size() != segs.size()) return false;
  PathParams out;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& pat = route.segments[i];
    if (IsPlaceholder(pat)) {
      if (segs[i].empty()) return false;
      out[pat.substr(1, pat.size() - 2)] = segs[i];
    } else if (pat != segs[i]) {
      return false;
    }
  }
  params = std::move(out);
  return true;
}

Result<std::vector<std::string>> DecodeSegments(std::string_view path) {
  std::vector<std::string> out;
  for (std::string_view raw : PathSegments(path)) {
    auto decoded = PercentDecode(raw, false);
    if (!decoded) return std::unexpected(decoded.error());
    const std::string& seg = *decoded;
    if (seg == "." || seg == ".." ||
        seg.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return Err(ErrorCode::kInvalidArgument, "path traversal refused");
    }
    out.push_back(std::move(*decoded));
  }
  return out;
}

}  // namespace

void Router::Add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  assert(!pattern.empty() && pattern.front() == '/');
  Route r{method, std::move(pattern), {}, std::move(handler), std::move(options)};
  for (std::string_view s : PathSegments(r.pattern)) r.segments.emplace_back(s);
  for (const Route& other : routes_) {
    assert(!(other.method == method && other.pattern == r.pattern));
    (void)other;
  }
  routes_.push_back(std::move(r));
}

MatchResult Router::Match(Method method, std::string_view path) const {
  auto segs = DecodeSegments(path);
  if (!segs) return NoRoute{};
  std::vector<Method> allowed;
  for (const Route& r : routes_) {
    PathParams params;
    if (!MatchSegments(r, *segs, params)) continue;
    const bool head_via_get = method == Method::kHead && r.method == Method::kGet;
    if (r.method == method || head_via_get) {
      // An explicit HEAD route wins over GET's; keep looking only when this is GET for HEAD.
      if (!head_via_get) return RouteMatch{&r, std::move(params)};
      bool explicit_head = false;
      for (const Route& o : routes_) {
        PathParams p;
        if (o.method == Method::kHead && MatchSegments(o, *segs, p)) explicit_head = true;
      }
      if (!explicit_head) return RouteMatch{&r, std::move(params)};
      continue;
    }
    allowed.push_back(r.method);
    if (r.method == Method::kGet) allowed.push_back(Method::kHead);
  }
  if (allowed.empty()) {
    if (fallback_ && (method == Method::kGet || method == Method::kHead)) {
      return RouteMatch{&*fallback_, {}};
    }
    return NoRoute{};
  }
  std::string allow;
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) continue;
    if (!allow.empty()) allow += ", ";
    allow += MethodName(m);
  }
  return WrongMethod{std::move(allow)};
}

void Router::SetFallback(Handler handler, RouteOptions options) {
  fallback_ = Route{Method::kGet, "*", {}, std::move(handler), std::move(options)};
}

std::optional<Response> Router::Authorize(Request& req, const Route& route) const {
  if (auto refused = RefuseCrossOrigin(req)) return refused;
  return guard_ ? guard_(req, route) : std::nullopt;
}

Result<void> Router::Check() const {
  for (const Route& r : routes_) {
    if (r.options.permission == Permission::kUndeclared) {
      return Err(ErrorCode::kInvalidArgument,
                 std::string(MethodName(r.method)) + " " + r.pattern + " declares no permission");
    }
  }
  if (fallback_ && fallback_->options.permission == Permission::kUndeclared) {
    return Err(ErrorCode::kInvalidArgument, "the fallback route declares no permission");
  }
  return Ok();
}

std::string Router::CameraOf(const Route& route, const Request& req) {
  const std::string& name = route.options.camera_param;
  if (name.empty()) return "";
  if (auto it = req.params.find(name); it != req.params.end()) return it->second;
  return std::string(req.Query(name).value_or(""));
}

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kUndeclared:
      return "undeclared";
    case Permission::kPublic:
      return "public";
    case Permission::kAuthenticated:
      return "authenticated";
    case Permission::kViewLive:
      return "view_live";
    case Permission::kViewRecordings:
      return "view_recordings";
    case Permission::kExport:
      return "export";
    case Permission::kManageCameras:
      return "manage_cameras";
    case Permission::kAdmin:
      return "admin";
  }
  return "undeclared";
}

Result<QueryParams> ParseQuery(std::string_view query) {
  QueryParams out;
  for (std::string_view field : Split(query, '&')) {
    if (field.empty()) continue;
    auto kv = SplitOnce(field, '=');
    std::string_view k = kv ? kv->first : field;
    std::string_view v = kv ? kv->second : std::string_view();
    auto key = PercentDecode(k, true);
    auto value = PercentDecode(v, true);
    if (!key) return std::unexpected(key.error());
    if (!value) return std::unexpected(value.error());
    out.try_emplace(std::move(*key), std::move(*value));
  }
  return out;
}

Result<Target> SplitTarget(std::string_view target) {
  // absolute-form: "http://host:port/path?q" (RFC 9112 §3.2.2).
  if (StartsWithIgnoreCase(target, "http://") || StartsWithIgnoreCase(target, "https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (!target.empty() && target.front() == '?') {
      return Err(ErrorCode::kInvalidArgument, "request target has no path");
    }
  }
  if (target.empty() || target.front() != '/') {
    return Err(ErrorCode::kInvalidArgument, "request target must be an absolute path");
  }
  const size_t q = target.find('?');
  Target out;
  out.path = std::string(target.substr(0, q));
  if (auto segs = DecodeSegments(out.path); !segs) return std::unexpected(segs.error());
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    if (size_t hash = query.find('#'); hash != std::string_view::npos)
      query = query.substr(0, hash);
    NJ_TRY(out.query, ParseQuery(query));
  }
  return out;
}

}  // namespace nightjar::http
