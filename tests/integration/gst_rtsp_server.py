"""An RTSP server no one here wrote: GStreamer's rtsp-server (GstRtspServer through Python GI)
serving the test clips, for recording tests. Run it with Debian's /usr/bin/python3.

usage: gst_rtsp_server.py PORT CLIPS_DIR
prints "ready" once it listens on 127.0.0.1:PORT; serves until SIGTERM/SIGINT:
  /h264   main.mp4   H.264 1920x1080 30 fps                (rtph264pay)
  /h265   h265.mp4   H.265 1920x1080 30 fps                (rtph265pay)
  /audio  audio.mp4  H.264 1280x720 30 fps + AAC 48 kHz    (rtph264pay + rtpmp4gpay)
Every client gets its own pipeline (the factory is not shared), playing the clip once from its
start in real time (the clips last 10 s; tests record less). TCP-interleaved and UDP transports
are both offered; the client chooses.
"""
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

VIDEO = {
    "h264": "h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1",
    "h265": "h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1",
}


def launch_lines(clips):
    def src(name):
        return f"filesrc location={os.path.join(clips, name)} ! qtdemux name=d"

    return {
        "/h264": f"( {src('main.mp4')} d.video_0 ! queue ! {VIDEO['h264']} )",
        "/h265": f"( {src('h265.mp4')} d.video_0 ! queue ! {VIDEO['h265']} )",
        "/audio": (f"( {src('audio.mp4')} d.video_0 ! queue ! {VIDEO['h264']} "
                   "d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"),
    }


def main():
    port, clips = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    mounts = server.get_mount_points()
    for path, line in launch_lines(clips).items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(line)
        factory.set_shared(False)
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", flush=True)
        sys.exit(1)
    loop = GLib.MainLoop()
    for signo in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signo, loop.quit)
    print("ready", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
