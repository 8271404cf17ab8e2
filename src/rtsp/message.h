// RTSP/1.0 messages (RFC 2326 §4-§7; RFC 7826 where cameras borrow from it) and the byte stream
// they share with interleaved RTP/RTCP on a TCP connection (RFC 2326 §10.12).
//
// I/O-free: the parser consumes bytes the caller read from wherever and never touches a socket.
// Every limit is explicit so a hostile peer cannot make us buffer without bound.
#ifndef NIGHTJAR_RTSP_MESSAGE_H_
#define NIGHTJAR_RTSP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace nightjar::rtsp {

// Header fields in arrival order; names compare case-insensitively (RFC 2326 §4.2).
class Headers {
 public:
  // First value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  void Add(std::string name, std::string value);
  // Replaces every field called `name` with one.
  void Set(std::string_view name, std::string value);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // "OPTIONS", "DESCRIBE", ... as sent (case-sensitive per §6.1)
  std::string uri;     // request-URI as sent
  Headers headers;
  std::string body;
  // CSeq header as an integer; requests without one are malformed (RFC 2326 §12.17).
  int64_t cseq = -1;
};

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
  int64_t cseq = -1;  // -1 when absent (some cameras omit it on errors)
};

// Serializes a request or response, adding Content-Length when there is a body.
std::string Serialize(const Request& request);
std::string Serialize(const Response& response);

// Standard reason phrase for an RTSP status code (RFC 2326 §7.1.1).
std::string_view ReasonPhrase(int status);

struct ParseLimits {
  size_t max_header_bytes = size_t{16} * 1024;  // request/status line plus all header fields
  size_t max_body_bytes = size_t{64} * 1024;  // SDP bodies are a few kB; GET_PARAMETER bodies tiny
  size_t max_headers = 64;
};

// One unit of the TCP byte stream: an RTSP message or an interleaved binary frame.
struct InterleavedFrame {
  uint8_t channel;
  std::span<const uint8_t> payload;  // points into the caller's buffer; valid until it changes
};

// Result of trying to take one unit off the front of a buffer.
struct StreamItem {
  enum class Kind { kNeedMore, kRequest, kResponse, kInterleaved } kind = Kind::kNeedMore;
  size_t consumed = 0;  // bytes to drop from the front of the buffer
  Request request;
  Response response;
  InterleavedFrame frame{};
};

// Parses the next unit from `data` (the unconsumed bytes the peer sent, in order).
// A leading '$' starts an interleaved frame: '$', channel, 16-bit big-endian length, payload.
// Anything else must be an RTSP message. Returns kNeedMore until a whole unit is present.
// Fails with kMalformed on bytes that can be neither, or when a limit is exceeded; the caller
// should then close the connection (there is no way to resynchronize reliably).
Result<StreamItem> ParseStreamItem(std::span<const uint8_t> data, const ParseLimits& limits = {});

// Convenience for whole buffers (tests, fuzzing): exactly one message.
Result<Request> ParseRequest(std::string_view text, const ParseLimits& limits = {});
Result<Response> ParseResponse(std::string_view text, const ParseLimits& limits = {});

// Transport header (RFC 2326 §12.39): only the first acceptable transport spec is used.
struct TransportSpec {
  bool tcp = false;  // RTP/AVP/TCP
  bool unicast = true;
  std::optional<std::pair<int, int>> interleaved;  // channels
  std::optional<std::pair<int, int>> client_port;
  std::optional<std::pair<int, int>> server_port;
  std::optional<uint32_t> ssrc;
  std::string mode;
};
Result<std::vector<TransportSpec>> ParseTransport(std::string_view value);
std::string FormatTransport(const TransportSpec& spec);

// Session header: "12345678;timeout=60" -> id and timeout seconds (§12.37).
struct SessionHeader {
  std::string id;
  std::optional<int> timeout_secs;
};
Result<SessionHeader> ParseSession(std::string_view value);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_MESSAGE_H_
