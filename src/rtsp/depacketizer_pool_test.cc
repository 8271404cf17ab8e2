// The depacketizers' buffers come from a BufferPool: once the frames of a GOP have been given
// back, the next GOP allocates nothing, and the buffers keep the sizes the reservation logic
// gives them (a P frame's near its size, a key frame's trimmed).
#include <gtest/gtest.h>

#include "base/buffer_pool.h"
#include "codec/codec_test_data.h"
#include "rtsp/depacketizer.h"
#include "rtsp/depacketizer_test_util.h"

namespace nightjar::rtsp {
namespace {

using namespace testing;  // NOLINT(build/namespaces): test helpers
namespace td = codec::testdata;

// A 1080p-like GOP: a key frame of ~120 KB with its parameter sets, then P frames of 15-19 KB.
std::vector<std::vector<Bytes>> Gop(int frames) {
  std::vector<std::vector<Bytes>> gop;
  gop.push_back({Span(td::kX264Sps1080p), Span(td::kX264Pps1080p), Nal({0x65}, 120000, 1)});
  for (int i = 1; i < frames; ++i) {
    gop.push_back(
        {Nal({0x41}, 15000 + static_cast<size_t>(i * 397) % 4000, static_cast<uint8_t>(i))});
  }
  return gop;
}

TEST(DepacketizerPoolTest, VideoBuffersAreRecycled) {
  BufferPool pool(BufferPoolOptions{.trim_interval = {}});  // no trims behind the test's back
  auto made = MakeDepacketizer(Media("H264", 90000, {{"packetization-mode", "1"}}), pool);
  ASSERT_TRUE(made);
  Depacketizer& d = **made;
  const auto gop = Gop(30);
  int64_t ts = 0;
  BufferPoolStats before_third;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    if (round == 2) before_third = pool.Stats();
    for (size_t i = 0; i < gop.size(); ++i) {
      auto aus = Feed(d, Packetize(Format::kH264, gop[i], 1400, ts += 3000));
      ASSERT_TRUE(aus) << aus.error().ToString();
      ASSERT_EQ(aus->size(), 1u);
      AccessUnit& au = (*aus)[0];
      ASSERT_EQ(au.data, Avcc(gop[i])) << i;
      const size_t size = au.data.size();
      if (i == 0) {  // trimmed: at most a quarter over its size
        EXPECT_LE(au.data.capacity(), size + size / 4);
      } else if (i > 1) {  // reserved from the frame before: never a key frame's (7 times larger)
        EXPECT_LE(au.data.capacity(), 3 * size) << i;
      }
      pool.Give(std::move(au.data));  // the frame is done with (the writer wrote it)
    }
  }
  // The third GOP took every buffer from the pool (the second one left all it needs there): one
  // per frame, and one more for the key frame, reserved at its size when its slice started (not
  // grown by doubling, a copy each time, then trimmed).
  const BufferPoolStats s = pool.Stats();
  EXPECT_GT(s.takes, before_third.takes + gop.size() - 1);
  EXPECT_LE(s.takes, before_third.takes + gop.size() + 1);
  EXPECT_EQ(s.takes - before_third.takes, s.reused - before_third.reused);
  EXPECT_LE(s.kept_bytes, size_t{2} << 20);
}

TEST(DepacketizerPoolTest, SharedFramesComeBackWhenReleased) {
  BufferPool pool(BufferPoolOptions{.trim_interval = {}});  // no trims behind the test's back
  auto made = MakeDepacketizer(Media("H264", 90000, {{"packetization-mode", "1"}}), pool);
  ASSERT_TRUE(made);
  const auto gop = Gop(10);
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> held;  // a live GOP, say
  int64_t ts = 0;
  for (const auto& frame : gop) {
    auto aus = Feed(**made, Packetize(Format::kH264, frame, 1400, ts += 3000));
    ASSERT_TRUE(aus);
    ASSERT_EQ(aus->size(), 1u);
    held.push_back(pool.Share(std::move((*aus)[0].data)));
  }
  // Frames still held are never handed out again: their bytes stay intact.
  for (size_t i = 0; i < gop.size(); ++i) EXPECT_EQ(*held[i], Avcc(gop[i])) << i;
  EXPECT_EQ(pool.Stats().shared, gop.size());
  const size_t kept = pool.Stats().kept_buffers;
  held.clear();
  EXPECT_EQ(pool.Stats().shared, 0u);
  EXPECT_EQ(pool.Stats().kept_buffers, kept + gop.size());
}

TEST(DepacketizerPoolTest, AudioBuffersAreRecycled) {
  BufferPool pool(BufferPoolOptions{.trim_interval = {}});  // no trims behind the test's back
  auto aac = MakeDepacketizer(Media("MPEG4-GENERIC", 48000,
                                    {{"streamtype", "5"},
                                     {"mode", "AAC-hbr"},
                                     {"sizelength", "13"},
                                     {"indexlength", "3"},
                                     {"indexdeltalength", "3"},
                                     {"config", HexEncode(Span(td::kFfmpegAsc48kStereo))}}),
                              pool);
  auto pcmu = MakeDepacketizer(Media("PCMU", 8000), pool);
  ASSERT_TRUE(aac);
  ASSERT_TRUE(pcmu);
  for (int i = 0; i < 4; ++i) {
    const Bytes frame = Nal({0x21}, 371, static_cast<uint8_t>(i));
    auto a = Feed(**aac, PacketizeAacAu(frame, 1400, int64_t{1024} * i));
    ASSERT_TRUE(a);
    ASSERT_EQ(a->size(), 1u);
    EXPECT_EQ((*a)[0].data, frame);
    pool.Give(std::move((*a)[0].data));
    auto g = Feed(**pcmu, {{int64_t{160} * i, false, Nal({0xff}, 160)}});
    ASSERT_TRUE(g);
    ASSERT_EQ(g->size(), 1u);
    EXPECT_EQ((*g)[0].data, Nal({0xff}, 160));
    pool.Give(std::move((*g)[0].data));
  }
  const BufferPoolStats s = pool.Stats();
  EXPECT_EQ(s.takes, 8u);
  EXPECT_EQ(s.reused, 6u);  // all but each depacketizer's first
}

}  // namespace
}  // namespace nightjar::rtsp
