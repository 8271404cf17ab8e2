// Streamed response bodies: a representation whose size and validators are known before its
// first byte is read, read piecewise on demand (a virtual .mp4, a sample file, a TS export).
//
// The server asks a BodySource only for the bytes a response needs (a Range request reads just
// its range), in chunks of ServerOptions::stream_chunk_bytes, and reads the next chunk only after
// the previous one was written to the socket (backpressure: one chunk in memory per response).
//
// Threading: Read may block (disk, SQLite); the server calls it only on its blocking thread pool,
// never on an io thread, and never concurrently for one response (successive calls may come from
// different pool threads). size(), etag() and last_modified() are called on io threads and must
// be cheap and non-blocking. The server holds the source (shared_ptr) until the response is
// written or the connection fails.
#ifndef NIGHTJAR_HTTP_BODY_SOURCE_H_
#define NIGHTJAR_HTTP_BODY_SOURCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/time.h"

namespace nightjar::http {

class BodySource {
 public:
  virtual ~BodySource() = default;

  // The representation's length in bytes; fixed for the source's lifetime.
  virtual uint64_t size() const = 0;
  // A strong entity tag including its quotes, e.g. "\"1f3a-9c\"" (RFC 9110 §8.8.3), or empty for
  // none. Must change whenever the bytes would.
  virtual std::string etag() const = 0;
  // When the representation last changed (sent as Last-Modified, whole seconds), if known.
  virtual std::optional<Time90k> last_modified() const = 0;

  // Fills all of `out` with the bytes at [offset, offset + out.size()), which the server keeps
  // within size(). An error ends the response: before the first byte is sent it becomes a 500
  // (or the mapped status, see FromError); after it, the connection is closed, since a
  // Content-Length response cannot signal failure otherwise.
  virtual Result<void> Read(uint64_t offset, std::span<uint8_t> out) = 0;
};

// `bytes` already in memory as a BodySource (small media such as an fMP4 segment, which then gets
// Range and conditional requests like any other).
std::shared_ptr<BodySource> MemoryBody(std::vector<uint8_t> bytes, std::string etag,
                                       std::optional<Time90k> last_modified = std::nullopt);

// A body whose length is not known before it is produced (an MPEG-TS export, an HLS segment
// muxed on demand): sent with chunked transfer coding (RFC 9112 §7.1) to HTTP/1.1 clients and
// delimited by closing the connection for HTTP/1.0 ones. No Range or conditional handling.
//
// Threading as BodySource::Read: Next runs on the blocking pool, never concurrently for one
// response.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // Appends the next piece of the body to `out` (empty on entry); leaving it empty means the body
  // is complete. Pieces of about ServerOptions::stream_chunk_bytes keep memory bounded. An error
  // before the first piece becomes the error's status; after it, the connection is closed
  // without the last chunk, so the client sees a truncated body rather than a short one.
  virtual Result<void> Next(std::vector<uint8_t>* out) = 0;
};

// The backend's side of a response that must wait for something to happen (an LL-HLS blocking
// playlist reload, RFC 8216bis §6.2.5.2; a preloaded part not yet produced).
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Arranges for `wake` to be called once, from any thread, when what the request waits for may
  // have happened (a spurious wake is fine: the handler is simply run again). If it may already
  // have happened, calls `wake` before returning. Never blocks.
  virtual void OnReady(std::function<void()> wake) = 0;
};

// The messages of a WebSocket connection (RFC 6455) after the upgrade, server to client only
// (live view). The server writes what Take gives, one WebSocket message each, and waits with
// OnReady when there is nothing; a client that reads slowly only delays Take, so the feed decides
// what to drop (whole GOPs, for video).
struct WsMessage {
  bool text = false;  // a text message (UTF-8, e.g. JSON) rather than a binary one
  std::vector<uint8_t> data;
};

class MessageFeed : public Waiter {
 public:
  // Moves the messages ready now into `out` (empty on entry). kClosed when the feed has ended
  // (the camera went away): the server then closes the WebSocket normally. Non-blocking; called
  // on the connection's strand.
  virtual Result<void> Take(std::vector<WsMessage>* out) = 0;
  // The client has gone; called once. Releases whatever the feed holds.
  virtual void Close() = 0;
};

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_BODY_SOURCE_H_
