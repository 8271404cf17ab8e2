// HTTP requests and responses as handlers see them (RFC 9110 semantics, RFC 9112 framing is the
// server's business).
//
// This module owns the plain-data view a handler gets of a request (method, decoded path
// parameters, query, headers, body) and the response it returns: a status, headers, and either a
// string body or a streamed BodySource. It also fixes the error format of the whole API:
//   {"error": "<code>", "message": "<human text>"}
// with the status that goes with the code (ErrorResponse, FromError).
//
// No Boost types appear here, so handlers and their tests compile without Beast.
// Thread safety: plain values.
#ifndef NIGHTJAR_HTTP_MESSAGE_H_
#define NIGHTJAR_HTTP_MESSAGE_H_

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "http/body_source.h"

namespace nightjar::http {

class Principal;

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };
std::string_view MethodName(Method m);   // "GET", ... ("OTHER" for kOther)
Method ParseMethod(std::string_view s);  // case-sensitive (RFC 9110 §9.1)

// Header fields in arrival order; names compare case-insensitively (RFC 9110 §5.1).
class Headers {
 public:
  void Add(std::string name, std::string value);
  // The first field with this name, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Query parameters after percent-decoding; a repeated key keeps its first value.
using QueryParams = std::map<std::string, std::string, std::less<>>;
// Path parameters: "{camera}" in the route pattern -> the decoded segment.
using PathParams = std::map<std::string, std::string, std::less<>>;

struct Request {
  Method method = Method::kGet;
  std::string method_name;  // as sent (for kOther and logs)
  std::string target;       // as sent: "/api/list?camera=cam1"
  unsigned version = 11;    // HTTP/1.1 -> 11, HTTP/1.0 -> 10
  std::string path;         // raw path without the query: "/api/list"
  PathParams params;
  QueryParams query;
  Headers headers;
  std::string body;
  std::string remote;  // "127.0.0.1:52345", for logs
  std::string route;   // the matched route's pattern (metrics label), empty if none
  // The handler is being run again after its Waiter woke or the wait timed out (see
  // Response::wait); on `wait_expired` it must answer without waiting again.
  int wait_rounds = 0;
  bool wait_expired = false;
  // On such a run, the Waiter the previous run returned: a handler that started work of its own
  // (a connection probe) finds its result there.
  std::shared_ptr<Waiter> waited;
  // The request asks to upgrade to a WebSocket (RFC 6455 §4.2.1).
  bool websocket = false;
  // Who it acts for, set by the router's guard (router.h); null when no guard runs.
  std::shared_ptr<const Principal> principal;

  // The path parameter (always present when the route declares it).
  const std::string& Param(std::string_view name) const;
  // The query parameter, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type;                                  // empty: no Content-Type (e.g. 204)
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields
  std::string body;
  // When set, the body is streamed from it and `body` is ignored; the server then handles Range,
  // conditional requests and HEAD for it (http/range.h).
  std::shared_ptr<BodySource> source;
  // When set (and `source` is not), the body is produced piecewise with no length known ahead.
  std::shared_ptr<StreamSource> stream;
  // When set, there is no response yet: the server waits (without holding a thread) until the
  // waiter wakes it or `wait_timeout` passes, then runs the handler again with
  // Request::wait_rounds incremented (and wait_expired on timeout).
  std::shared_ptr<Waiter> wait;
  int wait_timeout_ms = 0;
  // For a WebSocket upgrade request: accept it and send this feed's messages.
  std::shared_ptr<MessageFeed> feed;
  // The server closes the connection after this response (set for errors that leave unread
  // request bytes behind).
  bool close = false;

  // Pretty JSON would waste bytes; invalid UTF-8 in strings is replaced, never thrown on.
  static Response Json(int status, const nlohmann::json& j);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  static Response Wait(std::shared_ptr<Waiter> waiter, int timeout_ms);
};

// The API's error body with its status. `code` is a short snake_case word ("not_found").
Response ErrorResponse(int status, std::string_view code, std::string_view message);

// Maps our ErrorCode to a status and code word: kInvalidArgument/kMalformed/kUnsupported -> 400
// bad_request, kNotFound -> 404 not_found, kAlreadyExists -> 409 conflict, kFailedPrecondition ->
// 409 conflict, kPermissionDenied -> 403 forbidden, kNoSpace -> 507 insufficient_storage, kTimeout
// -> 504 timeout, kAborted/kClosed -> 503 unavailable, kIo/kInternal -> 500 internal.
Response FromError(const Error& e);

// The reason phrase for a status ("Not Found"); "Unknown" for codes we never send.
std::string_view ReasonPhrase(int status);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_MESSAGE_H_
