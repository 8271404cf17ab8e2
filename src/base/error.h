// Errors and results for all of Nightjar.
//
// Every fallible call returns Result<T> (std::expected<T, Error>). No exceptions cross a module
// boundary; bad input from a peer (camera, browser, file) is an Error, never a crash or a throw.
// Adapters (Asio, SQLite, errno) convert their errors into an Error at the boundary.
#ifndef NIGHTJAR_BASE_ERROR_H_
#define NIGHTJAR_BASE_ERROR_H_

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace nightjar {

// Broad classes of failure; callers branch on these, humans read the message.
enum class ErrorCode {
  kInvalidArgument,     // the caller passed something malformed (a bad time, a bad config key)
  kMalformed,           // bytes from a peer or a file do not parse (RTSP, SDP, SPS, MP4 box)
  kUnsupported,         // well-formed but a feature we do not handle (e.g. interlaced H.264)
  kNotFound,            // a file, camera or recording that does not exist
  kAlreadyExists,       // O_EXCL creation of something present
  kPermissionDenied,    // auth failure, EACCES
  kNoSpace,             // ENOSPC / quota
  kIo,                  // any other OS-level I/O failure
  kTimeout,             // a peer did not answer in time
  kClosed,              // the peer closed the connection
  kAborted,             // operation cancelled (shutdown)
  kFailedPrecondition,  // state does not allow the call (wrong disk, locked directory)
  kInternal,            // an invariant of ours broke
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "malformed: SPS truncated at bit 37"
  std::string ToString() const;

  // Returns a copy whose message is "context: <message>", keeping the code.
  Error Wrap(std::string_view context) const;

  // From an errno value: ENOSPC -> kNoSpace, ENOENT -> kNotFound, EEXIST -> kAlreadyExists, ...
  static Error FromErrno(int err, std::string_view context);

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;

// Result<void> success value: `return Ok();`
inline Result<void> Ok() { return {}; }

inline std::unexpected<Error> Err(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}
inline std::unexpected<Error> Err(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace nightjar

// NJ_TRY(var, expr): evaluates expr (a Result<T>); on error returns it from the enclosing function,
// otherwise moves the value into a new variable `var`.
#define NJ_CONCAT_INNER(a, b) a##b
#define NJ_CONCAT(a, b) NJ_CONCAT_INNER(a, b)
#define NJ_TRY(var, expr) NJ_TRY_IMPL(NJ_CONCAT(nj_result_, __LINE__), var, expr)
// `tmp` is a name being declared and `var` a declaration (`auto x`) or an lvalue: neither can be
// parenthesized, so bugprone-macro-parentheses is wrong about the *_TRY_IMPL macros.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define NJ_TRY_IMPL(tmp, var, expr)                           \
  auto tmp = (expr);                                          \
  if (!tmp) return ::std::unexpected(std::move(tmp).error()); \
  var = std::move(*tmp)

// NJ_CHECK_OK(expr): evaluates a Result<void> (or any Result) and returns its error, if any.
#define NJ_CHECK_OK(expr)                                                     \
  do {                                                                        \
    auto nj_status_ = (expr);                                                 \
    if (!nj_status_) return ::std::unexpected(std::move(nj_status_).error()); \
  } while (0)

// The same two for coroutines (co_return instead of return); `expr` may contain co_await.
#define NJ_CO_TRY(var, expr) NJ_CO_TRY_IMPL(NJ_CONCAT(nj_result_, __LINE__), var, expr)
#define NJ_CO_TRY_IMPL(tmp, var, expr)                           \
  auto tmp = (expr);                                             \
  if (!tmp) co_return ::std::unexpected(std::move(tmp).error()); \
  var = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
#define NJ_CO_CHECK_OK(expr)                                                     \
  do {                                                                           \
    auto nj_status_ = (expr);                                                    \
    if (!nj_status_) co_return ::std::unexpected(std::move(nj_status_).error()); \
  } while (0)

#endif  // NIGHTJAR_BASE_ERROR_H_
