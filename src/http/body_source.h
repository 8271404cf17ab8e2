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
#include <optional>
#include <span>
#include <string>

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

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_BODY_SOURCE_H_
