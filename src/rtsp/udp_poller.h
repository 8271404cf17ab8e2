// One shared poll of every RTP-over-UDP socket of an io_context (udp_batch.h, "Polled sockets").
//
// The RTP sockets stay out of Asio's reactor so that datagrams arriving while the I/O thread
// sleeps wake nobody. Instead of one timer per session (at 64 cameras, 3,200 timer completions
// and coroutine resumptions a second, ~40 % of them finding an empty socket), one poller per
// io_context keeps every such socket in an epoll set of its own (level-triggered, never waited
// on) and, on a single timer, asks the kernel once which sockets hold datagrams
// (epoll_wait with a zero timeout). Only those are handed to their owner: the owner's drain
// function is dispatched to the owner's executor (its strand: run at once when the strand is
// idle, queued otherwise), and runs until it reports that it caught up; a socket already handed
// over is not handed again until then.
//
// Each socket has an interval: the sockets of one interval share an epoll set and a timer, whose
// ticks fall on multiples of the interval on the steady clock (so a 100 ms tick comes with every
// fifth 20 ms one: one wakeup). A datagram waits at most one interval plus the post in the
// kernel's receive buffer (sized for seconds of video). A socket's interval may change at any
// time (Registration::SetInterval): a session watched live polls often, one only recorded
// seldom, in fewer and larger batches.
//
// Threading: Register and the Registration's destructor may be called from any thread (a
// session's strand); the drain functions run on the executor given at Register. After a
// Registration is destroyed its drain function is not called again (a call already running on
// the owner's executor finishes; the owner destroys the Registration there too, so they never
// overlap).
#ifndef NIGHTJAR_RTSP_UDP_POLLER_H_
#define NIGHTJAR_RTSP_UDP_POLLER_H_

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange unincluded

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "base/error.h"

namespace nightjar::rtsp {

class UdpPoller : public boost::asio::execution_context::service {
 public:
  using key_type = UdpPoller;
  static boost::asio::execution_context::id id;

  // Drains what the socket holds, or part of it; returns true once it caught up (nothing more
  // queued: the socket is watched again), false to be posted again at once (more may be queued).
  using DrainFn = std::function<bool()>;

  class Registration;
  // Ends the watch on destruction (before the socket is closed).
  using Handle = std::unique_ptr<Registration>;

  explicit UdpPoller(boost::asio::io_context& io);
  ~UdpPoller() override;
  UdpPoller(const UdpPoller&) = delete;
  UdpPoller& operator=(const UdpPoller&) = delete;

  // The poller of the io_context behind `executor`, an io_context's executor or a strand of one
  // (kUnsupported for others).
  static Result<UdpPoller*> For(const boost::asio::any_io_executor& executor);

  // Watches `fd` (a non-blocking UDP socket no reactor knows), looking every `interval` (at
  // least 1 ms) whether it holds datagrams.
  Result<Handle> Register(int fd, boost::asio::any_io_executor executor,
                          std::chrono::milliseconds interval, DrainFn drain);

  struct Stats {
    uint64_t ticks = 0;                                   // over all intervals
    uint64_t handed = 0;                                  // sockets handed to their owners
    std::map<std::chrono::milliseconds, size_t> watched;  // sockets by interval, those in use
  };
  Stats stats() const;

 private:
  struct Watch;
  struct Group;
  void shutdown() override;
  void Unregister(Watch* watch);
  Result<Group*> GroupLocked(std::chrono::milliseconds interval);
  Result<void> MoveLocked(Watch* watch, Group* to);
  void ArmLocked(Group& group);
  void OnTick(Group& group);
  static void RunDrain(const std::shared_ptr<Watch>& watch);

  boost::asio::io_context* io_;
  mutable std::mutex mu_;
  std::map<Watch*, std::shared_ptr<Watch>> watches_;
  // One per interval in use (a few at most); kept until the poller goes.
  std::map<std::chrono::steady_clock::duration, std::unique_ptr<Group>> groups_;
  bool shut_down_ = false;
  Stats stats_;
};

// How often a socket receiving a recorded (not live-watched) stream's RTP is polled: the
// longest of `longest` and `longest` / 2 at which the datagrams of one interval, at `bytes_per_s`
// of RTP, take at most an eighth of the receive buffer the kernel granted (`rcvbuf_bytes`, in the
// kernel's accounting: about twice the payload of ~1.4 KB datagrams), the rest holding a key
// frame's burst and what comes in before the drain catches up; else `shortest`. A rate not
// measured yet (negative) counts as kUnmeasuredRate. With a 2 MiB buffer granted (4 MiB counted),
// 200 ms serves streams up to ~10 Mbit/s, 100 ms up to ~21; with Linux's default cap on
// unprivileged buffers (~416 KiB counted) a 4 Mbit/s stream is polled every `shortest`.
// Longer intervals cost less: fewer wake-ups, epoll_wait and recvmmsg calls and drains, each
// stream's state touched once per interval (measured at 16 streams of 4 Mbit/s: 200 ms ~8 % less
// CPU per stream than 100 ms, ~4 % at 64; bench/README.md).
inline constexpr double kUnmeasuredRate = 2.5e6;  // bytes/s: 20 Mbit/s
std::chrono::milliseconds RecordingPollInterval(double bytes_per_s, int rcvbuf_bytes,
                                                std::chrono::milliseconds longest,
                                                std::chrono::milliseconds shortest);

class UdpPoller::Registration {
 public:
  ~Registration();
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

  // From now on the socket is looked at every `interval` (the first time within it). kIo when
  // the kernel refuses (the watch then stays as it was).
  Result<void> SetInterval(std::chrono::milliseconds interval);

 private:
  friend class UdpPoller;
  Registration(UdpPoller* poller, Watch* watch) : poller_(poller), watch_(watch) {}
  UdpPoller* poller_;
  Watch* watch_;
};

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_UDP_POLLER_H_
