"""An RTSP proxy that imitates camera quirks in front of `nightjar fakecam`.

Each client connection opens one upstream connection to fakecam; requests go up with their URLs
rewritten, replies and interleaved data come down, and the chosen quirk changes what the client
sees (TCP interleaved transport only):

  rtp_before_play   the PLAY reply is held back until 40 RTP packets have been sent
  unassigned        interleaved frames on channel 9 (never set up) between the media
  session_changes   every SETUP reply names a new session id (mapped back on the way up)
  rtp_info_wrong    the PLAY reply's RTP-Info claims a sequence number far from the real one
  no_content_base   the DESCRIBE reply has no Content-Base (controls resolve against the URL)
  odd_sdp           LF-only SDP, lower-case encodings, no session-level a=control, unknown lines
  no_cseq           replies to everything but SETUP come without a CSeq header
  redirect          DESCRIBE is answered with 302 and a Location naming fakecam itself
"""
import re
import socket
import threading


def _read_item(sock, buf):
    """Reads one RTSP message or interleaved frame; returns (kind, bytes), buf is consumed."""
    while True:
        if buf and buf[0:1] == b"$" and len(buf) >= 4:
            n = int.from_bytes(buf[2:4], "big")
            if len(buf) >= 4 + n:
                item = bytes(buf[:4 + n])
                del buf[:4 + n]
                return "data", item
        elif buf and buf[0:1] != b"$":
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(buf[:end + 4])
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                n = int(m.group(1)) if m else 0
                if len(buf) >= end + 4 + n:
                    item = bytes(buf[:end + 4 + n])
                    del buf[:end + 4 + n]
                    return "msg", item
        chunk = sock.recv(65536)
        if not chunk:
            return None, None
        buf += chunk


def _set_header(msg, name, value):
    head, _, body = msg.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(name.lower() + b":")]
    if value is not None:
        lines.append(name + b": " + value)
    if body and name.lower() != b"content-length":
        lines = [l for l in lines if not l.lower().startswith(b"content-length:")]
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _header(msg, name):
    m = re.search(rb"(?im)^" + re.escape(name) + rb":\s*([^\r\n]*)", msg)
    return m.group(1).strip() if m else None


class QuirkProxy:
    def __init__(self, upstream_port, quirk):
        self.upstream_port = upstream_port
        self.quirk = quirk
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.listener.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        up = socket.create_connection(("127.0.0.1", self.upstream_port))
        state = {"sessions": {}, "setups": 0, "pending_play": None, "sent_rtp": 0,
                 "method": {}}
        lock = threading.Lock()

        def down():
            buf = bytearray()
            try:
                while True:
                    kind, item = _read_item(up, buf)
                    if kind is None:
                        break
                    with lock:
                        out = self._down(kind, item, state)
                    for o in out:
                        client.sendall(o)
            except OSError:
                pass
            finally:
                client.close()

        threading.Thread(target=down, daemon=True).start()
        buf = bytearray()
        try:
            while True:
                kind, item = _read_item(client, buf)
                if kind is None:
                    break
                if kind == "msg":
                    with lock:
                        item, reply = self._up(item, state)
                    if reply is not None:
                        client.sendall(reply)
                        continue
                up.sendall(item)
        except OSError:
            pass
        finally:
            up.close()

    def _up(self, msg, state):
        first = msg.split(b"\r\n", 1)[0]
        method = first.split(b" ")[0]
        cseq = _header(msg, b"CSeq")
        state["method"][cseq] = method
        # URLs name the proxy; fakecam only looks at the path.
        msg = msg.replace(f"127.0.0.1:{self.port}".encode(), f"127.0.0.1:{self.upstream_port}".encode())
        sid = _header(msg, b"Session")
        if sid is not None and sid in state["sessions"]:
            msg = _set_header(msg, b"Session", state["sessions"][sid])
        if self.quirk == "redirect" and method == b"DESCRIBE":
            target = re.search(rb"rtsp://[^/]+(/\S*)", first).group(1)
            location = b"rtsp://127.0.0.1:%d%s" % (self.upstream_port, target)
            return None, (b"RTSP/1.0 302 Moved Temporarily\r\nCSeq: " + cseq +
                          b"\r\nLocation: " + location + b"\r\n\r\n")
        return msg, None

    def _down(self, kind, item, state):
        q = self.quirk
        if kind == "data":
            out = []
            if state["pending_play"] is not None:
                out.append(item)
                state["sent_rtp"] += 1
                if state["sent_rtp"] >= 40:
                    out.append(state["pending_play"])
                    state["pending_play"] = None
                return out
            if q == "unassigned" and item[1] % 2 == 0:
                out.append(b"$\x09\x00\x10" + bytes(range(16)))
            out.append(item)
            return out
        item = item.replace(f"127.0.0.1:{self.upstream_port}".encode(), f"127.0.0.1:{self.port}".encode())
        method = state["method"].get(_header(item, b"CSeq"), b"")
        if method == b"SETUP" and q == "session_changes":
            real = _header(item, b"Session").split(b";")[0]
            state["setups"] += 1
            fake = b"Q%d%s" % (state["setups"], real)
            state["sessions"][fake] = real
            item = _set_header(item, b"Session", fake + b";timeout=60")
        if method == b"DESCRIBE":
            if q == "no_content_base":
                item = _set_header(item, b"Content-Base", None)
            if q == "odd_sdp":
                head, _, body = item.partition(b"\r\n\r\n")
                body = body.replace(b"\r\n", b"\n").replace(b"H264/", b"h264/")
                body = b"\n".join(l for l in body.split(b"\n") if l != b"a=control:*")
                body += b"a=x-vendor-thing:1\n\nb=AS:5000\n"
                item = _set_header(head + b"\r\n\r\n" + body, b"Content-Length", str(len(body)).encode())
        if method == b"PLAY":
            if q == "rtp_info_wrong":
                item = _set_header(item, b"RTP-Info", b"url=trackID=0;seq=1;rtptime=0")
            if q == "rtp_before_play":
                state["pending_play"] = item
                return []
        if q == "no_cseq" and method != b"SETUP":
            item = _set_header(item, b"CSeq", None)
        return [item]
