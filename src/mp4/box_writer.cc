#include "mp4/box_writer.h"

#include <cassert>

namespace nightjar::mp4 {

void BoxWriter::U16(uint16_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 8));
  out_.push_back(static_cast<uint8_t>(v));
}

void BoxWriter::U24(uint32_t v) {
  out_.push_back(static_cast<uint8_t>(v >> 16));
  U16(static_cast<uint16_t>(v));
}

void BoxWriter::U32(uint32_t v) {
  U16(static_cast<uint16_t>(v >> 16));
  U16(static_cast<uint16_t>(v));
}

void BoxWriter::U64(uint64_t v) {
  U32(static_cast<uint32_t>(v >> 32));
  U32(static_cast<uint32_t>(v));
}

void BoxWriter::FourCc(std::string_view four) {
  assert(four.size() == 4);
  Str(four.substr(0, 4));
}

size_t BoxWriter::Open(std::string_view type) {
  const size_t at = out_.size();
  U32(0);
  FourCc(type);
  return at;
}

size_t BoxWriter::OpenFull(std::string_view type, uint8_t version, uint32_t flags) {
  const size_t at = Open(type);
  U8(version);
  U24(flags);
  return at;
}

void BoxWriter::Close(size_t handle) {
  const uint64_t size = out_.size() - handle;
  assert(size <= UINT32_MAX);
  for (int i = 0; i < 4; ++i) out_[handle + i] = static_cast<uint8_t>(size >> (24 - 8 * i));
}

namespace {

// The unity matrix of §8.2.2 / §8.3.2 (16.16 and 2.30 fixed point).
void WriteMatrix(BoxWriter& w) {
  for (uint32_t v : {0x00010000u, 0u, 0u, 0u, 0x00010000u, 0u, 0u, 0u, 0x40000000u}) w.U32(v);
}

// ISO/IEC 14496-1 §8.3.3 expandable size, in its one-byte form (sizes below 128: WriteEsds
// bounds the AudioSpecificConfig so every descriptor fits).
void DescriptorHeader(BoxWriter& w, uint8_t tag, size_t size) {
  w.U8(tag);
  w.U8(static_cast<uint8_t>(size));
}

Result<void> WriteEsds(BoxWriter& w, const SampleEntrySpec& e) {
  // Real AudioSpecificConfigs are 2-5 bytes; 100 keeps every descriptor below 128 bytes.
  if (e.config.size() > 100) return Err(ErrorCode::kUnsupported, "AudioSpecificConfig too large");
  const size_t dsi = 2 + e.config.size();
  const size_t dcd = 13 + dsi;
  const size_t es = 3 + (2 + dcd) + 3;
  const size_t box = w.OpenFull("esds", 0, 0);
  DescriptorHeader(w, 0x03, es);   // ES_Descriptor (§7.2.6.5)
  w.U16(0);                        // ES_ID
  w.U8(0);                         // no dependency, URL or OCR
  DescriptorHeader(w, 0x04, dcd);  // DecoderConfigDescriptor (§7.2.6.6)
  w.U8(0x40);                      // objectTypeIndication: MPEG-4 audio (ISO/IEC 14496-3)
  w.U8(0x05 << 2 | 1);             // streamType audio, upStream 0, reserved 1
  w.U24(0);                        // bufferSizeDB
  w.U32(0);                        // maxBitrate (unknown)
  w.U32(0);                        // avgBitrate (unknown)
  DescriptorHeader(w, 0x05, e.config.size());  // DecoderSpecificInfo: the AudioSpecificConfig
  w.Bytes(e.config);
  DescriptorHeader(w, 0x06, 1);  // SLConfigDescriptor, predefined = 2 (MP4)
  w.U8(2);
  w.Close(box);
  return Ok();
}

}  // namespace

Result<void> WriteSampleEntry(BoxWriter& w, const SampleEntrySpec& e) {
  const std::string four = e.codec.substr(0, 4);
  const bool avc = four == "avc1" || four == "avc3";
  const bool hevc = four == "hvc1" || four == "hev1";
  if (e.kind == SampleEntrySpec::Kind::kVideo && (avc || hevc)) {
    const size_t box = w.Open(four);
    w.Zeros(6);   // reserved
    w.U16(1);     // data_reference_index
    w.Zeros(16);  // pre_defined, reserved, pre_defined[3]
    w.U16(e.width);
    w.U16(e.height);
    w.U32(0x00480000);  // 72 dpi
    w.U32(0x00480000);
    w.U32(0);       // reserved
    w.U16(1);       // frame_count
    w.Zeros(32);    // compressorname (empty Pascal string)
    w.U16(0x0018);  // depth
    w.U16(0xffff);  // pre_defined = -1
    const size_t config = w.Open(avc ? "avcC" : "hvcC");
    w.Bytes(e.config);
    w.Close(config);
    w.Close(box);
    return Ok();
  }
  if (e.kind == SampleEntrySpec::Kind::kAudio && four == "mp4a") {
    const size_t box = w.Open("mp4a");
    w.Zeros(6);
    w.U16(1);    // data_reference_index
    w.Zeros(8);  // reserved
    w.U16(e.channels);
    w.U16(16);  // samplesize
    w.U32(0);   // pre_defined, reserved
    // 16.16 sample rate; rates above 65535 Hz are carried by the AudioSpecificConfig alone.
    w.U32(e.sample_rate < 0x10000 ? e.sample_rate << 16 : 0);
    NJ_CHECK_OK(WriteEsds(w, e));
    w.Close(box);
    return Ok();
  }
  return Err(ErrorCode::kUnsupported, "no MP4 sample entry for codec \"" + e.codec + "\"");
}

void WriteMvhd(BoxWriter& w, const MovieHeader& h) {
  const bool v1 = h.duration > UINT32_MAX || h.creation_time > UINT32_MAX;
  const size_t box = w.OpenFull("mvhd", v1 ? 1 : 0, 0);
  if (v1) {
    w.U64(h.creation_time);
    w.U64(h.creation_time);
    w.U32(h.timescale);
    w.U64(h.duration);
  } else {
    w.U32(static_cast<uint32_t>(h.creation_time));
    w.U32(static_cast<uint32_t>(h.creation_time));
    w.U32(h.timescale);
    w.U32(static_cast<uint32_t>(h.duration));
  }
  w.U32(0x00010000);  // rate 1.0
  w.U16(0x0100);      // volume 1.0
  w.Zeros(10);        // reserved
  WriteMatrix(w);
  w.Zeros(24);  // pre_defined
  w.U32(h.next_track_id);
  w.Close(box);
}

void WriteTkhd(BoxWriter& w, const TrackHeader& h) {
  const bool v1 = h.duration > UINT32_MAX || h.creation_time > UINT32_MAX;
  const size_t box = w.OpenFull("tkhd", v1 ? 1 : 0, 0x3);  // enabled, in movie
  if (v1) {
    w.U64(h.creation_time);
    w.U64(h.creation_time);
    w.U32(h.track_id);
    w.U32(0);
    w.U64(h.duration);
  } else {
    w.U32(static_cast<uint32_t>(h.creation_time));
    w.U32(static_cast<uint32_t>(h.creation_time));
    w.U32(h.track_id);
    w.U32(0);
    w.U32(static_cast<uint32_t>(h.duration));
  }
  w.Zeros(8);                   // reserved
  w.U16(0);                     // layer
  w.U16(h.audio ? 1 : 0);       // alternate_group
  w.U16(h.audio ? 0x0100 : 0);  // volume
  w.U16(0);                     // reserved
  WriteMatrix(w);
  w.U32(uint32_t{h.width} << 16);  // 16.16
  w.U32(uint32_t{h.height} << 16);
  w.Close(box);
}

void WriteMdhd(BoxWriter& w, uint32_t timescale, uint64_t duration, uint64_t creation_time) {
  const bool v1 = duration > UINT32_MAX || creation_time > UINT32_MAX;
  const size_t box = w.OpenFull("mdhd", v1 ? 1 : 0, 0);
  if (v1) {
    w.U64(creation_time);
    w.U64(creation_time);
    w.U32(timescale);
    w.U64(duration);
  } else {
    w.U32(static_cast<uint32_t>(creation_time));
    w.U32(static_cast<uint32_t>(creation_time));
    w.U32(timescale);
    w.U32(static_cast<uint32_t>(duration));
  }
  w.U16(0x55c4);  // language "und" (ISO 639-2/T, 5 bits per letter)
  w.U16(0);
  w.Close(box);
}

void WriteHdlr(BoxWriter& w, bool audio) {
  const size_t box = w.OpenFull("hdlr", 0, 0);
  w.U32(0);  // pre_defined
  w.FourCc(audio ? "soun" : "vide");
  w.Zeros(12);  // reserved
  w.Str(audio ? "SoundHandler" : "VideoHandler");
  w.U8(0);
  w.Close(box);
}

void WriteMediaHeaderAndDinf(BoxWriter& w, bool audio) {
  if (audio) {
    const size_t smhd = w.OpenFull("smhd", 0, 0);
    w.U32(0);  // balance, reserved
    w.Close(smhd);
  } else {
    const size_t vmhd = w.OpenFull("vmhd", 0, 1);
    w.Zeros(8);  // graphicsmode, opcolor
    w.Close(vmhd);
  }
  const size_t dinf = w.Open("dinf");
  const size_t dref = w.OpenFull("dref", 0, 0);
  w.U32(1);
  const size_t url = w.OpenFull("url ", 0, 1);  // the media is in this file
  w.Close(url);
  w.Close(dref);
  w.Close(dinf);
}

}  // namespace nightjar::mp4
