// UdpPoller over real loopback sockets and a real io_context: sockets holding datagrams are
// handed to their owner, empty ones are not, an owner that has not caught up is called again,
// and nothing is called after the registration ends.
#include "rtsp/udp_poller.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "rtsp/udp_batch.h"

namespace nightjar::rtsp {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Pair {
  UdpFd rx;
  int tx = -1;
  sockaddr_in to{};
  Pair() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    auto bound = UdpFd::Bind(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
    EXPECT_TRUE(bound.has_value());
    if (bound) rx = std::move(*bound);
    socklen_t len = sizeof(to);
    getsockname(rx.get(), reinterpret_cast<sockaddr*>(&to), &len);
    tx = socket(AF_INET, SOCK_DGRAM, 0);
  }
  ~Pair() { close(tx); }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  void Send(size_t count) const {
    const std::vector<uint8_t> bytes(100, 0x80);
    for (size_t i = 0; i < count; ++i) {
      ASSERT_EQ(sendto(tx, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                       sizeof(to)),
                100);
    }
  }
  // Reads one datagram if one is queued.
  bool ReadOne() const {
    uint8_t buffer[2048];
    return recv(rx.get(), buffer, sizeof(buffer), MSG_DONTWAIT) > 0;
  }
};

// Runs the context until `done` holds (or 10 s pass: the test then fails on its expectations).
void RunUntil(asio::io_context& io, const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < give_up) {
    io.run_for(2ms);
    io.restart();
  }
}

TEST(UdpPoller, HandsOverSocketsHoldingDatagramsOnly) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  Pair busy, idle;
  busy.Send(3);  // before the registration: read at once, not after a tick
  size_t busy_read = 0, busy_calls = 0, idle_calls = 0;
  auto drain_busy = [&] {
    ++busy_calls;
    while (busy.ReadOne()) ++busy_read;
    return true;
  };
  auto drain_idle = [&] {
    ++idle_calls;
    while (idle.ReadOne()) {
    }
    return true;
  };
  auto strand = asio::make_strand(io);
  auto h1 = (*poller)->Register(busy.rx.get(), strand, 1ms, drain_busy);
  auto h2 = (*poller)->Register(idle.rx.get(), strand, 1ms, drain_idle);
  ASSERT_TRUE(h1.has_value() && h2.has_value());
  RunUntil(io, [&] { return busy_read == 3 && idle_calls == 1; });
  EXPECT_EQ(busy_read, 3u);
  EXPECT_EQ(idle_calls, 1u);  // the first look, at registration

  // Many ticks pass: neither socket holds anything, so neither owner is called.
  const uint64_t ticks = (*poller)->stats().ticks;
  const size_t calls = busy_calls;
  RunUntil(io, [&] { return (*poller)->stats().ticks >= ticks + 20; });
  EXPECT_GE((*poller)->stats().ticks, ticks + 20);
  EXPECT_EQ(busy_calls, calls);
  EXPECT_EQ(idle_calls, 1u);

  busy.Send(5);
  RunUntil(io, [&] { return busy_read == 8; });
  EXPECT_EQ(busy_read, 8u);
  EXPECT_EQ(idle_calls, 1u);
}

TEST(UdpPoller, CallsAgainUntilTheOwnerCaughtUp) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  Pair p;
  p.Send(4);
  size_t read = 0;
  // One datagram per call; caught up only when a call found nothing.
  auto h = (*poller)->Register(p.rx.get(), io.get_executor(), std::chrono::hours(1), [&] {
    if (!p.ReadOne()) return true;
    ++read;
    return false;
  });
  ASSERT_TRUE(h.has_value());
  // The tick is an hour: all four are read through the owner's "call me again" alone.
  io.run_for(300ms);
  EXPECT_EQ(read, 4u);
}

// More sockets hold datagrams than one epoll_wait reports (64): level-triggered, the reported
// ones come back at the end of the ready list, so a full answer never ends by itself. Every tick
// must still end, and hand every socket over once.
TEST(UdpPoller, MoreReadySocketsThanOneAnswerHolds) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  constexpr size_t kSockets = 150;
  std::vector<std::unique_ptr<Pair>> pairs;
  std::vector<size_t> calls(kSockets, 0);
  std::vector<UdpPoller::Handle> handles;
  for (size_t i = 0; i < kSockets; ++i) {
    pairs.push_back(std::make_unique<Pair>());
    pairs.back()->Send(1);
    // Never reads: the socket stays ready, and is handed over again at every tick.
    auto h = (*poller)->Register(pairs.back()->rx.get(), io.get_executor(), 1ms, [&calls, i] {
      ++calls[i];
      return true;
    });
    ASSERT_TRUE(h.has_value());
    handles.push_back(std::move(*h));
  }
  const auto all_called = [&](size_t n) {
    for (size_t c : calls) {
      if (c < n) return false;
    }
    return true;
  };
  RunUntil(io, [&] { return all_called(3); });
  EXPECT_TRUE(all_called(3));
  EXPECT_GE((*poller)->stats().ticks, 2u);
}

// A socket's interval changes while it is watched: an hour (never, within the test), then 1 ms.
TEST(UdpPoller, IntervalChangesWhileWatched) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  Pair slow, fast;
  size_t slow_read = 0, fast_read = 0;
  auto h = (*poller)->Register(slow.rx.get(), io.get_executor(), std::chrono::hours(1), [&] {
    while (slow.ReadOne()) ++slow_read;
    return true;
  });
  // Another socket at 1 ms keeps ticks going: they must not look at the hourly one.
  auto other = (*poller)->Register(fast.rx.get(), io.get_executor(), 1ms, [&] {
    while (fast.ReadOne()) ++fast_read;
    return true;
  });
  ASSERT_TRUE(h.has_value() && other.has_value());
  io.run_for(20ms);  // the first look at registration
  io.restart();
  slow.Send(2);
  fast.Send(1);
  RunUntil(io, [&] { return fast_read == 1; });
  const uint64_t ticks = (*poller)->stats().ticks;
  RunUntil(io, [&] { return (*poller)->stats().ticks >= ticks + 10; });
  EXPECT_EQ(fast_read, 1u);
  EXPECT_EQ(slow_read, 0u);  // an hour has not passed

  ASSERT_TRUE((*h)->SetInterval(1ms).has_value());
  RunUntil(io, [&] { return slow_read == 2; });
  EXPECT_EQ(slow_read, 2u);

  // And back: datagrams now wait for the hour again.
  ASSERT_TRUE((*h)->SetInterval(std::chrono::hours(1)).has_value());
  slow.Send(1);
  const uint64_t later = (*poller)->stats().ticks;
  RunUntil(io, [&] { return (*poller)->stats().ticks >= later + 10; });
  EXPECT_EQ(slow_read, 2u);
}

TEST(UdpPoller, NothingIsCalledOnceTheRegistrationEnds) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  Pair p, other;
  size_t calls = 0;
  auto h = (*poller)->Register(p.rx.get(), io.get_executor(), 1ms, [&] {
    ++calls;
    while (p.ReadOne()) {
    }
    return true;
  });
  // Another socket keeps the poller ticking (it stops when nothing is watched).
  auto keep = (*poller)->Register(other.rx.get(), io.get_executor(), 1ms, [] { return true; });
  ASSERT_TRUE(h.has_value() && keep.has_value());
  RunUntil(io, [&] { return calls == 1; });
  h->reset();
  p.Send(3);
  const uint64_t ticks = (*poller)->stats().ticks;
  RunUntil(io, [&] { return (*poller)->stats().ticks >= ticks + 5; });
  EXPECT_EQ(calls, 1u);
  EXPECT_TRUE(p.ReadOne());  // still queued: nobody read it
}

TEST(UdpPoller, RegistrationCanEndBeforeItsFirstCall) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  Pair p;
  size_t calls = 0;
  auto h = (*poller)->Register(p.rx.get(), io.get_executor(), 1ms, [&] {
    ++calls;
    return true;
  });
  ASSERT_TRUE(h.has_value());
  h->reset();  // the first look is already posted
  io.run_for(20ms);
  EXPECT_EQ(calls, 0u);
}

// Drains handed over at a tick run on the owner's strand (at once when it is idle: dispatched),
// outside the poller's lock: a drain may change its own interval and end its own registration
// there, as a session does when a viewer arrives or when it stops.
TEST(UdpPoller, ADrainRunsOnItsStrandAndMayChangeItsOwnWatch) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  auto strand = asio::make_strand(io);
  Pair p, other;
  size_t calls = 0, on_strand = 0;
  UdpPoller::Handle h;
  auto registered = (*poller)->Register(p.rx.get(), strand, 1ms, [&] {
    ++calls;
    if (strand.running_in_this_thread()) ++on_strand;
    while (p.ReadOne()) {
    }
    if (calls == 2) {
      EXPECT_TRUE(h->SetInterval(2ms).has_value());
    }
    if (calls == 3) h.reset();  // the session stopped: its watch ends inside its own drain
    return true;
  });
  // Another socket keeps the poller ticking.
  auto keep = (*poller)->Register(other.rx.get(), strand, 1ms, [] { return true; });
  ASSERT_TRUE(registered.has_value() && keep.has_value());
  h = std::move(*registered);
  RunUntil(io, [&] { return calls == 1; });  // the first look at registration
  p.Send(1);
  RunUntil(io, [&] { return calls == 2; });
  p.Send(1);
  RunUntil(io, [&] { return calls == 3; });
  EXPECT_EQ(h, nullptr);
  p.Send(2);
  const uint64_t ticks = (*poller)->stats().ticks;
  RunUntil(io, [&] { return (*poller)->stats().ticks >= ticks + 5; });
  EXPECT_EQ(calls, 3u);
  EXPECT_EQ(on_strand, 3u);
  EXPECT_TRUE(p.ReadOne());  // still queued: nobody read it
}

// The stats count the sockets of each interval in use, following SetInterval and the end of a
// registration.
TEST(UdpPoller, StatsCountTheSocketsOfEachInterval) {
  asio::io_context io;
  auto poller = UdpPoller::For(io.get_executor());
  ASSERT_TRUE(poller.has_value());
  Pair a, b;
  auto ha = (*poller)->Register(a.rx.get(), io.get_executor(), 100ms, [] { return true; });
  auto hb = (*poller)->Register(b.rx.get(), io.get_executor(), 100ms, [] { return true; });
  ASSERT_TRUE(ha.has_value() && hb.has_value());
  EXPECT_EQ((*poller)->stats().watched, (std::map<std::chrono::milliseconds, size_t>{{100ms, 2}}));
  ASSERT_TRUE((*hb)->SetInterval(200ms).has_value());
  EXPECT_EQ((*poller)->stats().watched,
            (std::map<std::chrono::milliseconds, size_t>{{100ms, 1}, {200ms, 1}}));
  ha->reset();
  EXPECT_EQ((*poller)->stats().watched, (std::map<std::chrono::milliseconds, size_t>{{200ms, 1}}));
}

// A 2 MiB receive buffer as the kernel counts it (4 MiB), and the ~416 KiB that Linux's default
// net.core.rmem_max leaves a process that may not raise it.
constexpr int kGranted = 4 << 20;
constexpr int kCapped = 425984;

TEST(RecordingPollInterval, TheLongestIntervalWhoseDatagramsTakeAnEighthOfTheBuffer) {
  // 4 Mbit/s: 100 KB a 200 ms interval, ~200 KB counted: well under 512 KiB.
  EXPECT_EQ(RecordingPollInterval(500e3, kGranted, 200ms, 20ms), 200ms);
  // Around the edge, 2 x rate x 0.2 s = 524,288 bytes: 10.4 Mbit/s fits, 10.6 does not.
  EXPECT_EQ(RecordingPollInterval(1.30e6, kGranted, 200ms, 20ms), 200ms);
  EXPECT_EQ(RecordingPollInterval(1.32e6, kGranted, 200ms, 20ms), 100ms);
  // 16 Mbit/s: 100 ms; 32 Mbit/s: not even that, so the live pace.
  EXPECT_EQ(RecordingPollInterval(2e6, kGranted, 200ms, 20ms), 100ms);
  EXPECT_EQ(RecordingPollInterval(4e6, kGranted, 200ms, 20ms), 20ms);
  // A sub stream of 512 kbit/s.
  EXPECT_EQ(RecordingPollInterval(64e3, kGranted, 200ms, 20ms), 200ms);
}

TEST(RecordingPollInterval, ASmallBufferIsPolledOften) {
  EXPECT_EQ(RecordingPollInterval(500e3, kCapped, 200ms, 20ms), 20ms);  // a main stream
  EXPECT_EQ(RecordingPollInterval(64e3, kCapped, 200ms, 20ms), 200ms);  // a sub stream
  EXPECT_EQ(RecordingPollInterval(500e3, 0, 200ms, 20ms), 20ms);        // nothing granted
}

// Before a rate is measured it is taken as 20 Mbit/s: 100 ms with the buffer granted, the live
// pace without it.
TEST(RecordingPollInterval, AnUnmeasuredRateIsTakenAsHigh) {
  EXPECT_EQ(RecordingPollInterval(-1, kGranted, 200ms, 20ms), 100ms);
  EXPECT_EQ(RecordingPollInterval(-1, kCapped, 200ms, 20ms), 20ms);
}

// Never slower than asked for, never faster than `shortest`, even if `longest` is shorter.
TEST(RecordingPollInterval, StaysWithinItsBounds) {
  EXPECT_EQ(RecordingPollInterval(0, kGranted, 100ms, 20ms), 100ms);
  EXPECT_EQ(RecordingPollInterval(0, kGranted, 30ms, 20ms), 30ms);
  EXPECT_EQ(RecordingPollInterval(1e9, kGranted, 30ms, 20ms), 20ms);
  EXPECT_EQ(RecordingPollInterval(0, kGranted, 10ms, 20ms), 20ms);
}

TEST(UdpPoller, NeedsAnIoContext) {
  asio::thread_pool pool(1);
  auto poller = UdpPoller::For(pool.get_executor());
  ASSERT_FALSE(poller.has_value());
  EXPECT_EQ(poller.error().code(), ErrorCode::kUnsupported);
  pool.join();
}

}  // namespace
}  // namespace nightjar::rtsp
