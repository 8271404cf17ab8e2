// Batched UDP receive for RTP and RTCP: recvmmsg(2) reads up to kSlots datagrams per system call
// into a per-thread pool of buffers (nothing is allocated per datagram), and the caller parses
// each one in place before the next batch reuses the buffers.
//
// Receive offload: a socket prepared with `gro` asks for UDP_GRO (Linux >= 5.0). The kernel may
// then hand over a flow's consecutive datagrams of equal size (an H.264 FU-A run is mostly packets
// of the same size) as one buffer, with the segment size in a control message; DrainUdp splits
// such a buffer back at the segment boundaries, so every RTP packet keeps its own datagram
// boundary (RFC 3550 §11: one RTP packet per datagram). Where the kernel does not coalesce (no
// GRO on the receiving device, loopback without a GSO sender) every datagram arrives on its own.
//
// Readiness: a batch shorter than kSlots means the socket had nothing more queued, so the caller
// may wait at once (no extra call to see EAGAIN): for readability (the RTCP sockets: Asio's
// async_wait re-arms the descriptor, so a datagram that came in between is seen), or for its
// next poll (the RTP sockets, UdpFd below).
//
// Polled sockets: Asio's epoll reactor registers every socket it opens, edge-triggered, for
// input (Boost 1.74 epoll_reactor::register_descriptor, from basic_socket::open), whether or not
// a read is pending, so every datagram that arrives while the I/O thread sleeps wakes it: at
// 64 cameras, ~23,000 datagrams/s made ~11,000 context switches/s. A UdpFd is a socket no
// reactor knows (socket(2), never handed to Asio): a datagram's arrival wakes nobody, and the
// owner drains it with DrainUdp on a timer; the receive buffer holds far more than a tick.
//
// Thread safety: the pool belongs to the calling thread. A callback that (indirectly) drains
// another socket on the same thread gets a pool of its own (allocated then; never expected).
#ifndef NIGHTJAR_RTSP_UDP_BATCH_H_
#define NIGHTJAR_RTSP_UDP_BATCH_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "base/error.h"

namespace nightjar::rtsp {

// Restricts `fd` to datagrams from `address` (from any of its ports: cameras may send RTP from
// a port other than the one they announce): connect(2) to the address with port 0. Linux's UDP
// socket lookup matches a connected socket's remote port only when it is nonzero, and its remote
// address always, so datagrams from any other host are refused by the kernel before they are
// queued (a flood from another device cannot fill the buffer the camera's datagrams need, nor
// wake anyone), and receiving need not ask for each datagram's source. ICMP errors answering
// what the socket sends (port unreachable, host or network unreachable or prohibited...) are then
// reported on its next receive; DrainUdp takes them as "nothing queued now" (the datagrams behind
// them are read at the next call). kIo when connect fails.
Result<void> AcceptOnlyFrom(int fd, const sockaddr* address, socklen_t length);

// Sets `fd` up for DrainUdp: a receive buffer of at least `rcvbuf_bytes` when > 0 (raised with
// SO_RCVBUFFORCE when net.core.rmem_max caps it and the process may), and UDP_GRO when `gro`.
// Returns the receive buffer the kernel reports (it counts its overhead: about twice what
// datagrams of ~1.4 KB hold). Failures to tune are not errors: the socket still works.
struct UdpSocketSettings {
  int rcvbuf_bytes = 0;
  bool gro = false;
};
UdpSocketSettings PrepareUdpSocket(int fd, int rcvbuf_bytes, bool gro);

struct DrainResult {
  size_t datagrams = 0;    // delivered to the callback (GRO segments each count)
  size_t bytes = 0;        // their bytes
  size_t truncated = 0;    // larger than a buffer (64 KiB), skipped
  bool caught_up = false;  // a batch was short or empty: nothing more was queued; wait for more
  size_t system_calls = 0;
};

// One thread's buffers for recvmmsg. Use through DrainUdp.
class UdpBatch {
 public:
  // A 200 ms poll of a 4 Mbit/s stream brings ~72 datagrams: two calls. 128 slots (one call)
  // measured ~4 % dearer per stream at 16 such streams: the larger batch is further out of the
  // caches by the time it is parsed.
  static constexpr size_t kSlots = 64;
  static constexpr size_t kSlotBytes = 65536;  // a whole UDP datagram, or a GRO super-datagram

  UdpBatch();
  ~UdpBatch();
  UdpBatch(const UdpBatch&) = delete;
  UdpBatch& operator=(const UdpBatch&) = delete;

  // One recvmmsg (MSG_DONTWAIT): the number of datagrams read, 0 when none was queued; kIo on a
  // socket error.
  Result<size_t> Receive(int fd);
  // Datagram i of the last Receive: its bytes, and the GRO segment size (0: one datagram).
  // Inline: they are asked for every datagram.
  std::span<const uint8_t> data(size_t i) const {
    return {buffers_.get() + i * kSlotBytes,
            std::min<size_t>(arrays_->messages[i].msg_len, kSlotBytes)};
  }
  size_t segment_size(size_t i) const { return arrays_->segment[i]; }
  bool truncated(size_t i) const {
    return (arrays_->messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
  }

 private:
  // Room for the UDP_GRO control message (an int) and nothing else is asked for.
  static constexpr size_t kControlBytes = CMSG_SPACE(sizeof(int));
  struct Arrays {
    mmsghdr messages[kSlots];
    iovec iov[kSlots];
    alignas(cmsghdr) uint8_t control[kSlots][kControlBytes];
    uint32_t segment[kSlots];  // parsed GRO segment size, 0 when none
  };
  std::unique_ptr<uint8_t[]> buffers_;  // kSlots x kSlotBytes, pages touched only when written
  std::unique_ptr<Arrays> arrays_;
};

// The calling thread's batch, marked in use until the Lease ends; a nested lease on the same
// thread gets a fresh batch.
class UdpBatchLease {
 public:
  UdpBatchLease();
  ~UdpBatchLease();
  UdpBatchLease(const UdpBatchLease&) = delete;
  UdpBatchLease& operator=(const UdpBatchLease&) = delete;
  UdpBatch& batch() { return *batch_; }

 private:
  UdpBatch* batch_;
  std::unique_ptr<UdpBatch> own_;  // only when the thread's batch was in use
};

// Reads what `fd` has queued, batch by batch, and calls on_datagram(std::span<const uint8_t>) for
// each datagram, GRO super-datagrams split into their segments. Whom the datagrams may come from
// is the socket's business (AcceptOnlyFrom). on_datagram returns
// false to stop (the rest of the batch is dropped). Stops once it caught up (a short batch) or
// after `max_batches` full ones (more may be queued: yield, then call again). kIo on a socket
// error.
template <typename Fn>
Result<DrainResult> DrainUdp(int fd, size_t max_batches, Fn&& on_datagram) {
  DrainResult r;
  UdpBatchLease lease;
  UdpBatch& batch = lease.batch();
  for (size_t round = 0; round < max_batches; ++round) {
    ++r.system_calls;
    NJ_TRY(size_t n, batch.Receive(fd));
    if (n == 0) {
      r.caught_up = true;
      return r;
    }
    for (size_t i = 0; i < n; ++i) {
      if (batch.truncated(i)) {
        ++r.truncated;
        continue;
      }
      std::span<const uint8_t> d = batch.data(i);
      const size_t step = batch.segment_size(i) > 0 ? batch.segment_size(i) : d.size();
      while (!d.empty()) {
        const std::span<const uint8_t> one = d.first(std::min(step, d.size()));
        d = d.subspan(one.size());
        ++r.datagrams;
        r.bytes += one.size();
        if (!on_datagram(one)) return r;
      }
    }
    if (n < UdpBatch::kSlots) {  // the queue is empty (see Readiness above)
      r.caught_up = true;
      return r;
    }
  }
  return r;
}

// A non-blocking, close-on-exec UDP socket owned outside any reactor (see Polled sockets above).
class UdpFd {
 public:
  UdpFd() = default;
  ~UdpFd() { Close(); }
  UdpFd(UdpFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UdpFd& operator=(UdpFd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UdpFd(const UdpFd&) = delete;
  UdpFd& operator=(const UdpFd&) = delete;

  // A socket of the address's family bound to it (AF_INET / AF_INET6). kAlreadyExists when the
  // port is taken, kIo otherwise.
  static Result<UdpFd> Bind(const sockaddr* address, socklen_t length);

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void Close() noexcept;

 private:
  explicit UdpFd(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_UDP_BATCH_H_
