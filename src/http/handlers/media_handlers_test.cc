// The /api media handlers over real loopback HTTP with fake services: view.mp4, exports, HLS
// playlists, recordings and days.
#include <gtest/gtest.h>

#include "http/handlers/handlers_fixture.h"

namespace nightjar::http::handlers_test {
namespace {

TEST_F(HandlersTest, ViewMp4ServesRangesOfTheBackendsFile) {
  TestClient c(server_->port());
  auto r =
      c.Request("GET", "/api/cameras/cam1/view.mp4?from=2026-02-19T14:00:00&to=2026-02-19T14:01:00",
                "Range: bytes=2-4\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 206) << r->body();
  EXPECT_EQ(r->body(), "234");
  EXPECT_EQ((*r)[boost::beast::http::field::content_type], "video/mp4");
  EXPECT_EQ((*r)[boost::beast::http::field::etag], "\"v1\"");
  ASSERT_TRUE(backend_.last_from_ && backend_.last_to_);
  EXPECT_EQ((*r)["X-Start-90k"], std::to_string(backend_.last_from_->ticks()));
  EXPECT_EQ((*backend_.last_to_ - *backend_.last_from_).ticks(), 60 * kTicksPerSecond);
  EXPECT_EQ(Get("/api/cameras/cam1/view.mp4?from=2026-02-19T14:00:00", 400)["error"],
            "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/view.mp4?from=2026-02-19T14:01:00&to=2026-02-19T14:00:00",
                400)["error"],
            "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/view.mp4?from=yesterday&to=2026-02-19T14:00:00", 400)["error"],
            "bad_request");
  EXPECT_EQ(Get("/api/cameras/nope/view.mp4?from=2026-02-19T14:00:00&to=2026-02-19T14:01:00",
                404)["error"],
            "not_found");
}

TEST_F(HandlersTest, ThumbnailIsACacheableJpegOfTheRecordedFrame) {
  TestClient c(server_->port());
  const std::string base = "/api/cameras/cam1/thumbnail.jpg?t=";
  // t as a local time (TZ is UTC in tests) or a 90 kHz integer; w defaults to 160.
  auto r = c.Request("GET", base + "2026-02-19T14:00:01.5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200) << r->body();
  EXPECT_EQ((*r)[bhttp::field::content_type], "image/jpeg");
  EXPECT_EQ(r->body(), "\xff\xd8\xff");
  EXPECT_EQ((*r)[bhttp::field::etag], "\"thumb-1-0-160\"");
  EXPECT_EQ((*r)[bhttp::field::cache_control], "private, max-age=86400");
  EXPECT_EQ((*r)["X-Frame-Time"], std::to_string(kT0.ticks()));
  EXPECT_EQ((*r)["X-Stream"], "sub");
  EXPECT_EQ(backend_.last_thumbnail_, " 160");
  r = c.Request("GET", base + std::to_string(kT0.ticks()) + "&stream=main&w=640",
                "If-None-Match: \"thumb-1-0-640\"\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 304);
  EXPECT_EQ(backend_.last_thumbnail_, "main 640");
  // A recording still being written: revalidated every time.
  r = c.Request("GET", base + std::to_string((kT0 + Duration90k::FromSeconds(2)).ticks()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ((*r)[bhttp::field::cache_control], "private, no-cache");
  EXPECT_EQ((*r)[bhttp::field::etag], "\"thumb-1-0-160\"");
  // Too many decodes: 503 with Retry-After.
  r = c.Request("GET", base + std::to_string((kT0 + Duration90k::FromSeconds(1)).ticks()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 503);
  EXPECT_EQ((*r)[bhttp::field::retry_after], "1");
  // Nothing recorded then, or no such camera: 404 with the JSON error.
  EXPECT_EQ(Get(base + "2026-02-19T15:00:00", 404)["error"], "not_found");
  EXPECT_EQ(Get("/api/cameras/nope/thumbnail.jpg?t=2026-02-19T14:00:00", 404)["error"],
            "not_found");
  for (const std::string& bad :
       {base, base + "yesterday", base + "2026-02-19T14:00:00&w=63",
        base + "2026-02-19T14:00:00&w=641", base + "2026-02-19T14:00:00&w=big",
        base + "2026-02-19T14:00:00&stream=third",
        std::string("/api/cameras/cam1/thumbnail.jpg")}) {
    EXPECT_EQ(Get(bad, 400)["error"], "bad_request") << bad;
  }
}

TEST_F(HandlersTest, ExportIsTsByDefaultAndMp4OnRequest) {
  TestClient c(server_->port());
  auto r =
      c.Request("GET", "/api/export?camera=cam1&from=2026-02-19T14:00:00&to=2026-02-19T15:00:00");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ((*r)[bhttp::field::content_type], "video/mp2t");
  EXPECT_TRUE(r->chunked());
  EXPECT_EQ(r->body().size(), 3u * 188);
  EXPECT_EQ((*r)["Content-Disposition"], "attachment; filename=\"cam1.ts\"");
  r = c.Request(
      "GET", "/api/export?camera=cam1&format=mp4&from=2026-02-19T14:00:00&to=2026-02-19T15:00:00");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[bhttp::field::content_type], "video/mp4");
  EXPECT_EQ(r->body(), "0123456789");
  for (const char* bad : {"/api/export?from=2026-02-19&to=2026-02-20",
                          "/api/export?camera=cam1&format=avi&from=2026-02-19&to=2026-02-20",
                          "/api/export?camera=cam1&from=2026-02-20&to=2026-02-19",
                          "/api/export?camera=cam1&from=yesterday&to=2026-02-19"}) {
    auto e = c.Request("GET", bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->result_int(), 400) << bad;
  }
  auto e = c.Request("GET", "/api/export?camera=cam9&from=2026-02-19&to=2026-02-20");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->result_int(), 404);
}

TEST_F(HandlersTest, VodPlaylistListsSegmentsWithDiscontinuities) {
  TestClient c(server_->port());
  auto r = c.Request(
      "GET", "/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T15:00:00&stream=sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ((*r)[bhttp::field::content_type], "application/vnd.apple.mpegurl");
  const std::string& p = r->body();
  EXPECT_NE(p.find("#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:4\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXTINF:4.00000,\nsegment/ts/1-0-120.ts?stream=sub\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:"), std::string::npos) << p;
  EXPECT_TRUE(p.ends_with("segment/ts/2-0-60.ts?stream=sub\n#EXT-X-ENDLIST\n")) << p;
  auto seg = c.Request("GET", "/api/hls/cam1/segment/ts/1-0-120.ts");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->result_int(), 200);
  EXPECT_EQ(seg->body().size(), 3u * 188);
  seg = c.Request("GET", "/api/hls/cam1/segment/ts/9-9-9");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->result_int(), 404);
}

TEST_F(HandlersTest, LivePlaylistBlocksUntilTheSegmentExists) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/api/hls/cam1/live.m3u8?stream=sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "#EXTM3U\nsegments=0?stream=sub\n");
  c.Send("GET", "/api/hls/cam1/live.m3u8?_HLS_msn=1&_HLS_part=0");
  while (!backend_.live_->has_waiter()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  backend_.live_->NextSegment();
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "#EXTM3U\nsegments=1\n");
  for (const char* bad :
       {"/api/hls/cam1/live.m3u8?_HLS_msn=x", "/api/hls/cam1/live.m3u8?_HLS_part=1",
        "/api/hls/cam1/live.m3u8?_HLS_msn=9", "/api/hls/cam1/part/ts/1"}) {
    auto e = c.Request("GET", bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->result_int(), 400) << bad;
  }
  auto seg = c.Request("GET", "/api/hls/cam1/segment/ts/1");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->result_int(), 200);
  EXPECT_EQ((*seg)[bhttp::field::content_type], "video/mp2t");
  for (const char* missing :
       {"/api/hls/cam9/live.m3u8", "/api/hls/cam1/segment/ts/7", "/api/hls/cam1/part/ts/1.0",
        "/api/cameras/cam1/snapshot.jpg", "/api/hls/cam9/player"}) {
    auto e = c.Request("GET", missing);
    ASSERT_TRUE(e) << missing;
    EXPECT_EQ(e->result_int(), 404) << missing;
  }
  auto ws = c.Request("GET", "/api/cameras/cam1/live.ws");
  ASSERT_TRUE(ws);
  EXPECT_EQ(ws->result_int(), 426);
}

TEST_F(HandlersTest, RecordingsArePagedRunsWithGaps) {
  // Two one-minute runs with a minute between them.
  json j = Get("/api/cameras/cam1/recordings", 200);
  ASSERT_EQ(j["runs"].size(), 2u);
  ASSERT_EQ(j["gaps"].size(), 1u);
  EXPECT_EQ(j["gaps"][0]["duration_s"], 60.0);
  EXPECT_EQ(j["runs"][0]["bytes"], 2500);
  EXPECT_EQ(j["runs"][0]["frames"], 1500);
  EXPECT_EQ(j["runs"][0]["codec"], "avc1.64001f");
  EXPECT_TRUE(j["next"].is_null());
  EXPECT_EQ(j["total"]["recorded_s"], 120.0);

  j = Get("/api/cameras/cam1/recordings?limit=1", 200);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["gaps"].size(), 0u);
  ASSERT_TRUE(j["next"].is_string());
  EXPECT_EQ(j["total"]["runs"], 2);
  j = Get("/api/cameras/cam1/recordings?limit=1&cursor=" + j["next"].get<std::string>(), 200);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["start_90k"], (kT0 + Duration90k::FromSeconds(120)).ticks());
  ASSERT_EQ(j["gaps"].size(), 1u);  // the gap before the page's first run
  EXPECT_TRUE(j["next"].is_null());

  // Runs are clipped to the range.
  j = Get("/api/cameras/cam1/recordings?from=2026-02-19T14:00:30Z", 200);
  EXPECT_EQ(j["runs"][0]["duration_s"], 30.0);

  // Runs that share a clipped start are neither repeated nor lost between pages.
  std::vector<int64_t> ends;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    j = Get("/api/cameras/cam3/recordings?from=2026-02-19T14:00:00Z&limit=1" +
                (cursor.empty() ? "" : "&cursor=" + cursor),
            200);
    ASSERT_EQ(j["runs"].size(), 1u) << j.dump();
    ends.push_back(j["runs"][0]["end_90k"].get<int64_t>());
    if (j["next"].is_null()) break;
    cursor = j["next"].get<std::string>();
  }
  EXPECT_EQ(ends, (std::vector<int64_t>{(kT0 + Duration90k::FromSeconds(30)).ticks(),
                                        (kT0 + Duration90k::FromSeconds(20)).ticks(),
                                        (kT0 + Duration90k::FromSeconds(90)).ticks()}));

  EXPECT_EQ(Get("/api/cameras/cam1/recordings?limit=0", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/recordings?cursor=5.x", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/recordings?cursor=abc", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/cam1/recordings?stream=third", 400)["error"], "bad_request");
  EXPECT_EQ(Get("/api/cameras/nope/recordings", 404)["error"], "not_found");
}

TEST_F(HandlersTest, DaysWithRecordings) {
  // The recordings: 14:00-14:01 and 14:02-14:03 UTC on 2026-02-19.
  json j = Get("/api/cameras/cam1/days?tz=Z", 200);
  ASSERT_EQ(j["days"].size(), 1u);
  EXPECT_EQ(j["days"][0]["date"], "2026-02-19");
  EXPECT_EQ(j["days"][0]["recorded_s"], 120.0);
  EXPECT_EQ(j["days"][0]["recordings"], 2);
  // 9:58 east of UTC the second one starts at midnight of the 20th.
  j = Get("/api/cameras/cam1/days?tz=%2B09:58", 200);
  ASSERT_EQ(j["days"].size(), 2u) << j.dump();
  EXPECT_EQ(j["days"][0]["date"], "2026-02-19");
  EXPECT_EQ(j["days"][1]["date"], "2026-02-20");
  EXPECT_EQ(j["days"][0]["recorded_s"], 60.0);
  EXPECT_EQ(j["days"][1]["recorded_s"], 60.0);
  // 9:57:59 is not an offset; 9:57 puts both on the 19th, the second ending at its midnight.
  j = Get("/api/cameras/cam1/days?tz=%2B09:57", 200);
  ASSERT_EQ(j["days"].size(), 1u) << j.dump();
  EXPECT_EQ(j["days"][0]["recorded_s"], 120.0);
  EXPECT_EQ(Get("/api/cameras/cam1/days", 200)["tz"], "local");
  EXPECT_EQ(Get("/api/cameras/cam1/days?tz=Mars", 400)["error"], "bad_request");
}

TEST_F(HandlersTest, VodFmp4PlaylistMapsInitSegments) {
  TestClient c(server_->port());
  auto r = c.Request(
      "GET", "/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T14:05:00&format=fmp4");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->result_int(), 200) << r->body();
  const std::string p = r->body();
  EXPECT_NE(p.find("#EXT-X-VERSION:6"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-MAP:URI=\"init/1-0-120.mp4\"\n"), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-MAP:URI=\"init/2-0-60.mp4\"\n"), std::string::npos)
      << p;  // after the gap
  const std::string t0 = "?t0=" + std::to_string(kT0.ticks()) + "\n";
  EXPECT_NE(p.find("segment/fmp4/1-120-200.m4s" + t0), std::string::npos) << p;
  EXPECT_EQ(p.find(".ts"), std::string::npos) << p;

  r = c.Request("GET", "/api/hls/cam1/init/1-0-120.mp4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "init");
  r = c.Request("GET", "/api/hls/cam1/segment/fmp4/1-0-120.m4s", "Range: bytes=10-19\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 206);
  EXPECT_EQ(r->body(), "mmmmmmmmmm");
  EXPECT_EQ((*r)[boost::beast::http::field::content_type], "video/mp4");
  EXPECT_EQ(Get("/api/hls/cam1/segment/fmp4/9-0-1.m4s", 404)["error"], "not_found");
  EXPECT_EQ(
      Get("/api/hls/cam1/vod.m3u8?from=2026-02-19T14:00:00&to=2026-02-19T14:05:00&format=webm",
          400)["error"],
      "bad_request");
}

}  // namespace
}  // namespace nightjar::http::handlers_test
