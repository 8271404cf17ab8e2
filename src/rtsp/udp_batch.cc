#include "rtsp/udp_batch.h"

#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace nightjar::rtsp {
namespace {

#ifndef UDP_GRO
constexpr int UDP_GRO = 104;  // linux/udp.h, Linux >= 5.0
#endif
#ifndef SOL_UDP
constexpr int SOL_UDP = 17;
#endif

// The errors Linux reports on a connected UDP socket for ICMP messages (icmp_err_convert and
// icmpv6_err_convert: unreachable net, host, protocol or port; prohibited; fragmentation needed;
// a parameter problem).
bool IsIcmpError(int e) {
  switch (e) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENONET:
    case ENOPROTOOPT:
    case EPROTO:
    case EACCES:
    case EMSGSIZE:
    case EOPNOTSUPP:
      return true;
    default:
      return false;
  }
}

thread_local std::unique_ptr<UdpBatch> t_batch;
thread_local bool t_batch_in_use = false;

}  // namespace

UdpBatch::UdpBatch()
    // Not value-initialized: the kernel writes only what arrives, so untouched pages stay
    // unbacked (a 1.4 KB datagram costs one page per slot).
    : buffers_(new uint8_t[kSlots * kSlotBytes]), arrays_(std::make_unique<Arrays>()) {
  std::memset(arrays_.get(), 0, sizeof(Arrays));
  for (size_t i = 0; i < kSlots; ++i) {
    arrays_->iov[i] = {buffers_.get() + i * kSlotBytes, kSlotBytes};
    msghdr& h = arrays_->messages[i].msg_hdr;
    h.msg_name = nullptr;  // the socket accepts only the camera (AcceptOnlyFrom)
    h.msg_namelen = 0;
    h.msg_iov = &arrays_->iov[i];
    h.msg_iovlen = 1;
    h.msg_control = arrays_->control[i];
  }
}

UdpBatch::~UdpBatch() = default;

Result<size_t> UdpBatch::Receive(int fd) {
  Arrays& a = *arrays_;
  for (mmsghdr& m : a.messages) {  // the kernel rewrites these on each call
    m.msg_hdr.msg_controllen = kControlBytes;
    m.msg_hdr.msg_flags = 0;
    m.msg_len = 0;
  }
  int n;
  do {
    n = recvmmsg(fd, a.messages, kSlots, MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    // An ICMP error answering what the socket sent (a receiver report to a closed port, a
    // firewall's "prohibited") is reported once on a connected socket's next receive: not a
    // receive failure. What was queued stays queued for the next call.
    if (IsIcmpError(errno)) return size_t{0};
    return Err(ErrorCode::kIo, std::string("recvmmsg: ") + std::strerror(errno));
  }
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    msghdr& h = a.messages[i].msg_hdr;
    a.segment[i] = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
          c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int size;
        std::memcpy(&size, CMSG_DATA(c), sizeof(size));
        if (size > 0) a.segment[i] = static_cast<uint32_t>(size);
      }
    }
  }
  return static_cast<size_t>(n);
}

UdpBatchLease::UdpBatchLease() {
  if (t_batch_in_use) {
    own_ = std::make_unique<UdpBatch>();
    batch_ = own_.get();
    return;
  }
  if (!t_batch) t_batch = std::make_unique<UdpBatch>();  // freed when the thread ends
  t_batch_in_use = true;
  batch_ = t_batch.get();
}

UdpBatchLease::~UdpBatchLease() {
  if (!own_) t_batch_in_use = false;
}

UdpSocketSettings PrepareUdpSocket(int fd, int rcvbuf_bytes, bool gro) {
  UdpSocketSettings s;
  if (rcvbuf_bytes > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
    int got = 0;
    socklen_t len = sizeof(got);
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
    // The kernel doubles what it grants (room for its own overhead); less means
    // net.core.rmem_max capped it. A process with CAP_NET_ADMIN may go past the cap.
    if (got < 2 * rcvbuf_bytes)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf_bytes, sizeof(int));
  }
  int got = 0;
  socklen_t len = sizeof(got);
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0) s.rcvbuf_bytes = got;
  if (gro) {
    const int on = 1;
    s.gro = setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
  }
  return s;
}

Result<void> AcceptOnlyFrom(int fd, const sockaddr* address, socklen_t length) {
  sockaddr_storage peer{};
  if (length > sizeof(peer)) return Err(ErrorCode::kInvalidArgument, "address too long");
  std::memcpy(&peer, address, length);
  if (peer.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in&>(peer).sin_port = 0;
  } else if (peer.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6&>(peer).sin6_port = 0;
  } else {
    return Err(ErrorCode::kInvalidArgument, "not an IP address");
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&peer), length) != 0) {
    return Err(ErrorCode::kIo, std::string("connect: ") + std::strerror(errno));
  }
  return Ok();
}

Result<UdpFd> UdpFd::Bind(const sockaddr* address, socklen_t length) {
  const int fd = ::socket(address->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Err(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  UdpFd owned(fd);
  if (::bind(fd, address, length) != 0) {
    const int e = errno;
    return Err(e == EADDRINUSE ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
               std::string("bind: ") + std::strerror(e));
  }
  return owned;
}

void UdpFd::Close() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

}  // namespace nightjar::rtsp
