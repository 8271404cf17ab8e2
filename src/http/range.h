// Range and conditional requests for streamed bodies (RFC 9110 §13 and §14), I/O-free.
//
// This module owns the decision of what a GET/HEAD of a BodySource answers: 200 with everything,
// 206 with one byte range, 304 Not Modified, or 416 Range Not Satisfiable; and the HTTP-date
// format (IMF-fixdate, RFC 9110 §5.6.7).
//
// Decisions, in RFC 9110 §13.2.2 order:
//   1. If-None-Match (weak comparison, "*" matches) -> 304 when it matches; when present,
//      If-Modified-Since is ignored.
//   2. If-Modified-Since (only without If-None-Match; ignored when unparsable or when the
//      source has no Last-Modified) -> 304 when not modified since.
//   3. Range, only for "bytes" and only when If-Range (if present) matches: an entity tag by
//      strong comparison, or a date equal to Last-Modified.
//      - one range "a-b", "a-" or "-n": 206 with that range (b clamped to the end);
//      - a range starting at or past the end, or "-0": 416 with "Content-Range: bytes */size";
//      - several ranges: ignored, the answer is the whole 200 (a server may ignore Range,
//        §14.2; we do not produce multipart/byteranges);
//      - anything syntactically invalid (a > b, junk): ignored, 200.
// Thread safety: pure functions.
#ifndef NIGHTJAR_HTTP_RANGE_H_
#define NIGHTJAR_HTTP_RANGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.h"

namespace nightjar::http {

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

enum class RangeKind { kIgnore, kSingle, kUnsatisfiable };
struct ParsedRange {
  RangeKind kind = RangeKind::kIgnore;
  ByteRange range;  // for kSingle
};

// Parses a Range field value against a representation of `size` bytes.
ParsedRange ParseRange(std::string_view value, uint64_t size);

// What the request's conditional and range fields ask of a representation.
struct ConditionalFields {
  std::optional<std::string_view> if_none_match, if_modified_since, range, if_range;
};
struct Validators {
  uint64_t size = 0;
  std::string etag;  // strong, quoted; empty when none
  std::optional<Time90k> last_modified;
};
struct BodyPlan {
  int status = 200;  // 200, 206, 304 or 416
  ByteRange range;   // the bytes to send (200: all; 206: the range; 304/416: none)
};
BodyPlan PlanBody(const ConditionalFields& fields, const Validators& v);

// Does an If-None-Match / If-Match list ("*" or comma-separated entity tags) match `etag`?
// `weak`: weak comparison (W/ prefixes ignored); otherwise strong (weak tags never match).
bool EtagListMatches(std::string_view list, std::string_view etag, bool weak);

// "Sun, 06 Nov 1994 08:49:37 GMT" (whole seconds, truncated).
std::string FormatHttpDate(Time90k t);
// Parses IMF-fixdate only (the obsolete RFC 850 and asctime forms are treated as invalid, which
// makes the conditional field ignored, as RFC 9110 §13.1.3 allows).
std::optional<Time90k> ParseHttpDate(std::string_view s);

}  // namespace nightjar::http

#endif  // NIGHTJAR_HTTP_RANGE_H_
