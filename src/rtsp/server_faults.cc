// The fakecam's transport faults (TransportFaults): what misbehaving cameras do to the byte
// stream or the datagrams, injected per connection from the URL query.
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <cstdlib>

#include "rtsp/server_connection.h"

namespace nightjar::rtsp {
namespace {

std::optional<double> QueryDouble(const QueryParams& q, const char* key) {
  auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

TransportFaults TransportFaults::FromQuery(const QueryParams& q) {
  TransportFaults f;
  f.drop_after = QueryDouble(q, "drop_after");
  f.stall_after = QueryDouble(q, "stall_after");
  if (auto v = QueryDouble(q, "stall_for")) f.stall_for = *v;
  if (auto it = q.find("stall_scope"); it != q.end()) f.stall_camera_wide = it->second == "camera";
  f.garbage_after = QueryDouble(q, "garbage_after");
  if (auto v = QueryDouble(q, "garbage_bytes"); v && *v >= 1 && *v <= 16e6) {
    f.garbage_bytes = static_cast<size_t>(*v);
  }
  f.junk_every = QueryDouble(q, "junk_every");
  f.refuse_tcp = static_cast<int>(std::min(QueryDouble(q, "refuse_tcp").value_or(0), 2.0));
  f.ssrc_change_after = QueryDouble(q, "ssrc_change_after");
  return f;
}

SteadyTime Server::Impl::FaultAnchor(const std::string& key, SteadyTime now) {
  std::lock_guard lock(mu);
  return fault_anchors.try_emplace(key, now).first->second;
}

void Connection::SendStray(size_t tcp_bytes, size_t udp_bytes) {
  // Bytes 0x80-0xff: never '$' or an RTSP message (a capital), but often an RTP version 2 first
  // byte, so a UDP receiver has to look further (payload type, SSRC).
  std::string stray(std::max(tcp_bytes, udp_bytes), '\0');
  for (char& c : stray) c = static_cast<char>(0x80 | (rng_() & 0x7f));
  bool any_tcp = false;
  for (Track& t : tracks_) {
    if (!t.setup) continue;
    if (t.tcp) {
      any_tcp = true;
      continue;
    }
    boost::system::error_code ec;
    t.rtp_socket->send_to(boost::asio::buffer(stray.data(), udp_bytes), t.client_rtp, 0, ec);
  }
  if (any_tcp) Queue(stray.substr(0, tcp_bytes));
}

void Connection::SendGarbage(size_t bytes) { SendStray(bytes, std::min<size_t>(bytes, 1200)); }

void Connection::SendJunk() {
  // 1-16 stray bytes between frames (the send buffer only ever holds whole frames), or a
  // datagram of 1-200 bytes.
  const size_t tcp_bytes = 1 + rng_() % 16;
  SendStray(tcp_bytes, 1 + rng_() % 200);
}

void Connection::ChangeSsrc() {
  // An encoder restart: everything RFC 3550 §5.1 lets a sender pick at random, picked again.
  // The player's timeline continues; only the RTP numbering changes.
  for (Track& t : tracks_) {
    if (!t.setup) continue;
    t.ssrc = static_cast<uint32_t>(rng_());
    t.sequence = static_cast<uint16_t>(rng_());
    t.timestamp_base = static_cast<uint32_t>(rng_());
    t.packet_count = t.octet_count = 0;
  }
}

}  // namespace nightjar::rtsp
