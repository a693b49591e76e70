#!/usr/bin/env bash
# Finding people: how often a search made from the generator's own noise finds the right person,
# and how fast a search answers, on a generated partnership at bench/web.sh's scale.
#
#   bench/search.sh                     # SCALE=13, 200 searches of each kind
#   SCALE=2 PER_KIND=100 bench/search.sh
#   OUT=/tmp/search BYNAME_BIN=target/debug/byname SCALE=0.2 PER_KIND=20 bench/search.sh   # a quick check
#
# Steps:
#   1. `byname generate --scale $SCALE --seed 7` for the ten years to today; CHAIN and Inform
#      imported and linked into a SQLite store, once (kept in bench/out/search/data-$SCALE).
#   2. `byname demo --no-serve` on that data for the logins; `byname serve`; the outreach worker
#      signs in with curl.
#   3. Searches made from the generator's records and its truth file (truth.csv says which person
#      each record is): for a sample of people with a date of birth, a record's name (another
#      source's record than CHAIN where the person has one, so the search is not the CHAIN
#      record's exact string) with one of the generator's kinds of noise — a typo (one letter
#      doubled, dropped, changed or two swapped, never the first), first and last name swapped, the
#      first name as its nickname (the generator's own table, read from crates/synth/src/names.rs),
#      accents dropped — each with the date of birth as DD/MM/YYYY; and each sampled person's
#      exact CHAIN id.
#   4. Every search through `GET /api/v1/persons?q=` one after another on one keep-alive
#      connection; the first (which builds the index) is timed apart.
# Reported: per kind, the share with a record of the right person among the first three results
# (target at least 95%); the share of CHAIN ids whose person is first (target 100%); the latency
# median and p99 of all searches (target p99 under 50 ms).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-13}"
PER_KIND="${PER_KIND:-200}"
OUT="${OUT:-bench/out/search}"
die() { echo "search.sh: $*" >&2; exit 1; }
mkdir -p "$OUT"
command -v curl >/dev/null 2>&1 || die "curl is needed"

# BYNAME_BIN runs a binary already built instead (a quick check of the script itself).
if [ -n "${BYNAME_BIN:-}" ]; then
  BIN="$BYNAME_BIN"
else
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/byname"
fi
DATA="$OUT/data-$SCALE"
if [ ! -f "$DATA/byname.db" ]; then
  rm -rf "$DATA"
  echo "generating, importing and linking scale $SCALE (once; kept in $DATA)"
  "$BIN" --data-dir "$DATA" generate --out "$DATA/export" --seed 7 --scale "$SCALE" >/dev/null
  "$BIN" --data-dir "$DATA" import chain "$DATA/export/chain" --no-link >/dev/null
  "$BIN" --data-dir "$DATA" import inform "$DATA/export/inform" --no-link >/dev/null
  "$BIN" --data-dir "$DATA" link | tail -1
fi

"$BIN" --data-dir "$DATA" demo --no-serve >"$OUT/demo.txt" 2>/dev/null || die "demo set-up failed"
password=$(awk '$1 == "outreach-worker" {print $NF}' "$OUT/demo.txt")
[ -n "$password" ] || die "no outreach worker login in $OUT/demo.txt"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for p in $(seq 18180 18280); do port_free "$p" && { port=$p; break; }; done
[ -n "$port" ] || die "no free port"
"$BIN" --data-dir "$DATA" serve --port "$port" >"$OUT/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do port_free "$port" || break; sleep 0.2; done
base="http://127.0.0.1:$port" jar="$OUT/cookies.txt"
rm -f "$jar"
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=outreach-worker" --data-urlencode "password=$password" \
  --data-urlencode "csrf=$csrf" "$base/login"
session=$(awk '$6 == "byname_session" {print $7}' "$jar")
[ -n "$session" ] || die "could not sign in"

records=$(sqlite3 "$DATA/byname.db" 'SELECT COUNT(*) FROM person_links' 2>/dev/null || echo "?")
echo "data: scale $SCALE, $records linked records; $(nproc) cores"
python3 - "$DATA" "$port" "$session" "$PER_KIND" <<'EOF' | tee "$OUT/results.txt"
import csv, http.client, json, random, re, sqlite3, statistics, sys, time, unicodedata, urllib.parse
data, port, session, per_kind = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
export = f"{data}/export"
truth = {(r["source"], r["source_id"]): r["person_key"] for r in csv.DictReader(open(f"{export}/truth.csv"))}
nicknames = dict(re.findall(r'\("([^"]+)", "([^"]+)"\)', open("crates/synth/src/names.rs").read().split("const NICKNAMES")[1].split("];")[0]))
people = {}
for r in csv.DictReader(open(f"{export}/chain/persons.csv")):
    d = r["date_of_birth"]
    dob = f"{d[8:]}/{d[5:7]}/{d[:4]}" if len(d) == 10 else ""
    people.setdefault(truth[("chain", r["chain_id"])], []).append(("chain", r["chain_id"], r["first_name"], r["last_name"], dob))
for r in csv.DictReader(open(f"{export}/inform/clients.csv")):
    people.setdefault(truth[("inform", r["inform_id"])], []).append(("inform", r["inform_id"], r["forename"], r["surname"], r["dob"]))
db = sqlite3.connect(f"{data}/byname.db")
person_of = {(s, i): p for s, i, p in db.execute(
    "SELECT r.source, r.source_id, l.person_id FROM source_records r JOIN person_links l ON l.record_id = r.id")}

def plain(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").replace("ł", "l").replace("Ł", "L")

def typo(name, n):
    chars = list(name)
    if len(chars) < 4:
        return name
    at = 1 + n % (len(chars) - 2)
    kind = n % 4
    if kind == 0: chars.insert(at, chars[at])
    elif kind == 1: del chars[at]
    elif kind == 2: chars[at] = "a" if chars[at] == "e" else "e"
    else: chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)

rng = random.Random(7)
keys = sorted(people)
rng.shuffle(keys)
searches = {"typo": [], "swap": [], "nickname": [], "unaccented": [], "chain id": []}
for n, key in enumerate(keys):
    records = people[key]
    right = {person_of[(s, i)] for s, i, *_ in records if (s, i) in person_of}
    dated = [r for r in records if r[4] and r[2] and r[3]]
    if not dated or not right:
        continue
    _, _, first, last, dob = next((r for r in dated if r[0] != "chain"), dated[0])
    wanted = {
        "typo": f"{first} {typo(last, n)} {dob}",
        "swap": f"{last} {first} {dob}",
        "nickname": f"{nicknames[first]} {last} {dob}" if first in nicknames else None,
        "unaccented": next((f"{plain(r[2])} {plain(r[3])} {r[4]}" for r in dated if plain(r[2] + r[3]) != r[2] + r[3]), None),
        "chain id": next((i for s, i, *_ in records if s == "chain"), None),
    }
    for kind, q in wanted.items():
        if q and len(searches[kind]) < per_kind:
            searches[kind].append((q, right))
    if all(len(v) >= per_kind for v in searches.values()):
        break

connection = http.client.HTTPConnection("127.0.0.1", port)
def ask(q):
    start = time.perf_counter()
    connection.request("GET", "/api/v1/persons?q=" + urllib.parse.quote(q), headers={"Cookie": f"byname_session={session}"})
    response = connection.getresponse()
    body = response.read()
    took = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise SystemExit(f"{q!r}: {response.status} {body[:300]!r}")
    return [p["id"] for p in json.loads(body)["persons"]], took

_, first_ms = ask("warm up 01/01/1980")
latencies = []
print(f"first search (builds the index): {first_ms:.0f} ms")
print(f"{'searches':<12} {'asked':>6} {'top 3':>7} {'first':>7}")
total = hits = 0
for kind, items in searches.items():
    top3 = first = 0
    for q, right in items:
        ids, took = ask(q)
        latencies.append(took)
        top3 += any(i in right for i in ids[:3])
        first += bool(ids) and ids[0] in right
    if kind != "chain id":
        total += len(items); hits += top3
    print(f"{kind:<12} {len(items):>6} {top3 / max(len(items), 1):>7.1%} {first / max(len(items), 1):>7.1%}")
latencies.sort()
p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
print(f"all noisy searches: {hits} of {total} in the top 3 ({hits / max(total, 1):.1%}; target 95%)")
print(f"latency over {len(latencies)} searches: median {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms (target under 50 ms)")
EOF
