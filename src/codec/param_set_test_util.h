// Test-only: parameter sets with other ids, made from real encoder output by rewriting the
// Exp-Golomb id fields (no encoder we have writes SPS/PPS ids other than 0, or several PPS).
// Used by codec_test and rtsp_test; not part of nightjar_codec.
#ifndef NIGHTJAR_CODEC_PARAM_SET_TEST_UTIL_H_
#define NIGHTJAR_CODEC_PARAM_SET_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "codec/bit_reader.h"
#include "codec/bit_writer.h"
#include "codec/codec_test_data.h"
#include "codec/nal.h"

namespace nightjar::codec::testdata {

// `nal` with Exp-Golomb fields rewritten: after `header` bytes and `skip` bits of its RBSP, one
// ue(v) per entry of `values` is read and replaced (nullopt keeps it); the rest is copied up to
// the rbsp_stop_one_bit and the trailing bits rewritten (so lengths may change), then escaped.
inline std::vector<uint8_t> RewriteUes(std::span<const uint8_t> nal, size_t header, int skip,
                                       const std::vector<std::optional<uint32_t>>& values) {
  std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(header));
  size_t stop = rbsp.size() * 8;  // one past the rbsp_stop_one_bit
  while (stop > 0 && ((rbsp[(stop - 1) / 8] >> (7 - (stop - 1) % 8)) & 1) == 0) --stop;
  --stop;
  BitReader r(rbsp);
  BitWriter w;
  w.WriteBits(r.ReadBits(skip).value(), skip);
  for (auto v : values) {
    const uint32_t old = r.ReadUe().value();
    w.WriteUe(v.value_or(old));
  }
  while (r.bit_position() < stop) w.WriteBits(r.ReadBits(1).value(), 1);
  w.WriteTrailingBits();
  std::vector<uint8_t> out(nal.begin(), nal.begin() + static_cast<std::ptrdiff_t>(header));
  EscapeRbsp(w.bytes(), &out);
  return out;
}

// An H.264 SPS with seq_parameter_set_id `id` (§7.3.2.1.1: after three bytes).
inline std::vector<uint8_t> H264SpsWithId(std::span<const uint8_t> sps, uint32_t id) {
  return RewriteUes(sps, 1, 24, {id});
}
// An H.264 PPS with pic_parameter_set_id `id` naming SPS `sps_id` (§7.3.2.2).
inline std::vector<uint8_t> H264PpsWithId(uint32_t id, uint32_t sps_id,
                                          std::span<const uint8_t> pps = kX264Pps1080p) {
  return RewriteUes(pps, 1, 0, {id, sps_id});
}
// An H.265 PPS with pps_pic_parameter_set_id `id` (§7.3.2.3.1).
inline std::vector<uint8_t> H265PpsWithId(uint32_t id,
                                          std::span<const uint8_t> pps = kX265Pps1080p) {
  return RewriteUes(pps, 2, 0, {id});
}

// A slice NAL unit whose header names PPS `pps_id`: H.264 (§7.3.3: first_mb_in_slice 0,
// slice_type `slice_type`, pic_parameter_set_id), followed by `filler` bytes of 0x55.
inline std::vector<uint8_t> H264SliceWithPps(uint8_t header, uint32_t slice_type, uint32_t pps_id,
                                             size_t filler = 100) {
  BitWriter w;
  w.WriteUe(0);
  w.WriteUe(slice_type);
  w.WriteUe(pps_id);
  w.WriteTrailingBits();
  std::vector<uint8_t> rbsp = std::move(w).Take();
  rbsp.insert(rbsp.end(), filler, 0x55);
  std::vector<uint8_t> out = {header};
  EscapeRbsp(rbsp, &out);
  return out;
}

}  // namespace nightjar::codec::testdata

#endif  // NIGHTJAR_CODEC_PARAM_SET_TEST_UTIL_H_
