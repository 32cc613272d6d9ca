# Sourced by scripts/test, scripts/load and scripts/faults: `bqemu_up NAME` starts the BigQuery
# emulator (scripts/bqemu.py from the virtualenv `scripts/tools --test` makes) on a free
# loopback port, stops it when the calling script exits, and exports INSTALYTICS_TEST_BQ.
# Its log goes to $TMPDIR/instalytics-NAME-bqemu.log.
BQEMU_PYTHON="${INSTALYTICS_BQEMU_VENV:-$HOME/.cache/instalytics/bqemu}/bin/python"

bqemu_up() {
  local name=$1 port log pid
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log="${TMPDIR:-/tmp}/instalytics-$name-bqemu.log"
  "$BQEMU_PYTHON" scripts/bqemu.py start \
    --rest-host 127.0.0.1 --rest-port "$port" --grpc-host 127.0.0.1 --grpc-port 0 \
    --project instalytics-test --log-level warning > "$log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2064  # the pid is fixed now, on purpose
  trap "kill $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null \
    || { echo "$name: the BigQuery emulator did not start" >&2; cat "$log" >&2; return 1; }
  export INSTALYTICS_TEST_BQ="http://127.0.0.1:$port"
}
