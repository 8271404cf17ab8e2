#include "rtsp/message.h"

#include <gtest/gtest.h>

namespace nightjar::rtsp {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(MessageTest, ParsesRequestWithHeaders) {
  auto r = ParseRequest(
      "DESCRIBE rtsp://127.0.0.1:8554/cam1/main RTSP/1.0\r\n"
      "CSeq: 2\r\nAccept: application/sdp\r\nuser-agent:  Lavf \r\n\r\n");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->method, "DESCRIBE");
  EXPECT_EQ(r->uri, "rtsp://127.0.0.1:8554/cam1/main");
  EXPECT_EQ(r->cseq, 2);
  EXPECT_EQ(r->headers.Get("accept"), "application/sdp");
  EXPECT_EQ(r->headers.Get("User-Agent"), "Lavf");
  EXPECT_FALSE(r->headers.Get("Session"));
}

TEST(MessageTest, ParsesResponseWithBody) {
  std::string text = "RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nv=0\r\nXYZ";
  auto item = ParseStreamItem(Bytes(text));
  ASSERT_TRUE(item);
  ASSERT_EQ(item->kind, StreamItem::Kind::kResponse);
  EXPECT_EQ(item->response.status, 200);
  EXPECT_EQ(item->response.cseq, 3);
  EXPECT_EQ(item->response.body, "v=0\r\n");
  EXPECT_EQ(item->consumed, text.size() - 3);
}

TEST(MessageTest, NeedsMoreUntilComplete) {
  std::string text = "RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 4\r\n\r\nabcd";
  for (size_t n = 0; n < text.size(); ++n) {
    auto item = ParseStreamItem(Bytes(text.substr(0, n)));
    ASSERT_TRUE(item) << n;
    EXPECT_EQ(item->kind, StreamItem::Kind::kNeedMore) << n;
  }
  EXPECT_EQ(ParseStreamItem(Bytes(text))->kind, StreamItem::Kind::kResponse);
}

TEST(MessageTest, InterleavedFrames) {
  std::string data(
      "$\x01\x00\x03"
      "abc"
      "$\x00\x00\x00",
      11);
  auto a = ParseStreamItem(Bytes(data));
  ASSERT_TRUE(a);
  ASSERT_EQ(a->kind, StreamItem::Kind::kInterleaved);
  EXPECT_EQ(a->frame.channel, 1);
  EXPECT_EQ(std::string(a->frame.payload.begin(), a->frame.payload.end()), "abc");
  EXPECT_EQ(a->consumed, 7u);
  auto b = ParseStreamItem(Bytes(data).subspan(7));
  ASSERT_EQ(b->kind, StreamItem::Kind::kInterleaved);
  EXPECT_TRUE(b->frame.payload.empty());
  EXPECT_EQ(ParseStreamItem(Bytes(std::string_view("$\x01\x00", 3)))->kind,
            StreamItem::Kind::kNeedMore);
}

TEST(MessageTest, RejectsGarbageAndLimits) {
  EXPECT_FALSE(ParseStreamItem(Bytes("\x80\x81junk")));
  EXPECT_FALSE(ParseRequest("GET / HTTP/1.1\r\nCSeq: 1\r\n\r\n"));  // wrong protocol
  EXPECT_FALSE(ParseRequest("OPTIONS * RTSP/1.0\r\n\r\n"));         // no CSeq
  EXPECT_FALSE(ParseRequest("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nbadline\r\n\r\n"));
  std::string huge = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + std::string(20000, 'a');
  EXPECT_FALSE(ParseStreamItem(Bytes(huge)));
  EXPECT_FALSE(
      ParseStreamItem(Bytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n")));
  EXPECT_FALSE(ParseStreamItem(Bytes("RTSP/1.0 2x0 OK\r\nCSeq: 1\r\n\r\n")));
}

TEST(MessageTest, SerializeRoundTrip) {
  Response r;
  r.status = 200;
  r.headers.Add("CSeq", "7");
  r.headers.Add("Content-Type", "application/sdp");
  r.body = "v=0\r\n";
  std::string text = Serialize(r);
  EXPECT_EQ(text,
            "RTSP/1.0 200 OK\r\nCSeq: 7\r\nContent-Type: application/sdp\r\n"
            "Content-Length: 5\r\n\r\nv=0\r\n");
  auto back = ParseResponse(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->body, "v=0\r\n");
  EXPECT_EQ(back->cseq, 7);
}

TEST(MessageTest, Transport) {
  auto t = ParseTransport("RTP/SAVP;unicast,RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=0000BEEF");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 1u);
  EXPECT_TRUE((*t)[0].tcp);
  EXPECT_EQ((*t)[0].interleaved, (std::pair<int, int>{2, 3}));
  EXPECT_EQ((*t)[0].ssrc, 0xbeefu);
  auto u = ParseTransport("RTP/AVP;unicast;client_port=5000-5001");
  ASSERT_TRUE(u);
  EXPECT_FALSE((*u)[0].tcp);
  EXPECT_EQ((*u)[0].client_port, (std::pair<int, int>{5000, 5001}));
  TransportSpec s = (*u)[0];
  s.server_port = {{6000, 6001}};
  s.ssrc = 0x12;
  EXPECT_EQ(FormatTransport(s),
            "RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=00000012");
  EXPECT_FALSE(ParseTransport("RTP/SAVP;unicast"));
  EXPECT_FALSE(ParseTransport("RTP/AVP;client_port=99999-1"));
}

TEST(MessageTest, Session) {
  auto s = ParseSession("12AB;timeout=30");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, "12AB");
  EXPECT_EQ(s->timeout_secs, 30);
  EXPECT_FALSE(ParseSession(""));
  EXPECT_FALSE(ParseSession("x;timeout=abc")->timeout_secs);
}

}  // namespace
}  // namespace nightjar::rtsp
