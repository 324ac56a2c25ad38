# bench/redis.sh: the redis-* scenarios of bench/run.sh (issue 12's benchmark), sourced by it.
# Uses run.sh's globals and helpers (TMP, BIN, BENCH, RUNS, SERVER_PIDS, log, listening,
# apt_install, start_latency_server, stop_server) and sets up its own Redis.
#
# redis-throughput: 1, 2 and 4 trawl processes (--redis-procs) of --redis-workers workers each on
#   one crawl (--redis URL --crawl-id, a fresh id per measurement), against trawl-latency-server
#   --latency-ms 200; --max-pages = --redis-pages × processes, so every run takes about the same
#   time. Beside them, in every round: one process with processes × workers workers (same page
#   budget as the largest), and trawl without --redis at both worker counts. Wall time = first
#   process start to last process exit; pages = rows of all the processes' CSVs. CPU seconds of
#   each trawl (GNU time), of redis-server and the latency server (/proc/PID/stat) and of the whole
#   machine (/proc/stat) are taken for every run; Redis's INFO commandstats after a CONFIG
#   RESETSTAT gives the calls per page.
# redis-memory: a seen-set of about 1,000,000 URLs (latency server --pages 2000000 --latency-ms 0,
#   trawl --max-depth 3 --max-pages 11000, as seen1m; REDIS_MEM_SITE and REDIS_MEM_PAGES change
#   them), every key of the crawl measured with MEMORY USAGE
#   (SAMPLES 0) right after the run, INFO memory's used_memory before and after, and the same count
#   loaded as a plain SET of 8-byte binary members and of 40-character hex strings.

REDIS_PORT="" REDIS_PID="" REDIS_URL=""
REDIS_TSV=$TMP/redis-runs.tsv
: >"$REDIS_TSV"
REDIS_MEM=()      # report lines of redis-memory
REDIS_FAMILIES="" # its key-family table
REDIS_VERSION=""
REDIS_THROUGHPUT_SITE=""

rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# Start a redis-server of our own on a free loopback port (never 6379), persistence off.
start_redis() {
    [[ -n $REDIS_PID ]] && return 0
    local server=${REDIS_SERVER_GIVEN:-redis-server} port attempts=0 waits
    if ! command -v "$server" >/dev/null || ! command -v redis-cli >/dev/null; then
        log "installing Redis (apt package redis-server)"
        apt_install redis-server || return 1
        # The Debian package may start a system Redis on 6379; bench needs only the binaries.
        if command -v systemctl >/dev/null; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
    fi
    mkdir -p "$TMP/redis"
    while ((attempts++ < 10)); do
        port=$((20000 + RANDOM % 40000))
        ((port == 6379)) && continue
        listening "$port" && continue
        "$server" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP/redis" \
            --logfile "$TMP/redis/redis.log" --daemonize no >/dev/null 2>&1 &
        REDIS_PID=$!
        SERVER_PIDS+=("$REDIS_PID")
        waits=0
        while ((waits++ < 50)); do
            if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
                REDIS_PORT=$port
                REDIS_URL=redis://127.0.0.1:$port/0
                REDIS_VERSION=$("$server" --version | sed 's/^Redis server v=\([^ ]*\).*malloc=\([^ ]*\).*/\1 (\2)/')
                log "redis-server $REDIS_VERSION on 127.0.0.1:$port (pid $REDIS_PID, --save \"\" --appendonly no)"
                return 0
            fi
            kill -0 "$REDIS_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop_server "$REDIS_PID"
        REDIS_PID=""
    done
    log "redis-server would not start; its log:"
    tail -5 "$TMP/redis/redis.log" >&2 || true
    return 1
}

# CPU ticks (user + system) of a process so far.
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Busy and steal ticks of the whole machine so far (all CPUs).
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; }
now() { date +%s.%N; }

# Commands a client sends itself; INFO commandstats also counts every command a script runs
# (each redis.call), so the others are counted as the script's own work, not round trips. (trawl's
# join sends one EXISTS of its own per process beside the script's, noise at these page counts;
# export's HMGET and LRANGE come after the counts are read.)
REDIS_CLIENT_COMMANDS=" evalsha eval evalsha_ro eval_ro script|load script|exists ping hello auth select client|setname subscribe unsubscribe psubscribe punsubscribe scan "
# INFO commandstats as "name calls usec" lines, without the bench's own CONFIG and INFO.
command_stats() {
    rcli INFO commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2 \3/p' |
        grep -v -e '^config|' -e '^info ' || true
}

# "name calls usec" lines -> "round_trips evalsha usec_of_round_trips inner_calls detail", detail
# = name:calls,... of every command, a script's inner ones marked with a leading +.
split_stats() {
    awk -v client="$REDIS_CLIENT_COMMANDS" '
        {
            if (index(client, " " $1 " ")) { calls += $2; usec += $3; name = $1 }
            else { inner += $2; name = "+" $1 }
            if ($1 == "evalsha") e = $2
            d = d (d == "" ? "" : ",") name ":" $2
        }
        END { printf "%d %d %d %d %s\n", calls, e, usec, inner, (d == "" ? "-" : d) }'
}

# 0 (the default): all processes start at once. 1: the others start once the first has written
# the crawl's meta key, for builds before c7a659e, whose join (src/shared/join.rs, foreign_key)
# checked EXISTS meta and then SCANned the crawl's prefix in separate round trips: a process
# started together with the seeding one found the seeder's keys without the meta key it had
# looked for a moment before, and was refused with exit 2 ("holds data of another program").
REDIS_STAGGER=${REDIS_STAGGER:-0}

# One measurement: PROCS trawl processes started together.
# redis_measure LABEL MODE(redis|local) PROCS WORKERS ROUND BUDGET SEED
redis_measure() {
    local label=$1 mode=$2 procs=$3 w=$4 round=$5 budget=$6 seed=$7
    local dir=$TMP/redis-runs/$label-r$round id=bench-$label-r$round-$$ i pid rc
    local pids=() rcs=() args
    rm -rf "$dir"; mkdir -p "$dir"
    [[ $mode == redis ]] && rcli CONFIG RESETSTAT >/dev/null
    local r0 l0 b0 s0 t0 t1 r1 l1 b1 s1
    r0=$(proc_ticks "$REDIS_PID"); l0=$(proc_ticks "$LAT_PID")
    read -r b0 s0 < <(machine_ticks)
    t0=$(now)
    for ((i = 1; i <= procs; i++)); do
        args=("$BIN/trawl" "$seed" --max-depth 10 --max-pages "$budget" --scope host --delay 0
            --per-host 1000 -w "$w" --queue-capacity 256 --retries 0 -q -o "$dir/p$i.csv"
            --summary-json "$dir/p$i.json")
        [[ $mode == redis ]] && args+=(--redis "$REDIS_URL" --crawl-id "$id")
        /usr/bin/time -f '%e %U %S %M' -o "$dir/p$i.time" "${args[@]}" >"$dir/p$i.log" 2>&1 &
        pids+=($!)
        # The others join once the first has seeded the crawl: a joiner that starts while the
        # first is seeding can be refused (see REDIS_STAGGER above).
        if [[ $mode == redis && $i == 1 && $procs -gt 1 && $REDIS_STAGGER == 1 ]]; then
            local waits=0 seeded_after
            while ((waits++ < 500)) && [[ $(rcli EXISTS "trawl:{$id}:meta") != 1 ]]; do sleep 0.01; done
            seeded_after=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
            log "  $label: the crawl's meta key appeared ${seeded_after} s after the first start; starting the other $((procs - 1))"
        fi
    done
    for pid in "${pids[@]}"; do
        rc=0
        wait "$pid" || rc=$?
        rcs+=("$rc")
    done
    t1=$(now)
    r1=$(proc_ticks "$REDIS_PID"); l1=$(proc_ticks "$LAT_PID")
    read -r b1 s1 < <(machine_ticks)
    local stats="" calls=0 evalsha=0 usec=0 detail=- inner=0
    if [[ $mode == redis ]]; then
        stats=$(command_stats)
        if [[ -n $stats ]]; then
            read -r calls evalsha usec inner detail < <(split_stats <<<"$stats")
        fi
    fi
    # Rows of all processes: count, distinct URLs, rows with an error; per process.
    local rows distinct errs per
    read -r rows distinct errs < <(awk -F, 'FNR > 1 { rows++; if (!($1 in u)) { u[$1] = 1; d++ } if ($NF != "") e++ }
        END { printf "%d %d %d\n", rows, d, e }' "$dir"/p*.csv 2>/dev/null || echo "0 0 0")
    per=$(for ((i = 1; i <= procs; i++)); do
        if [[ -f $dir/p$i.csv ]]; then echo $(($(wc -l <"$dir/p$i.csv") - 1)); else echo 0; fi
    done | paste -sd+ -)
    local cpu rss
    read -r cpu rss < <(cat "$dir"/p*.time 2>/dev/null | awk 'NF == 4 && $1 ~ /^[0-9.]+$/ { c += $2 + $3; if ($4 > m) m = $4 }
        END { printf "%.2f %d\n", c, m }')
    local exported=-
    if [[ $mode == redis ]]; then
        if "$BIN/trawl" export --redis "$REDIS_URL" --crawl-id "$id" -o "$dir/export.csv" \
            >"$dir/export.log" 2>&1; then
            exported=$(($(wc -l <"$dir/export.csv") - 1))
        else
            exported="exit$?"
        fi
    fi
    local hz wall
    hz=$(getconf CLK_TCK)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    local exits
    exits=$(IFS=+; echo "${rcs[*]}")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$label" "$mode" "$procs" "$w" "$round" "$budget" "$rows" "$distinct" "$errs" "$wall" "$cpu" "$rss" \
        "$(awk -v a="$r0" -v b="$r1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')" \
        "$(awk -v a="$l0" -v b="$l1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')" \
        "$(awk -v a="$b0" -v b="$b1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')" \
        "$(awk -v a="$s0" -v b="$s1" -v h="$hz" 'BEGIN { printf "%.2f", (b - a) / h }')" \
        "$calls" "$evalsha" "$usec" "$exits" "$per" "$exported" "$detail" "$inner" >>"$REDIS_TSV"
    tail -1 "$REDIS_TSV" | awk -F'\t' -v n="$RUNS" '{
        printf "%-14s run %s/%s: %5d pages (%s; %d distinct) in %6.2f s = %6.1f pages/s; CPU trawl %.2f s, redis %.2f s, latency server %.2f s, machine %.2f s of %.2f; round trips/page %s (+%s inside scripts); exit %s; export %s\n",
            $1, $5, n, $7, $21, $8, $10, ($10 > 0 ? $7 / $10 : 0), $11, $13, $14, $15, $10 * '"$(nproc)"',
            ($2 == "redis" && $7 > 0 ? sprintf("%.2f", $17 / $7) : "-"), ($2 == "redis" && $7 > 0 ? sprintf("%.1f", $24 / $7) : "-"), $20, $22 }' >&2
    for ((i = 1; i <= procs; i++)); do
        if [[ ${rcs[i - 1]} != 0 ]]; then
            log "  process $i exited ${rcs[i - 1]}; last lines of its output:"
            tail -3 "$dir/p$i.log" | sed 's/^/  /' >&2
        fi
    done
}

# The measurements of one round, in order: redis at each process count, one process with the
# largest run's workers, and trawl without --redis at both worker counts.
redis_round_specs() { # prints "label mode procs workers budget" lines
    local p max=0
    local -a procs
    IFS=, read -r -a procs <<<"$REDIS_PROCS"
    for p in "${procs[@]}"; do
        echo "redis-p$p-w$REDIS_WORKERS redis $p $REDIS_WORKERS $((p * REDIS_PAGES))"
        ((p > max)) && max=$p
    done
    if ((max > 1)); then
        echo "redis-p1-w$((max * REDIS_WORKERS)) redis 1 $((max * REDIS_WORKERS)) $((max * REDIS_PAGES))"
    fi
    echo "local-p1-w$REDIS_WORKERS local 1 $REDIS_WORKERS $REDIS_PAGES"
    if ((max > 1)); then
        echo "local-p1-w$((max * REDIS_WORKERS)) local 1 $((max * REDIS_WORKERS)) $((max * REDIS_PAGES))"
    fi
}

redis_throughput() {
    start_redis || return 1
    local specs=() largest=0 spec label mode procs w budget run i
    mapfile -t specs < <(redis_round_specs)
    for spec in "${specs[@]}"; do
        read -r _ _ _ _ budget <<<"$spec"
        ((budget > largest)) && largest=$budget
    done
    # The latency site: --pages (5,150 by default), or a quarter more than the largest budget,
    # so that --max-pages, not the end of the site, ends every run.
    local site=$PAGES
    ((site < largest + largest / 4)) && site=$((largest + largest / 4))
    REDIS_THROUGHPUT_SITE=$site
    start_latency_server 200 "$site" || return 1
    local seed=http://127.0.0.1:$LAT_PORT/
    log ""
    log "== redis-throughput: trawl-latency-server on 127.0.0.1:$LAT_PORT, $site pages, 200 ms; $REDIS_PAGES pages per process, $REDIS_WORKERS workers each; $REDIS_URL"
    for run in $(seq "$RUNS"); do
        if ((run % 2 == 1)); then
            for spec in "${specs[@]}"; do
                read -r label mode procs w budget <<<"$spec"
                redis_measure "$label" "$mode" "$procs" "$w" "$run" "$budget" "$seed"
            done
        else
            for ((i = ${#specs[@]} - 1; i >= 0; i--)); do
                read -r label mode procs w budget <<<"${specs[i]}"
                redis_measure "$label" "$mode" "$procs" "$w" "$run" "$budget" "$seed"
            done
        fi
    done
    stop_server "$LAT_PID"
}

redis_memory() {
    start_redis || return 1
    if ! command -v python3 >/dev/null; then
        REDIS_MEM+=("redis-memory skipped: it needs python3 (bench/redis_mem.py talks RESP to Redis)")
        return 0
    fi
    # Page i links to its children 100 i + 1 ..= 100 i + 100 and to 16 pages drawn at random from
    # the whole site; a page drawn at random above pages / 100 has no children. On 1,010,101
    # pages (the 100-ary tree of depth 3) the 10,101 pages fetched breadth-first are not the
    # tree's first levels but include such childless pages, and saw 753,874 URLs; twice as many
    # pages gives every page fetched its 100 children: 11,000 fetched see ~1,000,000 (as seen1m).
    local pages=${REDIS_MEM_SITE:-2000000} budget=${REDIS_MEM_PAGES:-11000} id=bench-mem-$$ dir=$TMP/redis-memory
    local mem="python3 $BENCH/redis_mem.py $REDIS_PORT"
    mkdir -p "$dir"
    # Our own server: the throughput runs' keys (rows, expiring run keys) go, so used_memory
    # before/after is this crawl's alone.
    rcli FLUSHALL SYNC >/dev/null
    start_latency_server 0 "$pages" || return 1
    local seed=http://127.0.0.1:$LAT_PORT/
    log ""
    log "== redis-memory: trawl-latency-server on 127.0.0.1:$LAT_PORT, $pages pages, no delay; --max-depth 3 --max-pages $budget, 16 workers, crawl id $id"
    local used0 used1 rc=0 r0 r1 t0 t1
    used0=$($mem used)
    rcli CONFIG RESETSTAT >/dev/null
    r0=$(proc_ticks "$REDIS_PID")
    t0=$(now)
    /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$BIN/trawl" "$seed" --max-depth 3 --max-pages "$budget" \
        --scope host --per-host 1000 --delay 0 -w 16 --queue-capacity 256 --retries 0 -q \
        -o "$dir/trawl.csv" --summary-json "$dir/summary.json" --redis "$REDIS_URL" --crawl-id "$id" \
        >"$dir/trawl.log" 2>&1 || rc=$?
    t1=$(now)
    r1=$(proc_ticks "$REDIS_PID")
    used1=$($mem used)
    local stats rows seen_json wall cpu rssk
    stats=$(command_stats)
    rows=$(($(wc -l <"$dir/trawl.csv" 2>/dev/null || echo 1) - 1))
    seen_json=$(sed -n 's/^ *"seen": \([0-9]*\).*/\1/p' "$dir/summary.json" 2>/dev/null || true)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    read -r _ cpu rssk < <(awk '{ printf "x %.2f %d\n", $2 + $3, $4 }' "$dir/time")
    stop_server "$LAT_PID"
    log "trawl exit $rc: $rows rows in $wall s, CPU $cpu s; summary seen ${seen_json:-?}; used_memory $used0 -> $used1"
    [[ $rc == 0 ]] || tail -3 "$dir/trawl.log" | sed 's/^/  /' >&2
    REDIS_FAMILIES=$($mem keys "trawl:{$id}:*")
    printf '%s\n' "$REDIS_FAMILIES" | column -t -s $'\t' >&2
    local seen_line seen_keys seen_enc seen_count seen_usage
    seen_line=$(awk -F'\t' -v f="trawl:{$id}:1:s:*" '$1 == f' <<<"$REDIS_FAMILIES")
    read -r seen_keys seen_enc seen_count seen_usage < <(awk -F'\t' '{ print $2, $4, $5, $6 }' <<<"${seen_line:-x	0	-	-	0	0}")
    local del_keys del_before del_after plain8 hex40
    read -r del_keys del_before del_after < <($mem del "trawl:{$id}:1:s:*")
    local calls evalsha usec inner detail
    read -r calls evalsha usec inner detail < <(split_stats <<<"$stats")
    REDIS_MEM+=("command: \`trawl-latency-server --pages $pages --latency-ms 0\`; \`trawl SEED --max-depth 3 --max-pages $budget --scope host --per-host 1000 --delay 0 -w 16 --queue-capacity 256 --retries 0 -q -o FILE --summary-json FILE --redis $REDIS_URL --crawl-id $id\`")
    REDIS_MEM+=("trawl: exit $rc, $rows rows, $wall s, CPU $cpu s, peak RSS $((rssk / 1024)) MB; summary JSON \`seen\`: ${seen_json:-?}; redis-server CPU $(awk -v a="$r0" -v b="$r1" -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / h }') s")
    REDIS_MEM+=("Redis round trips: $calls ($evalsha evalsha) = $(awk -v c="$calls" -v p="$rows" 'BEGIN { printf "%.2f", (p > 0 ? c / p : 0) }') per page, $(awk -v c="$usec" -v p="$rows" 'BEGIN { printf "%.0f", (p > 0 ? c / p : 0) }') µs of Redis time per page; commands run inside the script: $inner = $(awk -v c="$inner" -v p="$rows" 'BEGIN { printf "%.1f", (p > 0 ? c / p : 0) }') per page (INFO commandstats; + marks a script's inner commands: ${detail//,/, })")
    REDIS_MEM+=("seen-set \`trawl:{ID}:1:s:*\`: $seen_keys keys ($seen_enc), $seen_count members (SCARD); MEMORY USAGE (SAMPLES 0) summed: $seen_usage bytes = **$(awk -v u="$seen_usage" -v n="$seen_count" 'BEGIN { printf "%.1f", (n > 0 ? u / n : 0) }') B per URL seen**")
    REDIS_MEM+=("used_memory: $used0 before the crawl, $used1 right after it (+$((used1 - used0)) bytes, all of the crawl's keys: $(awk -v u="$((used1 - used0))" -v n="$seen_count" 'BEGIN { printf "%.1f", (n > 0 ? u / n : 0) }') B per URL seen); deleting the $del_keys seen-set keys freed $((del_before - del_after)) bytes = $(awk -v u="$((del_before - del_after))" -v n="$seen_count" 'BEGIN { printf "%.1f", (n > 0 ? u / n : 0) }') B per URL seen")
    if [[ $seen_count =~ ^[0-9]+$ ]] && ((seen_count > 0)); then
        local n u d e
        read -r n u d e < <($mem plain bin8 "$seen_count")
        REDIS_MEM+=("plain SET of $n random 8-byte binary members (one key, $e): MEMORY USAGE $u bytes = $(awk -v u="$u" -v n="$n" 'BEGIN { printf "%.1f", u / n }') B per member; used_memory +$d = $(awk -v u="$d" -v n="$n" 'BEGIN { printf "%.1f", u / n }') B per member")
        read -r n u d e < <($mem plain hex40 "$seen_count")
        REDIS_MEM+=("plain SET of $n 40-character hex members (scrapy-redis's SHA-1 fingerprints; $e): MEMORY USAGE $u bytes = $(awk -v u="$u" -v n="$n" 'BEGIN { printf "%.1f", u / n }') B per member; used_memory +$d = $(awk -v u="$d" -v n="$n" 'BEGIN { printf "%.1f", u / n }') B per member")
    fi
}

# The report sections (Markdown on stdout).
redis_report() {
    local hz_cores
    hz_cores=$(nproc)
    if [[ -s $REDIS_TSV ]]; then
        echo "## redis-throughput"
        echo
        echo "- latency site: \`trawl-latency-server --pages $REDIS_THROUGHPUT_SITE --latency-ms 200\`, seed \`/\`; Redis $REDIS_VERSION on loopback, \`--save \"\" --appendonly no\`"
        echo "- each process: \`trawl SEED --max-depth 10 --max-pages B --scope host --delay 0 --per-host 1000 -w W --queue-capacity 256 --retries 0 -q -o FILE --summary-json FILE [--redis URL --crawl-id bench-LABEL-rRUN-PID]\`, B = $REDIS_PAGES × processes"
        if [[ $REDIS_STAGGER == 1 ]]; then
            echo "- REDIS_STAGGER=1: the first process starts alone; the others start as soon as it has written the crawl's meta key (polled every 10 ms; tens of ms, in the log), for builds before c7a659e, whose joiners started at the same moment could be refused (exit 2, \"holds data of another program\")"
        else
            echo "- all processes of a run started at once"
        fi
        echo "- pages/s = rows of all processes ÷ wall time from the first start to the last exit; efficiency = pages/s ÷ (processes × W ÷ 0.2 s)"
        echo "- CPU: trawl = user + sys of all its processes (GNU time); redis-server and latency server from /proc/PID/stat; machine = busy time of all $hz_cores CPUs (/proc/stat), other = machine − trawl − redis − latency server (other work on the machine, the kernel's share not charged to a process)"
        echo "- round trips = the commands clients sent (EVALSHA, and PING, SUBSCRIBE, SCAN, ... of their own) between CONFIG RESETSTAT and INFO commandstats, the bench's own CONFIG and INFO left out; INFO commandstats also counts each command a script runs (redis.call), shown apart as inside scripts; Redis µs/page = the usec INFO commandstats gives the round trips (a script's time includes its inner commands)"
        echo
        awk -F'\t' "$AWK_MEDIAN"'
            {
                k = $1
                if (!(k in seen)) { seen[k] = 1; order[++groups] = k; mode[k] = $2; procs[k] = $3; w[k] = $4 }
                runs[k]++
                rate = ($10 > 0 ? $7 / $10 : 0)
                add("rate", k, rate); add("pages", k, $7); add("wall", k, $10)
                add("cpu", k, ($7 > 0 ? 1000 * $11 / $7 : 0)); add("rcpu", k, ($7 > 0 ? 1000 * $13 / $7 : 0))
                add("lcpu", k, $14 / $10); add("busy", k, $15 / $10); add("other", k, ($15 - $11 - $13 - $14) / $10)
                add("steal", k, $16 / $10)
                add("calls", k, ($7 > 0 ? $17 / $7 : 0)); add("usec", k, ($7 > 0 ? $19 / $7 : 0)); add("inner", k, ($7 > 0 ? $24 / $7 : 0))
                round[k, $5] = rate; if ($5 > rounds) rounds = $5
                dup[k] += $7 - $8; if ($9 > 0) errs[k] += $9
                if ($20 !~ /^0(\+0)*$/) bad[k] = bad[k] " " $20
                if ($2 == "redis" && $22 != $7) xp[k] = xp[k] " " $22 "≠" $7
            }
            END {
                ref = ""
                for (g = 1; g <= groups; g++) if (mode[order[g]] == "redis" && procs[order[g]] == 1) { ref = order[g]; break }
                rr = (ref != "" ? median("rate" SUBSEP ref, runs[ref]) : 0)
                print "| run | processes × workers | rounds | pages | wall s | pages/s | ÷ 1 process | per round | efficiency | trawl CPU ms/page | redis CPU ms/page | Redis round trips/page | inside scripts/page | Redis µs/page | CPUs busy (of '"$hz_cores"') | latency server CPUs | other CPUs | steal | checks |"
                print "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
                for (g = 1; g <= groups; g++) {
                    k = order[g]; n = runs[k]
                    rate = median("rate" SUBSEP k, n)
                    per = ""
                    if (ref != "" && k != ref)
                        for (r = 1; r <= rounds; r++)
                            if (((k, r) in round) && ((ref, r) in round) && round[ref, r] > 0)
                                per = per (per == "" ? "" : ", ") sprintf("%.2f", round[k, r] / round[ref, r])
                    check = (dup[k] > 0 ? dup[k] " rows twice" : "no row twice")
                    if (errs[k] > 0) check = check "; " errs[k] " error rows"
                    if (bad[k] != "") check = check "; exits" bad[k]
                    if (xp[k] != "") check = check "; export rows" xp[k]
                    else if (mode[k] == "redis") check = check "; export = rows"
                    printf "| %s | %d × %d | %d | %d | %.2f | %.1f | %s | %s | %.0f%% | %.2f | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %s |\n",
                        k, procs[k], w[k], n, median("pages" SUBSEP k, n), median("wall" SUBSEP k, n), rate,
                        (rr > 0 ? sprintf("%.2f", rate / rr) : "-"), (per == "" ? "-" : per),
                        100 * rate / (procs[k] * w[k] / 0.2), median("cpu" SUBSEP k, n),
                        (mode[k] == "redis" ? sprintf("%.3f", median("rcpu" SUBSEP k, n)) : "-"),
                        (mode[k] == "redis" ? sprintf("%.2f", median("calls" SUBSEP k, n)) : "-"),
                        (mode[k] == "redis" ? sprintf("%.1f", median("inner" SUBSEP k, n)) : "-"),
                        (mode[k] == "redis" ? sprintf("%.0f", median("usec" SUBSEP k, n)) : "-"),
                        median("busy" SUBSEP k, n), median("lcpu" SUBSEP k, n), median("other" SUBSEP k, n),
                        median("steal" SUBSEP k, n), check
                }
            }' "$REDIS_TSV"
        echo
        echo "### Redis commands per page, by command (all rounds of each run together; + = run inside a script, not a round trip)"
        echo
        awk -F'\t' '
            $2 == "redis" {
                k = $1
                if (!(k in seen)) { seen[k] = 1; order[++groups] = k }
                pages[k] += $7; calls[k] += $17; inner[k] += $24
                n = split($23, part, ",")
                for (i = 1; i <= n; i++) {
                    split(part[i], cv, ":"); if (cv[1] == "" || cv[1] == "-") continue
                    if (!((k, cv[1]) in c)) names[k] = names[k] " " cv[1]
                    c[k, cv[1]] += cv[2]
                }
            }
            END {
                print "| run | pages (all rounds) | round trips/page | inside scripts/page | by command (per page) |"
                print "|---|---:|---:|---:|---|"
                for (g = 1; g <= groups; g++) {
                    k = order[g]; s = ""
                    m = split(substr(names[k], 2), list, " ")
                    for (i = 1; i <= m; i++) s = s (s == "" ? "" : ", ") sprintf("%s %.3f", list[i], c[k, list[i]] / pages[k])
                    printf "| %s | %d | %.2f | %.1f | %s |\n", k, pages[k], (pages[k] > 0 ? calls[k] / pages[k] : 0), (pages[k] > 0 ? inner[k] / pages[k] : 0), s
                }
            }' "$REDIS_TSV"
        echo
        echo "### All runs"
        echo
        echo "| run | round | pages (per process) | wall s | trawl CPU s | peak RSS MB | redis CPU s | latency server CPU s | machine busy s | steal s | round trips | evalsha | inside scripts | exits | export rows |"
        echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
        awk -F'\t' '{ printf "| %s | %s | %d (%s) | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s |\n",
            $1, $5, $7, $21, $10, $11, $12 / 1024, $13, $14, $15, $16, ($2 == "redis" ? $17 : "-"), ($2 == "redis" ? $18 : "-"), ($2 == "redis" ? $24 : "-"), $20, $22 }' "$REDIS_TSV"
        echo
    fi
    if [[ ${#REDIS_MEM[@]} -gt 0 ]]; then
        echo "## redis-memory: Redis memory per URL seen"
        echo
        for line in "${REDIS_MEM[@]}"; do echo "- $line"; done
        if [[ -n $REDIS_FAMILIES ]]; then
            echo
            echo "Every key of the crawl right after it ended (MEMORY USAGE ... SAMPLES 0, summed per family):"
            echo
            awk -F'\t' 'NR == 1 { print "| key family | keys | type | encodings | elements | MEMORY USAGE bytes | TTL s |"; print "|---|---:|---|---|---:|---:|---|"; next }
                { printf "| `%s` | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' <<<"$REDIS_FAMILIES"
        fi
        echo
    fi
}
