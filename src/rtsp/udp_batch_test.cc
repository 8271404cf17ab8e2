// DrainUdp over real loopback sockets: datagram boundaries, the source filter (AcceptOnlyFrom),
// batches, and UDP_GRO super-datagrams split back into their segments; the polled socket (UdpFd).
#include "rtsp/udp_batch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/udp.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace nightjar::rtsp {
namespace {

#ifndef UDP_SEGMENT
constexpr int UDP_SEGMENT = 103;
#endif

struct Socket {
  int fd = -1;
  explicit Socket(const char* address) {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, address, &a.sin_addr);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0) << std::strerror(errno);
  }
  ~Socket() { close(fd); }
  sockaddr_in name() const {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return a;
  }
  void SendTo(const Socket& to, const std::vector<uint8_t>& bytes) const {
    const sockaddr_in a = to.name();
    ASSERT_EQ(
        sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof(a)),
        static_cast<ssize_t>(bytes.size()));
  }
};

using Datagrams = std::vector<std::vector<uint8_t>>;

std::vector<uint8_t> Bytes(size_t size, uint8_t first) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>(first + i);
  return v;
}

// Restricts `rx` to datagrams from `camera`'s address, as the RTSP client does.
void AcceptOnly(const Socket& rx, const Socket& camera) {
  const sockaddr_in a = camera.name();
  ASSERT_TRUE(AcceptOnlyFrom(rx.fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)));
}

std::vector<std::vector<uint8_t>> DrainAll(int fd, size_t max_batches,
                                           DrainResult* result = nullptr) {
  std::vector<std::vector<uint8_t>> got;
  auto r = DrainUdp(fd, max_batches, [&](std::span<const uint8_t> d) {
    got.emplace_back(d.begin(), d.end());
    return true;
  });
  EXPECT_TRUE(r.has_value());
  if (result && r) *result = *r;
  return got;
}

TEST(UdpBatch, DeliversEachDatagramWholeAndInOrder) {
  Socket rx("127.0.0.1"), tx("127.0.0.1");
  PrepareUdpSocket(rx.fd, 1 << 20, /*gro=*/true);
  std::vector<std::vector<uint8_t>> sent;
  for (size_t i = 0; i < 10; ++i) sent.push_back(Bytes(12 + 137 * i, static_cast<uint8_t>(i)));
  for (const auto& d : sent) tx.SendTo(rx, d);
  DrainResult r;
  EXPECT_EQ(DrainAll(rx.fd, 8, &r), sent);
  EXPECT_EQ(r.datagrams, sent.size());
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(r.system_calls, 1u);  // a short batch: no second call to see EAGAIN
  // Nothing queued: caught up at once, nothing delivered.
  EXPECT_TRUE(DrainAll(rx.fd, 8, &r).empty());
  EXPECT_TRUE(r.caught_up);
}

// Another host's datagrams never reach the socket; the camera's do, from any of its ports. The
// sockets receive no datagram that would wake a reader for nothing, and a flood from elsewhere
// cannot fill the buffer the camera needs.
TEST(UdpBatch, AcceptsOnlyTheCamerasAddressFromAnyPort) {
  Socket rx("127.0.0.1"), camera("127.0.0.1"), other_port("127.0.0.1"), stranger("127.0.0.2");
  AcceptOnly(rx, camera);
  stranger.SendTo(rx, Bytes(100, 1));
  camera.SendTo(rx, Bytes(200, 2));
  other_port.SendTo(rx, Bytes(300, 3));
  stranger.SendTo(rx, Bytes(400, 4));
  EXPECT_EQ(DrainAll(rx.fd, 8), (Datagrams{Bytes(200, 2), Bytes(300, 3)}));
  // Sending from the restricted socket still works, to any port of the camera's address.
  const sockaddr_in to = camera.name();
  const std::vector<uint8_t> report = Bytes(32, 9);
  EXPECT_EQ(sendto(rx.fd, report.data(), report.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                   sizeof(to)),
            static_cast<ssize_t>(report.size()));
  DrainResult r;
  EXPECT_EQ(DrainAll(camera.fd, 8, &r), Datagrams{report});
  // Not an IP address.
  sockaddr_un unix_address{};
  unix_address.sun_family = AF_UNIX;
  EXPECT_FALSE(AcceptOnlyFrom(rx.fd, reinterpret_cast<const sockaddr*>(&unix_address),
                              sizeof(unix_address)));
}

// Sends, through a raw socket (root only), an ICMP "destination unreachable" with `code` quoting a
// UDP datagram from `from` to `to`, as a router or firewall on the way to `to` would answer it.
bool SendIcmpUnreachable(uint8_t code, const sockaddr_in& from, const sockaddr_in& to) {
  const int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (raw < 0) return false;
  uint8_t packet[8 + 20 + 8] = {};
  packet[0] = 3;  // destination unreachable
  packet[1] = code;
  uint8_t* ip = packet + 8;  // the quoted datagram: IPv4 header, then the UDP header
  ip[0] = 0x45;
  ip[3] = 28;  // total length
  ip[8] = 64;  // TTL
  ip[9] = IPPROTO_UDP;
  std::memcpy(ip + 12, &from.sin_addr, 4);
  std::memcpy(ip + 16, &to.sin_addr, 4);
  uint8_t* udp = ip + 20;
  std::memcpy(udp, &from.sin_port, 2);
  std::memcpy(udp + 2, &to.sin_port, 2);
  udp[5] = 8;  // length
  uint32_t sum = 0;
  for (size_t i = 0; i < sizeof(packet); i += 2) sum += (packet[i] << 8) | packet[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  packet[2] = static_cast<uint8_t>(~sum >> 8);
  packet[3] = static_cast<uint8_t>(~sum & 0xff);
  const ssize_t sent = sendto(raw, packet, sizeof(packet), 0,
                              reinterpret_cast<const sockaddr*>(&from), sizeof(from));
  close(raw);
  return sent == static_cast<ssize_t>(sizeof(packet));
}

// A restricted (connected) socket hears of ICMP errors answering what it sent: a closed port, a
// firewall's "host prohibited" (firewalld's default reject). Neither fails the drain; the
// datagrams queued behind the error are read at the next call.
TEST(UdpBatch, IcmpErrorsOnARestrictedSocketAreNotReceiveFailures) {
  Socket rx("127.0.0.1"), camera("127.0.0.1");
  AcceptOnly(rx, camera);
  const sockaddr_in closed = [] {
    Socket gone("127.0.0.1");
    return gone.name();
  }();
  const std::vector<uint8_t> report = Bytes(32, 9);
  ASSERT_EQ(sendto(rx.fd, report.data(), report.size(), 0,
                   reinterpret_cast<const sockaddr*>(&closed), sizeof(closed)),
            static_cast<ssize_t>(report.size()));  // port unreachable comes back: ECONNREFUSED
  camera.SendTo(rx, Bytes(100, 1));
  DrainResult r;
  std::vector<std::vector<uint8_t>> got = DrainAll(rx.fd, 8, &r);
  if (got.empty()) got = DrainAll(rx.fd, 8, &r);
  EXPECT_EQ(got, Datagrams{Bytes(100, 1)});
  if (!SendIcmpUnreachable(/*host prohibited=*/10, rx.name(), camera.name())) {
    GTEST_SKIP() << "no raw socket (not root): host-prohibited not tried";
  }
  int error = 0;
  socklen_t length = sizeof(error);
  ASSERT_EQ(getsockopt(rx.fd, SOL_SOCKET, SO_ERROR, &error, &length), 0);
  ASSERT_EQ(error, EHOSTUNREACH) << "the kernel did not report the ICMP error";
  // Again, now through DrainUdp (SO_ERROR cleared it): a second one, then a datagram.
  ASSERT_TRUE(SendIcmpUnreachable(10, rx.name(), camera.name()));
  camera.SendTo(rx, Bytes(200, 2));
  got = DrainAll(rx.fd, 8, &r);
  if (got.empty()) got = DrainAll(rx.fd, 8, &r);
  EXPECT_EQ(got, Datagrams{Bytes(200, 2)});
}

TEST(UdpBatch, StopsAfterMaxBatchesAndResumes) {
  Socket rx("127.0.0.1"), tx("127.0.0.1");
  PrepareUdpSocket(rx.fd, 1 << 20, false);
  const size_t n = UdpBatch::kSlots * 2 + 5;
  for (size_t i = 0; i < n; ++i) tx.SendTo(rx, Bytes(50, static_cast<uint8_t>(i)));
  DrainResult r;
  auto first = DrainAll(rx.fd, 1, &r);
  EXPECT_EQ(first.size(), UdpBatch::kSlots);
  EXPECT_FALSE(r.caught_up);  // a full batch: more may be queued
  auto rest = DrainAll(rx.fd, 8, &r);
  EXPECT_EQ(rest.size(), n - UdpBatch::kSlots);
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(rest.back(), Bytes(50, static_cast<uint8_t>(n - 1)));
}

TEST(UdpBatch, CallbackStopsTheDrain) {
  Socket rx("127.0.0.1"), tx("127.0.0.1");
  for (int i = 0; i < 3; ++i) tx.SendTo(rx, Bytes(20, static_cast<uint8_t>(i)));
  size_t calls = 0;
  auto r = DrainUdp(rx.fd, 8, [&](std::span<const uint8_t>) { return ++calls < 2; });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(calls, 2u);
}

// A sender using UDP segmentation offload (UDP_SEGMENT) hands loopback one buffer of equal
// segments; a socket with UDP_GRO receives it whole with the segment size, and DrainUdp must
// give back the datagrams the sender meant, the shorter last one included.
TEST(UdpBatch, SplitsGroSuperDatagramsAtSegmentBoundaries) {
  Socket rx("127.0.0.1"), tx("127.0.0.1");
  if (!PrepareUdpSocket(rx.fd, 1 << 20, /*gro=*/true).gro) GTEST_SKIP() << "no UDP_GRO";
  const int segment = 1000;
  if (setsockopt(tx.fd, SOL_UDP, UDP_SEGMENT, &segment, sizeof(segment)) != 0) {
    GTEST_SKIP() << "no UDP_SEGMENT";
  }
  std::vector<uint8_t> all;
  std::vector<std::vector<uint8_t>> want;
  for (size_t i = 0; i < 4; ++i) {
    want.push_back(Bytes(i < 3 ? 1000 : 400, static_cast<uint8_t>(40 * i)));
    all.insert(all.end(), want.back().begin(), want.back().end());
  }
  tx.SendTo(rx, all);
  tx.SendTo(rx, Bytes(700, 9));  // then a plain datagram (the socket option applies: one segment)
  want.push_back(Bytes(700, 9));
  DrainResult r;
  EXPECT_EQ(DrainAll(rx.fd, 8, &r), want);
  EXPECT_EQ(r.datagrams, 5u);
}

TEST(UdpBatch, NestedLeaseOnOneThreadGetsItsOwnBuffers) {
  Socket a_rx("127.0.0.1"), b_rx("127.0.0.1"), tx("127.0.0.1");
  tx.SendTo(a_rx, Bytes(30, 1));
  tx.SendTo(b_rx, Bytes(40, 2));
  std::vector<std::vector<uint8_t>> outer, inner;
  auto r = DrainUdp(a_rx.fd, 8, [&](std::span<const uint8_t> d) {
    inner = DrainAll(b_rx.fd, 8);
    outer.emplace_back(d.begin(), d.end());  // still intact after the nested drain
    return true;
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(outer, Datagrams{Bytes(30, 1)});
  EXPECT_EQ(inner, Datagrams{Bytes(40, 2)});
}

TEST(UdpBatch, ReceiveBufferIsRaised) {
  Socket rx("127.0.0.1");
  const UdpSocketSettings s = PrepareUdpSocket(rx.fd, 1 << 20, false);
  // Granted in full (doubled by the kernel) unless net.core.rmem_max caps it, and never below
  // the default.
  EXPECT_GE(s.rcvbuf_bytes, 200 * 1024);
}

// The polled RTP socket: bound outside any reactor, non-blocking (a drain of an empty socket
// returns at once, caught up), its port refused to a second socket, closed once.
TEST(UdpFd, BindsNonBlockingAndRefusesATakenPort) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  auto rx = UdpFd::Bind(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
  ASSERT_TRUE(rx.has_value()) << rx.error().message();
  ASSERT_TRUE(*rx);
  EXPECT_NE(fcntl(rx->get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(rx->get(), F_GETFD) & FD_CLOEXEC, 0);
  socklen_t len = sizeof(a);
  ASSERT_EQ(getsockname(rx->get(), reinterpret_cast<sockaddr*>(&a), &len), 0);

  auto again = UdpFd::Bind(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);

  Socket tx("127.0.0.1");
  DrainResult r;
  EXPECT_TRUE(DrainAll(rx->get(), 8, &r).empty());
  EXPECT_TRUE(r.caught_up);
  const sockaddr_in to = a;
  const std::vector<uint8_t> packet = Bytes(1400, 7);
  ASSERT_EQ(sendto(tx.fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                   sizeof(to)),
            static_cast<ssize_t>(packet.size()));
  EXPECT_EQ(DrainAll(rx->get(), 8), Datagrams{packet});

  UdpFd moved = std::move(*rx);
  EXPECT_FALSE(*rx);
  const int fd = moved.get();
  moved.Close();
  EXPECT_FALSE(moved);
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);  // closed (nothing else opened meanwhile)
}

}  // namespace
}  // namespace nightjar::rtsp
