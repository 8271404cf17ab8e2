// The coroutine form of the HTTP client (http/client.h), for code that already runs on Asio
// (ingest, live, the daemon's services). Kept apart so that client.h stays free of Boost.
#ifndef NIGHTJAR_HTTP_CLIENT_ASYNC_H_
#define NIGHTJAR_HTTP_CLIENT_ASYNC_H_

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>

#include "base/error.h"
#include "http/client.h"

namespace nightjar::http {

// The exchange of HttpClient::Fetch, without blocking: co_await it from a coroutine running on
// any io_context (run by any number of threads). Its sockets and timers live on a strand of the
// awaiting coroutine's executor; it returns on that executor within about options().timeout,
// also when a host name lookup hangs (the lookup then finishes on Asio's resolver thread and is
// dropped). Both arguments are copied into the coroutine, so the caller need keep nothing alive
// but the io_context. Never throws: exceptions inside (allocation) become kInternal. Destroying
// the io_context while the exchange is pending abandons it (closing its socket).
boost::asio::awaitable<Result<ClientResponse>> AsyncFetch(HttpClient client, ClientRequest request);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_CLIENT_ASYNC_H_
