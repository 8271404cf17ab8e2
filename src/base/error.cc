#include "base/error.h"

#include <cerrno>
#include <cstring>

namespace nightjar {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kNoSpace:
      return "no space";
    case ErrorCode::kIo:
      return "I/O error";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kClosed:
      return "closed";
    case ErrorCode::kAborted:
      return "aborted";
    case ErrorCode::kFailedPrecondition:
      return "failed precondition";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string s(ErrorCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

Error Error::Wrap(std::string_view context) const {
  std::string m(context);
  m += ": ";
  m += message_;
  return Error(code_, std::move(m));
}

Error Error::FromErrno(int err, std::string_view context) {
  ErrorCode code;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      code = ErrorCode::kNoSpace;
      break;
    case ENOENT:
      code = ErrorCode::kNotFound;
      break;
    case EEXIST:
      code = ErrorCode::kAlreadyExists;
      break;
    case EACCES:
    case EPERM:
      code = ErrorCode::kPermissionDenied;
      break;
    case EINVAL:
      code = ErrorCode::kInvalidArgument;
      break;
    case ETIMEDOUT:
      code = ErrorCode::kTimeout;
      break;
    case ECANCELED:
      code = ErrorCode::kAborted;
      break;
    case EWOULDBLOCK:
      code = ErrorCode::kFailedPrecondition;
      break;
    default:
      code = ErrorCode::kIo;
      break;
  }
  std::string m(context);
  m += ": ";
  m += std::strerror(err);
  return Error(code, std::move(m));
}

}  // namespace nightjar
