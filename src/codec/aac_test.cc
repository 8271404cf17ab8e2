#include "codec/aac.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "codec/bit_writer.h"
#include "codec/codec_test_data.h"
#include "codec/g711.h"

namespace nightjar::codec {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace testdata;

TEST(AudioSpecificConfigTest, ParsesFfmpegLcWithSbrAbsentSyncExtension) {
  // ffprobe: aac LC, 48000 Hz, 2 channels. FFmpeg appends the 0x2b7 sync extension saying
  // "extension type SBR, not present".
  auto c = ParseAudioSpecificConfig(kFfmpegAsc48kStereo);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->audio_object_type, kAacLc);
  EXPECT_EQ(c->core_audio_object_type, kAacLc);
  EXPECT_EQ(c->sampling_frequency_index, 3);
  EXPECT_EQ(c->sampling_frequency, 48000u);
  EXPECT_EQ(c->channel_configuration, 2);
  EXPECT_EQ(AacChannelCount(c->channel_configuration), 2);
  EXPECT_FALSE(c->frame_length_flag);
  EXPECT_EQ(c->core_samples_per_frame(), 1024u);
  EXPECT_FALSE(c->sbr_present);
  EXPECT_FALSE(c->ps_present);
  EXPECT_EQ(c->output_sampling_frequency(), 48000u);
  EXPECT_EQ(AacCodecString(*c), "mp4a.40.2");
}

TEST(AudioSpecificConfigTest, ParsesFfmpeg8kMono) {
  auto c = ParseAudioSpecificConfig(kFfmpegAsc8kMono);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->audio_object_type, kAacLc);
  EXPECT_EQ(c->sampling_frequency_index, 11);
  EXPECT_EQ(c->sampling_frequency, 8000u);
  EXPECT_EQ(c->channel_configuration, 1);
}

TEST(AudioSpecificConfigTest, BuildMatchesFfmpegCore) {
  // FFmpeg's records start with the two-byte core config; the rest is its sync extension.
  EXPECT_EQ(BuildAudioSpecificConfig(kAacLc, 48000, 2).value(), (Bytes{0x11, 0x90}));
  EXPECT_EQ(BuildAudioSpecificConfig(kAacLc, 8000, 1).value(), (Bytes{0x15, 0x88}));
  EXPECT_EQ(BuildAudioSpecificConfig(kAacLc, 44100, 2).value(), (Bytes{0x12, 0x10}));
}

TEST(AudioSpecificConfigTest, ExplicitFrequencyAndEscapedObjectType) {
  auto built = BuildAudioSpecificConfig(kAacLc, 12345, 2);
  ASSERT_TRUE(built);
  auto c = ParseAudioSpecificConfig(*built);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->sampling_frequency_index, kExplicitFrequencyIndex);
  EXPECT_EQ(c->sampling_frequency, 12345u);
  EXPECT_EQ(c->channel_configuration, 2);

  // Object type 42 (USAC) needs the escape: 31, then 42 - 32 in 6 bits.
  auto usac = BuildAudioSpecificConfig(42, 48000, 2);
  ASSERT_TRUE(usac);
  EXPECT_EQ((*usac)[0] >> 3, 31);
  auto parsed = ParseAudioSpecificConfig(*usac);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->audio_object_type, 42u);
  EXPECT_EQ(parsed->sampling_frequency, 48000u);
  EXPECT_EQ(parsed->channel_configuration, 2);
  EXPECT_EQ(AacCodecString(*parsed), "mp4a.40.42");
}

TEST(AudioSpecificConfigTest, ExplicitHeAac) {
  // Hierarchical signalling (§1.6.5.2): AOT 5, core rate 24 kHz, stereo, SBR rate 48 kHz, AOT 2.
  const uint8_t he_aac[] = {0x2b, 0x11, 0x88, 0x00};
  auto c = ParseAudioSpecificConfig(he_aac);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->audio_object_type, kAacSbr);
  EXPECT_EQ(c->core_audio_object_type, kAacLc);
  EXPECT_EQ(c->sampling_frequency, 24000u);
  EXPECT_EQ(c->extension_sampling_frequency, 48000u);
  EXPECT_EQ(c->output_sampling_frequency(), 48000u);
  EXPECT_EQ(c->channel_configuration, 2);
  EXPECT_TRUE(c->sbr_present);
  EXPECT_FALSE(c->ps_present);
  EXPECT_EQ(AacCodecString(*c), "mp4a.40.5");

  BitWriter w;  // HE-AAC v2: AOT 29, 24 kHz mono core, 48 kHz output
  w.WriteBits(29, 5);
  w.WriteBits(6, 4);
  w.WriteBits(1, 4);
  w.WriteBits(3, 4);
  w.WriteBits(2, 5);
  w.WriteBits(0, 3);
  auto v2 = ParseAudioSpecificConfig(w.bytes());
  ASSERT_TRUE(v2) << v2.error().ToString();
  EXPECT_TRUE(v2->sbr_present);
  EXPECT_TRUE(v2->ps_present);
  EXPECT_EQ(AacCodecString(*v2), "mp4a.40.29");
}

TEST(AudioSpecificConfigTest, BackwardCompatibleSbrAndPs) {
  BitWriter w;  // LC 24 kHz stereo + 0x2b7 / SBR present at 48 kHz + 0x548 / PS present
  w.WriteBits(2, 5);
  w.WriteBits(6, 4);
  w.WriteBits(2, 4);
  w.WriteBits(0, 3);  // GASpecificConfig
  w.WriteBits(0x2b7, 11);
  w.WriteBits(5, 5);
  w.WriteFlag(true);
  w.WriteBits(3, 4);
  w.WriteBits(0x548, 11);
  w.WriteFlag(true);
  auto c = ParseAudioSpecificConfig(w.bytes());
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->audio_object_type, kAacLc);
  EXPECT_TRUE(c->sbr_present);
  EXPECT_TRUE(c->ps_present);
  EXPECT_EQ(c->sampling_frequency, 24000u);
  EXPECT_EQ(c->output_sampling_frequency(), 48000u);
}

TEST(AudioSpecificConfigTest, FrameLengthFlagAndPce) {
  const uint8_t lc_960[] = {0x11, 0x94};  // frameLengthFlag = 1
  auto c = ParseAudioSpecificConfig(lc_960);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->frame_length_flag);
  EXPECT_EQ(c->core_samples_per_frame(), 960u);
  const uint8_t pce[] = {0x11, 0x80, 0xde, 0xad};  // channel_configuration 0: PCE not parsed
  auto p = ParseAudioSpecificConfig(pce);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->channel_configuration, 0);
  EXPECT_EQ(AacChannelCount(p->channel_configuration), 0);
}

TEST(AudioSpecificConfigTest, RejectsMalformed) {
  EXPECT_FALSE(ParseAudioSpecificConfig({}));
  const uint8_t one_byte[] = {0x11};
  EXPECT_EQ(ParseAudioSpecificConfig(one_byte).error().code(), ErrorCode::kMalformed);
  const uint8_t reserved_index[] = {0x16, 0x90};  // index 13
  EXPECT_FALSE(ParseAudioSpecificConfig(reserved_index));
  const uint8_t zero_aot[] = {0x01, 0x90};
  EXPECT_FALSE(ParseAudioSpecificConfig(zero_aot));
  const uint8_t explicit_zero[] = {0x17, 0x80, 0x00, 0x00, 0x10};  // index 15, frequency 0
  EXPECT_FALSE(ParseAudioSpecificConfig(explicit_zero));
  std::span<const uint8_t> full = kFfmpegAsc48kStereo;
  for (size_t n = 0; n < full.size(); ++n) {
    auto c = ParseAudioSpecificConfig(full.first(n));
    EXPECT_EQ(static_cast<bool>(c), n >= 2) << n;  // the sync extension is optional
  }
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    Bytes garbage(rng() % 12);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    (void)ParseAudioSpecificConfig(garbage);
  }
}

TEST(AudioSpecificConfigTest, BuildRejectsBadArguments) {
  EXPECT_FALSE(BuildAudioSpecificConfig(0, 48000, 2));
  EXPECT_FALSE(BuildAudioSpecificConfig(31, 48000, 2));  // the escape value is not a type
  EXPECT_FALSE(BuildAudioSpecificConfig(96, 48000, 2));
  EXPECT_FALSE(BuildAudioSpecificConfig(kAacLc, 0, 2));
  EXPECT_FALSE(BuildAudioSpecificConfig(kAacLc, 1u << 24, 2));
  EXPECT_FALSE(BuildAudioSpecificConfig(kAacLc, 48000, 16));
}

TEST(AacTablesTest, FrequenciesAndChannels) {
  EXPECT_EQ(AacSamplingFrequency(0), 96000u);
  EXPECT_EQ(AacSamplingFrequency(4), 44100u);
  EXPECT_EQ(AacSamplingFrequency(12), 7350u);
  EXPECT_FALSE(AacSamplingFrequency(13));
  EXPECT_EQ(AacSamplingFrequencyIndex(16000), 8);
  EXPECT_FALSE(AacSamplingFrequencyIndex(12345));
  EXPECT_EQ(AacChannelCount(6), 6);
  EXPECT_EQ(AacChannelCount(7), 8);
  EXPECT_EQ(AacChannelCount(11), 7);
  EXPECT_EQ(AacChannelCount(13), 24);
  EXPECT_EQ(AacChannelCount(8), 0);
}

TEST(AdtsTest, ParsesFfmpegHeader) {
  // ffprobe: aac LC, 44100 Hz, mono; the first frame is 265 bytes long.
  auto h = ParseAdtsHeader(kFfmpegAdts44kMono);
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_FALSE(h->mpeg2);
  EXPECT_TRUE(h->protection_absent);
  EXPECT_EQ(h->header_size(), 7u);
  EXPECT_EQ(h->audio_object_type, kAacLc);
  EXPECT_EQ(h->sampling_frequency_index, 4);
  EXPECT_EQ(h->channel_configuration, 1);
  EXPECT_EQ(h->frame_length, 265);
  EXPECT_EQ(h->buffer_fullness, 0x7ff);
  EXPECT_EQ(h->num_raw_data_blocks, 1);
  AudioSpecificConfig asc = h->ToAudioSpecificConfig();
  EXPECT_EQ(asc.sampling_frequency, 44100u);
  EXPECT_EQ(BuildAudioSpecificConfig(asc.audio_object_type, asc.sampling_frequency,
                                     asc.channel_configuration)
                .value(),
            (Bytes{0x12, 0x08}));
}

TEST(AdtsTest, BuildMatchesFfmpegHeader) {
  AudioSpecificConfig asc = ParseAdtsHeader(kFfmpegAdts44kMono)->ToAudioSpecificConfig();
  auto header = BuildAdtsHeader(asc, 265 - 7);
  ASSERT_TRUE(header);
  EXPECT_EQ(Bytes(header->begin(), header->end()),
            Bytes(std::begin(kFfmpegAdts44kMono), std::end(kFfmpegAdts44kMono)));
}

TEST(AdtsTest, BuildRoundTripsAndChecksLimits) {
  auto asc = ParseAudioSpecificConfig(kFfmpegAsc48kStereo).value();
  auto max = BuildAdtsHeader(asc, 8191 - 7);
  ASSERT_TRUE(max);
  auto h = ParseAdtsHeader(*max);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->frame_length, 8191);
  EXPECT_EQ(h->sampling_frequency_index, 3);
  EXPECT_EQ(h->channel_configuration, 2);
  EXPECT_EQ(BuildAdtsHeader(asc, 8191 - 6).error().code(), ErrorCode::kInvalidArgument);
  // HE-AAC: the ADTS header carries the core object type and rate.
  const uint8_t he_aac[] = {0x2b, 0x11, 0x88, 0x00};
  auto he = BuildAdtsHeader(ParseAudioSpecificConfig(he_aac).value(), 100);
  ASSERT_TRUE(he);
  EXPECT_EQ(ParseAdtsHeader(*he)->sampling_frequency_index, 6);
  auto usac = ParseAudioSpecificConfig(BuildAudioSpecificConfig(42, 48000, 2).value()).value();
  EXPECT_FALSE(BuildAdtsHeader(usac, 100));
  auto odd_rate = ParseAudioSpecificConfig(BuildAudioSpecificConfig(2, 12345, 2).value()).value();
  EXPECT_FALSE(BuildAdtsHeader(odd_rate, 100));
}

TEST(AdtsTest, RejectsMalformedHeaders) {
  Bytes good(std::begin(kFfmpegAdts44kMono), std::end(kFfmpegAdts44kMono));
  EXPECT_FALSE(ParseAdtsHeader(std::span(good).first(6)));
  Bytes bad_sync = good;
  bad_sync[1] = 0xe1;
  EXPECT_FALSE(ParseAdtsHeader(bad_sync));
  Bytes bad_layer = good;
  bad_layer[1] = 0xf3;
  EXPECT_FALSE(ParseAdtsHeader(bad_layer));
  Bytes bad_index = good;
  bad_index[2] = (bad_index[2] & 0xc3) | (13 << 2);
  EXPECT_FALSE(ParseAdtsHeader(bad_index));
  Bytes short_frame = {0xff, 0xf1, 0x50, 0x40, 0x00, 0xdf, 0xfc};  // frame_length 6
  EXPECT_FALSE(ParseAdtsHeader(short_frame));
  Bytes with_crc = good;
  with_crc[1] = 0xf0;  // protection_absent 0: 9-byte header
  auto h = ParseAdtsHeader(with_crc);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header_size(), 9u);
}

TEST(G711Test, Constants) {
  EXPECT_EQ(kG711MuLaw.rtp_static_payload_type, 0);
  EXPECT_EQ(kG711ALaw.rtp_static_payload_type, 8);
  EXPECT_EQ(kG711MuLaw.rtp_encoding_name, "PCMU");
  EXPECT_EQ(kG711ALaw.sample_entry, "alaw");
  EXPECT_EQ(G711InfoFor(G711Law::kALaw).sampling_frequency, 8000u);
  EXPECT_EQ(G711InfoFor(G711Law::kMuLaw).channels, 1);
}

}  // namespace
}  // namespace nightjar::codec
