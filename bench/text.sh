#!/usr/bin/env bash
# bench/text.sh: what --text costs (issue 18): CPU per page, peak memory, and the bytes the text
# adds to a row in the --state file and in Redis, on real pages. Run as `bench/run.sh --scenarios
# text` (which hands over here) or directly.
#
# The pages: the 130 saved pages of ../shared/corpora/readability-test-pages (real news, blogs and
# docs; see that folder's README), read where they are and never copied, served from 127.0.0.1 by
# python3's threaded http.server. When the corpus is absent the script says so and exits 0.
# Every page is requested REPEAT times under distinct query strings (default 8, so 1,040 pages a
# run), seeds only (--max-depth 0), 128 workers, no delay, no robots.txt.
#
# Variants, interleaved in every round (odd rounds in this order, even rounds reversed):
#   base  (no option), meta (--meta), text (--text), meta+text (--meta --text)
# Each run is measured with /usr/bin/time -v: user+sys CPU per page and peak RSS; medians of
# --runs rounds are reported, with the text's cost per page (text - base, meta+text - meta).
#
# Then one --redis --text crawl of the pages (a redis-server of its own on a free loopback port)
# and one without --text: from the rows Redis keeps (LRANGE), the text's raw UTF-8 bytes per row
# against its packed form (DEFLATE, which the --state file's BLOB holds byte for byte, and its
# base64 in the Redis row), and MEMORY USAGE of the rows list with and without --text.
#
# Usage: bench/text.sh [--runs N] [--repeat N] [--corpus DIR] [--out PATH] [--no-build]
#                      [--trawl PATH]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RUNS=5
REPEAT=8
CORPUS=$ROOT/../shared/corpora/readability-test-pages
OUT=$ROOT/bench/results-text.md
BUILD=1
TRAWL=""
WORKERS=128
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=${2:?}; shift ;;
        --repeat) REPEAT=${2:?}; shift ;;
        --corpus) CORPUS=${2:?}; shift ;;
        --out) OUT=${2:?}; shift ;;
        --no-build) BUILD=0 ;;
        --trawl) TRAWL=${2:?}; BUILD=0; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "text.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '%s\n' "$*" >&2; }

if [[ ! -d $CORPUS ]] || ! compgen -G "$CORPUS/*/source.html" >/dev/null; then
    log "text.sh: no corpus at $CORPUS (see /work/shared/corpora/README.md): skipped"
    exit 0
fi
CORPUS=$(cd "$CORPUS" && pwd)
[[ -x /usr/bin/time ]] || { log "text.sh: needs GNU time (/usr/bin/time)"; exit 2; }
command -v python3 >/dev/null || { log "text.sh: needs python3"; exit 2; }

if [[ $BUILD == 1 ]]; then
    (cd "$ROOT" && cargo build --release --locked --bin trawl) >&2
fi
TRAWL=${TRAWL:-$TARGET_DIR/release/trawl}
[[ -x $TRAWL ]] || { log "text.sh: no trawl binary at $TRAWL"; exit 2; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
    local i=0
    while ! listening "$1"; do
        ((i++ < 100)) || { log "text.sh: nothing listens on $1"; exit 1; }
        sleep 0.1
    done
}

PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$CORPUS" "$PORT" >"$TMP/http.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT"

SEEDS=$TMP/seeds.txt
: >"$SEEDS"
for dir in "$CORPUS"/*/; do
    name=$(basename "$dir")
    [[ -f $dir/source.html ]] || continue
    for ((r = 1; r <= REPEAT; r++)); do
        echo "http://127.0.0.1:$PORT/$name/source.html?r=$r" >>"$SEEDS"
    done
done
PAGES=$(wc -l <"$SEEDS")
log "== text: $PAGES pages ($((PAGES / REPEAT)) of $CORPUS, $REPEAT times each), $WORKERS workers, $RUNS rounds"

common=(-q --max-depth 0 --ignore-robots --delay 0 -w "$WORKERS" --per-host "$WORKERS" --timeout 60)
variant_args() {
    case $1 in
        base) ;;
        meta) echo --meta ;;
        text) echo --text ;;
        meta+text) echo --meta --text ;;
    esac
}
VARIANTS=(base meta text meta+text)
RESULTS=$TMP/results.tsv
: >"$RESULTS"
for ((run = 1; run <= RUNS; run++)); do
    order=("${VARIANTS[@]}")
    if ((run % 2 == 0)); then order=(meta+text text meta base); fi
    for v in "${order[@]}"; do
        # shellcheck disable=SC2046
        /usr/bin/time -v -o "$TMP/time.txt" "$TRAWL" "${common[@]}" $(variant_args "$v") \
            --summary-json "$TMP/summary.json" -o "$TMP/out-$v.csv" "$SEEDS" 2>"$TMP/err.txt" ||
            { log "trawl failed ($v):"; cat "$TMP/err.txt" >&2; exit 1; }
        python3 - "$TMP/time.txt" "$TMP/summary.json" "$v" "$run" >>"$RESULTS" <<'PY'
import json, sys
t = {}
for line in open(sys.argv[1]):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
s = json.load(open(sys.argv[2]))
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
ok = s["by_status"].get("2xx", 0)
print(f'{sys.argv[3]}\t{sys.argv[4]}\t{s["pages"]}\t{ok}\t{cpu:.3f}\t{t["Maximum resident set size (kbytes)"]}')
PY
        log "$(tail -1 "$RESULTS")"
    done
done

# The Redis side: one crawl with --text, one without, each with its own crawl id.
REDIS_SECTION=""
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    RPORT=$(free_port)
    mkdir -p "$TMP/redis"
    redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP/redis" \
        >"$TMP/redis.log" 2>&1 &
    PIDS+=($!)
    wait_port "$RPORT"
    for v in text base; do
        # shellcheck disable=SC2046
        "$TRAWL" "${common[@]}" $(variant_args "$v") --redis "redis://127.0.0.1:$RPORT/0" \
            --crawl-id "bench-$v" -o "$TMP/redis-$v.csv" "$SEEDS"
    done
    REDIS_SECTION=$(python3 - "$RPORT" <<'PY'
import base64, json, subprocess, sys, zlib
port = sys.argv[1]
def cli(*args):
    return subprocess.run(["redis-cli", "-p", port, *args], capture_output=True, text=True, check=True).stdout
def rows(crawl):
    keys = [k for k in cli("--scan", "--pattern", f"*{crawl}*rows:*").split() if k]
    assert len(keys) == 1, keys
    key = keys[0]
    return key, [json.loads(l) for l in cli("--raw", "LRANGE", key, "0", "-1").splitlines() if l]
key_t, with_text = rows("bench-text")
key_b, without = rows("bench-base")
raw = packed = cell = n = 0
for cells in with_text:
    if len(cells) in (14, 26):
        b = base64.b64decode(cells[-1])
        text = zlib.decompress(b, -15)
        raw += len(text); packed += len(b); cell += len(cells[-1]); n += 1
mem_t = int(cli("MEMORY", "USAGE", key_t, "SAMPLES", "0"))
mem_b = int(cli("MEMORY", "USAGE", key_b, "SAMPLES", "0"))
rows_t = len(with_text)
print(f"| rows | {rows_t} ({n} with a text) |")
print(f"| text per row with a text, raw UTF-8 | {raw / max(n, 1):,.0f} bytes |")
print(f"| packed (DEFLATE): the --state BLOB | {packed / max(n, 1):,.0f} bytes ({packed / max(raw, 1):.0%} of raw) |")
print(f"| in the Redis row (base64 of the packed bytes) | {cell / max(n, 1):,.0f} bytes ({cell / max(raw, 1):.0%} of raw) |")
print(f"| Redis rows list, MEMORY USAGE per row, without --text | {mem_b / max(len(without), 1):,.0f} bytes |")
print(f"| Redis rows list, MEMORY USAGE per row, with --text | {mem_t / max(rows_t, 1):,.0f} bytes |")
PY
)
else
    REDIS_SECTION="| (redis-server or redis-cli missing: not measured) | |"
fi

{
    echo "## --text on real pages (bench/text.sh)"
    echo
    echo "$(date -u +%Y-%m-%d), $("$TRAWL" --version), $(nproc) cores; $PAGES pages a run ($((PAGES / REPEAT)) pages of readability-test-pages, $REPEAT times each), --max-depth 0, $WORKERS workers, medians of $RUNS interleaved rounds."
    echo
    python3 - "$RESULTS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    v, run, pages, ok, cpu, rss = line.split("\t")
    runs.setdefault(v, []).append((int(pages), int(ok), float(cpu), int(rss)))
med = {}
print("| variant | pages (2xx) | CPU per page (user+sys) | peak RSS |")
print("|---|---|---|---|")
for v in ["base", "meta", "text", "meta+text"]:
    rs = runs[v]
    per_page = statistics.median(cpu / pages * 1000 for pages, ok, cpu, rss in rs)
    rss = statistics.median(r[3] for r in rs)
    med[v] = per_page
    print(f"| {v} | {rs[0][0]} ({rs[0][1]}) | {per_page:.2f} ms | {rss / 1024:.0f} MB |")
print()
print(f"The text's CPU per page: {med['text'] - med['base']:+.2f} ms without --meta, "
      f"{med['meta+text'] - med['meta']:+.2f} ms with it.")
PY
    echo
    echo "| the text in a row | |"
    echo "|---|---|"
    echo "$REDIS_SECTION"
} | tee "$OUT"
log "written to $OUT"
