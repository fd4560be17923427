#!/usr/bin/env bash
# Serve a class: several replicas of the app behind nginx, with cookie session affinity.
#
#   scripts/serve.sh [REPLICAS] [PORT]   REPLICAS streamlit servers (default 2) on 127.0.0.1,
#                                        ports PORT+100, PORT+101, ..., behind nginx on PORT
#                                        (default 8501); Ctrl-C stops them all
#   scripts/serve.sh --install-nginx     only make sure nginx is installed; print its path
#
# nginx listens on SERVE_ADDRESS (default 0.0.0.0: the students' machines reach it at
# http://<this machine>:PORT). It runs unprivileged with its pid and temp files in a temporary
# directory (deploy/nginx.conf.template); /etc/nginx is never read or changed.
# `make serve REPLICAS=2 PORT=8501` creates the environment first and calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

find_nginx() {
  command -v nginx 2>/dev/null && return 0
  [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx && return 0
  return 1
}

# Debian's nginx, as root or with sudo (as scripts/install_browser.sh installs chromium).
ensure_nginx() {
  find_nginx && return 0
  local sudo
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
    sudo="sudo"  # asks for a password on a terminal; elsewhere only if it needs none
  else
    echo "nginx is missing and cannot be installed without root or sudo: please install the" \
      "Debian package nginx (as root: apt-get install -y nginx)" >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "nginx is missing and there is no apt-get here: please install nginx" >&2
    return 1
  fi
  echo "Installing nginx ..." >&2
  if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
         $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null; }; then
    echo "apt-get could not install nginx" >&2
    return 1
  fi
  find_nginx
}

if [ "${1:-}" = "--install-nginx" ]; then
  ensure_nginx
  exit $?
fi

replicas="${1:-2}"
port="${2:-8501}"
address="${SERVE_ADDRESS:-0.0.0.0}"
if ! [[ "$replicas" =~ ^[1-9][0-9]*$ && "$port" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/serve.sh [REPLICAS] [PORT]   (defaults 2 and 8501)" >&2
  exit 2
fi

# The environment, exactly as `make run` creates it (a no-op when it is up to date).
make --no-print-directory -s .venv/.runtime
py=.venv/bin/python

nginx_bin="$(ensure_nginx)" || exit 1

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/serve-streamlit.XXXXXX")"
# As root, nginx's workers run as `nobody` and must reach their temp files here.
chmod 755 "$run_dir"
pids=()
cleanup() {
  trap - EXIT INT TERM
  if [ "${#pids[@]}" -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    # Up to 10 s for a clean exit, then kill what is left.
    local _ p alive
    for _ in $(seq 50); do
      alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ "$alive" -eq 0 ] && break
      sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One cookie secret for every replica, so the XSRF cookie one replica signs is valid on the
# others (after a replica restarts, its sessions move to another one). Passed in the
# environment, not on the command line, where `ps` would show it.
STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$("$py" -c 'import secrets; print(secrets.token_hex(32))')}"
export STREAMLIT_SERVER_COOKIE_SECRET

servers=""
replica_ports=()
for i in $(seq 0 $((replicas - 1))); do
  p=$((port + 100 + i))
  replica_ports+=("$p")
  servers+="        server 127.0.0.1:$p max_fails=1 fail_timeout=10s;"$'\n'
  # No file watcher: a served app does not reload on edits.
  "$py" -m streamlit run app.py \
    --server.headless true --server.address 127.0.0.1 --server.port "$p" \
    --server.fileWatcherType none --browser.gatherUsageStats false \
    >"$run_dir/replica-$p.log" 2>&1 &
  pids+=("$!")
done
echo "Starting $replicas replicas on 127.0.0.1 ports ${replica_ports[*]} ..."

# Wait until every replica answers /_stcore/health (or one of them dies).
if ! "$py" - "$run_dir" "${replica_ports[@]}" -- "${pids[@]}" <<'PY'
import sys
import time
import urllib.request

run_dir = sys.argv[1]
split = sys.argv.index("--")
ports, pids = sys.argv[2:split], [int(p) for p in sys.argv[split + 1:]]
deadline = time.monotonic() + 180
waiting = dict(zip(ports, pids))
while waiting:
    for port, pid in list(waiting.items()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                dead = f.read().rsplit(")", 1)[1].split()[0] in "ZX"
        except FileNotFoundError:
            dead = True
        if dead:
            sys.exit(f"the replica on port {port} exited (its log follows)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    del waiting[port]
        except OSError:
            pass
    if waiting and time.monotonic() > deadline:
        sys.exit(f"replicas on ports {', '.join(waiting)} not healthy after 180 s")
    time.sleep(0.3)
PY
then
  for p in "${replica_ports[@]}"; do
    echo "--- replica on port $p:" >&2
    tail -n 30 "$run_dir/replica-$p.log" >&2 || true
  done
  exit 1
fi

sed -e "s|@DIR@|$run_dir|g" -e "s|@LISTEN@|$address:$port|g" deploy/nginx.conf.template |
  SERVERS="$servers" awk '{ if ($0 == "@SERVERS@") printf "%s", ENVIRON["SERVERS"]; else print }' \
    >"$run_dir/nginx.conf"
"$nginx_bin" -t -q -p "$run_dir" -c "$run_dir/nginx.conf" -e stderr
"$nginx_bin" -p "$run_dir" -c "$run_dir/nginx.conf" -e stderr -g 'daemon off;' &
pids+=("$!")

shown="$address"
[ "$address" = "0.0.0.0" ] && shown="localhost"
echo "Serving $replicas replicas behind nginx at http://$shown:$port  (Ctrl-C stops all)"
echo "Replica logs: $run_dir/replica-*.log"

# Until any process exits (a replica crash or nginx failing stops everything) or a signal.
status=0
wait -n "${pids[@]}" || status=$?
echo "A server exited (status $status); stopping all." >&2
exit "$status"
