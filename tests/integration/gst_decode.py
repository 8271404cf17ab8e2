"""Decodes an RTSP stream with GStreamer (rtspsrc) for a while and reports what happened.

usage: gst_decode.py URL CHAIN SECONDS PROTOCOLS [USER PASSWORD]
prints "decoded=N" (buffers out of the decoder) and one "ERROR ..." line per bus error.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main():
    url, chain, seconds, protocols = sys.argv[1:5]
    Gst.init(None)
    auth = f" user-id={sys.argv[5]} user-pw={sys.argv[6]}" if len(sys.argv) > 6 else ""
    pipeline = Gst.parse_launch(
        f"rtspsrc location={url} protocols={protocols} latency=200{auth} ! {chain} "
        "! fakesink name=sink signal-handoffs=true sync=false")
    count = [0]
    pipeline.get_by_name("sink").connect("handoff", lambda *a: count.__setitem__(0, count[0] + 1))
    loop = GLib.MainLoop()
    errors = []

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            errors.append(f"{err.message} ({dbg})")
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add(int(float(seconds) * 1000), loop.quit)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    print(f"decoded={count[0]}")
    for e in errors:
        print("ERROR " + e.replace("\n", " "))


if __name__ == "__main__":
    main()
