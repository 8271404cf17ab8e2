#include "app/status_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace nightjar::app {
namespace {

ingest::StreamStats Sample() {
  ingest::StreamStats s;
  s.camera = "front door";
  s.kind = "main";
  s.stream_id = 7;
  s.record = true;
  s.state = ingest::StreamState::kStreaming;
  s.since = Time90k(90'000LL * 1'780'000'000);
  s.sessions = 3;
  s.reconnects = 2;
  s.video_codec = "avc1.640028";
  s.width = 1920;
  s.height = 1080;
  s.frames = 123'456'789'012ULL;
  s.audio_frames = 5;
  s.bytes = 1ULL << 40;
  s.packets_lost = 1;
  s.frames_dropped = 2;
  s.frames_recorded = 3;
  s.frames_shed = 4;
  s.resyncs = 5;
  s.skipped_bytes = 6;
  s.dropped_packets = 7;
  s.rtp_restarts = 8;
  s.transport = "udp";
  s.fps = 29.97;
  s.bitrate_bps = 4.2e6;
  return s;
}

class StatusFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nightjar-status-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "status.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StatusFileTest, EveryFieldReadsBack) {
  const Time90k now(90'000LL * 1'780'000'100 + 12'345);
  WriteStreamStatus(path_, {Sample()}, now);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  auto doc = ReadStreamStatus(path_);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["pid"], ::getpid());
  EXPECT_EQ((*doc)["updated_90k"], now.ticks());
  EXPECT_EQ(ParseTime((*doc)["updated"].get<std::string>()).value(), now);
  ASSERT_EQ((*doc)["streams"].size(), 1u);
  const nlohmann::json& s = (*doc)["streams"][0];
  const ingest::StreamStats want = Sample();
  EXPECT_EQ(s["camera"], "front door");
  EXPECT_EQ(s["stream"], "main");
  EXPECT_EQ(s["stream_id"], 7);
  EXPECT_EQ(s["record"], true);
  EXPECT_EQ(s["state"], "streaming");
  EXPECT_EQ(s["sessions"], 3);
  EXPECT_EQ(s["reconnects"], 2);
  EXPECT_TRUE(s["last_error"].is_null());
  EXPECT_TRUE(s["last_error_at"].is_null());
  EXPECT_TRUE(s["last_error_at_90k"].is_null());
  EXPECT_EQ(s["video_codec"], "avc1.640028");
  EXPECT_EQ(s["width"], 1920);
  EXPECT_EQ(s["height"], 1080);
  EXPECT_TRUE(s["audio_codec"].is_null());
  EXPECT_EQ(s["frames"], want.frames);
  EXPECT_EQ(s["audio_frames"], 5);
  EXPECT_EQ(s["bytes"], want.bytes);
  EXPECT_EQ(s["packets_lost"], 1);
  EXPECT_EQ(s["frames_dropped"], 2);
  EXPECT_EQ(s["frames_recorded"], 3);
  EXPECT_EQ(s["frames_shed"], 4);
  EXPECT_EQ(s["resyncs"], 5);
  EXPECT_EQ(s["skipped_bytes"], 6);
  EXPECT_EQ(s["dropped_packets"], 7);
  EXPECT_EQ(s["rtp_restarts"], 8);
  EXPECT_EQ(s["transport"], "udp");
  EXPECT_DOUBLE_EQ(s["fps"].get<double>(), 29.97);
  EXPECT_DOUBLE_EQ(s["bitrate_bps"].get<double>(), 4.2e6);
  EXPECT_EQ(s["since_90k"], want.since.ticks());
  EXPECT_EQ(ParseTime(s["since"].get<std::string>()).value(), want.since);
  EXPECT_EQ(s.size(), 30u);  // nothing more, nothing less
}

TEST_F(StatusFileTest, AnyTextIsValidJson) {
  ingest::StreamStats a = Sample();
  a.camera = "quote \" backslash \\ tab \t newline \n bell \x07 del \x7f caf\xc3\xa9 \xe2\x82\xac";
  a.last_error =
      std::string("bad \xff byte, cut \xe2\x82, overlong \xc0\xaf, surrogate \xed\xa0\x80") +
      std::string(1, '\0') + "end";
  a.last_error_at = Time90k(90'000LL * 1'780'000'050);
  a.audio_codec = "mp4a.40.2";
  a.fps = std::numeric_limits<double>::quiet_NaN();
  a.bitrate_bps = std::numeric_limits<double>::infinity();
  ingest::StreamStats b = Sample();
  b.camera = "";
  b.kind = "sub";
  b.transport = "";
  b.fps = 0;
  WriteStreamStatus(path_, {a, b}, Time90k(0));
  auto doc = ReadStreamStatus(path_);
  ASSERT_TRUE(doc);  // nlohmann refuses invalid UTF-8 and unescaped control characters
  const nlohmann::json& s = (*doc)["streams"][0];
  EXPECT_EQ(s["camera"],
            "quote \" backslash \\ tab \t newline \n bell \x07 del \x7f caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(s["last_error"], std::string("bad \xef\xbf\xbd byte, cut \xef\xbf\xbd\xef\xbf\xbd, "
                                         "overlong \xef\xbf\xbd\xef\xbf\xbd, surrogate "
                                         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") +
                                 std::string(1, '\0') + "end");
  EXPECT_EQ(s["last_error_at_90k"], a.last_error_at.ticks());
  EXPECT_EQ(s["audio_codec"], "mp4a.40.2");
  EXPECT_TRUE(s["fps"].is_null());
  EXPECT_TRUE(s["bitrate_bps"].is_null());
  const nlohmann::json& t = (*doc)["streams"][1];
  EXPECT_EQ(t["camera"], "");
  EXPECT_EQ(t["stream"], "sub");
  EXPECT_TRUE(t["transport"].is_null());
  EXPECT_EQ(t["fps"], 0);
}

TEST_F(StatusFileTest, NoStreamsAndReplacingTheFile) {
  WriteStreamStatus(path_, {Sample(), Sample()}, Time90k(1));
  WriteStreamStatus(path_, {}, Time90k(2));
  auto doc = ReadStreamStatus(path_);
  ASSERT_TRUE(doc);
  EXPECT_TRUE((*doc)["streams"].is_array());
  EXPECT_TRUE((*doc)["streams"].empty());
  EXPECT_EQ((*doc)["updated_90k"], 2);
  EXPECT_FALSE(ReadStreamStatus((dir_ / "none.json").string()));
  std::ofstream(dir_ / "junk.json") << "{\"streams\": [";
  EXPECT_FALSE(ReadStreamStatus((dir_ / "junk.json").string()));
}

ino_t Inode(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Each document is written into a new file, then exchanged with the published one: every write
// publishes a new inode, the spare holds the document before, and both go at the end.
TEST_F(StatusFileTest, EachDocumentIsAFileOfItsOwnAndBothGoAtTheEnd) {
  const auto spare = dir_ / "status.json.tmp";
  WriteStreamStatus(path_, {Sample()}, Time90k(1));
  const ino_t first = Inode(path_);
  EXPECT_FALSE(std::filesystem::exists(spare));
  WriteStreamStatus(path_, {Sample(), Sample()}, Time90k(2));
  const ino_t second = Inode(path_);
  EXPECT_NE(second, first);
  EXPECT_EQ(Inode(spare), first);  // the document before, as it was
  WriteStreamStatus(path_, {}, Time90k(3));
  EXPECT_EQ(Inode(spare), second);
  auto doc = ReadStreamStatus(path_);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["updated_90k"], 3);
  EXPECT_TRUE((*doc)["streams"].empty());
  auto before = ReadStreamStatus(spare.string());
  ASSERT_TRUE(before);
  EXPECT_EQ((*before)["updated_90k"], 2);
  EXPECT_EQ((*before)["streams"].size(), 2u);
  RemoveStreamStatus(path_);
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_FALSE(std::filesystem::exists(spare));
}

// A reader that opened the file and is slow to read it (a loaded machine, a paused script) still
// reads the document it opened, however many are written meanwhile: no file is ever rewritten.
TEST_F(StatusFileTest, ASlowReaderKeepsTheDocumentItOpened) {
  std::vector<ingest::StreamStats> many(20, Sample());  // ~18 KB: several pages
  WriteStreamStatus(path_, many, Time90k(1));
  std::ifstream held(path_);
  ASSERT_TRUE(held);
  for (int i = 2; i <= 4; ++i) {
    WriteStreamStatus(path_, std::vector<ingest::StreamStats>(3, Sample()), Time90k(i));
  }
  std::stringstream text;
  text << held.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(doc.is_discarded()) << text.str().substr(0, 200);
  EXPECT_EQ(doc["updated_90k"], 1);
  EXPECT_EQ(doc["streams"].size(), 20u);
}

// A reader opening the file while it is rewritten always gets one whole document.
TEST_F(StatusFileTest, AReaderNeverSeesAHalfWrittenDocument) {
  // Document i has i % 2 + 19 streams (~18 KB: several pages), the first one too.
  std::vector<ingest::StreamStats> many(19, Sample());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, bad{0};
  WriteStreamStatus(path_, many, Time90k(0));
  std::thread reader([&] {
    while (!done) {
      auto doc = ReadStreamStatus(path_);
      if (!doc || (*doc)["streams"].size() !=
                      static_cast<size_t>((*doc)["updated_90k"].get<int64_t>() % 2 + 19)) {
        ++bad;
      }
      ++reads;
    }
  });
  for (int i = 1; i <= 400; ++i) {
    std::vector<ingest::StreamStats> now(static_cast<size_t>(i % 2 + 19), Sample());
    WriteStreamStatus(path_, now, Time90k(i));
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace nightjar::app
