"""A deliberately small RTSP client over a raw socket, for checking protocol details of our
servers that real players hide (status codes, headers, RTP and RTCP fields)."""
import re
import socket
import struct
import time


class RawRtsp:
    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""
        self.cseq = 0
        self.session = None

    def close(self):
        self.sock.close()

    def request(self, method, url, headers=None):
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"]
        if self.session:
            lines.append(f"Session: {self.session}")
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while True:
            item = self.read_item()
            if item[0] == "response":
                status, hdrs, body = item[1:]
                if "session" in hdrs:
                    self.session = hdrs["session"].split(";")[0]
                return status, hdrs, body

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by server")
        self.buf += data

    def read_item(self):
        """Returns ("rtp", channel, payload) or ("response", status, headers, body)."""
        while True:
            if self.buf[:1] == b"$":
                if len(self.buf) >= 4:
                    ch, n = self.buf[1], struct.unpack(">H", self.buf[2:4])[0]
                    if len(self.buf) >= 4 + n:
                        payload, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                        return ("rtp", ch, payload)
            elif b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                lines = head.decode().split("\r\n")
                status = int(lines[0].split()[1])
                hdrs = {}
                for line in lines[1:]:
                    k, v = line.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
                n = int(hdrs.get("content-length", 0))
                if len(rest) >= n:
                    self.buf = rest[n:]
                    return ("response", status, hdrs, rest[:n].decode())
            self._fill()

    def play_tcp(self, url, tracks=1, query=""):
        status, hdrs, sdp = self.request("DESCRIBE", url + query)
        assert status == 200, status
        base = hdrs["content-base"]
        for t in range(tracks):
            status, _, _ = self.request(
                "SETUP", f"{base}trackID={t}",
                {"Transport": f"RTP/AVP/TCP;unicast;interleaved={2 * t}-{2 * t + 1}"})
            assert status == 200, status
        return self.request("PLAY", base)

    def read_raw(self, seconds):
        """Everything the server sends for `seconds`, unparsed (after what is buffered)."""
        data, self.buf = self.buf, b""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            data += self.sock.recv(65536)
        return data

    def packets(self, seconds):
        """Interleaved frames received for `seconds`: [(arrival, channel, payload)]."""
        out = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            item = self.read_item()
            if item[0] == "rtp":
                out.append((time.monotonic(), item[1], item[2]))
        return out


def rtp_fields(payload):
    b0, b1, seq, ts, ssrc = struct.unpack(">BBHII", payload[:12])
    return {"marker": bool(b1 & 0x80), "pt": b1 & 0x7F, "seq": seq, "ts": ts, "ssrc": ssrc,
            "nal": payload[12] if len(payload) > 12 else None}


def sdp_attr(sdp, name):
    return re.findall(rf"^a={name}:(.*?)\r?$", sdp, re.M)
