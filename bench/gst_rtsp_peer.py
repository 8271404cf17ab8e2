"""The peer for the fakecam benchmark: GStreamer's rtsp-server serving the same clip at
/cam{k}/main (k = 1..N), one shared media per camera, as a GStreamer-based camera simulator would.

usage: gst_rtsp_peer.py PORT N CLIP
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main():
    port, n, clip = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_service(port)
    mounts = server.get_mount_points()
    launch = (f"( filesrc location={clip} ! qtdemux ! h264parse ! "
              "rtph264pay name=pay0 pt=96 config-interval=-1 )")
    for k in range(1, n + 1):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
        mounts.add_factory(f"/cam{k}/main", factory)
    server.attach(None)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
