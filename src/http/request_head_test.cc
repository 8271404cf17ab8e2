#include "http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace nightjar::http {
namespace {

namespace bhttp = boost::beast::http;

TEST(RequestHeadTest, FillsRequestFromHead) {
  const std::string head =
      "GET /api/list?camera=cam%201&x HTTP/1.1\r\nHost: nvr\r\nX-A: 1\r\nx-a: 2\r\n\r\nnext";
  auto r = ParseRequestHead(head, {});
  ASSERT_TRUE(r) << r.error().message();
  const Request& req = r->request;
  EXPECT_EQ(req.method, Method::kGet);
  EXPECT_EQ(req.method_name, "GET");
  EXPECT_EQ(req.target, "/api/list?camera=cam%201&x");
  EXPECT_EQ(req.version, 11u);
  EXPECT_EQ(req.path, "/api/list");
  EXPECT_EQ(req.Query("camera"), "cam 1");
  EXPECT_EQ(req.Query("x"), "");
  EXPECT_EQ(req.headers.fields().size(), 3u);
  EXPECT_EQ(req.headers.Get("x-A"), "1");
  EXPECT_FALSE(req.websocket);
  EXPECT_TRUE(r->keep_alive);
  EXPECT_FALSE(r->has_body);
  EXPECT_EQ(r->head_bytes, head.size() - 4);  // "next" is left alone
}

TEST(RequestHeadTest, KeepAliveBodyAndWebSocket) {
  auto r = ParseRequestHead("POST /a HTTP/1.0\r\nContent-Length: 5\r\n\r\n", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.method, Method::kPost);
  EXPECT_EQ(r->request.version, 10u);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(r->has_body);

  r = ParseRequestHead("PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has_body);

  r = ParseRequestHead(
      "GET /api/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->request.websocket);
}

TEST(RequestHeadTest, ObsFoldBecomesOneSpace) {
  // RFC 9112 §5.2: Beast replaces each obs-fold with SP, so no CR or LF reaches a handler.
  auto r = ParseRequestHead("GET / HTTP/1.0\r\nX-Folded: a\r\n b\r\n\tc\r\n\r\n", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.headers.Get("X-Folded"), "a b c");
}

TEST(RequestHeadTest, AbsoluteFormTargetKeepsOnlyThePath) {
  auto r = ParseRequestHead("GET http://nvr:8080/api/x?a=1 HTTP/1.1\r\n\r\n", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.path, "/api/x");
  EXPECT_EQ(r->request.Query("a"), "1");
}

TEST(RequestHeadTest, RefusesBadHeads) {
  for (const char* bad : {
           "",
           "GET / HTTP/1.1\r\nHost: x\r\n",  // incomplete
           "GET / HTTP/2.0\r\n\r\n",         // not HTTP/1.x
           "GET /\r\n\r\n",                  // no version
           "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
           "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       }) {
    auto r = ParseRequestHead(bad, {});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << bad;
  }
  for (const char* bad : {"GET /a/../b HTTP/1.1\r\n\r\n", "GET /%2e%2E/ HTTP/1.1\r\n\r\n",
                          "GET a HTTP/1.1\r\n\r\n", "GET /a?b=%zz HTTP/1.1\r\n\r\n"}) {
    auto r = ParseRequestHead(bad, {});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(RequestHeadTest, HeaderLimit) {
  const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_TRUE(ParseRequestHead(head, {.max_header_bytes = 200}));
  auto r = ParseRequestHead(head, {.max_header_bytes = 64});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("larger than 64 bytes"), std::string::npos);
}

TEST(RequestHeadTest, HeaderLimitCoversRequestLineAndFieldsTogether) {
  // Found by http_request_fuzz: Beast 1.74 limits the two separately.
  const std::string line = "GET /" + std::string(40, 'a') + " HTTP/1.1\r\n";
  const std::string fields = "X: " + std::string(40, 'b') + "\r\n\r\n";
  ASSERT_LT(line.size(), 64u);
  ASSERT_LT(fields.size(), 64u);
  EXPECT_FALSE(ParseRequestHead(line + fields, {.max_header_bytes = 64}));
  EXPECT_TRUE(ParseRequestHead(line + fields, {.max_header_bytes = 128}));
  EXPECT_TRUE(CheckHeadSize(65, {.max_header_bytes = 64}) == bhttp::error::header_limit);
  EXPECT_FALSE(CheckHeadSize(64, {.max_header_bytes = 64}));
}

}  // namespace
}  // namespace nightjar::http
