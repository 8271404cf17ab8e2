// ParseSdp and ResolveControl against descriptions written the way real cameras write them, and
// against our own BuildSdp output.
#include <gtest/gtest.h>

#include "rtsp/sdp.h"

namespace nightjar::rtsp {
namespace {

// Replaces "\n" by `eol`, to test every line ending cameras use.
std::string WithLineEnds(std::string_view text, std::string_view eol) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += eol;
    } else {
      out += c;
    }
  }
  return out;
}

SdpDescription ParseOk(std::string_view text) {
  auto d = ParseSdp(text);
  EXPECT_TRUE(d) << d.error().ToString();
  return d ? *d : SdpDescription{};
}

// Hikvision style: absolute controls with a query string, H.264 + G.711 A-law on static type 8,
// "; " separated fmtp, vendor attributes.
constexpr std::string_view kHikvision =
    "v=0\n"
    "o=- 1109162014219182 1109162014219182 IN IP4 0.0.0.0\n"
    "s=Media Presentation\n"
    "e=NONE\n"
    "b=AS:5050\n"
    "t=0 0\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast\n"
    "m=video 0 RTP/AVP 96\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:5000\n"
    "a=recvonly\n"
    "a=x-dimensions:1920,1080\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast\n"
    "a=rtpmap:96 H264/90000\n"
    "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
    "sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY,aOvjyyLA\n"
    "a=Media_header:MEDIAINFO=494D4B48010200000400000100000000000000000000000000000000;\n"
    "a=appversion:1.0\n"
    "m=audio 0 RTP/AVP 8\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:50\n"
    "a=recvonly\n"
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast\n"
    "a=rtpmap:8 PCMA/8000\n";

TEST(SdpParseTest, HikvisionStyle) {
  SdpDescription d = ParseOk(WithLineEnds(kHikvision, "\r\n"));
  EXPECT_EQ(d.session_name, "Media Presentation");
  EXPECT_EQ(d.session_control,
            "rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast");
  ASSERT_EQ(d.media.size(), 2u);
  const SdpMediaDescription& v = d.media[0];
  EXPECT_EQ(v.media, "video");
  EXPECT_EQ(v.protocol, "RTP/AVP");
  EXPECT_EQ(v.payload_type, 96);
  EXPECT_EQ(v.encoding, "H264");
  EXPECT_EQ(v.clock_rate, 90000u);
  EXPECT_EQ(v.fmtp.at("packetization-mode"), "1");
  EXPECT_EQ(v.fmtp.at("profile-level-id"), "420029");
  EXPECT_EQ(v.fmtp.at("sprop-parameter-sets"),
            "Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY,aOvjyyLA");  // '=' in values survives
  // Absolute controls are used as they are.
  EXPECT_EQ(ResolveControl("rtsp://192.168.1.64/Streaming/Channels/101", v.control),
            "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast");
  const SdpMediaDescription& a = d.media[1];
  EXPECT_EQ(a.media, "audio");
  EXPECT_EQ(a.payload_type, 8);
  EXPECT_EQ(a.encoding, "PCMA");
  EXPECT_EQ(a.clock_rate, 8000u);
  EXPECT_EQ(a.channels, 1u);
  EXPECT_TRUE(a.fmtp.empty());
}

// Dahua style: session "a=control:*", relative "trackID=N" controls resolved against a
// Content-Base that has a query string and a trailing '/', H.265 with sprop-vps/sps/pps, AAC,
// an ONVIF metadata track, a framerate.
constexpr std::string_view kDahua =
    "v=0\n"
    "o=- 2254421287 2254421287 IN IP4 0.0.0.0\n"
    "s=Media Server\n"
    "c=IN IP4 0.0.0.0\n"
    "t=0 0\n"
    "a=control:*\n"
    "a=packetization-supported:DH\n"
    "a=rtppayload-supported:DH\n"
    "a=range:npt=now-\n"
    "m=video 0 RTP/AVP 98\n"
    "a=control:trackID=0\n"
    "a=framerate:25.000000\n"
    "a=rtpmap:98 H265/90000\n"
    "a=fmtp:98 profile-id=1;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDllkpK;"
    "sprop-pps=RAHBcrRiQA==;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwB4lZgJ\n"
    "a=recvonly\n"
    "m=audio 0 RTP/AVP 97\n"
    "a=control:trackID=1\n"
    "a=rtpmap:97 MPEG4-GENERIC/16000\n"
    "a=fmtp:97 streamtype=5;profile-level-id=15;mode=AAC-hbr;sizelength=13;indexlength=3;"
    "indexdeltalength=3;config=1408;\n"
    "a=recvonly\n"
    "m=application 0 RTP/AVP 107\n"
    "a=control:trackID=4\n"
    "a=rtpmap:107 vnd.onvif.metadata/90000\n"
    "a=recvonly\n";

TEST(SdpParseTest, DahuaStyle) {
  SdpDescription d = ParseOk(WithLineEnds(kDahua, "\r\n"));
  EXPECT_EQ(d.session_control, "*");
  ASSERT_EQ(d.media.size(), 3u);
  const std::string base = "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/";
  EXPECT_EQ(d.media[0].encoding, "H265");
  EXPECT_EQ(d.media[0].payload_type, 98);
  ASSERT_TRUE(d.media[0].framerate);
  EXPECT_DOUBLE_EQ(*d.media[0].framerate, 25.0);
  EXPECT_EQ(d.media[0].fmtp.at("sprop-pps"), "RAHBcrRiQA==");
  EXPECT_EQ(d.media[0].fmtp.size(), 4u);
  EXPECT_EQ(ResolveControl(base, d.media[0].control),
            "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=0");
  EXPECT_EQ(d.media[1].encoding, "MPEG4-GENERIC");
  EXPECT_EQ(d.media[1].clock_rate, 16000u);
  EXPECT_EQ(d.media[1].fmtp.at("config"), "1408");
  EXPECT_EQ(d.media[1].fmtp.at("mode"), "AAC-hbr");
  EXPECT_EQ(d.media[2].media, "application");
  EXPECT_EQ(d.media[2].encoding, "VND.ONVIF.METADATA");
  EXPECT_EQ(ResolveControl(base, d.media[2].control),
            "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=4");
}

// Axis style (GStreamer-based server), with LF-only line ends: absolute controls, rtpmap with a
// channel count, fmtp keys in mixed case.
constexpr std::string_view kAxis =
    "v=0\n"
    "o=- 18214462441263406113 1 IN IP4 192.168.0.90\n"
    "s=Session streamed with GStreamer\n"
    "i=rtsp-server\n"
    "t=0 0\n"
    "a=tool:GStreamer\n"
    "a=type:broadcast\n"
    "a=range:npt=now-\n"
    "a=control:rtsp://192.168.0.90/axis-media/media.amp?videocodec=h264\n"
    "m=video 0 RTP/AVP 96\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:50000\n"
    "a=rtpmap:96 H264/90000\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=4d0029;"
    "sprop-parameter-sets=Z00AKeKQDwBE/LgLcBAQGkHiRFQ=,aO48gA==\n"
    "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=0?videocodec=h264\n"
    "a=framerate:30.000000\n"
    "a=transform:1.000000,0.000000,0.000000;0.000000,1.000000,0.000000;0.000000,0.000000,1.0\n"
    "m=audio 0 RTP/AVP 97\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:32\n"
    "a=rtpmap:97 MPEG4-GENERIC/16000/1\n"
    "a=fmtp:97 streamtype=5;profile-level-id=2;Mode=AAC-hbr;config=1408;SizeLength=13;"
    "IndexLength=3;IndexDeltaLength=3\n"
    "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=1?videocodec=h264\n";

TEST(SdpParseTest, AxisStyleWithLfLineEnds) {
  SdpDescription d = ParseOk(kAxis);
  EXPECT_EQ(d.session_name, "Session streamed with GStreamer");
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.media[0].encoding, "H264");
  EXPECT_EQ(d.media[0].control,
            "rtsp://192.168.0.90/axis-media/media.amp/stream=0?videocodec=h264");
  ASSERT_TRUE(d.media[0].framerate);
  EXPECT_DOUBLE_EQ(*d.media[0].framerate, 30.0);
  EXPECT_EQ(d.media[1].channels, 1u);
  EXPECT_EQ(d.media[1].fmtp.at("sizelength"), "13");  // keys lower-cased
  EXPECT_EQ(d.media[1].fmtp.at("indexdeltalength"), "3");
  EXPECT_EQ(d.media[1].fmtp.at("mode"), "AAC-hbr");  // values as sent
}

// Reolink style (LIVE555): "a=control:*", relative "track1", Content-Base with a trailing '/'.
constexpr std::string_view kReolink =
    "v=0\n"
    "o=- 1690000000000000 1 IN IP4 192.168.1.20\n"
    "s=Session streamed by \"preview\"\n"
    "i=h264_preview_main\n"
    "t=0 0\n"
    "a=tool:LIVE555 Streaming Media v2013.04.08\n"
    "a=type:broadcast\n"
    "a=control:*\n"
    "a=range:npt=0-\n"
    "m=video 0 RTP/AVP 96\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:8192\n"
    "a=rtpmap:96 H264/90000\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=640033;"
    "sprop-parameter-sets=Z2QAM6wVFKAoALWQ,aO48sA==\n"
    "a=control:track1\n"
    "m=audio 0 RTP/AVP 97\n"
    "c=IN IP4 0.0.0.0\n"
    "b=AS:8192\n"
    "a=rtpmap:97 MPEG4-GENERIC/16000\n"
    "a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
    "indexdeltalength=3;config=1408\n"
    "a=control:track2\n";

TEST(SdpParseTest, ReolinkStyle) {
  SdpDescription d = ParseOk(WithLineEnds(kReolink, "\r\n"));
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.session_name, "Session streamed by \"preview\"");
  const std::string base = "rtsp://192.168.1.20:554/h264Preview_01_main/";
  EXPECT_EQ(ResolveControl(base, d.media[0].control),
            "rtsp://192.168.1.20:554/h264Preview_01_main/track1");
  EXPECT_EQ(ResolveControl(base, d.media[1].control),
            "rtsp://192.168.1.20:554/h264Preview_01_main/track2");
  EXPECT_EQ(ResolveControl(base, d.session_control), base);
}

TEST(SdpParseTest, BareCrLineEndsAndWhitespace) {
  const std::string text = WithLineEnds(kReolink, "\r");
  SdpDescription d = ParseOk(text);
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.media[1].fmtp.at("config"), "1408");

  SdpDescription w = ParseOk(
      "v=0\r\n  m=video 0  RTP/AVP\t96  \r\na=rtpmap: 96  h264/90000 \r\n"
      "a=fmtp:96   packetization-mode = 1 ;  sprop-parameter-sets = Z2QAM6wVFKAoALWQ,aO48sA== ;\r\n"
      "a=control:  track1  \r\n\r\n");
  ASSERT_EQ(w.media.size(), 1u);
  EXPECT_EQ(w.media[0].payload_type, 96);
  EXPECT_EQ(w.media[0].encoding, "H264");  // lower case in the rtpmap
  EXPECT_EQ(w.media[0].clock_rate, 90000u);
  EXPECT_EQ(w.media[0].fmtp.at("packetization-mode"), "1");
  EXPECT_EQ(w.media[0].fmtp.at("sprop-parameter-sets"), "Z2QAM6wVFKAoALWQ,aO48sA==");
  EXPECT_EQ(w.media[0].control, "track1");
}

TEST(SdpParseTest, StaticPayloadTypesWithoutRtpmap) {
  SdpDescription d = ParseOk(
      "v=0\nm=audio 0 RTP/AVP 0\na=control:trackID=1\nm=audio 0 RTP/AVP 8\n"
      "m=audio 0 RTP/AVP 97\n");
  ASSERT_EQ(d.media.size(), 3u);
  EXPECT_EQ(d.media[0].encoding, "PCMU");
  EXPECT_EQ(d.media[0].clock_rate, 8000u);
  EXPECT_EQ(d.media[0].control, "trackID=1");
  EXPECT_EQ(d.media[1].encoding, "PCMA");
  EXPECT_EQ(d.media[1].clock_rate, 8000u);
  EXPECT_EQ(d.media[2].encoding, "");  // dynamic type without rtpmap: unknown
  EXPECT_EQ(d.media[2].control, "");
}

TEST(SdpParseTest, MissingOptionalLines) {
  // No o=, c=, t= or s=: still usable.
  SdpDescription d = ParseOk("m=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n");
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].encoding, "H265");
  EXPECT_EQ(d.session_name, "");
  EXPECT_EQ(d.session_control, "");
}

TEST(SdpParseTest, AttributesOfOtherPayloadTypesIgnored) {
  SdpDescription d = ParseOk(
      "v=0\nm=video 0 RTP/AVP 96 97\na=rtpmap:97 H265/90000\na=fmtp:97 sprop-vps=AAAA\n"
      "a=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\n");
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].payload_type, 96);
  EXPECT_EQ(d.media[0].encoding, "H264");
  EXPECT_EQ(d.media[0].fmtp.size(), 1u);
  EXPECT_EQ(d.media[0].fmtp.count("sprop-vps"), 0u);
}

TEST(SdpParseTest, FmtpBeforeRtpmapAndSessionAttributesNotMixedIn) {
  SdpDescription d = ParseOk(
      "v=0\na=rtpmap:96 H265/90000\na=fmtp:96 x=1\nm=video 0 RTP/AVP 96\n"
      "a=fmtp:96 packetization-mode=1\na=rtpmap:96 H264/90000\n");
  ASSERT_EQ(d.media.size(), 1u);
  EXPECT_EQ(d.media[0].encoding, "H264");
  EXPECT_EQ(d.media[0].fmtp.size(), 1u);
}

TEST(SdpParseTest, Errors) {
  EXPECT_EQ(ParseSdp("").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParseSdp("v=0\r\ns=no media\r\n").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParseSdp("v=0\nm=video 0 RTP/AVP\n").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParseSdp("v=0\nm=video\n").error().code(), ErrorCode::kMalformed);
  // Garbage lines are ignored, not fatal.
  EXPECT_TRUE(ParseSdp("hello\nx\n=\nm=video 0 RTP/AVP 96\na=rtpmap:x\na=fmtp:\n"));
}

TEST(SdpParseTest, AtMost64MediaSections) {
  std::string text = "v=0\n";
  for (int i = 0; i < 100; ++i) {
    text += "m=audio 0 RTP/AVP 0\na=control:t" + std::to_string(i) + "\n";
  }
  SdpDescription d = ParseOk(text);
  ASSERT_EQ(d.media.size(), 64u);
  EXPECT_EQ(d.media.back().control, "t63");  // later attributes do not leak into the last one
}

TEST(SdpParseTest, BuildSdpRoundTrip) {
  SdpSession s;
  s.session_id = 42;
  s.media.push_back({"video",
                     96,
                     "H264/90000",
                     "packetization-mode=1;profile-level-id=640028;"
                     "sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY,aOvjyyLA",
                     "trackID=0",
                     {"framerate:30"}});
  s.media.push_back({"audio",
                     97,
                     "MPEG4-GENERIC/48000/2",
                     "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
                     "indexdeltalength=3;config=1190",
                     "trackID=1",
                     {}});
  SdpDescription d = ParseOk(BuildSdp(s));
  EXPECT_EQ(d.session_name, "Nightjar");
  EXPECT_EQ(d.session_control, "*");
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.media[0].encoding, "H264");
  EXPECT_EQ(d.media[0].clock_rate, 90000u);
  EXPECT_EQ(d.media[0].fmtp.at("sprop-parameter-sets"),
            "Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY,aOvjyyLA");
  EXPECT_EQ(d.media[0].control, "trackID=0");
  ASSERT_TRUE(d.media[0].framerate);
  EXPECT_DOUBLE_EQ(*d.media[0].framerate, 30.0);
  EXPECT_EQ(d.media[1].encoding, "MPEG4-GENERIC");
  EXPECT_EQ(d.media[1].clock_rate, 48000u);
  EXPECT_EQ(d.media[1].channels, 2u);
  EXPECT_EQ(d.media[1].fmtp.at("config"), "1190");
  EXPECT_EQ(ResolveControl("rtsp://h/live/main", d.media[1].control),
            "rtsp://h/live/main/trackID=1");
}

TEST(ResolveControlTest, Rules) {
  EXPECT_EQ(ResolveControl("rtsp://h/a", ""), "rtsp://h/a");
  EXPECT_EQ(ResolveControl("rtsp://h/a", "*"), "rtsp://h/a");
  EXPECT_EQ(ResolveControl("rtsp://h/a", "rtsp://other:8554/x"), "rtsp://other:8554/x");
  EXPECT_EQ(ResolveControl("rtsp://h/a", "RTSP://H/x"), "RTSP://H/x");
  EXPECT_EQ(ResolveControl("rtsp://h/a", "trackID=1"), "rtsp://h/a/trackID=1");
  EXPECT_EQ(ResolveControl("rtsp://h/a/", "trackID=1"), "rtsp://h/a/trackID=1");
  EXPECT_EQ(ResolveControl("rtsp://h/a", "/trackID=1"), "rtsp://h/a/trackID=1");
  EXPECT_EQ(ResolveControl("rtsp://h/a/", "/trackID=1"), "rtsp://h/a/trackID=1");
  EXPECT_EQ(ResolveControl("rtsp://h/a?ch=1", "trackID=1"), "rtsp://h/a?ch=1/trackID=1");
  EXPECT_EQ(ResolveControl("rtsp://h/a?ch=1/", "track2"), "rtsp://h/a?ch=1/track2");
}

}  // namespace
}  // namespace nightjar::rtsp
