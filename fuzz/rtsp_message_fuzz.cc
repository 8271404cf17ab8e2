// Fuzzes everything an RTSP peer controls before RTP: the message/interleaved stream parser and
// the resync scanner behind it (resync.h), Transport and Session headers, auth parameters, and
// URL splitting.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtsp/auth.h"
#include "rtsp/message.h"
#include "rtsp/resync.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  // Walk the stream as a server or client would, item by item.
  size_t used = 0;
  while (used < bytes.size()) {
    auto item = nightjar::rtsp::ParseStreamItem(bytes.subspan(used));
    if (!item || item->kind == nightjar::rtsp::StreamItem::Kind::kNeedMore) break;
    if (item->consumed == 0 || item->consumed > bytes.size() - used) __builtin_trap();
    used += item->consumed;
    if (item->kind == nightjar::rtsp::StreamItem::Kind::kRequest) {
      const auto& h = item->request.headers;
      if (auto t = h.Get("Transport")) (void)nightjar::rtsp::ParseTransport(*t);
      if (auto s = h.Get("Session")) (void)nightjar::rtsp::ParseSession(*s);
      if (auto a = h.Get("Authorization")) {
        nightjar::rtsp::ServerAuth auth(nightjar::rtsp::AuthMode::kDigest, {"u", "p"}, "r");
        (void)auth.Verify(item->request.method, *a, "nonce");
      }
    }
    if (item->kind == nightjar::rtsp::StreamItem::Kind::kResponse) {
      if (auto w = item->response.headers.Get("WWW-Authenticate")) {
        (void)nightjar::rtsp::AnswerChallenge(*w, {"u", "p"}, "DESCRIBE", "rtsp://x/", 1, "c");
      }
    }
  }
  // Resync as the client does over junk: every scan skips within the input, and a sync point
  // it finds is a frame on a channel set up (0-1) or an RTSP message start.
  nightjar::rtsp::InterleavedChannels channels;
  channels.rtp.set(0);
  channels.rtcp.set(1);
  for (size_t pos = 0; pos < bytes.size();) {
    const auto scan = nightjar::rtsp::ScanForSync(bytes.subspan(pos), channels);
    if (scan.skip > bytes.size() - pos) __builtin_trap();
    pos += scan.skip;
    if (scan.kind == nightjar::rtsp::SyncScan::Kind::kNeedMore) break;
    const auto rest = bytes.subspan(pos);
    const bool frame = rest[0] == '$' && rest.size() >= 6 && rest[1] <= 1;
    if (!frame && !nightjar::rtsp::MayStartRtspMessage(rest)) __builtin_trap();
    ++pos;  // look for the next one
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)nightjar::rtsp::ParseTransport(text);
  (void)nightjar::rtsp::ParseAuthParams(text);
  return 0;
}
