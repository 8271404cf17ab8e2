#include "mp4/sample_entry.h"

#include <bit>
#include <string>

namespace nightjar::mp4 {
namespace {

using std::to_string;

// SampleEntry (§8.5.2.2): reserved[6] and data_reference_index.
constexpr size_t kSampleEntryHeader = 8;
// VisualSampleEntry (§12.1.3.2) fields after SampleEntry: pre_defined, reserved, pre_defined[3]
// (16 bytes), width, height (4), horizresolution, vertresolution, reserved (12), frame_count (2),
// compressorname (32), depth, pre_defined (4). 8 + 16 + 4 + 12 + 2 + 32 + 4 = 78 bytes in all.
constexpr size_t kVisualFieldsBeforeSize = 16;
constexpr size_t kVisualFieldsAfterSize = 12 + 2 + 32 + 4;
// QuickTime sound description versions 1 and 2 append 16 and 36 bytes to the 28-byte entry
// (QuickTime File Format, "Sound Sample Description"); FFmpeg writes them in .mov files.
constexpr size_t kQuickTimeSoundV1Extra = 16;
constexpr size_t kQuickTimeSoundV2Extra = 36;

// The payload of the first child box of `type` in `boxes`, checking the boxes before it.
Result<std::optional<ByteSpan>> FindChild(ByteSpan boxes, uint32_t type) {
  BoxIterator it(boxes);
  while (true) {
    NJ_TRY(std::optional<Box> box, it.Next());
    if (!box) return std::nullopt;
    if (box->type == type) return box->payload;
  }
}

// Whether `boxes` parses as a sequence of boxes.
bool IsBoxList(ByteSpan boxes) {
  BoxIterator it(boxes);
  while (true) {
    Result<std::optional<Box>> box = it.Next();
    if (!box) return false;
    if (!*box) return true;
  }
}

Result<void> ParseVisualEntry(ByteSpan entry, DemuxedTrack* track) {
  Reader r(entry, "visual sample entry");
  NJ_CHECK_OK(r.Skip(kSampleEntryHeader + kVisualFieldsBeforeSize));
  NJ_TRY(track->width, r.U16());
  NJ_TRY(track->height, r.U16());
  NJ_CHECK_OK(r.Skip(kVisualFieldsAfterSize));
  // Child boxes: the decoder configuration (avcC, ISO/IEC 14496-15 §5.4.2.1; hvcC, §8.4.1.1)
  // beside pasp, btrt, colr, ... which we skip.
  BoxIterator children(r.Rest());
  bool have_config = false;
  while (true) {
    NJ_TRY(std::optional<Box> box, children.Next());
    if (!box) break;
    if (!have_config && (box->type == FourCc("avcC") || box->type == FourCc("hvcC"))) {
      track->codec_config.assign(box->payload.begin(), box->payload.end());
      have_config = true;
    }
  }
  return Ok();
}

// Fills sample_rate/channels from the AAC AudioSpecificConfig, which is authoritative.
Result<void> ApplyEsds(ByteSpan esds, DemuxedTrack* track) {
  NJ_TRY(EsDescriptorInfo es, ParseEsds(esds));
  ByteSpan dsi = es.decoder_specific_info;
  track->codec_config.assign(dsi.begin(), dsi.end());
  const uint8_t oti = es.object_type_indication;
  const bool aac = oti == 0x40 || (oti >= 0x66 && oti <= 0x68);
  if (aac && !dsi.empty()) {
    NJ_TRY(AudioSpecificConfigInfo asc, ParseAudioSpecificConfig(dsi));
    track->sample_rate = asc.sample_rate;
    if (asc.channels != 0) track->channels = asc.channels;
  }
  return Ok();
}

Result<void> ParseAudioEntry(ByteSpan entry, DemuxedTrack* track) {
  Reader r(entry, "audio sample entry");
  NJ_CHECK_OK(r.Skip(kSampleEntryHeader));
  // §12.2.3.2: reserved[2] (32 bits each); QuickTime splits the first into version and revision.
  NJ_TRY(uint16_t version, r.U16());
  NJ_CHECK_OK(r.Skip(2 + 4));
  NJ_TRY(track->channels, r.U16());
  NJ_CHECK_OK(r.Skip(2 + 2 + 2));  // samplesize, pre_defined, reserved
  NJ_TRY(uint32_t rate_16_16, r.U32());
  track->sample_rate = rate_16_16 >> 16;
  // Version 1 is ambiguous: QuickTime's sound description v1 appends 16 bytes (FFmpeg writes it
  // in .mov), ISO's AudioSampleEntryV1 (§12.2.3.2) appends none. Only one reading leaves a valid
  // list of child boxes; prefer QuickTime's.
  if (version == 1 && r.remaining() >= kQuickTimeSoundV1Extra) {
    Reader iso = r;
    Reader quicktime = r;
    NJ_CHECK_OK(quicktime.Skip(kQuickTimeSoundV1Extra));
    const bool iso_layout = !IsBoxList(quicktime.Rest()) && IsBoxList(iso.Rest());
    if (!iso_layout) NJ_CHECK_OK(r.Skip(kQuickTimeSoundV1Extra));
  } else if (version == 2) {
    // sizeOfStructOnly, audioSampleRate (float64), numAudioChannels, then 20 bytes we don't need.
    NJ_CHECK_OK(r.Skip(4));
    NJ_TRY(uint64_t rate_bits, r.U64());
    NJ_TRY(uint32_t channels, r.U32());
    const double rate = std::bit_cast<double>(rate_bits);
    track->sample_rate = (rate >= 0 && rate < 4294967296.0) ? static_cast<uint32_t>(rate) : 0;
    track->channels = channels <= 0xffff ? static_cast<uint16_t>(channels) : 0;
    NJ_CHECK_OK(r.Skip(kQuickTimeSoundV2Extra - 16));
  } else if (version > 2) {
    return Err(ErrorCode::kUnsupported, "audio sample entry version " + to_string(version));
  }
  // esds is a child of the entry (ISO/IEC 14496-14 §5.6) or, in QuickTime files, of a 'wave'
  // (siDecompressionParam) child.
  const ByteSpan children = r.Rest();
  NJ_TRY(std::optional<ByteSpan> esds, FindChild(children, FourCc("esds")));
  if (!esds) {
    NJ_TRY(std::optional<ByteSpan> wave, FindChild(children, FourCc("wave")));
    if (wave) {
      NJ_TRY(esds, FindChild(*wave, FourCc("esds")));
    }
  }
  if (esds) return ApplyEsds(*esds, track);
  return Ok();
}

// A descriptor (ISO/IEC 14496-1 §7.2.2.1): an 8-bit tag, then its size in the expandable encoding
// of §8.3.3 (1 to 4 bytes of 7 bits each, high bit set on all but the last), then the body.
struct Descriptor {
  uint8_t tag;
  ByteSpan body;
};

Result<Descriptor> ReadDescriptor(Reader& r) {
  NJ_TRY(uint8_t tag, r.U8());
  uint32_t size = 0;
  for (int i = 0;; ++i) {
    NJ_TRY(uint8_t b, r.U8());
    size = (size << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) break;
    if (i == 3) return r.Fail("descriptor size longer than 4 bytes");
  }
  NJ_TRY(ByteSpan body, r.Bytes(size));
  return Descriptor{tag, body};
}

// Finds the first descriptor with `tag` among those packed in `r`, skipping others (e.g. the
// SLConfigDescriptor, tag 6).
Result<std::optional<ByteSpan>> FindDescriptor(Reader& r, uint8_t tag) {
  while (r.remaining() > 0) {
    NJ_TRY(Descriptor d, ReadDescriptor(r));
    if (d.tag == tag) return d.body;
  }
  return std::nullopt;
}

constexpr uint8_t kEsDescrTag = 0x03;
constexpr uint8_t kDecoderConfigDescrTag = 0x04;
constexpr uint8_t kDecSpecificInfoTag = 0x05;

}  // namespace

Result<EsDescriptorInfo> ParseEsds(ByteSpan esds) {
  Reader box(esds, "esds");
  NJ_TRY(FullBoxHeader header, ReadFullBoxHeader(box));
  if (header.version != 0) {
    return Err(ErrorCode::kUnsupported, "esds: version " + to_string(header.version));
  }
  NJ_TRY(Descriptor es, ReadDescriptor(box));
  if (es.tag != kEsDescrTag)
    return box.Fail("expected ES_Descriptor, got tag " + to_string(es.tag));
  // ES_Descriptor (§7.2.6.5): ES_ID, flags, then optional fields the flags announce.
  Reader r(es.body, "ES_Descriptor");
  NJ_CHECK_OK(r.Skip(2));
  NJ_TRY(uint8_t flags, r.U8());
  if (flags & 0x80) NJ_CHECK_OK(r.Skip(2));  // streamDependenceFlag: dependsOn_ES_ID
  if (flags & 0x40) {                        // URL_Flag: URLlength, URLstring
    NJ_TRY(uint8_t url_length, r.U8());
    NJ_CHECK_OK(r.Skip(url_length));
  }
  if (flags & 0x20) NJ_CHECK_OK(r.Skip(2));  // OCRstreamFlag: OCR_ES_Id
  NJ_TRY(std::optional<ByteSpan> config, FindDescriptor(r, kDecoderConfigDescrTag));
  if (!config) return r.Fail("no DecoderConfigDescriptor");
  // DecoderConfigDescriptor (§7.2.6.6): objectTypeIndication, streamType/upStream/reserved,
  // bufferSizeDB (24 bits), maxBitrate, avgBitrate, then DecoderSpecificInfo (§7.2.6.7) and
  // profile-level descriptors.
  Reader dc(*config, "DecoderConfigDescriptor");
  EsDescriptorInfo info;
  NJ_TRY(info.object_type_indication, dc.U8());
  NJ_CHECK_OK(dc.Skip(1 + 3 + 4 + 4));
  NJ_TRY(std::optional<ByteSpan> dsi, FindDescriptor(dc, kDecSpecificInfoTag));
  if (dsi) info.decoder_specific_info = *dsi;
  return info;
}

Result<AudioSpecificConfigInfo> ParseAudioSpecificConfig(ByteSpan asc) {
  // Reads big-endian bit fields of at most 24 bits; the whole config we look at is < 8 bytes.
  size_t bit = 0;
  auto bits = [&](int n) -> Result<uint32_t> {
    if (bit + n > asc.size() * 8) {
      return Err(ErrorCode::kMalformed, "AudioSpecificConfig: truncated");
    }
    uint32_t v = 0;
    for (int i = 0; i < n; ++i, ++bit) v = (v << 1) | ((asc[bit / 8] >> (7 - bit % 8)) & 1);
    return v;
  };
  auto object_type = [&]() -> Result<uint32_t> {
    NJ_TRY(uint32_t aot, bits(5));
    if (aot != 31) return aot;
    NJ_TRY(uint32_t escaped, bits(6));
    return 32 + escaped;
  };
  // samplingFrequencyIndex, with the explicit 24-bit frequency for index 0xf (§1.6.3.4).
  auto frequency = [&]() -> Result<uint32_t> {
    static constexpr uint32_t kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                            22050, 16000, 12000, 11025, 8000,  7350};
    NJ_TRY(uint32_t index, bits(4));
    if (index == 0xf) return bits(24);
    if (index >= 13) {
      return Err(ErrorCode::kMalformed,
                 "AudioSpecificConfig: reserved sampling frequency index " + to_string(index));
    }
    return kRates[index];
  };
  AudioSpecificConfigInfo info;
  NJ_TRY(uint32_t aot, object_type());
  info.audio_object_type = static_cast<uint8_t>(aot);  // at most 32 + 63
  NJ_TRY(info.sample_rate, frequency());
  NJ_TRY(uint32_t channel_config, bits(4));
  // Channel configurations 1-6 are that many channels, 7 is 7.1 (§1.6.3.5); 0 means a program
  // config element elsewhere, and higher values are rare; leave those to the sample entry.
  if (channel_config >= 1 && channel_config <= 6) info.channels = channel_config;
  if (channel_config == 7) info.channels = 8;
  // Explicitly signalled SBR/PS (§1.6.5.2): the output rate is the extension rate, and parametric
  // stereo turns a mono core into stereo.
  if (aot == 5 || aot == 29) {
    NJ_TRY(info.sample_rate, frequency());
    if (aot == 29 && info.channels == 1) info.channels = 2;
  }
  return info;
}

Result<void> ParseSampleDescription(ByteSpan stsd, DemuxedTrack* track) {
  Reader r(stsd, "stsd");
  NJ_CHECK_OK(r.Skip(4));  // version and flags
  NJ_TRY(uint32_t entry_count, r.U32());
  if (entry_count == 0) return r.Fail("no sample entries");
  BoxIterator entries(r.Rest());
  NJ_TRY(std::optional<Box> entry, entries.Next());
  if (!entry) return r.Fail("entry count " + to_string(entry_count) + " but no entries");
  track->format = FourCcToString(entry->type);
  switch (track->kind) {
    case DemuxedTrack::Kind::kVideo:
      return ParseVisualEntry(entry->payload, track);
    case DemuxedTrack::Kind::kAudio:
      return ParseAudioEntry(entry->payload, track);
    case DemuxedTrack::Kind::kOther:
      return Ok();
  }
  return Ok();
}

}  // namespace nightjar::mp4
