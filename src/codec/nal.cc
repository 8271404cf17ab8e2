#include "codec/nal.h"

#include <array>
#include <limits>
#include <string>

#include "codec/sei.h"

namespace nightjar::codec {
namespace {

constexpr size_t kNotFound = static_cast<size_t>(-1);

// Index of the first byte of the next 00 00 01 at or after `from`, or kNotFound.
size_t FindStartCode(std::span<const uint8_t> d, size_t from) {
  size_t i = from;
  while (i + 3 <= d.size()) {
    // A start code beginning at i, i+1 or i+2 needs d[i+2] <= 1, so a larger byte skips all three.
    if (d[i + 2] > 1) {
      i += 3;
    } else if (d[i + 2] == 1 && d[i + 1] == 0 && d[i] == 0) {
      return i;
    } else {
      ++i;
    }
  }
  return kNotFound;
}

std::span<const uint8_t> StripTrailingZeros(std::span<const uint8_t> nal) {
  size_t n = nal.size();
  while (n > 0 && nal[n - 1] == 0) --n;
  return nal.first(n);
}

bool ValidLengthSize(int length_size) {
  return length_size == 1 || length_size == 2 || length_size == 4;
}

// Calls f(nal) for each unit of a length-prefixed buffer; stops at the first error.
template <typename F>
Result<void> ForEachLengthPrefixed(std::span<const uint8_t> data, int length_size, F&& f) {
  if (!ValidLengthSize(length_size)) {
    return Err(ErrorCode::kInvalidArgument,
               "NAL length size must be 1, 2 or 4, not " + std::to_string(length_size));
  }
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < static_cast<size_t>(length_size)) {
      return Err(ErrorCode::kMalformed, "truncated NAL length at offset " + std::to_string(pos));
    }
    size_t len = 0;
    for (int i = 0; i < length_size; ++i) len = (len << 8) | data[pos + i];
    pos += length_size;
    if (len == 0) {
      return Err(ErrorCode::kMalformed, "zero-length NAL unit at offset " + std::to_string(pos));
    }
    if (len > data.size() - pos) {
      return Err(ErrorCode::kMalformed, "NAL length " + std::to_string(len) + " at offset " +
                                            std::to_string(pos) + " exceeds the " +
                                            std::to_string(data.size() - pos) + " bytes left");
    }
    f(data.subspan(pos, len));
    pos += len;
  }
  return Ok();
}

}  // namespace

std::string_view H264NalTypeName(uint8_t t) {
  static constexpr std::array<std::string_view, 32> kNames = {
      "unspecified",   "slice",         "slice_data_a", "slice_data_b", "slice_data_c",
      "IDR",           "SEI",           "SPS",          "PPS",          "AUD",
      "end_of_seq",    "end_of_stream", "filler",       "SPS_ext",      "prefix",
      "subset_SPS",    "DPS",           "reserved17",   "reserved18",   "aux_slice",
      "slice_ext",     "slice_ext_3d",  "reserved22",   "reserved23",   "STAP-A",
      "STAP-B",        "MTAP16",        "MTAP24",       "FU-A",         "FU-B",
      "unspecified30", "unspecified31"};
  return t < kNames.size() ? kNames[t] : "unknown";
}

std::string_view H265NalTypeName(uint8_t t) {
  switch (t) {
    case 0:
      return "TRAIL_N";
    case 1:
      return "TRAIL_R";
    case 2:
      return "TSA_N";
    case 3:
      return "TSA_R";
    case 4:
      return "STSA_N";
    case 5:
      return "STSA_R";
    case 6:
      return "RADL_N";
    case 7:
      return "RADL_R";
    case 8:
      return "RASL_N";
    case 9:
      return "RASL_R";
    case 16:
      return "BLA_W_LP";
    case 17:
      return "BLA_W_RADL";
    case 18:
      return "BLA_N_LP";
    case 19:
      return "IDR_W_RADL";
    case 20:
      return "IDR_N_LP";
    case 21:
      return "CRA_NUT";
    case 22:
      return "RSV_IRAP_VCL22";
    case 23:
      return "RSV_IRAP_VCL23";
    case 32:
      return "VPS";
    case 33:
      return "SPS";
    case 34:
      return "PPS";
    case 35:
      return "AUD";
    case 36:
      return "EOS";
    case 37:
      return "EOB";
    case 38:
      return "FD";
    case 39:
      return "PREFIX_SEI";
    case 40:
      return "SUFFIX_SEI";
    case 48:
      return "AP";
    case 49:
      return "FU";
    case 50:
      return "PACI";
    default:
      return "unknown";
  }
}

int NalType(VideoCodec codec, std::span<const uint8_t> nal) {
  if (codec == VideoCodec::kH264) return nal.empty() ? -1 : H264NalType(nal[0]);
  return nal.size() < 2 ? -1 : H265NalType(nal[0]);
}

bool IsKeyFrameNal(VideoCodec codec, std::span<const uint8_t> nal) {
  int t = NalType(codec, nal);
  if (t < 0) return false;
  if (codec == VideoCodec::kH264 ? t == kH264NalIdr : t >= kH265NalBlaWLp && t <= kH265NalIrapMax) {
    return true;
  }
  if (t != (codec == VideoCodec::kH264 ? kH264NalSei : kH265NalPrefixSei)) return false;
  auto rp = FindRecoveryPoint(codec, nal);
  return rp && rp->has_value();
}

bool IsParameterSetNal(VideoCodec codec, std::span<const uint8_t> nal) {
  int t = NalType(codec, nal);
  if (t < 0) return false;
  if (codec == VideoCodec::kH264) return t == kH264NalSps || t == kH264NalPps;
  return t == kH265NalVps || t == kH265NalSps || t == kH265NalPps;
}

AnnexBReader::AnnexBReader(std::span<const uint8_t> stream) : data_(stream) {
  size_t first = FindStartCode(data_, 0);
  pos_ = first == kNotFound ? data_.size() : first + 3;
}

bool AnnexBReader::Next(std::span<const uint8_t>* nal) {
  while (pos_ < data_.size()) {
    size_t next = FindStartCode(data_, pos_);
    size_t end = next == kNotFound ? data_.size() : next;
    std::span<const uint8_t> unit = StripTrailingZeros(data_.subspan(pos_, end - pos_));
    pos_ = next == kNotFound ? data_.size() : next + 3;
    if (!unit.empty()) {
      *nal = unit;
      return true;
    }
  }
  return false;
}

std::vector<std::span<const uint8_t>> SplitAnnexB(std::span<const uint8_t> stream) {
  std::vector<std::span<const uint8_t>> nals;
  AnnexBReader reader(stream);
  std::span<const uint8_t> nal;
  while (reader.Next(&nal)) nals.push_back(nal);
  return nals;
}

Result<std::vector<std::span<const uint8_t>>> SplitLengthPrefixed(std::span<const uint8_t> data,
                                                                  int length_size) {
  std::vector<std::span<const uint8_t>> nals;
  NJ_CHECK_OK(ForEachLengthPrefixed(data, length_size,
                                    [&](std::span<const uint8_t> nal) { nals.push_back(nal); }));
  return nals;
}

Result<void> AppendLengthPrefixed(std::span<const uint8_t> nal, std::vector<uint8_t>* out) {
  if (nal.size() > std::numeric_limits<uint32_t>::max()) {
    return Err(ErrorCode::kInvalidArgument, "NAL unit too long for a 4-byte length");
  }
  uint32_t len = static_cast<uint32_t>(nal.size());
  const uint8_t prefix[4] = {static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16),
                             static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
  out->insert(out->end(), prefix, prefix + 4);
  out->insert(out->end(), nal.begin(), nal.end());
  return Ok();
}

void AppendAnnexB(std::span<const uint8_t> nal, std::vector<uint8_t>* out) {
  static constexpr uint8_t kStartCode[4] = {0, 0, 0, 1};
  out->insert(out->end(), kStartCode, kStartCode + 4);
  out->insert(out->end(), nal.begin(), nal.end());
}

Result<void> AnnexBToLengthPrefixed(std::span<const uint8_t> stream, std::vector<uint8_t>* out) {
  size_t original_size = out->size();
  AnnexBReader reader(stream);
  std::span<const uint8_t> nal;
  while (reader.Next(&nal)) {
    if (auto r = AppendLengthPrefixed(nal, out); !r) {
      out->resize(original_size);
      return r;
    }
  }
  return Ok();
}

Result<void> LengthPrefixedToAnnexB(std::span<const uint8_t> data, int length_size,
                                    std::vector<uint8_t>* out) {
  size_t original_size = out->size();
  auto r = ForEachLengthPrefixed(data, length_size,
                                 [&](std::span<const uint8_t> nal) { AppendAnnexB(nal, out); });
  if (!r) out->resize(original_size);
  return r;
}

size_t UnescapeRbsp(std::span<const uint8_t> nal, uint8_t* out) {
  uint8_t* o = out;
  int zeros = 0;
  for (uint8_t b : nal) {
    if (zeros >= 2 && b == 3) {
      zeros = 0;  // emulation_prevention_three_byte: drop it; it also ends the run of zeros
      continue;
    }
    *o++ = b;
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return static_cast<size_t>(o - out);
}

void UnescapeRbsp(std::span<const uint8_t> nal, std::vector<uint8_t>* rbsp) {
  const size_t at = rbsp->size();
  rbsp->resize(at + nal.size());
  rbsp->resize(at + UnescapeRbsp(nal, rbsp->data() + at));
}

std::vector<uint8_t> UnescapeRbsp(std::span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  UnescapeRbsp(nal, &rbsp);
  return rbsp;
}

void EscapeRbsp(std::span<const uint8_t> rbsp, std::vector<uint8_t>* out) {
  out->reserve(out->size() + rbsp.size() + rbsp.size() / 64 + 1);
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {
      out->push_back(3);
      zeros = 0;
    }
    out->push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  if (zeros >= 2) out->push_back(3);
}

}  // namespace nightjar::codec
