"""The HTTP API of `nightjar run` recording fakecam, with real clients (urllib, ffprobe/ffmpeg):
health, status, list, cameras hot-added and removed while another camera records without a gap,
view.mp4 of a recorded range decoded frame-accurately and served in byte ranges, metrics, and
clear 4xx errors for bad requests; cameras and streams changed at run time (PATCH, PUT, DELETE)
applied live and persisted."""
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

import nj


fetch = nj.fetch


class HttpApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cam = nj.Fakecam(cameras=3)
        cls.tmp = tempfile.TemporaryDirectory(prefix="nj-http-")
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.port = nj.free_port()
        config = os.path.join(cls.tmp.name, "nightjar.toml")
        with open(config, "w") as f:
            f.write(f'[storage]\nbase_path = "{cls.data}"\ncheckpoint_secs = 1\nmin_free_mb = 0\n'
                    f'[api]\nlisten = "127.0.0.1"\nport = {cls.port}\nauth = false\n'
                    f'[[cameras]]\nid = "cam1"\nurl = "{cls.cam.url("/cam1/main")}"\n'
                    f'sub_url = "{cls.cam.url("/cam1/sub")}"\n')
        cls.log = open(os.path.join(cls.tmp.name, "run.log"), "w+", errors="replace")
        cls.proc = subprocess.Popen([nj.BIN, "run", "--config", config], stdout=cls.log,
                                    stderr=subprocess.STDOUT)
        nj.wait_port(cls.port, proc=cls.proc)
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.wait_for(lambda: cls.frames("cam1") >= 150)

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            cls.proc.wait(timeout=60)
        cls.cam.stop()
        cls.log.close()
        cls.tmp.cleanup()

    @classmethod
    def frames(cls, camera, kind="main"):
        status, _, body = fetch(cls.base + "/api/cameras")
        for c in json.loads(body) if status == 200 else []:
            if c["id"] == camera:
                for s in c["streams"]:
                    if s["kind"] == kind:
                        return s["frames"]
        return 0

    @classmethod
    def wait_for(cls, pred, timeout=60):
        def log():
            cls.log.seek(0)
            return cls.log.read()
        nj.wait_for(pred, log, timeout)

    def test_health_status_and_metrics(self):
        status, headers, body = fetch(self.base + "/api/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "ok")
        status, _, body = fetch(self.base + "/api/status")
        self.assertEqual(status, 200)
        j = json.loads(body)
        self.assertIn("cameras", j)
        status, _, body = fetch(self.base + "/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn('nightjar_ingest_frames_total{camera="cam1",stream="main"}', text)
        self.assertIn("nightjar_http_request", text)

    def test_calendar_days_are_read_once_after_the_start(self):
        # app::Catalog::WarmDays, a second after the start: cam1's main and sub.
        def log():
            self.log.seek(0)
            return self.log.read()
        self.wait_for(lambda: "catalog: the days of 2 stream(s) read" in log(), timeout=30)
        status, _, body = fetch(self.base + "/api/cameras/cam1/days")
        self.assertEqual(status, 200, body)
        self.assertIn(len(json.loads(body)["days"]), (1, 2), body)  # 2 over midnight

    def test_list_shows_the_recording_run(self):
        status, _, body = fetch(self.base + "/api/list?camera=cam1")
        self.assertEqual(status, 200, body)
        j = json.loads(body)
        self.assertEqual(len(j["runs"]), 1, j)
        self.assertGreater(j["runs"][0]["duration_s"], 3)
        self.assertEqual(j["recordings"][0]["codec"], "avc1.640028")

    def test_cli_list_and_api_list_agree(self):
        # One listing (app::LoadListing) and one run grouping serve both, read at the same time
        # (the CLI reads the database read-only while the daemon records).
        api = json.loads(fetch(self.base + "/api/list?camera=cam1")[2])
        p = nj.nightjar("list", "--camera", "cam1", "--data", self.data, "--json", timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        cli = json.loads(p.stdout)
        # The newest recording may have grown between the two reads: compare what is settled.
        ids = lambda j: [(r["id"], r["start_90k"]) for r in j["recordings"]]
        n = min(len(api["recordings"]), len(cli["recordings"]))
        self.assertGreater(n, 0)
        self.assertEqual(ids(api)[:n], ids(cli)[:n])
        self.assertEqual([r["start_90k"] for r in api["runs"]],
                         [r["start_90k"] for r in cli["runs"]])
        self.assertEqual(len(api["gaps"]), len(cli["gaps"]))

    def test_view_mp4_of_a_range_decodes_exactly_and_serves_ranges(self):
        self.wait_for(lambda: self.frames("cam1") >= 240)
        status, _, body = fetch(self.base + "/api/list?camera=cam1")
        run = json.loads(body)["runs"][0]
        # 3 s starting 1.5 s into the run (mid-GOP: the edit list must start it exactly there).
        start = run["start_90k"] + 135000
        frm = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(start / 90000))
        # The seed's time format has whole seconds: ask for [frm, frm + 3 s).
        to = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(start / 90000 + 3))
        url = f"{self.base}/api/cameras/cam1/view.mp4?from={frm}&to={to}"
        status, headers, whole = fetch(url)
        self.assertEqual(status, 200, whole[:200])
        self.assertEqual(headers["Content-Type"], "video/mp4")
        self.assertEqual(int(headers["Content-Length"]), len(whole))
        path = os.path.join(self.tmp.name, "view.mp4")
        with open(path, "wb") as f:
            f.write(whole)
        self.assertEqual(nj.decode_errors(path), "")
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                "-of", "json", path], capture_output=True, text=True, check=True)
        self.assertAlmostEqual(float(json.loads(probe.stdout)["format"]["duration"]), 3.0, delta=0.1)
        # Byte ranges: first byte, middle, last byte, suffix; a stale validator; unsatisfiable.
        n = len(whole)
        for rng, want in [("bytes=0-0", whole[:1]), (f"bytes={n // 2}-{n // 2 + 999}",
                                                     whole[n // 2:n // 2 + 1000]),
                          (f"bytes={n - 1}-", whole[-1:]), ("bytes=-500", whole[-500:])]:
            status, headers, part = fetch(url, headers={"Range": rng})
            self.assertEqual(status, 206, rng)
            self.assertEqual(part, want, rng)
        status, _, _ = fetch(url, headers={"Range": f"bytes={n}-"})
        self.assertEqual(status, 416)
        etag = fetch(url, method="HEAD")[1]["ETag"]
        self.assertEqual(fetch(url, headers={"If-None-Match": etag})[0], 304)

    def test_bad_requests_are_clear_4xx(self):
        view = "/api/cameras/{}/view.mp4?from={}"
        for path, want in [("/api/list", {400}), ("/api/list?camera=nope", {404}),
                           ("/api/list?camera=cam1&from=notatime", {400}),
                           (view.format("cam1", "2026-02-19T14:00:00"), {400}),
                           (view.format("cam1", "2026-02-19T15:00:00&to=2026-02-19T14:00:00"), {400}),
                           (view.format("nope", "2026-02-19T14:00:00&to=2026-02-19T15:00:00"), {404}),
                           ("/api/../../etc/passwd", {400, 404}), ("/api/nothing", {404}),
                           ("/ui/nothing", {404})]:
            status, _, body = fetch(self.base + path)
            self.assertIn(status, want, path)
            self.assertIn("error", json.loads(body), path)
        status, _, body = fetch(self.base + "/api/cameras", method="POST", body=b"{not json")
        self.assertEqual(status, 400)
        status, _, body = fetch(self.base + "/api/cameras", method="POST",
                                body=json.dumps({"id": "bad id", "url": "rtsp://x/y"}).encode())
        self.assertEqual(status, 400)
        status, _, body = fetch(self.base + "/api/cameras", method="POST",
                                body=json.dumps({"id": "cam9", "url": "http://x/y"}).encode())
        self.assertEqual(status, 400)

    def test_hot_add_and_remove_while_cam1_records_without_a_gap(self):
        spec = {"id": "cam2", "name": "Hot", "url": self.cam.url("/cam2/sub")}
        status, _, body = fetch(self.base + "/api/cameras", method="POST",
                                body=json.dumps(spec).encode(),
                                headers={"Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        self.wait_for(lambda: self.frames("cam2") >= 20)
        # Persisted: the database row carries the API configuration.
        status, _, body = fetch(self.base + "/api/cameras/cam2")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["name"], "Hot")
        status, _, body = fetch(self.base + "/api/cameras/cam2", method="DELETE")
        self.assertEqual(status, 200, body)
        self.assertEqual(fetch(self.base + "/api/cameras/cam2")[0], 404)
        status, _, body = fetch(self.base + "/api/list?camera=cam2")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(json.loads(body)["recordings"]), 1)
        # cam1 kept recording in one run throughout.
        j = json.loads(fetch(self.base + "/api/list?camera=cam1")[2])
        self.assertEqual(len(j["runs"]), 1, j)
        self.assertEqual(j["gaps"], [])


    @classmethod
    def camera(cls, camera):
        status, _, body = fetch(cls.base + "/api/cameras/" + camera)
        return json.loads(body) if status == 200 else None

    def send(self, method, path, body):
        status, _, out = fetch(self.base + path, method=method, body=json.dumps(body).encode(),
                               headers={"Content-Type": "application/json"})
        return status, json.loads(out) if out else None

    def test_camera_and_stream_crud_applies_live_and_persists(self):
        # cam1 comes from the config file: the file owns it.
        status, j = self.send("PATCH", "/api/cameras/cam1", {"name": "Nope"})
        self.assertEqual((status, j["error"]), (409, "conflict"), j)
        self.assertIn("config file", j["message"])
        self.assertEqual(self.camera("cam1")["source"], "config")

        status, j = self.send("POST", "/api/cameras",
                              {"id": "cam3", "url": self.cam.url("/cam3/main")})
        self.assertEqual(status, 201, j)
        self.wait_for(lambda: self.frames("cam3") >= 20)
        before = self.camera("cam3")
        self.assertEqual(before["source"], "api")

        # Name and retention apply in place: the same connection keeps streaming.
        status, j = self.send("PATCH", "/api/cameras/cam3", {"name": "Yard", "retain_days": 2})
        self.assertEqual((status, j["restarted"]), (200, False), j)
        after = self.camera("cam3")
        self.assertEqual((after["name"], after["retain_days"]), ("Yard", 2))
        self.assertEqual(after["streams"][0]["since_90k"], before["streams"][0]["since_90k"])
        self.assertEqual(after["url"], before["url"])

        # A sub stream added, recorded, then removed; the main stream restarts with it.
        status, j = self.send("PUT", "/api/cameras/cam3/streams/sub",
                              {"url": self.cam.url("/cam3/sub")})
        self.assertEqual((status, j["restarted"]), (201, True), j)
        self.wait_for(lambda: self.frames("cam3", "sub") >= 20 and self.frames("cam3") >= 20)
        status, _, body = fetch(self.base + "/api/cameras/cam3/streams")
        self.assertEqual(sorted(s["kind"] for s in json.loads(body)), ["main", "sub"])
        status, _, body = fetch(self.base + "/api/cameras/cam3/streams/sub")
        self.assertEqual(json.loads(body)["state"], "streaming")
        self.assertEqual(self.camera("cam3")["name"], "Yard")  # kept across the restart
        status, _, body = fetch(self.base + "/api/cameras/cam3/streams/sub", method="DELETE")
        self.assertEqual(status, 200, body)
        self.assertEqual([s["kind"] for s in self.camera("cam3")["streams"]], ["main"])
        self.assertEqual(fetch(self.base + "/api/cameras/cam3/streams/main", method="DELETE")[0],
                         400)

        # Invalid changes are refused whole, naming the field; the camera records on.
        for bad in [{"url": "http://x/y"}, {"transport": "sctp"}, {"retain_days": -1},
                    {"retain_days": 1200000000}, {"retain_bytes": 2 ** 62},
                    {"id": "cam4"}, {"colour": "red"}]:
            status, j = self.send("PATCH", "/api/cameras/cam3", bad)
            self.assertEqual(status, 400, (bad, j))
        frames = self.frames("cam3")
        self.wait_for(lambda: self.frames("cam3") >= frames + 10)

        # Persisted in the database: what the next start brings back.
        db = sqlite3.connect(f"file:{self.data}/nightjar.db?mode=ro", uri=True)
        try:
            name, config, from_api = db.execute(
                "SELECT name, config_json, from_api FROM camera WHERE short_name = 'cam3'").fetchone()
        finally:
            db.close()
        config = json.loads(config)
        self.assertEqual((name, from_api, config["retain_days"]), ("Yard", 1, 2))
        self.assertNotIn("sub_url", config)
        self.assertEqual(fetch(self.base + "/api/cameras/cam3", method="DELETE")[0], 200)
        # cam1 recorded in one run throughout.
        j = json.loads(fetch(self.base + "/api/list?camera=cam1")[2])
        self.assertEqual(len(j["runs"]), 1, j)

if __name__ == "__main__":
    unittest.main()
