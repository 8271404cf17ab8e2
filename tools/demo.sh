#!/usr/bin/env bash
# Sets everything up and runs the demo: `nightjar fakecam` serving simulated cameras on
# rtsp://127.0.0.1:8554/camK/{main,sub}, and `nightjar run` recording every one of them into
# ./nightjar-data (config: build/demo/nightjar.toml), then prints the web address and the admin
# user's password (<data>/initial-admin-password, made by the first start). Ctrl-C stops both;
# recordings stay.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cameras=${CAMERAS:-4}
mkdir -p build/demo
config=build/demo/nightjar.toml
{
  printf '[storage]\nbase_path = "%s/nightjar-data"\nbudget_gb = %s\n\n' "$PWD" "${BUDGET_GB:-4}"
  printf '[api]\nport = %s\n\n' "${PORT:-8080}"
  for i in $(seq 1 "$cameras"); do
    printf '[[cameras]]\nid = "cam%d"\nname = "Simulated camera %d"\n' "$i" "$i"
    printf 'url = "rtsp://127.0.0.1:8554/cam%d/main"\nsub_url = "rtsp://127.0.0.1:8554/cam%d/sub"\n\n' "$i" "$i"
  done
} > "$config"

build/nightjar fakecam --cameras "$cameras" --port 8554 &
fakecam=$!
trap 'kill $fakecam 2>/dev/null || true' EXIT
sleep 0.5
port=${PORT:-8080}
data="$PWD/nightjar-data"
build/nightjar run --config "$config" &
daemon=$!
trap 'kill $daemon $fakecam 2>/dev/null || true; wait $daemon 2>/dev/null || true' EXIT
# Wait for the web server (up to 30 s); the first start also creates the user admin.
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$daemon" 2>/dev/null || { wait "$daemon"; exit $?; }
  sleep 0.2
done
user=admin
if [[ -r "$data/initial-admin-password" ]]; then
  password=$(<"$data/initial-admin-password")
  note="(from $data/initial-admin-password; if you changed it since, use yours)"
else
  password='<your password>'
  note="(no $data/initial-admin-password: use the password you set, or \`build/nightjar user passwd admin --data $data\`)"
fi
echo
echo "Nightjar demo: $cameras simulated cameras recorded into ./nightjar-data."
echo
echo "  Web app:  http://localhost:$port/"
echo "  Sign in:  user $user, password $password"
echo "            $note"
echo
echo "Try, in another shell:"
echo "  build/nightjar status --config $config"
echo "  build/nightjar list --config $config --camera cam1"
echo "  ffplay rtsp://127.0.0.1:8554/cam1/main      (the simulated camera itself)"
echo "  open http://localhost:$port/api/hls/cam1/player   (live view in a browser, after signing in)"
echo "  vlc 'http://$user:$password@localhost:$port/api/hls/cam1/live.m3u8'   (or a link from \"Share live link\")"
echo "  curl -u '$user:$password' http://localhost:$port/api/status"
echo "  curl -u '$user:$password' http://localhost:$port/api/cameras/cam1/recordings   (runs and gaps: the timeline)"
echo "  curl -u '$user:$password' http://localhost:$port/api/cameras/cam1/days"
echo
echo "Ctrl-C stops the demo; recordings stay."
wait "$daemon"
