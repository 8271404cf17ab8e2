#include "http/router.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace nightjar::http {
namespace {

Handler Named(std::string name) {
  return [name = std::move(name)](const Request&) { return Response::Text(200, name); };
}

Router MakeRouter() {
  Router r;
  r.Add(Method::kGet, "/api/cameras", Named("list"));
  r.Add(Method::kPost, "/api/cameras", Named("add"));
  r.Add(Method::kDelete, "/api/cameras/{id}", Named("remove"));
  r.Add(Method::kGet, "/api/hls/{camera}/segment/ts/{id}", Named("segment"));
  return r;
}

std::string Matched(const MatchResult& m) {
  const auto* match = std::get_if<RouteMatch>(&m);
  return match ? match->route->handler(Request{}).body : "";
}

TEST(RouterTest, MatchesLiteralsAndPlaceholders) {
  Router r = MakeRouter();
  EXPECT_EQ(Matched(r.Match(Method::kGet, "/api/cameras")), "list");
  EXPECT_EQ(Matched(r.Match(Method::kPost, "/api/cameras")), "add");
  auto m = r.Match(Method::kGet, "/api/hls/cam%201/segment/ts/42");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  const auto& params = std::get<RouteMatch>(m).params;
  EXPECT_EQ(params.at("camera"), "cam 1");  // decoded
  EXPECT_EQ(params.at("id"), "42");
}

TEST(RouterTest, HeadUsesGet) {
  Router r = MakeRouter();
  EXPECT_EQ(Matched(r.Match(Method::kHead, "/api/cameras")), "list");
}

TEST(RouterTest, UnknownPathAndWrongMethod) {
  Router r = MakeRouter();
  EXPECT_TRUE(std::holds_alternative<NoRoute>(r.Match(Method::kGet, "/api/nope")));
  EXPECT_TRUE(std::holds_alternative<NoRoute>(r.Match(Method::kGet, "/api/cameras/")));
  EXPECT_TRUE(std::holds_alternative<NoRoute>(r.Match(Method::kGet, "/api/cameras/a/b")));
  auto m = r.Match(Method::kPut, "/api/cameras");
  ASSERT_TRUE(std::holds_alternative<WrongMethod>(m));
  EXPECT_EQ(std::get<WrongMethod>(m).allow, "GET, HEAD, POST");
  auto d = r.Match(Method::kGet, "/api/cameras/cam1");
  ASSERT_TRUE(std::holds_alternative<WrongMethod>(d));
  EXPECT_EQ(std::get<WrongMethod>(d).allow, "DELETE");
}

TEST(RouterTest, SplitTargetDecodesQuery) {
  auto t = SplitTarget("/api/list?camera=cam1&from=2026-02-19T14%3A00%3A00&x=a+b&camera=cam2&flag");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->path, "/api/list");
  EXPECT_EQ(t->query.at("camera"), "cam1");  // first value wins
  EXPECT_EQ(t->query.at("from"), "2026-02-19T14:00:00");
  EXPECT_EQ(t->query.at("x"), "a b");
  EXPECT_EQ(t->query.at("flag"), "");
}

TEST(RouterTest, SplitTargetAbsoluteForm) {
  auto t = SplitTarget("http://example.com:8080/api/status?a=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/status");
  EXPECT_EQ(t->query.at("a"), "1");
}

TEST(RouterTest, SplitTargetRefusesTraversalAndJunk) {
  for (const char* bad : {"/api/../etc/passwd", "/api/%2e%2e/x", "/a/%2E", "/a/b%2fc", "/a%00b",
                          "/a/..%5c", "/a/%5c..", "api/status", "", "*", "/a?x=%zz", "/a%4"}) {
    EXPECT_FALSE(SplitTarget(bad)) << bad;
  }
  EXPECT_TRUE(SplitTarget("/a/..b/c.d"));  // dots inside names are fine
}

TEST(RouterTest, PercentDecode) {
  EXPECT_EQ(*PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(*PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(*PercentDecode("%C3%A9", false), "\xC3\xA9");
  EXPECT_FALSE(PercentDecode("%", false));
  EXPECT_FALSE(PercentDecode("%4", false));
  EXPECT_FALSE(PercentDecode("%g0", false));
}

}  // namespace
}  // namespace nightjar::http
