#include "http/message.h"

#include <array>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace nightjar::http {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods = {{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kDelete, "DELETE"},
    {Method::kPatch, "PATCH"},
    {Method::kOptions, "OPTIONS"},
}};

}  // namespace

std::string_view MethodName(Method m) {
  for (const auto& [method, name] : kMethods) {
    if (method == m) return name;
  }
  return "OTHER";
}

Method ParseMethod(std::string_view s) {
  for (const auto& [method, name] : kMethods) {
    if (name == s) return method;
  }
  return Method::kOther;
}

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

const std::string& Request::Param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

Response Response::Json(int status, const nlohmann::json& j) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::Wait(std::shared_ptr<Waiter> waiter, int timeout_ms) {
  Response r;
  r.wait = std::move(waiter);
  r.wait_timeout_ms = timeout_ms;
  return r;
}

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  return Response::Json(status, {{"error", code}, {"message", message}});
}

Response FromError(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnsupported:
      return ErrorResponse(400, "bad_request", e.message());
    case ErrorCode::kNotFound:
      return ErrorResponse(404, "not_found", e.message());
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return ErrorResponse(409, "conflict", e.message());
    case ErrorCode::kPermissionDenied:
      return ErrorResponse(403, "forbidden", e.message());
    case ErrorCode::kNoSpace:
      return ErrorResponse(507, "insufficient_storage", e.message());
    case ErrorCode::kTimeout:
      return ErrorResponse(504, "timeout", e.message());
    case ErrorCode::kAborted:
    case ErrorCode::kClosed:
      return ErrorResponse(503, "unavailable", e.message());
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      break;
  }
  return ErrorResponse(500, "internal", e.message());
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

}  // namespace nightjar::http
