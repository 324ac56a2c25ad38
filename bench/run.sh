#!/usr/bin/env bash
# bench/run.sh: trawl's crawl benchmark, all on 127.0.0.1, that anyone can rerun.
#
# Scenarios (each run N times, the medians reported):
#   static-d2        nginx serving the installed Rust docs; crawl /std/index.html to depth 2
#                    (about 2,574 pages), --static-workers workers (default 32)
#   static-d3        the same to depth 3 (about 26,339 pages; slow, so not in the default set)
#   static-dN-wW     the same with W workers instead of --static-workers
#   latencyMS[-wW]   bench's own trawl-latency-server (5,150 pages of ~43 KB, 140 links each),
#                    every response delayed MS milliseconds, W workers; without -wW both 32 and 128
#   seen1m           memory with a million URLs seen: the latency server with 2,000,000 pages and
#                    no delay, 11,000 pages fetched (--max-pages), 32 workers; the URLs seen (from
#                    --summary-json) and the peak RSS are reported (issue 5: under 200 MB)
#   redis-throughput issue 12's shared crawl: 1, 2 and 4 trawl processes (--redis-procs) of 16
#                    workers (--redis-workers) on one crawl through a Redis of bench's own, against
#                    the latency server at 200 ms, --max-pages 1,200 (--redis-pages) per process;
#                    beside them in every round one process with 64 workers and trawl without
#                    --redis at 16 and 64 workers. Pages/s, the ratio to 1 process, the CPU of
#                    trawl, redis-server, the latency server and the machine, and Redis calls per
#                    page (INFO commandstats). See bench/redis.sh.
#   redis-memory     Redis memory per URL seen at ~1,000,000 URLs (--max-depth 3, 11,000 pages of
#                    the 2,000,000-page latency site fetched, as seen1m): MEMORY USAGE of every key of the crawl, INFO
#                    memory, and a plain SET of as many 8-byte members for comparison
#   redis-scale      both redis-* (results to bench/results-redis.md unless --out says otherwise)
#   text             --text on the real pages of ../shared/corpora/readability-test-pages: CPU per
#                    page and peak RSS at 128 workers with and without --text and --meta, and the
#                    text's bytes per row in the --state file and in Redis; alone, handed to
#                    bench/text.sh (results to bench/results-text.md; skipped without the corpus)
#   NAME-qC[+C...]   any of the above with trawl's --queue-capacity C instead of 256; with several
#                    (static-d2-q1+64) every round runs trawl once per capacity on the same server,
#                    interleaved (odd rounds in the order given, even rounds reversed), each row
#                    labelled NAME-qC, and a table gives each capacity's pages/s ÷ the largest's
#   queue-capacity   the set latency50-w32-q1+64,static-d2-q1+64 (results to
#                    bench/results-queue-capacity.md unless --out says otherwise)
# Default: static-d2,latency50,latency200. Every trawl run is measured with /usr/bin/time
# (wall, user+sys CPU, peak RSS); latency scenarios also get
#   efficiency = pages/s ÷ (workers ÷ latency in seconds), the share of the ideal rate.
# The Markdown table is printed at the end and written to bench/results.md (see --out).
#
# Usage: bench/run.sh [--quick] [--scenarios a,b] [--runs N] [--peers] [--perf] [--out PATH]
#                     [--static-workers W] [--pages N] [--no-build] [--keep] [--peer-list a,b]
#                     [--queue-capacity C[,C...]] [--trawl PATH] [--bin-dir DIR]
#                     [--redis-procs A,B] [--redis-pages N] [--redis-workers W] [--redis-server PATH]
# Needs: cargo, rust-docs (for static-*), nginx, redis-server and python3 (for redis-*) and GNU time (installed with apt-get if missing and
# run as root). With --peers it also installs wget (apt), Scrapy (pip, in a venv) and spider_cli
# (cargo install) under ${TRAWL_BENCH_CACHE:-$HOME/.cache/trawl-bench}; a peer that cannot be
# installed is skipped with a note. Nothing but the package registries is contacted, and those only
# to install what is missing.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
    cat <<'EOF'
Options:
  --quick              1 run each of static-d2 and latency50-w32 (results to bench/results-quick.md)
  --scenarios A,B      scenarios to run (names above; e.g. static-d3, latency50-w64)
  --runs N             runs per scenario (default 3)
  --peers              also run wget -r, Scrapy and spider_cli, interleaved with the trawl runs;
                       spider_cli is given --limit <pages trawl read in its first run> (its --depth
                       counts URL path segments, not links), and a ratio table compares the two
  --peer-list A,B      which peers --peers runs (default wget,scrapy,spider)
  --perf               profile one static-d2 crawl with perf (needs linux-perf) and report the
                       top 15 symbols
  --out PATH           where to write the Markdown results (default bench/results.md)
  --static-workers W   workers (and --per-host) for static-* (default 32)
  --pages N            pages of the latency server (default 5150)
  --queue-capacity C,D trawl's --queue-capacity for scenarios without a -qC suffix (default 256);
                       several values run each such scenario once per capacity per round, as -qC+D
  --no-build           use the binaries already in target/release ($CARGO_TARGET_DIR/release)
  --bin-dir DIR        take trawl and trawl-latency-server from DIR (e.g. another checkout's
                       target/release); implies --no-build
  --trawl PATH         run this trawl binary (trawl-latency-server still comes from --bin-dir or
                       target/release); implies --no-build. The report names its path, its
                       --version and the start of its SHA-256, since no git revision can be known
  --keep               keep the temporary directory (CSVs, logs) and print its path
  --redis-procs A,B    process counts of redis-throughput (default 1,2,4)
  --redis-pages N      pages per process of redis-throughput: --max-pages = N × processes
                       (default 1200, about 15 s a run at 16 workers and 200 ms)
  --redis-workers W    workers of each redis-throughput process (default 16)
  --redis-server PATH  the redis-server to start (default: redis-server from PATH, installed with
                       apt-get if missing); it listens on a free loopback port, never 6379, with
                       --save "" --appendonly no, and is stopped at the end
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release
CACHE=${TRAWL_BENCH_CACHE:-$HOME/.cache/trawl-bench}

RUNS=3
SCENARIO_LIST=""
QUICK=0
PEERS=0
PERF=0
OUT=""
STATIC_WORKERS=32
PAGES=5150
BUILD=1
KEEP=0
PEER_LIST=wget,scrapy,spider
QUEUE_CAPACITY=""
TRAWL_GIVEN=""
BIN_DIR_GIVEN=""
REDIS_PROCS=1,2,4
REDIS_PAGES=1200
REDIS_WORKERS=16
REDIS_SERVER_GIVEN=""
ARGS_GIVEN="$*"
STARTED=$SECONDS

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) QUICK=1 ;;
        --scenarios) SCENARIO_LIST=${2:?--scenarios needs a value}; shift ;;
        --scenarios=*) SCENARIO_LIST=${1#*=} ;;
        --runs) RUNS=${2:?--runs needs a value}; shift ;;
        --runs=*) RUNS=${1#*=} ;;
        --peers) PEERS=1 ;;
        --perf) PERF=1 ;;
        --out) OUT=${2:?--out needs a value}; shift ;;
        --out=*) OUT=${1#*=} ;;
        --static-workers) STATIC_WORKERS=${2:?--static-workers needs a value}; shift ;;
        --static-workers=*) STATIC_WORKERS=${1#*=} ;;
        --pages) PAGES=${2:?--pages needs a value}; shift ;;
        --pages=*) PAGES=${1#*=} ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP=1 ;;
        --peer-list) PEER_LIST=${2:?--peer-list needs a value}; shift ;;
        --peer-list=*) PEER_LIST=${1#*=} ;;
        --queue-capacity) QUEUE_CAPACITY=${2:?--queue-capacity needs a value}; shift ;;
        --queue-capacity=*) QUEUE_CAPACITY=${1#*=} ;;
        --trawl) TRAWL_GIVEN=${2:?--trawl needs a path}; shift ;;
        --trawl=*) TRAWL_GIVEN=${1#*=} ;;
        --bin-dir) BIN_DIR_GIVEN=${2:?--bin-dir needs a directory}; shift ;;
        --bin-dir=*) BIN_DIR_GIVEN=${1#*=} ;;
        --redis-procs) REDIS_PROCS=${2:?--redis-procs needs a value}; shift ;;
        --redis-procs=*) REDIS_PROCS=${1#*=} ;;
        --redis-pages) REDIS_PAGES=${2:?--redis-pages needs a value}; shift ;;
        --redis-pages=*) REDIS_PAGES=${1#*=} ;;
        --redis-workers) REDIS_WORKERS=${2:?--redis-workers needs a value}; shift ;;
        --redis-workers=*) REDIS_WORKERS=${1#*=} ;;
        --redis-server) REDIS_SERVER_GIVEN=${2:?--redis-server needs a path}; shift ;;
        --redis-server=*) REDIS_SERVER_GIVEN=${1#*=} ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# Capacities as C+D (the form of a -q suffix); empty = 256, not named in the scenario labels.
QUEUE_CAPACITY=${QUEUE_CAPACITY//,/+}
IFS=+ read -r -a capacities <<<"$QUEUE_CAPACITY"
IFS=, read -r -a redis_procs <<<"$REDIS_PROCS"
for number in "$RUNS" "$STATIC_WORKERS" "$PAGES" "${capacities[@]}" "$REDIS_PAGES" "$REDIS_WORKERS" "${redis_procs[@]}"; do
    [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: '$number' is not a positive number" >&2; exit 2; }
done
if [[ -n $BIN_DIR_GIVEN ]]; then
    [[ -d $BIN_DIR_GIVEN ]] || { echo "run.sh: --bin-dir $BIN_DIR_GIVEN is not a directory" >&2; exit 2; }
    BIN=$(cd "$BIN_DIR_GIVEN" && pwd)
    BUILD=0
fi
if [[ -n $TRAWL_GIVEN ]]; then
    [[ -x $TRAWL_GIVEN && -f $TRAWL_GIVEN ]] || { echo "run.sh: --trawl $TRAWL_GIVEN is not an executable file" >&2; exit 2; }
    TRAWL_GIVEN=$(cd "$(dirname "$TRAWL_GIVEN")" && pwd)/$(basename "$TRAWL_GIVEN")
    BUILD=0
fi
if [[ $QUICK == 1 ]]; then
    RUNS=1
    SCENARIO_LIST=${SCENARIO_LIST:-static-d2,latency50-w32}
    OUT=${OUT:-$BENCH/results-quick.md}
fi
SCENARIO_LIST=${SCENARIO_LIST:-static-d2,latency50,latency200}
if [[ ,$SCENARIO_LIST, == *,queue-capacity,* ]]; then
    SCENARIO_LIST=,$SCENARIO_LIST,
    SCENARIO_LIST=${SCENARIO_LIST//,queue-capacity,/,latency50-w32-q1+64,static-d2-q1+64,}
    SCENARIO_LIST=${SCENARIO_LIST#,}; SCENARIO_LIST=${SCENARIO_LIST%,}
    OUT=${OUT:-$BENCH/results-queue-capacity.md}
fi
# --text on real pages (issue 18): a script of its own (the corpus, its server and its report).
if [[ $SCENARIO_LIST == text ]]; then
    text_args=(--runs "$RUNS")
    [[ -n $OUT ]] && text_args+=(--out "$OUT")
    [[ $BUILD == 0 ]] && text_args+=(--no-build)
    [[ -n $TRAWL_GIVEN ]] && text_args+=(--trawl "$TRAWL_GIVEN")
    [[ -n $BIN_DIR_GIVEN && -z $TRAWL_GIVEN ]] && text_args+=(--trawl "$BIN/trawl")
    exec "$BENCH/text.sh" "${text_args[@]}"
fi
if [[ ,$SCENARIO_LIST, == *,redis-scale,* ]]; then
    SCENARIO_LIST=,$SCENARIO_LIST,
    SCENARIO_LIST=${SCENARIO_LIST//,redis-scale,/,redis-throughput,redis-memory,}
    SCENARIO_LIST=${SCENARIO_LIST#,}; SCENARIO_LIST=${SCENARIO_LIST%,}
fi
# Only redis-* scenarios: their own results file.
if [[ ,$SCENARIO_LIST, =~ ^(,redis-(throughput|memory))+,$ ]]; then
    OUT=${OUT:-$BENCH/results-redis.md}
fi
OUT=${OUT:-$BENCH/results.md}

# Expand the list into "name workers latency_ms depth capacities" lines (latency 0 = static;
# capacities C+D, or - for the default 256 unnamed in the labels).
SCENARIOS=()
IFS=, read -r -a requested <<<"$SCENARIO_LIST"
for name in "${requested[@]}"; do
    caps=${QUEUE_CAPACITY:--}
    if [[ $name =~ ^(.*)-q([1-9][0-9]*(\+[1-9][0-9]*)*)$ ]]; then
        name=${BASH_REMATCH[1]}
        caps=${BASH_REMATCH[2]}
    fi
    case $name in
        static-d[0-9]*-w[0-9]*)
            d=${name#static-d}; d=${d%%-*}; w=${name##*-w}
            SCENARIOS+=("$name $w 0 $d $caps") ;;
        static-d[0-9]*) SCENARIOS+=("$name $STATIC_WORKERS 0 ${name#static-d} $caps") ;;
        latency[0-9]*-w[0-9]*)
            ms=${name#latency}; ms=${ms%%-*}; w=${name##*-w}
            SCENARIOS+=("$name $w $ms 10 $caps") ;;
        latency[0-9]*)
            ms=${name#latency}
            SCENARIOS+=("$name-w32 32 $ms 10 $caps" "$name-w128 128 $ms 10 $caps") ;;
        seen1m) SCENARIOS+=("seen1m 32 -1 10 $caps") ;;
        redis-throughput | redis-memory) SCENARIOS+=("$name $REDIS_WORKERS -2 10 -") ;;
        *) echo "run.sh: unknown scenario '$name' (static-dN, static-dN-wW, latencyMS, latencyMS-wW, seen1m, each optionally -qC[+C...]; queue-capacity; redis-throughput, redis-memory, redis-scale)" >&2; exit 2 ;;
    esac
done

# The capacities of one round of a scenario, one per line: in the order given in odd rounds,
# reversed in even ones (so neither capacity always runs first, on a colder cache or machine).
round_capacities() { # CAPS RUN
    local list=() i
    IFS=+ read -r -a list <<<"${1/#-/256}"
    if (($2 % 2 == 1)); then
        printf '%s\n' "${list[@]}"
    else
        for ((i = ${#list[@]} - 1; i >= 0; i--)); do printf '%s\n' "${list[i]}"; done
    fi
}
# The row label of a scenario run at capacity C: NAME-qC unless the capacity is the unnamed default.
capacity_label() { # NAME CAPS C
    if [[ $2 == - ]]; then echo "$1"; else echo "$1-q$3"; fi
}

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Temporary directory, servers, and their cleanup.

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-bench.XXXXXX")
SERVER_PIDS=()
cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SERVER_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ $KEEP == 1 ]]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_server() {
    local pid=$1 kept=() p
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${SERVER_PIDS[@]}"; do
        [[ $p == "$pid" ]] || kept+=("$p")
    done
    SERVER_PIDS=("${kept[@]}")
}

# True when something accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

APT_UPDATED=0
apt_install() {
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        log "cannot install $* (needs root and apt-get): install it and rerun"
        return 1
    fi
    if [[ $APT_UPDATED == 0 ]]; then
        apt-get update -qq >&2 || return 1
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# Start nginx on a free port with bench/nginx.conf.in; sets NGINX_PORT and NGINX_PID.
start_nginx() {
    local root=$1 port attempts=0 waits
    mkdir -p "$TMP/nginx"
    while ((attempts++ < 10)); do
        port=$((20000 + RANDOM % 40000))
        listening "$port" && continue
        sed -e "s|@PORT@|$port|g" -e "s|@ROOT@|$root|g" -e "s|@TMP@|$TMP|g" \
            "$BENCH/nginx.conf.in" >"$TMP/nginx/nginx.conf"
        nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" \
            >>"$TMP/nginx/stdout.log" 2>&1 &
        NGINX_PID=$!
        SERVER_PIDS+=("$NGINX_PID")
        waits=0
        while ((waits++ < 50)); do
            if listening "$port"; then
                NGINX_PORT=$port
                return 0
            fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop_server "$NGINX_PID"
    done
    log "nginx would not start; its log:"
    tail -5 "$TMP/nginx/error.log" >&2 || true
    return 1
}

# Start trawl-latency-server; sets LAT_PORT and LAT_PID.
start_latency_server() { # LATENCY_MS [PAGES]
    local ms=$1 pages=${2:-$PAGES} out=$TMP/latency-$1.out waits=0
    : >"$out"
    "$BIN/trawl-latency-server" --port 0 --pages "$pages" --latency-ms "$ms" \
        >"$out" 2>"$TMP/latency-$ms.err" &
    LAT_PID=$!
    SERVER_PIDS+=("$LAT_PID")
    while ((waits++ < 100)); do
        if [[ $(head -1 "$out") == "listening on "* ]]; then
            LAT_PORT=$(head -1 "$out" | sed 's/.*://')
            return 0
        fi
        kill -0 "$LAT_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "trawl-latency-server did not start:"
    cat "$TMP/latency-$ms.err" >&2 || true
    return 1
}

# The redis-* scenarios (issue 12): their Redis, measurements and report sections.
# shellcheck source=bench/redis.sh
source "$BENCH/redis.sh"

# ---------------------------------------------------------------------------------------------
# Tools.

command -v cargo >/dev/null || { log "cargo is needed"; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time (apt package time)"
    apt_install time || exit 1
fi
needs_static=0
for s in "${SCENARIOS[@]}"; do [[ $s == static-* ]] && needs_static=1; done
[[ $PERF == 1 ]] && needs_static=1
DOCS=$(rustc --print sysroot)/share/doc/rust/html
if [[ $needs_static == 1 ]]; then
    if [[ ! -f $DOCS/std/index.html ]]; then
        log "no Rust documentation at $DOCS: run 'rustup component add rust-docs'"
        exit 1
    fi
    if ! command -v nginx >/dev/null; then
        log "installing nginx (apt package nginx)"
        apt_install nginx || exit 1
        # The Debian package starts a system nginx on port 80; bench needs only the binary.
        if command -v systemctl >/dev/null; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
    fi
fi
if [[ $PERF == 1 ]] && ! perf --version >/dev/null 2>&1; then
    log "installing perf (apt package linux-perf)"
    apt_install linux-perf || { log "no perf: --perf skipped"; PERF=0; }
fi

if [[ $BUILD == 1 ]]; then
    log "building: cargo build --release --bins --features bench (fat LTO: minutes on a small machine)"
    (cd "$ROOT" && cargo build --release --bins --features bench)
fi
# Run copies: target/ is shared with other builds, which may replace the binaries mid-benchmark.
mkdir -p "$TMP/bin"
for b in trawl trawl-latency-server; do
    if [[ $b == trawl && -n $TRAWL_GIVEN ]]; then
        cp "$TRAWL_GIVEN" "$TMP/bin/$b"
        continue
    fi
    [[ -x $BIN/$b ]] || { log "$BIN/$b is missing: build with cargo build --release --bins --features bench (or give --bin-dir)"; exit 1; }
    cp "$BIN/$b" "$TMP/bin/$b"
done
# The revision the binaries were built from; -dirty when the crate's sources differ from it.
REVISION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
# (Refresh the index first: a file touched but unchanged would otherwise count as changed.)
git -C "$ROOT" update-index -q --refresh >/dev/null 2>&1 || true
CHANGED=$(git -C "$ROOT" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null |
    awk '{ print $NF }' | paste -sd, - || true)
if [[ $REVISION != unknown && -n $CHANGED ]]; then
    REVISION="$REVISION-dirty ($CHANGED)"
fi
if [[ -n $TRAWL_GIVEN || -n $BIN_DIR_GIVEN ]]; then
    trawl_path=${TRAWL_GIVEN:-$BIN/trawl}
    REVISION="binary $trawl_path ($("$TMP/bin/trawl" --version 2>/dev/null | head -1 || echo 'no --version'), sha256 $(sha256sum "$TMP/bin/trawl" | cut -c1-12), modified $(date -u -r "$trawl_path" '+%Y-%m-%d %H:%M UTC')); trawl-latency-server from $BIN; bench/run.sh from the tree at $REVISION"
elif [[ $BUILD == 0 ]]; then
    REVISION="binaries as found (--no-build), tree at $REVISION"
fi
BIN=$TMP/bin

# Peers (only with --peers); each sets its *_CMD variable, or stays unavailable with a note.
NOTES=()
WGET_OK=0 SCRAPY=() SPIDER=""
SPIDER_HELP=""
wanted_peer() { [[ $PEERS == 1 && ,$PEER_LIST, == *,$1,* ]]; }
if [[ $PEERS == 1 ]]; then
    mkdir -p "$CACHE"
fi
if wanted_peer wget; then
    if command -v wget >/dev/null || apt_install wget; then
        WGET_OK=1
    else
        NOTES+=("wget: could not be installed; skipped")
    fi
fi
if wanted_peer scrapy; then
    venv=$CACHE/venv
    if [[ ! -x $venv/bin/scrapy ]]; then
        log "installing Scrapy into $venv"
        if ! python3 -m venv "$venv" >&2 2>&1; then
            apt_install python3-venv >/dev/null 2>&1 || true
            rm -rf "$venv"
            python3 -m venv "$venv" >&2 || true
        fi
        if [[ -x $venv/bin/pip ]]; then
            "$venv/bin/pip" install -q scrapy >&2 || true
        fi
    fi
    if [[ -x $venv/bin/scrapy ]]; then
        SCRAPY=("$venv/bin/scrapy")
        cat >"$TMP/bench_spider.py" <<'EOF'
"""The Scrapy peer of bench/run.sh: title and link count of every page, links followed."""
import scrapy


class BenchSpider(scrapy.Spider):
    name = "bench"

    def __init__(self, start_url, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.allowed_domains = ["127.0.0.1"]

    def parse(self, response):
        if not isinstance(response, scrapy.http.TextResponse):
            yield {"url": response.url, "status": response.status, "title": None, "links": None}
            return
        links = set()
        for href in response.css("a::attr(href), area::attr(href)").getall():
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if url.startswith(("http://", "https://")):
                links.add(url)
        title = " ".join((response.css("title::text").get() or "").split())
        yield {"url": response.url, "status": response.status, "title": title, "links": len(links)}
        for url in links:
            yield scrapy.Request(url, callback=self.parse)
EOF
    else
        NOTES+=("Scrapy: could not be installed (python3 -m venv + pip install scrapy); skipped")
    fi
fi
if wanted_peer spider; then
    spider_root=$CACHE/spider
    if [[ ! -x $spider_root/bin/spider ]]; then
        log "installing spider_cli into $spider_root (cargo install: many minutes)"
        if ! cargo install --locked --root "$spider_root" spider_cli >&2; then
            # Its OpenSSL-based builds need these; then try once more.
            apt_install pkg-config libssl-dev >/dev/null 2>&1 || true
            cargo install --root "$spider_root" spider_cli >&2 || true
        fi
    fi
    if [[ -x $spider_root/bin/spider ]]; then
        SPIDER=$spider_root/bin/spider
        SPIDER_HELP=$("$SPIDER" --help 2>&1 || true)
    else
        NOTES+=("spider_cli: cargo install spider_cli failed; skipped")
    fi
fi

# ---------------------------------------------------------------------------------------------
# Measuring.

RUNS_TSV=$TMP/runs.tsv
: >"$RUNS_TSV"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# measure SCENARIO TOOL WORKERS LATENCY_MS RUN PAGES_FN -- COMMAND...
# Runs COMMAND under /usr/bin/time, then PAGES_FN (prints "pages ok errors") and records a row;
# its last two columns are $CAPACITY and $BASE (trawl's queue capacity, the scenario without -qC;
# - for the peers).
CAPACITY=- BASE=-
measure() {
    local scenario=$1 tool=$2 workers=$3 latency=$4 run=$5 pages_fn=$6
    shift 7
    local rc=0
    : >"$TMP/time.txt"
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/time.txt" "$@" >"$TMP/run.log" 2>&1 || rc=$?
    local wall=0 user=0 sys=0 rss=0 pages=0 ok=0 errors=-
    read -r wall user sys rss < <(tail -1 "$TMP/time.txt") || true
    [[ $wall =~ ^[0-9.]+$ ]] || { wall=0 user=0 sys=0 rss=0; }
    read -r pages ok errors < <("$pages_fn")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$workers" \
        "$latency" "$run" "$pages" "$ok" "$wall" "$user" "$sys" "$rss" "$rc" "$errors" \
        "$([[ $tool == trawl ]] && echo "$CAPACITY" || echo -)" "$BASE" >>"$RUNS_TSV"
    log "$(awk -v s="$scenario" -v t="$tool" -v w="$workers" -v r="$run" -v n="$RUNS" \
        -v p="$pages" -v e="$wall" -v u="$user" -v y="$sys" -v m="$rss" -v c="$rc" -v x="$errors" \
        'BEGIN { printf "%-16s %-7s w=%-4s run %s/%s: %6d pages in %7.2f s = %7.1f pages/s, CPU %6.2f s, RSS %5.0f MB, exit %s, errors %s",
                 s, t, w, r, n, p, e, (e > 0 ? p / e : 0), u + y, m / 1024, c, x }')"
    if [[ $rc != 0 ]]; then
        log "  (exit $rc; last lines of its output:)"
        tail -3 "$TMP/run.log" | sed 's/^/  /' >&2
    fi
}

# trawl's CSV: rows minus the header, rows without an error, and the error classes counted.
# (The error column is the last; trawl collapses whitespace in titles, so one row is one line.)
trawl_pages() {
    [[ -f $TMP/trawl.csv ]] || { echo "0 0 no-csv"; return; }
    awk -F, 'NR > 1 { rows++; if ($NF == "") ok++; else err[$NF]++ }
        END {
            s = ""
            for (e in err) s = s (s == "" ? "" : ",") e ":" err[e]
            printf "%d %d %s\n", rows, ok, (s == "" ? "-" : s)
        }' "$TMP/trawl.csv"
}
wget_pages() {
    local n
    n=$(find "$TMP/wget" -type f \( -name '*.html' -o -name '*.htm' \) 2>/dev/null | wc -l)
    echo "$n $n -"
}
scrapy_pages() {
    local n
    n=$(wc -l <"$TMP/scrapy.jsonl" 2>/dev/null || echo 0)
    echo "$n $n -"
}
spider_pages() {
    local n
    n=$(grep -c . "$TMP/spider.out" 2>/dev/null || true)
    echo "${n:-0} ${n:-0} -"
}

run_trawl() { # SCENARIO WORKERS LATENCY DEPTH RUN SEED (queue capacity: $CAPACITY)
    local scenario=$1 w=$2 ms=$3 depth=$4 run=$5 seed=$6
    rm -f "$TMP/trawl.csv"
    measure "$scenario" trawl "$w" "$ms" "$run" trawl_pages -- \
        "$BIN/trawl" "$seed" --max-depth "$depth" --scope host --delay 0 --per-host "$w" -w "$w" \
        --queue-capacity "$CAPACITY" --retries 0 -q -o "$TMP/trawl.csv"
}

run_wget() {
    local scenario=$1 ms=$3 depth=$4 run=$5 seed=$6
    rm -rf "$TMP/wget"
    measure "$scenario" wget 1 "$ms" "$run" wget_pages -- \
        wget -r -l "$depth" -E -nv -e robots=on --tries=1 --timeout=20 -P "$TMP/wget" "$seed"
}

run_scrapy() {
    local scenario=$1 w=$2 ms=$3 depth=$4 run=$5 seed=$6
    rm -f "$TMP/scrapy.jsonl"
    measure "$scenario" scrapy "$w" "$ms" "$run" scrapy_pages -- \
        "${SCRAPY[@]}" runspider "$TMP/bench_spider.py" -a "start_url=$seed" -O "$TMP/scrapy.jsonl" \
        -s ROBOTSTXT_OBEY=True -s DEPTH_LIMIT="$depth" -s CONCURRENT_REQUESTS="$w" \
        -s CONCURRENT_REQUESTS_PER_DOMAIN="$w" -s DOWNLOAD_DELAY=0 -s RETRY_ENABLED=False \
        -s COOKIES_ENABLED=False -s TELNETCONSOLE_ENABLED=False -s LOG_LEVEL=ERROR \
        -s DEPTH_PRIORITY=1 -s SCHEDULER_DISK_QUEUE=scrapy.squeues.PickleFifoDiskQueue \
        -s SCHEDULER_MEMORY_QUEUE=scrapy.squeues.FifoMemoryQueue
}

run_spider() { # SCENARIO WORKERS LATENCY DEPTH RUN SEED LIMIT
    local scenario=$1 ms=$3 run=$5 seed=$6 limit=$7 args=()
    args=(--url "$seed")
    [[ $SPIDER_HELP == *--respect-robots-txt* ]] && args+=(--respect-robots-txt)
    # spider_cli's --depth limits URL path segments, not link depth (--depth 2 reads 512 pages of
    # static-d2, --depth 3 5,006): give it trawl's page count as its page limit instead.
    [[ $SPIDER_HELP == *--limit* ]] && args+=(--limit "$limit")
    [[ $SPIDER_HELP == *--delay* ]] && args+=(--delay 0)
    [[ $SPIDER_HELP == *--http* ]] && args+=(--http)
    measure "$scenario" spider auto "$ms" "$run" spider_pages -- \
        bash -c '"$@" > "'"$TMP"'/spider.out"' spider "$SPIDER" "${args[@]}" crawl -o
}

# ---------------------------------------------------------------------------------------------
# The scenarios.

declare -A PEER_SITE_DONE=()
for spec in "${SCENARIOS[@]}"; do
    read -r scenario w ms depth caps <<<"$spec"
    BASE=$scenario
    log ""
    if [[ $ms == -2 ]]; then
        case $scenario in
            redis-throughput) redis_throughput || exit 1 ;;
            redis-memory) redis_memory || exit 1 ;;
        esac
        continue
    fi
    if [[ $ms == -1 ]]; then
        start_latency_server 0 2000000 || exit 1
        server_pid=$LAT_PID
        seed=http://127.0.0.1:$LAT_PORT/
        log "== $scenario: trawl-latency-server on 127.0.0.1:$LAT_PORT, 2,000,000 pages, no delay, 11,000 fetched, $w workers, queue capacity ${caps/#-/256}"
        for run in $(seq "$RUNS"); do
            for CAPACITY in $(round_capacities "$caps" "$run"); do
                label=$(capacity_label "$scenario" "$caps" "$CAPACITY")
                rm -f "$TMP/trawl.csv" "$TMP/summary.json"
                measure "$label" trawl "$w" -1 "$run" trawl_pages -- \
                    "$BIN/trawl" "$seed" --max-depth "$depth" --max-pages 11000 --scope host --delay 0 \
                    --per-host "$w" -w "$w" --queue-capacity "$CAPACITY" --retries 0 -q -o "$TMP/trawl.csv" \
                    --summary-json "$TMP/summary.json"
                seen=$(sed -n 's/^ *"seen": \([0-9]*\).*/\1/p' "$TMP/summary.json" 2>/dev/null || true)
                rss=$(tail -1 "$RUNS_TSV" | cut -f11)
                NOTES+=("$label run $run: ${seen:-?} URLs seen, peak RSS $((rss / 1024)) MB")
            done
        done
        stop_server "$server_pid"
        continue
    fi
    if [[ $ms == 0 ]]; then
        start_nginx "$DOCS" || exit 1
        server_pid=$NGINX_PID
        seed=http://127.0.0.1:$NGINX_PORT/std/index.html
        log "== $scenario: nginx on 127.0.0.1:$NGINX_PORT, $DOCS, depth $depth, $w workers, queue capacity ${caps/#-/256}"
    else
        start_latency_server "$ms" || exit 1
        server_pid=$LAT_PID
        seed=http://127.0.0.1:$LAT_PORT/
        log "== $scenario: trawl-latency-server on 127.0.0.1:$LAT_PORT, $PAGES pages, ${ms} ms, $w workers, queue capacity ${caps/#-/256}"
    fi
    # Peers without a worker setting (wget: one connection; spider_cli: its own) run once per site.
    site=${scenario%-w*}
    single_peers=0
    if [[ $PEERS == 1 && -z ${PEER_SITE_DONE[$site]:-} ]]; then
        single_peers=1
        PEER_SITE_DONE[$site]=1
    fi
    limit=""
    for run in $(seq "$RUNS"); do
        # One trawl run per capacity (one, unless the scenario names several), back to back.
        # (Peers keep the scenario's own name: the spider_cli ratio table pairs equal names, so it
        # has rows only for scenarios run at one capacity without a -qC suffix.)
        for CAPACITY in $(round_capacities "$caps" "$run"); do
            run_trawl "$(capacity_label "$scenario" "$caps" "$CAPACITY")" "$w" "$ms" "$depth" "$run" "$seed"
            [[ -n $limit ]] || read -r limit _ < <(trawl_pages)
        done
        # spider_cli runs every round, beside trawl, so that its medians share the conditions.
        [[ -n $SPIDER && $limit -gt 0 ]] && run_spider "$scenario" "$w" "$ms" "$depth" "$run" "$seed" "$limit"
        [[ $PEERS == 1 && ${#SCRAPY[@]} -gt 0 ]] && run_scrapy "$scenario" "$w" "$ms" "$depth" "$run" "$seed"
        if [[ $single_peers == 1 ]]; then
            # wget holds one connection, so a latency site takes it requests x latency (about 2
            # requests per page: it also fetches the utm_source variants of links): run it once
            # there, and not at all where that passes 400 s.
            if [[ $WGET_OK == 1 && $run == 1 ]] && ((2 * ms * PAGES > 400000)); then
                NOTES+=("wget on $site: skipped (one connection: about $((2 * ms * PAGES / 1000)) s per run)")
            elif [[ $WGET_OK == 1 ]] && ((ms == 0 || run == 1)); then
                run_wget "$scenario" "$w" "$ms" "$depth" "$run" "$seed"
            fi
        fi
    done
    stop_server "$server_pid"
done

# ---------------------------------------------------------------------------------------------
# Optional profile of one static-d2 crawl.

PERF_TEXT=""
if [[ $PERF == 1 ]]; then
    start_nginx "$DOCS" || exit 1
    seed=http://127.0.0.1:$NGINX_PORT/std/index.html
    log ""
    log "== perf record -g of one static-d2 crawl ($STATIC_WORKERS workers)"
    rm -f "$TMP/trawl.csv"
    perf_cmd=(perf record -g -o "$TMP/perf.data" -- "$BIN/trawl" "$seed" --max-depth 2 --scope host
        --delay 0 --per-host "$STATIC_WORKERS" -w "$STATIC_WORKERS" --queue-capacity 256 --retries 0
        -q -o "$TMP/trawl.csv")
    if "${perf_cmd[@]}" >"$TMP/perf.log" 2>&1 ||
        { perf_cmd=("${perf_cmd[@]:0:2}" -e cpu-clock "${perf_cmd[@]:2}") &&
            "${perf_cmd[@]}" >"$TMP/perf.log" 2>&1; }; then
        PERF_TEXT=$(perf report -i "$TMP/perf.data" --no-children --stdio -g none \
            --sort dso,symbol 2>/dev/null | grep -v -e '^#' -e '^ *$' |
            sed -e 's/[[:space:]-]*$//' | head -15 || true)
        printf '%s\n' "$PERF_TEXT" >&2
    else
        NOTES+=("perf record failed on this machine: $(tail -1 "$TMP/perf.log")")
    fi
    stop_server "$NGINX_PID"
fi

# ---------------------------------------------------------------------------------------------
# The report.

[[ -s $RUNS_TSV || -s $REDIS_TSV || ${#REDIS_MEM[@]} -gt 0 ]] || { log "no runs"; exit 0; }

# awk helpers of the two tables: add(name, key, value) collects, median(name SUBSEP key, n) reads.
AWK_MEDIAN='
function median(key, n,    i, j, v, t) {
    for (i = 1; i <= n; i++) v[i] = vals[key, i]
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function add(name, k, value) { vals[name SUBSEP k, ++count[name SUBSEP k]] = value }
'

# Medians per (scenario, tool, workers), in the order first run.
summary() {
    awk -F'\t' "$AWK_MEDIAN"'
        {
            k = $1 SUBSEP $2 SUBSEP $3
            if (!(k in seen)) { seen[k] = 1; order[++groups] = k; lat[k] = $4 }
            runs[k]++
            add("pages", k, $6); add("ok", k, $7); add("wall", k, $8)
            add("rate", k, ($8 > 0 ? $6 / $8 : 0)); add("cpu", k, $9 + $10); add("rss", k, $11 / 1024)
            if ($12 != 0 && index(" " codes[k] " ", " " $12 " ") == 0) codes[k] = codes[k] (codes[k] == "" ? "" : ",") $12
            if (index(" " errs[k] " ", " " $13 " ") == 0) errs[k] = errs[k] (errs[k] == "" ? "" : " ") $13
        }
        END {
            print "| scenario | tool | workers | runs | pages | ok | wall s | pages/s | CPU s | CPU ms/page | peak RSS MB | efficiency | errors |"
            print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
            for (g = 1; g <= groups; g++) {
                k = order[g]; split(k, part, SUBSEP)
                rate = median("rate" SUBSEP k, count["rate" SUBSEP k])
                eff = "-"
                if (lat[k] > 0 && part[3] ~ /^[0-9]+$/) eff = sprintf("%.0f%%", 100 * rate / (part[3] / (lat[k] / 1000)))
                note = errs[k]; if (codes[k] != "") note = note " (exit status " codes[k] ")"
                pages = median("pages" SUBSEP k, count["pages" SUBSEP k])
                cpu = median("cpu" SUBSEP k, count["cpu" SUBSEP k])
                printf "| %s | %s | %s | %d | %d | %d | %.2f | %.0f | %.2f | %.2f | %.0f | %s | %s |\n",
                    part[1], part[2], part[3], runs[k], pages, median("ok" SUBSEP k, count["ok" SUBSEP k]),
                    median("wall" SUBSEP k, count["wall" SUBSEP k]), rate, cpu, (pages > 0 ? 1000 * cpu / pages : 0),
                    median("rss" SUBSEP k, count["rss" SUBSEP k]), eff, note
            }
        }' "$RUNS_TSV"
}

# trawl against spider_cli per scenario: ratios of the medians (same runs as the table above).
ratios() {
    awk -F'\t' "$AWK_MEDIAN"'
        $2 == "trawl" || $2 == "spider" {
            k = $1 SUBSEP $2
            if (!(($1) in seen)) { seen[$1] = 1; order[++n] = $1 }
            if ($2 == "trawl") workers[$1] = $3
            add("rate", k, ($8 > 0 ? $6 / $8 : 0)); add("rss", k, $11 / 1024)
            add("cpu", k, ($6 > 0 ? 1000 * ($9 + $10) / $6 : 0)); add("pages", k, $6)
        }
        END {
            for (g = 1; g <= n; g++) {
                s = order[g]; t = s SUBSEP "trawl"; p = s SUBSEP "spider"
                if (!count["rate" SUBSEP p] || !count["rate" SUBSEP t]) continue
                if (!header++) {
                    print "| scenario | trawl workers | trawl pages (median) | spider_cli pages (median) | pages/s trawl ÷ spider_cli | CPU ms/page trawl ÷ spider_cli | peak RSS MB trawl / spider_cli |"
                    print "|---|---:|---:|---:|---:|---:|---|"
                }
                rt = median("rate" SUBSEP t, count["rate" SUBSEP t]); rp = median("rate" SUBSEP p, count["rate" SUBSEP p])
                ct = median("cpu" SUBSEP t, count["cpu" SUBSEP t]); cp = median("cpu" SUBSEP p, count["cpu" SUBSEP p])
                printf "| %s | %s | %d | %d | %s | %s | %.0f / %.0f |\n", s, workers[s],
                    median("pages" SUBSEP t, count["pages" SUBSEP t]), median("pages" SUBSEP p, count["pages" SUBSEP p]),
                    (rp > 0 ? sprintf("%.2f", rt / rp) : "-"), (cp > 0 ? sprintf("%.2f", ct / cp) : "-"),
                    median("rss" SUBSEP t, count["rss" SUBSEP t]), median("rss" SUBSEP p, count["rss" SUBSEP p])
            }
        }' "$RUNS_TSV"
}

# trawl at several queue capacities per scenario (the -qC+D rows): each capacity against the
# largest one run beside it, as ratios of the medians and, round by round, of the paired runs.
capacity_ratios() {
    awk -F'\t' "$AWK_MEDIAN"'
        $2 == "trawl" && $14 != "-" && $14 != "" {
            b = $15; c = $14 + 0
            if (!(b in seen)) { seen[b] = 1; order[++n] = b; workers[b] = $3; lat[b] = $4 }
            if (!((b, c) in hascap)) { hascap[b, c] = 1; caps[b] = caps[b] " " c; if (c > top[b]) top[b] = c }
            k = b SUBSEP c
            rate = ($8 > 0 ? $6 / $8 : 0)
            add("rate", k, rate); add("pages", k, $6)
            round[b, c, $5] = rate; if ($5 > rounds[b]) rounds[b] = $5
        }
        function eff(b, rate) {
            return (lat[b] > 0 ? sprintf("%.0f%%", 100 * rate / (workers[b] / (lat[b] / 1000))) : "-")
        }
        END {
            for (g = 1; g <= n; g++) {
                b = order[g]; ref = top[b]; kr = b SUBSEP ref
                m = split(substr(caps[b], 2), list, " ")
                if (m < 2) continue
                if (!header++) {
                    print "| scenario | workers | queue capacity | pages (median) | pages/s (median) | efficiency | pages/s ÷ pages/s at the largest | per round |"
                    print "|---|---:|---|---|---|---|---:|---|"
                }
                rr = median("rate" SUBSEP kr, count["rate" SUBSEP kr])
                for (i = 1; i <= m; i++) {
                    c = list[i] + 0
                    if (c == ref) continue
                    kc = b SUBSEP c
                    rc = median("rate" SUBSEP kc, count["rate" SUBSEP kc])
                    per = ""
                    for (r = 1; r <= rounds[b]; r++)
                        if (((b, c, r) in round) && ((b, ref, r) in round) && round[b, ref, r] > 0)
                            per = per (per == "" ? "" : ", ") sprintf("%.2f", round[b, c, r] / round[b, ref, r])
                    printf "| %s | %s | %d vs %d | %d / %d | %.0f / %.0f | %s / %s | %s | %s |\n", b, workers[b], c, ref,
                        median("pages" SUBSEP kc, count["pages" SUBSEP kc]), median("pages" SUBSEP kr, count["pages" SUBSEP kr]),
                        rc, rr, eff(b, rc), eff(b, rr), (rr > 0 ? sprintf("%.2f", rc / rr) : "-"), (per == "" ? "-" : per)
                }
            }
        }' "$RUNS_TSV"
}

all_runs() {
    echo "| scenario | tool | workers | run | pages | ok | wall s | user s | sys s | peak RSS MB | exit | errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %d | %d | %.2f | %.2f | %.2f | %.0f | %s | %s |\n",
        $1, $2, $3, $5, $6, $7, $8, $9, $10, $11 / 1024, $12, $13 }' "$RUNS_TSV"
}

TABLE=""
[[ -s $RUNS_TSV ]] && TABLE=$(summary)
REDIS_REPORT=$(redis_report)
RATIOS=$(ratios)
CAPACITY_RATIOS=$(capacity_ratios)
ELAPSED=$((SECONDS - STARTED))
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
    echo "# trawl crawl benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- command: \`bench/run.sh${ARGS_GIVEN:+ $ARGS_GIVEN}\` (medians of $RUNS run(s) per row)"
    echo "- machine: $(nproc) CPUs ($cpu_model), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory; client and servers share the CPUs"
    echo "- load average (1, 5, 15 min) before the runs: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
    echo "- trawl: $REVISION, $(rustc --version) (a -dirty suffix lists sources changed since that commit)"
    if [[ $needs_static == 1 ]]; then
        echo "- static-*: $(nginx -v 2>&1 | sed 's/.*: //') serving \`\$(rustc --print sysroot)/share/doc/rust/html\` (gzip off, sendfile, keep-alive), seed \`/std/index.html\`, robots.txt obeyed, $STATIC_WORKERS workers"
    fi
    if [[ -s $RUNS_TSV ]]; then
        echo "- latency*: \`trawl-latency-server --pages $PAGES --latency-ms MS\` (~43 KB and 140 links per page, a tenth of its related-article links tagged \`?utm_source=...\`), seed \`/\`, \`--max-depth 10\`"
        echo "- trawl flags: \`--scope host --delay 0 --per-host W -w W --queue-capacity Q --retries 0 -q -o FILE.csv\`, Q = 256 unless the scenario ends in -qQ"
        echo "- pages = CSV rows (without the header); ok = rows with an empty \`error\`; CPU = user + sys;"
        echo "  efficiency = pages/s ÷ (workers ÷ latency in s), the share of the rate W connections could reach"
    fi
    echo "- the whole run (build, installs, servers and all crawls) took ${ELAPSED} s"
    if [[ -n $CAPACITY_RATIOS ]]; then
        echo "- scenarios at several queue capacities ran them back to back in every round, on the same server"
        echo "  (odd rounds in the order given, even rounds reversed)"
    fi
    if [[ $PEERS == 1 ]]; then
        echo "- peers count pages by their own rules: wget = .html files saved, Scrapy = items, spider_cli = lines of \`crawl -o\`."
        echo "  trawl drops tracking parameters when it deduplicates, the peers fetch the \`utm_source\` variants again"
        echo "  (about twice the requests on the latency site). spider_cli's \`--depth\` limits URL path segments, not"
        echo "  link depth, so it runs with \`--limit\` = the pages of trawl's first run of the scenario: the same"
        echo "  number of pages of the same site, not the same set. wget exits 8 when some link answered 404."
    fi
    if [[ -n $TABLE ]]; then
        echo
        echo "$TABLE"
    fi
    if [[ -n $REDIS_REPORT ]]; then
        echo
        echo "$REDIS_REPORT"
    fi
    if [[ -n $CAPACITY_RATIOS ]]; then
        echo
        echo "## queue capacity: each against the largest run beside it (medians of the same interleaved runs)"
        echo
        echo "$CAPACITY_RATIOS"
    fi
    if [[ -n $RATIOS ]]; then
        echo
        echo "## trawl against spider_cli (medians of the same interleaved runs)"
        echo
        echo "$RATIOS"
    fi
    if [[ ${#NOTES[@]} -gt 0 ]]; then
        echo
        for note in "${NOTES[@]}"; do echo "- $note"; done
    fi
    if [[ -n $PERF_TEXT ]]; then
        echo
        echo "## perf: one static-d2 crawl, top 15 symbols (\`perf report --no-children\`)"
        echo
        echo '```'
        printf '%s\n' "$PERF_TEXT"
        echo '```'
    fi
    if [[ -s $RUNS_TSV ]]; then
        echo
        echo "## All runs"
        echo
        all_runs
    fi
} >"$OUT"

[[ -n $TABLE ]] && { echo; echo "$TABLE"; }
[[ -n $REDIS_REPORT ]] && { echo; echo "$REDIS_REPORT"; }
[[ -n $CAPACITY_RATIOS ]] && { echo; echo "$CAPACITY_RATIOS"; }
[[ -n $RATIOS ]] && { echo; echo "$RATIOS"; }
[[ ${#NOTES[@]} -gt 0 ]] && printf -- '- %s\n' "${NOTES[@]}"
log ""
log "written to $OUT"
