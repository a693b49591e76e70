#!/usr/bin/env bash
# The by-name list and a person's page under load, with wrk, next to a static file of the same
# server as the ceiling, on SQLite and on PostgreSQL.
#
#   bench/web.sh                      # SCALE=13 (about 3,070,000 contacts), 30 s per run, 64 connections
#   SCALE=2 SECONDS_PER_RUN=10 bench/web.sh
#   BACKENDS=sqlite bench/web.sh      # SQLite only
#
# Steps:
#   1. `byname generate --scale $SCALE` for the ten years to today, imported (CHAIN) and linked into a
#      SQLite store, once (kept in bench/out/web/data-$SCALE); the same exports imported into a
#      PostgreSQL database `byname_bench_web` (BYNAME_BENCH_POSTGRES_URL, default
#      postgres://postgres@127.0.0.1:5432) when BACKENDS includes postgres.
#   2. `byname demo --no-serve` on that data sets up the partnership's organisations, the names
#      their teams carry in the exports, and a login per role; the outreach worker signs in with
#      curl.
#   3. `byname serve`, then wrk (Debian package) at 64 connections for SECONDS_PER_RUN against
#      /people (the list, page 1, with its audit entries), /people/{id} (a person the worker's
#      organisation works with) and /static/byname.css (the ceiling).
#   4. A login flood: wrk posts wrong passwords to /login, about FLOOD_RATE a second (default
#      100), each from another address (X-Forwarded-For, which `serve --trust-forwarded-for`
#      takes), so no per-address limit helps and every one costs a password hash; meanwhile the
#      list is measured at 8 connections.
# Reported: requests per second, p50 and p99 latency, errors (socket errors and non-2xx), and the
# list's throughput as a share of the static file's. Targets: zero errors, p99 under 50 ms for
# the list, with and without the login flood.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-13}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-30}"
CONNECTIONS="${CONNECTIONS:-64}"
FLOOD_RATE="${FLOOD_RATE:-100}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG="${BYNAME_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
OUT="bench/out/web"
die() { echo "web.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
mkdir -p "$OUT"

command -v wrk >/dev/null 2>&1 || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null 2>&1 || die "curl is needed"

cargo build --release --quiet
BIN="$PWD/target/release/byname"
DATA="$OUT/data-$SCALE"
if [ ! -f "$DATA/byname.db" ]; then
  rm -rf "$DATA"
  echo "generating and importing scale $SCALE (once; kept in $DATA)"
  # Ten years to today, so that the list (the last 90 days) has its people.
  "$BIN" --data-dir "$DATA" generate --out "$DATA/export" --seed 7 --scale "$SCALE" >/dev/null
  "$BIN" --data-dir "$DATA" import chain "$DATA/export/chain" --no-link >/dev/null
  "$BIN" --data-dir "$DATA" link | tail -1
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { local p; for p in $(seq 18080 18180); do port_free "$p" && { echo "$p"; return; }; done; die "no free port"; }

# Runs wrk on one path; prints "requests/s p50_ms p99_ms errors".
load() {
  local url="$1" cookie="$2" log="$3" connections="${4:-$CONNECTIONS}"
  wrk -t2 -c"$connections" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $cookie" "$url" >"$log" 2>&1 || die "wrk failed: $(cat "$log")"
  python3 - "$log" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors += int(non2xx.group(1)) if non2xx else 0
print(f"{rps:.0f} {ms('50%'):.1f} {ms('99%'):.1f} {errors}")
EOF
}

bench_backend() {
  local backend="$1" db_args=()
  if [ "$backend" = postgres ]; then
    psql "$PG/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1 || { echo "PostgreSQL does not answer at $PG: skipped"; return; }
    if ! psql "$PG/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'byname_bench_web_$SCALE'" | grep -q 1; then
      echo "importing scale $SCALE into PostgreSQL (once)"
      psql "$PG/postgres" -qc "CREATE DATABASE byname_bench_web_$SCALE" >/dev/null
      "$BIN" --database "$PG/byname_bench_web_$SCALE" import chain "$DATA/export/chain" --no-link >/dev/null
      "$BIN" --database "$PG/byname_bench_web_$SCALE" link | tail -1
    fi
    db_args=(--database "$PG/byname_bench_web_$SCALE")
  else
    db_args=(--data-dir "$DATA")
  fi
  "$BIN" "${db_args[@]}" demo --no-serve >"$OUT/demo-$backend.txt" 2>/dev/null || die "demo set-up failed"
  local password
  password=$(awk '$1 == "outreach-worker" {print $NF}' "$OUT/demo-$backend.txt")
  [ -n "$password" ] || die "no outreach worker login in $OUT/demo-$backend.txt"
  local port; port=$(pick_port)
  "$BIN" "${db_args[@]}" serve --port "$port" --trust-forwarded-for >"$OUT/serve-$backend.log" 2>&1 &
  local server=$!
  trap 'kill $server 2>/dev/null || true' RETURN
  for _ in $(seq 1 100); do port_free "$port" || break; sleep 0.2; done
  local base="http://127.0.0.1:$port" jar="$OUT/cookies-$backend.txt"
  rm -f "$jar"
  local csrf
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=outreach-worker" --data-urlencode "password=$password" \
    --data-urlencode "csrf=$csrf" "$base/login"
  local session; session=$(awk '$6 == "byname_session" {print $7}' "$jar")
  [ -n "$session" ] || die "could not sign in on $backend"
  local cookie="byname_session=$session"
  local person
  person=$(curl -s -H "Cookie: $cookie" "$base/api/v1/persons" | python3 -c "import json,sys; d=json.load(sys.stdin); print(next(p['id'] for p in d['persons'] if p['view']=='full'))")
  local total
  total=$(curl -s -H "Cookie: $cookie" "$base/api/v1/persons" | python3 -c "import json,sys; print(json.load(sys.stdin)['total'])")
  echo "$backend: $total people on the list; person $person"
  read -r s_rps s_p50 s_p99 s_err < <(load "$base/static/byname.css" "$cookie" "$OUT/wrk-$backend-static.txt")
  read -r l_rps l_p50 l_p99 l_err < <(load "$base/people" "$cookie" "$OUT/wrk-$backend-list.txt")
  read -r p_rps p_p50 p_p99 p_err < <(load "$base/people/$person" "$cookie" "$OUT/wrk-$backend-person.txt")
  # The list while a login flood runs: 16 connections, each waiting 16/FLOOD_RATE s between
  # sign-ins, every one from another address and for another username.
  cat >"$OUT/flood.lua" <<LUA
counter = 0
request = function()
  counter = counter + 1
  local address = "10." .. (counter % 200) .. "." .. (math.floor(counter / 200) % 250) .. "." .. (counter % 7 + 1)
  return wrk.format("POST", "/login", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "byname_login_csrf=flood",
    ["X-Forwarded-For"] = address,
  }, "csrf=flood&username=flood" .. counter .. "&password=not+the+password+at+all")
end
delay = function() return math.floor(16000 / $FLOOD_RATE) end
LUA
  wrk -t1 -c16 -d"$((SECONDS_PER_RUN + 4))s" -s "$OUT/flood.lua" "$base/login" >"$OUT/wrk-$backend-flood.txt" 2>&1 &
  local flood=$!
  sleep 2
  read -r f_rps f_p50 f_p99 f_err < <(load "$base/people" "$cookie" "$OUT/wrk-$backend-list-flood.txt" 8)
  wait "$flood" || true
  local logins; logins=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$OUT/wrk-$backend-flood.txt")
  printf '%-9s %-24s %10s %9s %9s %7s\n' "$backend" "/static/byname.css" "$s_rps" "$s_p50" "$s_p99" "$s_err" >>"$OUT/results.txt"
  printf '%-9s %-24s %10s %9s %9s %7s\n' "$backend" "/people (list)" "$l_rps" "$l_p50" "$l_p99" "$l_err" >>"$OUT/results.txt"
  printf '%-9s %-24s %10s %9s %9s %7s\n' "$backend" "/people/{id}" "$p_rps" "$p_p50" "$p_p99" "$p_err" >>"$OUT/results.txt"
  printf '%-9s %-24s %10s %9s %9s %7s\n' "$backend" "/people, login flood" "$f_rps" "$f_p50" "$f_p99" "$f_err" >>"$OUT/results.txt"
  printf '%-9s login flood: %s sign-ins a second refused; list p99 under 50 ms during it: %s\n' "$backend" "$logins" \
    "$(echo "$f_p99 < 50" | bc | sed 's/1/yes/;s/0/NO/')" >>"$OUT/summary.txt"
  printf '%-9s list throughput / static file: %.3f; list p99 under 50 ms: %s; errors: %s\n' "$backend" \
    "$(echo "scale=4; $l_rps / $s_rps" | bc)" "$(echo "$l_p99 < 50" | bc | sed 's/1/yes/;s/0/NO/')" \
    "$((s_err + l_err + p_err))" >>"$OUT/summary.txt"
}

contacts=$(($(wc -l <"$DATA/export/chain/contacts.csv") - 1))
persons=$(($(wc -l <"$DATA/export/chain/persons.csv") - 1))
: >"$OUT/results.txt"
: >"$OUT/summary.txt"
echo "data: $contacts contacts, $persons CHAIN person records; $(nproc) cores; wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s"
for backend in $BACKENDS; do bench_backend "$backend"; done
printf '\n%-9s %-24s %10s %9s %9s %7s\n' "backend" "path" "req/s" "p50 ms" "p99 ms" "errors"
cat "$OUT/results.txt"
echo
cat "$OUT/summary.txt"
