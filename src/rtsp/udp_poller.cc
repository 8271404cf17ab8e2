#include "rtsp/udp_poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <typeinfo>
#include <vector>

#include "base/clock.h"

namespace nightjar::rtsp {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

asio::execution_context::id UdpPoller::id;

struct UdpPoller::Group {
  Clock::duration interval{};
  int epoll_fd = -1;  // level-triggered, never waited on: asked with a zero timeout per tick
  size_t members = 0;
  std::optional<asio::steady_timer> timer;
  bool armed = false;
  ~Group() {
    if (epoll_fd >= 0) ::close(epoll_fd);
  }
};

using IoExecutor = asio::io_context::executor_type;
using Strand = asio::strand<IoExecutor>;

struct UdpPoller::Watch {
  int fd = -1;
  asio::any_io_executor executor;
  std::optional<Strand> strand;  // the executor's own type when it is a strand (see OnTick)
  DrainFn drain;
  Group* group = nullptr;           // guarded by the poller's mutex
  std::atomic<bool> handed{false};  // posted to the owner, not caught up yet
  std::atomic<bool> alive{true};    // false once the Registration is gone
};

UdpPoller::UdpPoller(asio::io_context& io) : asio::execution_context::service(io), io_(&io) {}

UdpPoller::~UdpPoller() = default;

Result<UdpPoller*> UdpPoller::For(const asio::any_io_executor& executor) {
  // The executors sessions run on: an io_context's, or a strand of one. (Boost 1.74's target()
  // does not check the type itself.)
  asio::io_context* io = nullptr;
  if (executor.target_type() == typeid(IoExecutor)) {
    io = &executor.target<IoExecutor>()->context();
  } else if (executor.target_type() == typeid(Strand)) {
    io = &executor.target<Strand>()->get_inner_executor().context();
  }
  if (!io) return Err(ErrorCode::kUnsupported, "UDP polling needs an io_context");
  return &asio::use_service<UdpPoller>(*io);
}

Result<UdpPoller::Handle> UdpPoller::Register(int fd, asio::any_io_executor executor,
                                              std::chrono::milliseconds interval, DrainFn drain) {
  auto watch = std::make_shared<Watch>();
  watch->fd = fd;
  watch->executor = std::move(executor);
  if (watch->executor.target_type() == typeid(Strand)) {
    watch->strand = *watch->executor.target<Strand>();
  }
  watch->drain = std::move(drain);
  // Handed over at once: what came before the registration is read without waiting a tick.
  watch->handed = true;
  std::lock_guard lock(mu_);
  if (shut_down_) return Err(ErrorCode::kClosed, "the I/O context is shutting down");
  NJ_TRY(Group * group, GroupLocked(interval));
  NJ_CHECK_OK(MoveLocked(watch.get(), group));
  watches_.emplace(watch.get(), watch);
  Handle handle(new Registration(this, watch.get()));
  asio::post(watch->executor, [watch] { RunDrain(watch); });
  return handle;
}

Result<UdpPoller::Group*> UdpPoller::GroupLocked(std::chrono::milliseconds interval) {
  const Clock::duration tick = std::max(interval, std::chrono::milliseconds(1));
  auto& group = groups_[tick];
  if (!group) {
    auto g = std::make_unique<Group>();
    g->interval = tick;
    g->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (g->epoll_fd < 0) {
      groups_.erase(tick);
      return Err(ErrorCode::kIo, std::string("epoll_create1: ") + std::strerror(errno));
    }
    group = std::move(g);
  }
  return group.get();
}

// Puts the watch's socket into `to`'s epoll set (out of its current one), and makes sure that
// group's timer runs.
Result<void> UdpPoller::MoveLocked(Watch* watch, Group* to) {
  if (watch->group == to) return Ok();
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: a socket holding datagrams shows at every tick
  ev.data.ptr = watch;
  if (epoll_ctl(to->epoll_fd, EPOLL_CTL_ADD, watch->fd, &ev) != 0) {
    return Err(ErrorCode::kIo, std::string("epoll_ctl: ") + std::strerror(errno));
  }
  if (Group* from = watch->group) {
    epoll_ctl(from->epoll_fd, EPOLL_CTL_DEL, watch->fd, nullptr);
    --from->members;
  }
  watch->group = to;
  ++to->members;
  ArmLocked(*to);
  return Ok();
}

UdpPoller::Registration::~Registration() { poller_->Unregister(watch_); }

Result<void> UdpPoller::Registration::SetInterval(std::chrono::milliseconds interval) {
  std::lock_guard lock(poller_->mu_);
  if (poller_->shut_down_) return Ok();  // nothing is polled any more
  NJ_TRY(Group * group, poller_->GroupLocked(interval));
  return poller_->MoveLocked(watch_, group);
}

void UdpPoller::Unregister(Watch* watch) {
  std::lock_guard lock(mu_);
  watch->alive = false;
  if (Group* group = watch->group) {
    // The socket may already be closed (the kernel then dropped it from the set): ignore EBADF.
    epoll_ctl(group->epoll_fd, EPOLL_CTL_DEL, watch->fd, nullptr);
    --group->members;
    watch->group = nullptr;
  }
  watches_.erase(watch);
}

void UdpPoller::shutdown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  // Gone now, while every service still exists: the timer service (created after this one) is
  // destroyed before this one is.
  for (auto& [interval, group] : groups_) group->timer.reset();
}

UdpPoller::Stats UdpPoller::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  for (const auto& [interval, group] : groups_) {
    if (group->members > 0) {
      s.watched[std::chrono::duration_cast<std::chrono::milliseconds>(interval)] = group->members;
    }
  }
  return s;
}

void UdpPoller::ArmLocked(Group& group) {
  if (group.armed || shut_down_ || group.members == 0) return;
  if (!group.timer) group.timer.emplace(io_->get_executor());
  group.timer->expires_at(NextOnGrid(Clock::now(), Clock::duration(group.interval)));
  group.timer->async_wait([this, g = &group](const boost::system::error_code& ec) {
    if (!ec) OnTick(*g);
  });
  group.armed = true;
}

void UdpPoller::OnTick(Group& group) {
  std::vector<std::shared_ptr<Watch>> ready;
  {
    std::lock_guard lock(mu_);
    group.armed = false;
    if (shut_down_) return;
    ++stats_.ticks;
    std::array<epoll_event, 64> events;
    // Level-triggered: a socket reported and still holding datagrams goes back to the end of the
    // ready list, so with more than 64 ready a full answer comes back at every call. Enough calls
    // to see every socket once, then stop (a socket seen twice is skipped: it is handed over).
    const size_t rounds = group.members / events.size() + 1;
    for (size_t round = 0; round < rounds; ++round) {
      const int n = epoll_wait(group.epoll_fd, events.data(), static_cast<int>(events.size()), 0);
      if (n <= 0) break;  // nothing ready, or EINTR: the next tick asks again
      if (ready.empty()) ready.reserve(group.members);
      for (int i = 0; i < n; ++i) {
        auto it = watches_.find(static_cast<Watch*>(events[static_cast<size_t>(i)].data.ptr));
        if (it == watches_.end() || it->second->handed.exchange(true)) continue;
        ++stats_.handed;
        ready.push_back(it->second);
      }
      if (static_cast<size_t>(n) < events.size()) break;
    }
    ArmLocked(group);
  }
  // Handed over outside the lock (a drain may change its interval or end its registration), and
  // dispatched, not posted: an owner's strand that is idle runs the drain here at once, so the
  // operation wrapping it is freed before the next one is made and the thread's handler memory
  // cache serves them all (posting 64 at a time allocated three blocks for each). A strand busy
  // on another thread of the io_context queues it as a post would.
  for (auto& watch : ready) {
    if (watch->strand) {
      const Strand strand = *watch->strand;
      asio::dispatch(strand, [w = std::move(watch)] { RunDrain(w); });
    } else {
      const asio::any_io_executor executor = watch->executor;
      asio::post(executor, [w = std::move(watch)] { RunDrain(w); });
    }
  }
}

void UdpPoller::RunDrain(const std::shared_ptr<Watch>& watch) {
  if (!watch->alive) return;
  const bool caught_up = watch->drain();
  if (!watch->alive) return;
  if (!caught_up) {  // more may be queued: the owner's other work goes first, then more
    const asio::any_io_executor executor = watch->executor;
    asio::post(executor, [watch] { RunDrain(watch); });
    return;
  }
  watch->handed = false;
}

std::chrono::milliseconds RecordingPollInterval(double bytes_per_s, int rcvbuf_bytes,
                                                std::chrono::milliseconds longest,
                                                std::chrono::milliseconds shortest) {
  const double rate = bytes_per_s < 0 ? kUnmeasuredRate : bytes_per_s;
  const double budget = rcvbuf_bytes / 8.0;
  for (const std::chrono::milliseconds interval : {longest, longest / 2}) {
    if (interval <= shortest) break;
    if (2 * rate * std::chrono::duration<double>(interval).count() <= budget) return interval;
  }
  return shortest;
}

}  // namespace nightjar::rtsp
