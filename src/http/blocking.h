// Internal to http: running blocking work (handlers, BodySource::Read) on the server's thread
// pool from a connection's coroutine, resuming on the connection's strand.
#ifndef NIGHTJAR_HTTP_BLOCKING_H_
#define NIGHTJAR_HTTP_BLOCKING_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace nightjar::http::internal {

// co_await RunBlocking(pool, fn): fn() runs on a pool thread; its result is delivered on the
// awaiting coroutine's executor (its strand), which is kept busy (work guard) meanwhile. fn must
// not throw (wrap it); its result type must be movable.
template <typename F>
auto RunBlocking(boost::asio::thread_pool& pool, F fn)
    -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  namespace asio = boost::asio;
  auto initiate = [&pool](auto handler, F f) {
    auto ex = asio::get_associated_executor(handler);
    asio::post(pool, [f = std::move(f), handler = std::move(handler),
                      work = asio::make_work_guard(ex)]() mutable {
      R result = f();
      auto ex2 = work.get_executor();
      asio::post(ex2, [handler = std::move(handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
      });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(
      std::move(initiate), asio::use_awaitable, std::move(fn));
}

}  // namespace nightjar::http::internal

#endif  // NIGHTJAR_HTTP_BLOCKING_H_
