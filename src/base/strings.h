// Small string helpers for protocol and config parsers.
//
// This module owns the few text operations that RTSP, SDP, HTTP and config parsing all need and
// that the standard library lacks: ASCII case-insensitive comparison (header names and tokens are
// case-insensitive, RFC 7826 §5.2 / RFC 7230 §3.2), whitespace trimming, splitting, and strict
// bounded integer parsing. All functions are pure and thread-safe; returned string_views point
// into the argument, so they live as long as it does.
#ifndef NIGHTJAR_BASE_STRINGS_H_
#define NIGHTJAR_BASE_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace nightjar {

// ASCII-only case folding: bytes >= 0x80 compare exactly (locale-independent on purpose).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
std::string AsciiToLower(std::string_view s);

// Removes leading and trailing spaces, tabs, CRs and LFs.
std::string_view Trim(std::string_view s);

// Splits on every `sep`, keeping empty fields: Split("a,,b", ',') == {"a", "", "b"};
// Split("", ',') == {""}. The result has one more field than `s` has separators.
std::vector<std::string_view> Split(std::string_view s, char sep);

// Splits at the first `sep`: "key=value" -> {"key", "value"}; nullopt if there is none.
std::optional<std::pair<std::string_view, std::string_view>> SplitOnce(std::string_view s,
                                                                       char sep);

// Parses a whole string as a decimal integer in [min, max]: an optional '-', then 1 to 19 digits
// (leading zeros allowed), nothing else — no '+', no whitespace, no hex. kMalformed otherwise, with
// the (truncated) input in the message.
// RFC 3986 §2.1 percent-decoding; `plus_is_space` for query strings (application/x-www-form-
// urlencoded). kInvalidArgument on a truncated or non-hex escape.
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);

Result<int64_t> ParseInt64(std::string_view s, int64_t min = INT64_MIN, int64_t max = INT64_MAX);

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_STRINGS_H_
