// gzip content coding for responses (RFC 9110 §8.4.1.3, RFC 1952) over zlib.
//
// This module owns the decision whether a response is worth compressing (a JSON or text body
// above a threshold, for a client whose Accept-Encoding allows gzip) and the compression itself.
// Streamed bodies (BodySource) are never compressed: they are video, and their byte ranges must
// stay those of the stored representation.
// Thread safety: pure functions.
#ifndef NIGHTJAR_HTTP_COMPRESSION_H_
#define NIGHTJAR_HTTP_COMPRESSION_H_

#include <string>
#include <string_view>

#include "base/error.h"

namespace nightjar::http {

// Does this Accept-Encoding value accept gzip? "gzip", "x-gzip" or "*" with a q-value above 0
// (RFC 9110 §12.5.3); "gzip;q=0" refuses it even when "*" would allow it.
bool AcceptsGzip(std::string_view accept_encoding);

// JSON, text/*, JavaScript, SVG and HLS playlists; parameters (";charset=...") are ignored.
bool IsCompressibleType(std::string_view content_type);

// The gzip member of `data` (zlib level 6). kInternal if zlib fails (out of memory).
Result<std::string> Gzip(std::string_view data);

// Inverse, for tests and clients: kMalformed on anything that is not one valid gzip member.
// `max_bytes` bounds the output.
Result<std::string> Gunzip(std::string_view data, size_t max_bytes = 64 << 20);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_COMPRESSION_H_
