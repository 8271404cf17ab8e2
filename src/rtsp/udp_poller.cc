#include "rtsp/udp_poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <typeinfo>

namespace nightjar::rtsp {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

asio::execution_context::id UdpPoller::id;

struct UdpPoller::Watch {
  int fd = -1;
  asio::any_io_executor executor;
  DrainFn drain;
  std::atomic<bool> handed{false};  // posted to the owner, not caught up yet
  std::atomic<bool> alive{true};    // false once the Registration is gone
};

UdpPoller::UdpPoller(asio::io_context& io)
    : asio::execution_context::service(io), io_(&io), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

UdpPoller::~UdpPoller() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Result<UdpPoller*> UdpPoller::For(const asio::any_io_executor& executor) {
  // The executors sessions run on: an io_context's, or a strand of one. (Boost 1.74's target()
  // does not check the type itself.)
  using IoExecutor = asio::io_context::executor_type;
  using Strand = asio::strand<IoExecutor>;
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
  if (epoll_fd_ < 0) {
    return Err(ErrorCode::kIo, std::string("epoll_create1: ") + std::strerror(errno));
  }
  auto watch = std::make_shared<Watch>();
  watch->fd = fd;
  watch->executor = std::move(executor);
  watch->drain = std::move(drain);
  // Handed over at once: what came before the registration is read without waiting a tick.
  watch->handed = true;
  std::lock_guard lock(mu_);
  if (shut_down_) return Err(ErrorCode::kClosed, "the I/O context is shutting down");
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: a socket holding datagrams shows at every tick
  ev.data.ptr = watch.get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return Err(ErrorCode::kIo, std::string("epoll_ctl: ") + std::strerror(errno));
  }
  const Clock::duration tick = std::max(interval, std::chrono::milliseconds(1));
  if (watches_.empty() || tick < interval_) interval_ = tick;
  watches_.emplace(watch.get(), watch);
  Handle handle(new Registration(this, watch.get()));
  asio::post(watch->executor, [watch] { RunDrain(watch); });
  ArmLocked();
  return handle;
}

UdpPoller::Registration::~Registration() { poller_->Unregister(watch_); }

void UdpPoller::Unregister(Watch* watch) {
  std::lock_guard lock(mu_);
  watch->alive = false;
  // The socket may already be closed (the kernel then dropped it from the set): ignore EBADF.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, watch->fd, nullptr);
  watches_.erase(watch);
}

void UdpPoller::shutdown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  // Gone now, while every service still exists: the timer service (created after this one) is
  // destroyed before this one is.
  timer_.reset();
}

UdpPoller::Stats UdpPoller::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void UdpPoller::ArmLocked() {
  if (armed_ || shut_down_ || watches_.empty()) return;
  if (!timer_) timer_.emplace(io_->get_executor());
  const auto now = Clock::now().time_since_epoch();
  timer_->expires_at(Clock::time_point((now / interval_ + 1) * interval_));
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) OnTick();
  });
  armed_ = true;
}

void UdpPoller::OnTick() {
  std::lock_guard lock(mu_);
  armed_ = false;
  if (shut_down_) return;
  ++stats_.ticks;
  std::array<epoll_event, 64> events;
  for (;;) {
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 0);
    if (n <= 0) break;  // nothing ready, or EINTR: the next tick asks again
    for (int i = 0; i < n; ++i) {
      auto it = watches_.find(static_cast<Watch*>(events[static_cast<size_t>(i)].data.ptr));
      if (it == watches_.end() || it->second->handed.exchange(true)) continue;
      ++stats_.handed;
      asio::post(it->second->executor, [watch = it->second] { RunDrain(watch); });
    }
    if (static_cast<size_t>(n) < events.size()) break;
  }
  ArmLocked();
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

}  // namespace nightjar::rtsp
