// The route table against the docs: every route declares a permission (Router::Check, which the
// daemon runs before it serves), and docs/API.md and docs/openapi.yaml name the same routes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "http/handlers/api.h"

namespace nightjar::http {
namespace {

std::string ReadDoc(const std::string& name) {
  std::ifstream f(std::string(NIGHTJAR_SOURCE_DIR) + "/docs/" + name);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// "/api/hls/{camera}/part/ts/{msn}.{part}" -> "/api/hls/{}/part/ts/{}"; a media extension after
// a placeholder is part of the placeholder (ids are served with and without it).
std::string Normalize(std::string path) {
  path =
      std::regex_replace(path, std::regex(R"(\{[^}/]*\}(\.\{[^}/]*\})*(\.(mp4|m4s|ts))?)"), "{}");
  return path;
}

Router Routes() {
  Router r;
  AddApiRoutes(r, ApiContext{});
  return r;
}

TEST(RouteTable, EveryRouteDeclaresAPermission) {
  const Router r = Routes();
  EXPECT_TRUE(r.Check()) << r.Check().error().message();
  Router bad;
  bad.Add(Method::kGet, "/x", [](const Request&) { return Response(); });
  EXPECT_FALSE(bad.Check());
}

TEST(RouteTable, OpenApiNamesExactlyTheRoutes) {
  const std::string yaml = ReadDoc("openapi.yaml");
  ASSERT_FALSE(yaml.empty());
  std::set<std::string> documented;
  std::string path;
  std::istringstream in(yaml);
  static const std::regex kPath(R"(^  (/\S*):\s*$)"),
      kMethod(R"(^    (get|post|put|patch|delete):)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kPath)) path = Normalize(m[1]);
    if (!path.empty() && std::regex_search(line, m, kMethod)) {
      std::string method = m[1];
      for (auto& ch : method) ch = static_cast<char>(std::toupper(ch));
      method += " ";
      method += path;
      documented.insert(method);
    }
  }
  std::set<std::string> routed;
  const Router router = Routes();
  for (const Route& route : router.routes()) {
    routed.insert(std::string(MethodName(route.method)) + " " + Normalize(route.pattern));
  }
  EXPECT_EQ(documented, routed);
}

TEST(RouteTable, ApiMdNamesEveryRoute) {
  const std::string md = ReadDoc("API.md");
  ASSERT_FALSE(md.empty());
  std::set<std::string> documented;
  static const std::regex kPath(R"((/(api|ui|metrics)[^\s`?;,)\]]*))");
  for (auto it = std::sregex_iterator(md.begin(), md.end(), kPath); it != std::sregex_iterator();
       ++it) {
    documented.insert(Normalize((*it)[1]));
  }
  const Router router = Routes();
  for (const Route& route : router.routes()) {
    EXPECT_TRUE(documented.contains(Normalize(route.pattern)))
        << route.pattern << " is not in docs/API.md";
  }
}

}  // namespace
}  // namespace nightjar::http
