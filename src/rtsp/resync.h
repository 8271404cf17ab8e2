// Finding the way back into an interleaved TCP stream (RFC 2326 §10.12) after bytes that are
// neither a `$` frame nor an RTSP message: stray bytes some camera firmware writes between frames.
// The stream has no sync marker beyond `$`, so a candidate is accepted only when everything that
// can be checked without more bytes agrees: `$`, a channel the session set up, a length that
// fits what travels on that channel, and an RTP version 2 header behind it (RFC 3550 §5.1), or
// for an RTCP channel a version 2 RTCP header (§6.4). An RTSP status line or a request a server
// may send ("RTSP/1.0 ", "OPTIONS ", "GET_PARAMETER ", ...) is a sync point too.
//
// I/O-free: the scanner looks at bytes the caller read and says how many to drop. The caller
// bounds how far a resync may go (kMaxResyncBytes) and ends the session beyond it.
#ifndef NIGHTJAR_RTSP_RESYNC_H_
#define NIGHTJAR_RTSP_RESYNC_H_

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>

namespace nightjar::rtsp {

// How many junk bytes one resync may skip before the session gives up. One interleaved frame is
// at most 4 + 65535 bytes, so a window of 64 KiB covers the remains of any one damaged or
// truncated frame plus the stray bytes around it, while a stream that is simply not RTSP/RTP
// (a peer speaking something else, a desynchronized stream full of `$`-free binary) is given up
// after at most 64 KiB: well under a second of a 4K camera, and within the client's 128 KiB
// read buffer, so a resync never needs more memory than the session already holds.
inline constexpr size_t kMaxResyncBytes = size_t{64} * 1024;

// The interleaved channels a session set up (RFC 2326 §12.39 `interleaved=`).
struct InterleavedChannels {
  std::bitset<256> rtp, rtcp;
};

struct SyncScan {
  // kFound: a sync point starts after `skip` bytes. kNeedMore: the first `skip` bytes can hold
  // no sync point; whether one starts in the rest needs more bytes.
  enum class Kind { kFound, kNeedMore } kind = Kind::kNeedMore;
  size_t skip = 0;
};

// Looks for the first sync point in `data`, from its first byte on.
SyncScan ScanForSync(std::span<const uint8_t> data, const InterleavedChannels& channels);

// Whether `data` starts with an RTSP message start a server sends during a session (a status
// line, or one of the requests a server may send), or with a prefix of one (more bytes needed).
bool MayStartRtspMessage(std::span<const uint8_t> data);

}  // namespace nightjar::rtsp

#endif  // NIGHTJAR_RTSP_RESYNC_H_
