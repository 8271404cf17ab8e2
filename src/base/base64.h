// Base64 (RFC 4648 §4) and hex encodings.
//
// This module owns binary-to-text codecs for the places protocols need them: SDP
// sprop-parameter-sets (RFC 6184 §8.1, RFC 7798 §7.1), HTTP Basic auth (RFC 7617), and hex for
// digests, ETags and logs. Pure functions, thread-safe; decoding is bounded by the input size.
#ifndef NIGHTJAR_BASE_BASE64_H_
#define NIGHTJAR_BASE_BASE64_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace nightjar {

// Standard alphabet, with '=' padding.
std::string Base64Encode(std::span<const uint8_t> data);
std::string Base64Encode(std::string_view data);

// Decodes the standard alphabet. Padding may be present or absent (some cameras omit it in
// sprop-parameter-sets), but if present it must be correct and final. Rejects, as kMalformed:
// characters outside the alphabet (including whitespace and the URL-safe '-' '_'), a length that
// leaves a single dangling character, and data after padding. Non-zero bits in the final partial
// character are ignored (RFC 4648 §3.5 permits either).
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);
// The same, returning the bytes as a string (e.g. "user:password" for Basic auth).
Result<std::string> Base64DecodeToString(std::string_view text);

// Lowercase hex, two digits per byte.
std::string HexEncode(std::span<const uint8_t> data);
// Accepts upper or lower case; kMalformed on odd length or a non-hex character.
Result<std::vector<uint8_t>> HexDecode(std::string_view text);

}  // namespace nightjar

#endif  // NIGHTJAR_BASE_BASE64_H_
