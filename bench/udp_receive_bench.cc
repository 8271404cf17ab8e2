// udp_receive_bench: the CPU one RTP-over-UDP datagram costs the receiving process, read the way
// `nightjar run` reads it (rtsp::DrainUdp: recvmmsg(2) into the thread's batch, the sockets polled
// on a tick with a zero-timeout epoll_wait, as rtsp::UdpPoller does) against the alternative that
// avoids the per-message system-call work: io_uring multishot recvmsg into a ring of provided
// buffers (Linux >= 6.0), with deferred task work (6.1) so that the kernel receives only when the
// process asks, once per tick, as the poller does. Raw system calls, no liburing.
//
// A forked sender plays --flows cameras on loopback: every 1/--fps s, a burst of --packets
// datagrams of --bytes bytes per flow (sendmmsg), the shape of a 1080p30 4 Mbit/s stream (12 x
// 1,400 bytes a frame). Each receiver runs --seconds with its own sender; the figure is the
// receiving process's CPU (getrusage: user + system) per datagram received. Every datagram's
// first byte and length are read, so that neither side skips touching the data.
//
// usage: build/bench/udp_receive_bench [--flows 16] [--seconds 20] [--tick-ms 100] [--repeat 2]
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "cpu_time.h"
#include "rtsp/udp_batch.h"

namespace nightjar::bench {
namespace {

struct Options {
  int flows = 16;
  double seconds = 20;
  int tick_ms = 100;
  int fps = 30;
  int packets = 12;
  int bytes = 1400;
  int repeat = 2;
  int port = 41000;
};

using SteadyClock = std::chrono::steady_clock;

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// The forked camera side: bursts until `seconds` have passed, then exits.
pid_t StartSender(const Options& o) {
  const pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid > 0) return pid;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  std::vector<uint8_t> payload(static_cast<size_t>(o.bytes), 0x80);
  std::vector<sockaddr_in> to;
  for (int f = 0; f < o.flows; ++f) to.push_back(Loopback(o.port + f));
  iovec iov{payload.data(), payload.size()};
  std::vector<mmsghdr> burst(static_cast<size_t>(o.packets));
  const auto period = std::chrono::microseconds(1'000'000 / o.fps);
  const auto end = SteadyClock::now() + std::chrono::duration<double>(o.seconds + 0.5);
  for (auto next = SteadyClock::now(); next < end; next += period) {
    for (auto& address : to) {
      for (auto& m : burst) {
        m = mmsghdr{};
        m.msg_hdr.msg_name = &address;
        m.msg_hdr.msg_namelen = sizeof address;
        m.msg_hdr.msg_iov = &iov;
        m.msg_hdr.msg_iovlen = 1;
      }
      (void)sendmmsg(fd, burst.data(), static_cast<unsigned>(burst.size()), 0);
    }
    std::this_thread::sleep_until(next + period);
  }
  std::_Exit(0);
}

struct Figures {
  uint64_t datagrams = 0;
  double cpu = 0;
  double MicrosEach() const { return datagrams ? cpu / static_cast<double>(datagrams) * 1e6 : 0; }
};

std::vector<rtsp::UdpFd> OpenSockets(const Options& o) {
  std::vector<rtsp::UdpFd> sockets;
  for (int f = 0; f < o.flows; ++f) {
    const sockaddr_in a = Loopback(o.port + f);
    auto fd = rtsp::UdpFd::Bind(reinterpret_cast<const sockaddr*>(&a), sizeof a);
    if (!fd) {
      std::fprintf(stderr, "udp_receive_bench: bind: %s\n", fd.error().ToString().c_str());
      std::exit(1);
    }
    (void)rtsp::PrepareUdpSocket(fd->get(), 4 << 20, true);  // as the RTSP client asks
    const sockaddr_in camera = Loopback(0);                  // and only from the camera
    if (auto ok = rtsp::AcceptOnlyFrom(fd->get(), reinterpret_cast<const sockaddr*>(&camera),
                                       sizeof camera);
        !ok) {
      std::fprintf(stderr, "udp_receive_bench: %s\n", ok.error().ToString().c_str());
      std::exit(1);
    }
    sockets.push_back(std::move(*fd));
  }
  return sockets;
}

// Times `tick` every --tick-ms for --seconds while `sender` sends, then reaps it.
template <typename Tick>
Figures Run(const Options& o, pid_t sender, Tick&& tick) {
  Figures r;
  const double cpu0 = CpuSeconds();
  const auto end = SteadyClock::now() + std::chrono::duration<double>(o.seconds);
  for (auto next = SteadyClock::now(); next < end;) {
    next += std::chrono::milliseconds(o.tick_ms);
    std::this_thread::sleep_until(next);
    r.datagrams += tick();
  }
  r.cpu = CpuSeconds() - cpu0;
  waitpid(sender, nullptr, 0);
  return r;
}

uint64_t g_touched = 0;  // every datagram's first byte and length go here

// Nightjar's way: the ready sockets from one zero-timeout epoll_wait, each drained by DrainUdp.
Figures RunDrainUdp(const Options& o) {
  auto sockets = OpenSockets(o);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  for (size_t f = 0; f < sockets.size(); ++f) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = f;
    epoll_ctl(ep, EPOLL_CTL_ADD, sockets[f].get(), &e);
  }
  std::vector<epoll_event> ready(sockets.size());
  Figures r = Run(o, StartSender(o), [&]() -> uint64_t {
    uint64_t n = 0;
    const int k = epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 0);
    for (int i = 0; i < k; ++i) {
      const int fd = sockets[ready[static_cast<size_t>(i)].data.u64].get();
      for (bool caught_up = false; !caught_up;) {
        auto d = rtsp::DrainUdp(fd, 8, [&](std::span<const uint8_t> packet) {
          g_touched += packet[0] + packet.size();
          return true;
        });
        if (!d) Die("recvmmsg");
        n += d->datagrams;
        caught_up = d->caught_up;
      }
    }
    return n;
  });
  close(ep);
  return r;
}

// io_uring with raw system calls: one ring, one provided-buffer ring shared by every socket, one
// multishot recvmsg per socket (re-armed when the kernel ends it, e.g. out of buffers).
class Uring {
 public:
  static constexpr unsigned kBuffers = 1024;  // a power of two
  static constexpr unsigned kBufferBytes = 2048;

  explicit Uring(const std::vector<rtsp::UdpFd>& sockets) : sockets_(sockets) {
    io_uring_params p{};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    p.cq_entries = 8192;
    fd_ = static_cast<int>(syscall(__NR_io_uring_setup, 64, &p));
    if (fd_ < 0) Die("io_uring_setup");
    ring_bytes_ = std::max<size_t>(p.sq_off.array + p.sq_entries * sizeof(unsigned),
                                   p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe));
    ring_ = static_cast<uint8_t*>(mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING));
    sqes_bytes_ = p.sq_entries * sizeof(io_uring_sqe);
    sqes_ = static_cast<io_uring_sqe*>(mmap(nullptr, sqes_bytes_, PROT_READ | PROT_WRITE,
                                            MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES));
    if (ring_ == MAP_FAILED || sqes_ == MAP_FAILED) Die("mmap");
    sq_tail_ = reinterpret_cast<unsigned*>(ring_ + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(ring_ + p.sq_off.ring_mask);
    sq_array_ = reinterpret_cast<unsigned*>(ring_ + p.sq_off.array);
    cq_head_ = reinterpret_cast<unsigned*>(ring_ + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(ring_ + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(ring_ + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(ring_ + p.cq_off.cqes);
    buf_ring_bytes_ = kBuffers * sizeof(io_uring_buf);
    buf_ring_ =
        mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf_ring_ == MAP_FAILED) Die("mmap");
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring_);
    reg.ring_entries = kBuffers;
    reg.bgid = 0;
    if (syscall(__NR_io_uring_register, fd_, IORING_REGISTER_PBUF_RING, &reg, 1) != 0) {
      Die("IORING_REGISTER_PBUF_RING");
    }
    pool_.resize(size_t{kBuffers} * kBufferBytes);
    for (unsigned i = 0; i < kBuffers; ++i) AddBuffer(i, i);
    AdvanceBuffers(kBuffers);
    msg_.msg_namelen = sizeof(sockaddr_storage);
    for (size_t f = 0; f < sockets_.size(); ++f) Arm(f);
  }
  ~Uring() {
    munmap(buf_ring_, buf_ring_bytes_);
    munmap(sqes_, sqes_bytes_);
    munmap(ring_, ring_bytes_);
    close(fd_);
  }
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;

  // Submits what is queued, runs the deferred receives and reaps their completions, until a
  // round finds none: one run of a socket's task work receives at most 32 datagrams (the
  // kernel's multishot retry limit), fewer than a tick of a camera brings.
  uint64_t Tick() {
    uint64_t n = 0;
    for (uint64_t got; (got = Round()) > 0;) n += got;
    return n;
  }

 private:
  uint64_t Round() {
    if (syscall(__NR_io_uring_enter, fd_, to_submit_, 0, IORING_ENTER_GETEVENTS, nullptr, 0) < 0) {
      Die("io_uring_enter");
    }
    to_submit_ = 0;
    uint64_t n = 0;
    unsigned head = *cq_head_;
    const unsigned tail = std::atomic_ref(*cq_tail_).load(std::memory_order_acquire);
    unsigned recycled = 0;
    for (; head != tail; ++head) {
      const io_uring_cqe& c = cqes_[head & cq_mask_];
      if (c.res >= 0 && (c.flags & IORING_CQE_F_BUFFER) != 0) {
        const unsigned id = c.flags >> IORING_CQE_BUFFER_SHIFT;
        const uint8_t* b = pool_.data() + size_t{id} * kBufferBytes;
        io_uring_recvmsg_out out{};
        std::memcpy(&out, b, sizeof out);
        const uint8_t* payload = b + sizeof out + msg_.msg_namelen + msg_.msg_controllen;
        if (out.payloadlen > 0) g_touched += payload[0] + out.payloadlen;
        ++n;
        AddBuffer(id, recycled++);
      }
      if ((c.flags & IORING_CQE_F_MORE) == 0) Arm(static_cast<size_t>(c.user_data));
    }
    std::atomic_ref(*cq_head_).store(head, std::memory_order_release);
    AdvanceBuffers(recycled);
    return n;
  }

  // The ring's entries and its tail (which overlays the first entry's last two bytes), by hand:
  // the header's io_uring_buf_ring declares the entries as a flexible array behind an empty
  // struct, which is one byte in C++ and moves them 8 bytes from where the kernel reads them.
  io_uring_buf* Entries() const { return reinterpret_cast<io_uring_buf*>(buf_ring_); }
  uint16_t& Tail() const {
    return *reinterpret_cast<uint16_t*>(reinterpret_cast<uint8_t*>(buf_ring_) +
                                        offsetof(io_uring_buf, resv));
  }
  void AddBuffer(unsigned id, unsigned offset) {
    io_uring_buf& b = Entries()[(Tail() + offset) & (kBuffers - 1)];
    b.addr = reinterpret_cast<uint64_t>(pool_.data() + size_t{id} * kBufferBytes);
    b.len = kBufferBytes;
    b.bid = static_cast<uint16_t>(id);
  }
  void AdvanceBuffers(unsigned count) {
    std::atomic_ref(Tail()).store(static_cast<uint16_t>(Tail() + count), std::memory_order_release);
  }
  void Arm(size_t flow) {
    const unsigned tail = *sq_tail_;
    const unsigned index = tail & sq_mask_;
    io_uring_sqe& s = sqes_[index];
    s = io_uring_sqe{};
    s.opcode = IORING_OP_RECVMSG;
    s.fd = sockets_[flow].get();
    s.addr = reinterpret_cast<uint64_t>(&msg_);
    s.len = 1;
    s.ioprio = IORING_RECV_MULTISHOT;
    s.flags = IOSQE_BUFFER_SELECT;
    s.buf_group = 0;
    s.user_data = flow;
    sq_array_[index] = index;
    std::atomic_ref(*sq_tail_).store(tail + 1, std::memory_order_release);
    ++to_submit_;
  }

  const std::vector<rtsp::UdpFd>& sockets_;
  int fd_ = -1;
  uint8_t* ring_ = nullptr;
  size_t ring_bytes_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqes_bytes_ = 0;
  unsigned *sq_tail_ = nullptr, *sq_array_ = nullptr, *cq_head_ = nullptr, *cq_tail_ = nullptr;
  unsigned sq_mask_ = 0, cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  void* buf_ring_ = nullptr;
  size_t buf_ring_bytes_ = 0;
  std::vector<uint8_t> pool_;
  msghdr msg_{};
  unsigned to_submit_ = 0;
};

// Why a ring as Uring sets it up cannot be had here ("" when it can): io_uring may be turned off
// (kernel.io_uring_disabled, a seccomp filter) or the kernel too old (provided-buffer rings:
// 5.19; deferred task work: 6.1).
std::string UringUnavailable() {
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  const int fd = static_cast<int>(syscall(__NR_io_uring_setup, 8, &p));
  if (fd < 0) return std::string("io_uring_setup: ") + std::strerror(errno);
  std::string why;
  void* ring = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(ring);
  reg.ring_entries = 8;
  if (ring == MAP_FAILED) {
    why = "mmap failed";
  } else if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PBUF_RING, &reg, 1) != 0) {
    why = std::string("IORING_REGISTER_PBUF_RING: ") + std::strerror(errno);
  }
  close(fd);
  if (ring != MAP_FAILED) munmap(ring, 4096);
  return why;
}

Figures RunUring(const Options& o) {
  auto sockets = OpenSockets(o);
  // Forked before the rings exist: the kernel holds the pages of the provided-buffer ring, and a
  // fork would make the parent's next write to them land in a copy the kernel never sees.
  const pid_t sender = StartSender(o);
  Uring ring(sockets);
  return Run(o, sender, [&] { return ring.Tick(); });
}

int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"CPU per received RTP-over-UDP datagram: recvmmsg (DrainUdp) vs io_uring"};
  app.add_option("--flows", o.flows, "cameras (sockets)")->check(CLI::Range(1, 1024));
  app.add_option("--seconds", o.seconds, "per receiver and round")->check(CLI::Range(1.0, 600.0));
  app.add_option("--tick-ms", o.tick_ms, "poll interval")->check(CLI::Range(1, 1000));
  app.add_option("--fps", o.fps, "bursts per second per flow")->check(CLI::Range(1, 240));
  app.add_option("--packets", o.packets, "datagrams per burst")->check(CLI::Range(1, 64));
  app.add_option("--bytes", o.bytes, "per datagram")->check(CLI::Range(16, 1472));
  app.add_option("--repeat", o.repeat, "rounds (each receiver once per round)")
      ->check(CLI::Range(1, 20));
  app.add_option("--port", o.port, "first port (each receiver of each round takes --flows more)")
      ->check(CLI::Range(1024, 50000));
  CLI11_PARSE(app, argc, argv);
  const double rate = o.flows * o.fps * o.packets;
  std::printf("%d flows x %d bursts/s x %d datagrams of %d bytes (%.0f datagrams/s), tick %d ms\n",
              o.flows, o.fps, o.packets, o.bytes, rate, o.tick_ms);
  const std::string unavailable = UringUnavailable();
  if (!unavailable.empty()) {
    std::printf("io_uring cannot be used here (%s): recvmmsg only\n", unavailable.c_str());
  }
  for (int round = 1; round <= o.repeat; ++round) {
    // Ports of their own for every receiver: a closed ring lets go of its sockets only later (the
    // kernel tears rings down on a work queue).
    Options a = o, b = o;
    a.port = o.port + (2 * round - 2) * o.flows;
    b.port = a.port + o.flows;
    const Figures ours = RunDrainUdp(a);
    if (!unavailable.empty()) {
      std::printf("round %d: recvmmsg (DrainUdp) %.3f us/datagram (%llu in %.3f s CPU)\n", round,
                  ours.MicrosEach(), static_cast<unsigned long long>(ours.datagrams), ours.cpu);
      continue;
    }
    const Figures uring = RunUring(b);
    std::printf(
        "round %d: recvmmsg (DrainUdp) %.3f us/datagram (%llu in %.3f s CPU); io_uring "
        "multishot %.3f us/datagram (%llu in %.3f s CPU); io_uring/recvmmsg %.2f\n",
        round, ours.MicrosEach(), static_cast<unsigned long long>(ours.datagrams), ours.cpu,
        uring.MicrosEach(), static_cast<unsigned long long>(uring.datagrams), uring.cpu,
        ours.MicrosEach() > 0 ? uring.MicrosEach() / ours.MicrosEach() : 0);
  }
  return g_touched == 0 ? 1 : 0;  // nothing received: a broken setup
}

}  // namespace
}  // namespace nightjar::bench

int main(int argc, char** argv) { return nightjar::bench::Main(argc, argv); }
