#!/usr/bin/env bash
# Load benchmarks of respool over loopback, side by side, printed as one table.
#
#   scripts/bench-load.sh            the full run (release build, ~15 minutes,
#                                    ~7 GB of disk for the 1M-pool store)
#   scripts/bench-load.sh --smoke    tiny sizes, debug build: checks that every
#                                    step works, in well under a minute
#   scripts/bench-load.sh --only list,logging,signed,big,scale,writes,memory,prism,nodes,writers,watchers,console
#   scripts/bench-load.sh --strict   exit 1 when a target is missed
#
# Every figure is a ratio or a median/percentile taken in this one run: the
# machines are noisy, so compare rows of one table, never runs of two. A row
# comparing two wrk loads is checked on the median of its rounds' ratios:
# each round runs the two back to back, so a slow spell falls on both.
# Only 127.0.0.1 is targeted; every load is bounded in time and count.
#
# Needs: cargo, python3, wrk (installed with apt-get when missing), eatmydata
# (only to seed the 1M-pool store fast; optional), PostgreSQL on 127.0.0.1:5432
# for the PostgreSQL write row (skipped when absent), npm for Prism (full mode).
#
# Environment: BENCH_DIR (default target/bench-load), BENCH_PORT (first of
# four ports, default 18781), BENCH_PG_URL (default
# postgres://postgres@127.0.0.1:5432/postgres), BENCH_REUSE_SEED=1 (keep the
# seeded 1M-pool store of an earlier run with the same sizes), BENCH_PROFILE
# (debug or release: which build to run), BENCH_NO_BUILD=1 (use the binaries
# already built), BENCH_DURATION (seconds per measured load, full mode),
# BENCH_RESPOOL (another respool binary to measure, e.g. a candidate change).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=0
STRICT=0
ONLY="list,logging,signed,big,scale,writes,memory,prism,nodes,writers,watchers,console"
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --strict) STRICT=1 ;;
        --only) ONLY="$2"; shift ;;
        --only=*) ONLY="${1#--only=}" ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "bench-load: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

if [ "$SMOKE" = 1 ]; then
    PROFILE=debug; CARGO_PROFILE=()
    DUR=1; WARM=0.3; ROUNDS=1; CONNS=64
    TEN=10; BIG=300; SMALL_PROJECTS=4; SCALE_PROJECTS=40; PER_PROJECT=5
    ENCODE_SAMPLES=3; WRITE_CLIENTS=32; LOG_ROUNDS=1; LOG_DUR=1
    NODE_SIZES=100,200; NODE_BATCH=20; NODE_LIST_POOLS=5; NODE_SAMPLES=5
    WATCHERS=20; WATCHED_WRITES=3; CONSOLE_POOLS=50; CONSOLE_SAMPLES=5
else
    PROFILE=release; CARGO_PROFILE=(--release)
    DUR=${BENCH_DURATION:-6}; WARM=1; ROUNDS=3; CONNS=64
    TEN=10; BIG=10000; SMALL_PROJECTS=100; SCALE_PROJECTS=10000; PER_PROJECT=100
    ENCODE_SAMPLES=15; WRITE_CLIENTS=32; LOG_ROUNDS=20; LOG_DUR=1
    NODE_SIZES=1000,10000; NODE_BATCH=500; NODE_LIST_POOLS=100; NODE_SAMPLES=200
    WATCHERS=1000; WATCHED_WRITES=20; CONSOLE_POOLS=1000; CONSOLE_SAMPLES=50
fi

WORK=${BENCH_DIR:-$ROOT/target/bench-load}
PORT=${BENCH_PORT:-18781}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
mkdir -p "$WORK"
RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# One credential for every server; auth-off servers ignore it.
export RESPOOL_ACCESS_KEY=BENCHACCESSKEY000001
export RESPOOL_SECRET_KEY=BenchSecretKey00000000000000000000000000
export RESPOOL_PROJECT_ID=0123456789abcdef0123456789abcdef
export RESPOOL_DOMAIN_ID=d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0
export RESPOOL_ADMIN_TOKEN=bench-admin-token
export NO_PROXY=127.0.0.1,localhost
# The big list is one project of its own (10,000 pools).
BIG_PROJECT=b16b16b16b16b16b16b16b16b16b16b1
# Matches one pool in ten (see crates/respool-loadgen/src/fixtures.rs).
SELECTOR='env=prod,tier in (gold)'

say() { printf 'bench-load: %s\n' "$*" >&2; }
record() { printf '%s\n' "$1" >> "$RESULTS"; }

# ------------------------------------------------------------------ tools

need_apt() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    say "installing $2"
    if [ "$(id -u)" = 0 ]; then
        (apt-get install -y -qq "$2" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; }) || true
    fi
    command -v "$1" >/dev/null 2>&1
}
need_apt python3 python3 || { say "python3 is required"; exit 1; }
need_apt wrk wrk || { say "wrk is required (apt-get install wrk)"; exit 1; }
EATMYDATA=()
if need_apt eatmydata eatmydata; then EATMYDATA=(eatmydata); fi
NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
if [ -z "$NGINX" ] && need_apt nginx nginx-light; then NGINX=$(command -v nginx || echo /usr/sbin/nginx); fi

if [ -n "${BENCH_PROFILE:-}" ]; then
    PROFILE=$BENCH_PROFILE
    CARGO_PROFILE=(--profile "$PROFILE")
    [ "$PROFILE" = debug ] && CARGO_PROFILE=()
fi
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    say "building respool and respool-loadgen ($PROFILE)"
    cargo build --quiet "${CARGO_PROFILE[@]}" -p respool -p respool-loadgen
fi
BIN=$ROOT/target/$PROFILE
RESPOOL=${BENCH_RESPOOL:-$BIN/respool}
LOADGEN=$BIN/respool-loadgen

# ---------------------------------------------------------------- servers

declare -A PIDS=()
cleanup() {
    for name in "${!PIDS[@]}"; do
        kill "${PIDS[$name]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# start NAME PORT DATA_DIR AUTH [DATABASE_URL]: serves in the background and
# waits for /healthz; the start-to-healthz time goes to $WORK/NAME.start.
start() {
    local name=$1 port=$2 dir=$3 auth=$4 db=${5:-}
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        say "port $port is taken by another process: set BENCH_PORT"; exit 1
    fi
    local args=(serve --listen "127.0.0.1:$port" --data-dir "$dir" --timing immediate --auth "$auth" --lenient-networks)
    [ -n "$db" ] && args+=(--database "$db")
    local t0
    t0=$(date +%s%N)
    "$RESPOOL" "${args[@]}" >"$WORK/$name.out" 2>"$WORK/$name.log" &
    PIDS[$name]=$!
    if ! "$LOADGEN" wait --endpoint "http://127.0.0.1:$port" --since-ns "$t0" \
        --timeout-secs 60 --pid "${PIDS[$name]}" >"$WORK/$name.start" 2>/dev/null; then
        say "$name did not start:"; tail -5 "$WORK/$name.log" >&2; exit 1
    fi
}
stop() { # NAME [SIGNAL]
    local pid=${PIDS[$1]:-}
    [ -z "$pid" ] && return 0
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PIDS[$1]"
}
# start_nginx PORT DIR: nginx serving DIR/www (list.json at /list, healthz.json
# at /healthz) as static files, in the background, as the yardstick.
start_nginx() {
    local port=$1 dir=$2
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    # Served as a tuned nginx serves hot files: opened once, sent by the
    # kernel. Without the cache each request opens and closes the file,
    # which on one machine cost nginx a third of its rate.
    open_file_cache max=16 inactive=60s;
    sendfile on;
    tcp_nopush on;
    default_type application/json;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        location = /list { try_files /list.json =404; }
        location = /healthz { try_files /healthz.json =404; }
    }
}
CONF
    "$NGINX" -c "$dir/nginx.conf" -p "$dir" >"$dir/nginx.out" 2>&1 &
    PIDS[nginx]=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    say "nginx did not start:"; cat "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null; exit 1
}
# no_pool_quota PORT: lifts the project's pool quota, so a bounded create load
# measures creates, not the quota (1000 pools by default).
no_pool_quota() { # PORT [PROJECT]
    curl -sf -X PUT "http://127.0.0.1:$1/_respool/quotas/${2:-$RESPOOL_PROJECT_ID}" \
        -H "Authorization: Bearer $RESPOOL_ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d '{"pool": -1}' >/dev/null || { say "could not lift the pool quota"; exit 1; }
}
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/${PIDS[$1]}/status"; }

seed() { # DIR PROJECT PROJECTS PER_PROJECT
    mkdir -p "$1"
    "${EATMYDATA[@]}" "$LOADGEN" seed --database "sqlite://$1/respool.db" \
        --project "$2" --projects "$3" --pools-per-project "$4" --concurrency 4
}

# wrk_rps URL: requests per second of one bounded wrk run with $CONNS connections.
wrk_rps() {
    local out
    out=$(wrk -t2 -c"$CONNS" -d"${DUR}s" --timeout 10s "$@")
    if grep -q "Non-2xx" <<<"$out"; then
        say "wrk saw errors against $*:"; echo "$out" >&2; exit 1
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

# load LABEL PORT [loadgen load args...]: one signed load run, recorded.
load() {
    local label=$1 port=$2; shift 2
    local line
    line=$("$LOADGEN" load --endpoint "http://127.0.0.1:$port" --label "$label" \
        --warmup "$WARM" --duration "$DUR" "$@")
    record "$line"
    echo "$line"
}

url() { echo "http://127.0.0.1:$1/v2/$RESPOOL_PROJECT_ID/pools"; }

# ------------------------------------------------------------ 1 and 2: lists

if wants list || wants logging || wants signed || wants prism; then
    TEN_DIR=$WORK/ten
    rm -rf "$TEN_DIR"
    seed "$TEN_DIR" "$RESPOOL_PROJECT_ID" 1 "$TEN" 2>/dev/null
    # A SQLite file is served by one process: rows that compare two servers
    # give the second one a copy.
    TWIN_DIR=$WORK/ten-twin
    rm -rf "$TWIN_DIR"
    cp -a "$TEN_DIR" "$TWIN_DIR"
fi

if wants list; then
    say "1. list of $TEN pools vs /healthz (wrk, $CONNS connections, $ROUNDS rounds of ${DUR}s)"
    start open "$PORT" "$TEN_DIR" off
    if [ -n "$NGINX" ]; then
        # nginx serves the very bytes respool answered.
        NGX=$WORK/nginx
        mkdir -p "$NGX/www"
        curl -sf "$(url "$PORT")" >"$NGX/www/list.json"
        curl -sf "http://127.0.0.1:$PORT/healthz" >"$NGX/www/healthz.json"
        start_nginx "$((PORT + 2))" "$NGX"
    else
        say "   nginx not found: its rows are skipped"
    fi
    # Each pair compared against nginx runs back to back.
    for r in $(seq "$ROUNDS"); do
        h=$(wrk_rps "http://127.0.0.1:$PORT/healthz")
        record "{\"label\":\"wrk_healthz\",\"rps\":$h,\"round\":$r}"
        if [ -n "$NGINX" ]; then
            nh=$(wrk_rps "http://127.0.0.1:$((PORT + 2))/healthz")
            nl=$(wrk_rps "http://127.0.0.1:$((PORT + 2))/list")
            record "{\"label\":\"wrk_nginx_healthz\",\"rps\":$nh,\"round\":$r}"
            record "{\"label\":\"wrk_nginx_list10\",\"rps\":$nl,\"round\":$r}"
            say "   round $r: nginx healthz $nh/s, nginx list $nl/s"
        fi
        l=$(wrk_rps "$(url "$PORT")")
        record "{\"label\":\"wrk_list10\",\"rps\":$l,\"round\":$r}"
        say "   round $r: healthz $h/s, list $l/s"
    done
    stop open
    [ -n "$NGINX" ] && stop nginx
fi

if wants logging; then
    say "8. list of $TEN pools with the request log at info vs off (wrk, $LOG_ROUNDS rounds of ${LOG_DUR}s each)"
    RESPOOL_LOG=info start logged "$PORT" "$TEN_DIR" off
    RESPOOL_LOG=off start quiet "$((PORT + 1))" "$TWIN_DIR" off
    # A cost of a few per cent against a noisy machine, whose slow spells
    # last seconds: many one-second rounds, the two loads back to back and
    # in turn first, so a spell mostly falls on both halves of a round.
    for r in $(seq "$LOG_ROUNDS"); do
        if [ $((r % 2)) = 1 ]; then
            a=$(DUR=$LOG_DUR wrk_rps "$(url "$PORT")")
            b=$(DUR=$LOG_DUR wrk_rps "$(url "$((PORT + 1))")")
        else
            b=$(DUR=$LOG_DUR wrk_rps "$(url "$((PORT + 1))")")
            a=$(DUR=$LOG_DUR wrk_rps "$(url "$PORT")")
        fi
        record "{\"label\":\"wrk_list10_log_info\",\"rps\":$a,\"round\":$r}"
        record "{\"label\":\"wrk_list10_log_off\",\"rps\":$b,\"round\":$r}"
        say "   round $r: logged $a/s, quiet $b/s"
    done
    stop logged
    stop quiet
fi

if wants signed; then
    say "2. signed list vs auth off (respool-loadgen, $CONNS connections)"
    start enforce "$PORT" "$TEN_DIR" enforce
    start open "$((PORT + 1))" "$TWIN_DIR" off
    for r in $(seq "$ROUNDS"); do
        load signed_list10 "$PORT" --connections "$CONNS" >/dev/null
        load open_list10 "$((PORT + 1))" --connections "$CONNS" >/dev/null
    done
    stop enforce
    stop open
fi

# ------------------------------------------ 3: a 10,000-pool list, selectors

if wants big; then
    say "3. a list of $BIG pools vs serde_json encoding them in-process"
    BIG_DIR=$WORK/big
    rm -rf "$BIG_DIR"
    seed "$BIG_DIR" "$BIG_PROJECT" 1 "$BIG" 2>/dev/null
    start big "$PORT" "$BIG_DIR" off
    record "$("$LOADGEN" encode --endpoint "http://127.0.0.1:$PORT" --project "$BIG_PROJECT" \
        --samples "$ENCODE_SAMPLES" | sed 's/^{/{"label":"encode_big",/')"
    load big_plain "$PORT" --project "$BIG_PROJECT" --connections 2 >/dev/null
    load big_selector "$PORT" --project "$BIG_PROJECT" --connections 2 \
        --query "labelSelector=$SELECTOR" >/dev/null
    stop big
fi

# ------------------------------------------- 4 and 6: scale, memory, start

if wants scale || wants memory; then
    SMALL_DIR=$WORK/scale-small
    LARGE_DIR=$WORK/scale-large
    small_total=$((SMALL_PROJECTS * PER_PROJECT))
    large_total=$((SCALE_PROJECTS * PER_PROJECT))
    stamp="$large_total $SCALE_PROJECTS $PER_PROJECT $(cat crates/respool-store/migrations/sqlite/*.sql | cksum)"
    rm -rf "$SMALL_DIR"
    say "4. seeding $small_total pools ($SMALL_PROJECTS projects)"
    seed "$SMALL_DIR" "$RESPOOL_PROJECT_ID" "$SMALL_PROJECTS" "$PER_PROJECT" 2>/dev/null
    if [ "${BENCH_REUSE_SEED:-0}" = 1 ] && [ "$(cat "$LARGE_DIR/stamp" 2>/dev/null)" = "$stamp" ]; then
        say "   reusing the seeded $large_total-pool store"
    else
        rm -rf "$LARGE_DIR"
        say "   seeding $large_total pools ($SCALE_PROJECTS projects); takes a while at full size"
        seed "$LARGE_DIR" "$RESPOOL_PROJECT_ID" "$SCALE_PROJECTS" "$PER_PROJECT"
        echo "$stamp" > "$LARGE_DIR/stamp"
    fi
    for size in small large; do
        dir=$WORK/scale-$size
        # Both stores start from the same state: read whole into the OS page
        # cache (what a long-running server has), so that the figure compares
        # the work per list, not how much of the file the last step evicted.
        cat "$dir"/respool.db* > /dev/null
        # Lists are read from the store, not answered again: the row is
        # about the store's reads (the small store's 100 lists would all be
        # kept, the large store's 10,000 mostly not).
        RESPOOL_NO_LIST_CACHE=1 start "scale_$size" "$PORT" "$dir" off
        record "$(sed "s/^{/{\"label\":\"start_$size\",/" "$WORK/scale_$size.start")"
        sleep 1
        record "{\"label\":\"idle_rss_$size\",\"rss_kb\":$(rss_kb "scale_$size" VmRSS)}"
        projects=$SMALL_PROJECTS
        [ "$size" = large ] && projects=$SCALE_PROJECTS
        # One project's pools, the project drawn at random for each request.
        load "scale_${size}_list" "$PORT" --projects "$projects" --connections 8 >/dev/null
        stop "scale_$size"
    done
    # Peak memory with lists kept, as served by default.
    start scale_kept "$PORT" "$LARGE_DIR" off
    load scale_kept_list "$PORT" --projects "$SCALE_PROJECTS" --connections 8 >/dev/null
    record "{\"label\":\"peak_rss_large\",\"rss_kb\":$(rss_kb scale_kept VmHWM)}"
    stop scale_kept
fi

# ------------------------------------------------------------- 5: writes

if wants writes; then
    say "5. concurrent signed creates, $WRITE_CLIENTS clients"
    W=$WORK/writes-sqlite
    rm -rf "$W"; mkdir -p "$W"
    start writes_sqlite "$PORT" "$W" enforce
    no_pool_quota "$PORT"
    load creates_sqlite "$PORT" --op create --connections "$WRITE_CLIENTS" >/dev/null
    created=$(tail -1 "$RESULTS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ok_total"])')
    # Durable: killed without warning, the store still holds every answered create.
    stop writes_sqlite KILL
    start writes_sqlite "$PORT" "$W" enforce
    kept=$("$LOADGEN" count --endpoint "http://127.0.0.1:$PORT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pools"])')
    record "{\"label\":\"durable_sqlite\",\"answered\":$created,\"kept\":$kept}"
    stop writes_sqlite
    if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        db=respool_bench_$$
        admin_url=$PG_URL
        psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null
        pg=${admin_url%/*}/$db
        W=$WORK/writes-postgres
        rm -rf "$W"; mkdir -p "$W"
        start writes_pg "$PORT" "$W" enforce "$pg"
        no_pool_quota "$PORT"
        load creates_postgres "$PORT" --op create --connections "$WRITE_CLIENTS" >/dev/null
        created=$(tail -1 "$RESULTS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ok_total"])')
        stop writes_pg KILL
        start writes_pg "$PORT" "$W" enforce "$pg"
        kept=$("$LOADGEN" count --endpoint "http://127.0.0.1:$PORT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pools"])')
        record "{\"label\":\"durable_postgres\",\"answered\":$created,\"kept\":$kept}"
        stop writes_pg
        psql -q "$admin_url" -c "DROP DATABASE $db" >/dev/null
    else
        say "   PostgreSQL is not running on 127.0.0.1:5432: its row is skipped"
    fi
fi

# ------------------------------------------------------ 9: big pools

if wants nodes; then
    say "9. big pools: nodes $NODE_SIZES, batches of $NODE_BATCH, lists of $NODE_LIST_POOLS pools (server times)"
    N=$WORK/nodes
    rm -rf "$N"; mkdir -p "$N"
    # Row 9e compares the store's reads of pool lists: none is kept.
    RESPOOL_NO_LIST_CACHE=1 start nodes "$PORT" "$N" off
    no_pool_quota "$PORT"
    "$LOADGEN" big-pools --endpoint "http://127.0.0.1:$PORT" --sizes "$NODE_SIZES" \
        --batch "$NODE_BATCH" --list-pools "$NODE_LIST_POOLS" --samples "$NODE_SAMPLES" >>"$RESULTS"
    stop nodes
fi

# ------------------------------------------------- 10: a list under writers

if wants writers; then
    say "10. signed list of $TEN pools alone, then beside $WRITE_CLIENTS signed writers in other projects"
    UW=$WORK/writers
    rm -rf "$UW"
    seed "$UW" "$RESPOOL_PROJECT_ID" 1 "$TEN" 2>/dev/null
    # The writers' credential: worker w writes in the (w + 1)-th project of
    # crates/respool-loadgen/src/fixtures.rs.
    projects=()
    for w in $(seq "$WRITE_CLIENTS"); do projects+=(--project "$(printf '%032x' "$w")"); done
    creds=$("$RESPOOL" credentials create --data-dir "$UW" --project "$RESPOOL_PROJECT_ID" "${projects[@]}")
    wak=$(awk '$1 == "access_key" {print $2}' <<<"$creds")
    wsk=$(awk '$1 == "secret_key" {print $2}' <<<"$creds")
    start writers "$PORT" "$UW" enforce
    for w in $(seq "$WRITE_CLIENTS"); do no_pool_quota "$PORT" "$(printf '%032x' "$w")"; done
    load list_alone "$PORT" --op list --connections 4 >/dev/null
    "$LOADGEN" load --endpoint "http://127.0.0.1:$PORT" --ak "$wak" --sk "$wsk" --op write \
        --connections "$WRITE_CLIENTS" --label writers --warmup 0 \
        --duration "$(python3 -c "print($WARM * 2 + $DUR)")" >"$WORK/writers.json" &
    writers=$!
    load list_beside_writers "$PORT" --op list --connections 4 >/dev/null
    wait "$writers"
    record "$(cat "$WORK/writers.json")"
    stop writers
fi

# ------------------------------------------------- 11: many watchers

if wants watchers; then
    say "11. $WATCHERS signed watchers of one project: each write's arrival at every one, and memory per idle watcher"
    WD=$WORK/watchers
    rm -rf "$WD"; mkdir -p "$WD"
    start watchers "$PORT" "$WD" enforce
    "$LOADGEN" watchers --endpoint "http://127.0.0.1:$PORT" --count "$WATCHERS" \
        --writes "$WATCHED_WRITES" --pid "${PIDS[watchers]}" >>"$RESULTS"
    stop watchers
fi

# ------------------------------------------- 12: the console's pools page

if wants console; then
    say "12. the console's pools page with $CONSOLE_POOLS pools, signed in with an access key (server time)"
    CD=$WORK/console
    rm -rf "$CD"
    seed "$CD" "$RESPOOL_PROJECT_ID" 1 "$CONSOLE_POOLS" 2>/dev/null
    start console "$PORT" "$CD" enforce
    base=http://127.0.0.1:$PORT
    jar=$CD/cookies
    form=$(curl -sf -c "$jar" "$base/console/sign-in")
    csrf=$(grep -o 'name="csrf" value="[^"]*"' <<<"$form" | head -1 | sed 's/.*value="//; s/"$//')
    curl -sf -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" -d method=access-key \
        -d "project=$RESPOOL_PROJECT_ID" -d "name=$RESPOOL_ACCESS_KEY" --data-urlencode "secret=$RESPOOL_SECRET_KEY" \
        "$base/console/sign-in" || { say "console sign-in failed"; exit 1; }
    for _ in $(seq "$CONSOLE_SAMPLES"); do
        curl -sf -b "$jar" -o "$CD/page.html" "$base/console/pools" || { say "the pools page failed"; exit 1; }
    done
    listed=$(grep -o 'href="/console/pools/[^"]*"' "$CD/page.html" | sort -u | wc -l)
    curl -sf -H "Authorization: Bearer $RESPOOL_ADMIN_TOKEN" "$base/_respool/requests" |
        python3 -c '
import json, statistics, sys
pools, listed = int(sys.argv[1]), int(sys.argv[2])
ms = sorted(r["durationMs"] for r in json.load(sys.stdin)["items"]
            if r["method"] == "GET" and r["path"] == "/console/pools" and r["status"] == 200)
q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
print(json.dumps({"label": "console_pools_page", "pools": pools, "linked": listed, "n": len(ms),
                  "p50_ms": round(q(0.5), 2), "p99_ms": round(q(0.99), 2)}))' "$CONSOLE_POOLS" "$listed" >>"$RESULTS"
    stop console
fi

# ------------------------------------------------------------- 7: Prism

if wants prism; then
    PRISM=$WORK/prism/node_modules/.bin/prism
    if [ ! -x "$PRISM" ] && [ "$SMOKE" = 0 ] && command -v npm >/dev/null; then
        say "7. installing Prism (@stoplight/prism-cli) into $WORK/prism"
        npm install --prefix "$WORK/prism" --no-audit --no-fund --loglevel=error @stoplight/prism-cli >/dev/null
    fi
    if [ -x "$PRISM" ]; then
        say "7. respool vs Prism mocking respool's /openapi.json (wrk, $CONNS connections)"
        start open "$PORT" "$TEN_DIR" off
        curl -fsS "http://127.0.0.1:$PORT/openapi.json" > "$WORK/openapi.json"
        "$PRISM" mock --host 127.0.0.1 --port "$((PORT + 2))" "$WORK/openapi.json" >"$WORK/prism.log" 2>&1 &
        PIDS[prism]=$!
        for _ in $(seq 300); do
            curl -fsS -o /dev/null -H "X-Auth-Token: bench" "$(url "$((PORT + 2))")" 2>/dev/null && break
            sleep 0.1
        done
        for r in $(seq "$ROUNDS"); do
            # Prism checks that a credential header of the document's
            # security schemes is there; respool (auth off) ignores it.
            p=$(wrk_rps -H "X-Auth-Token: bench" "$(url "$((PORT + 2))")")
            l=$(wrk_rps -H "X-Auth-Token: bench" "$(url "$PORT")")
            record "{\"label\":\"wrk_prism_list\",\"rps\":$p,\"round\":$r}"
            record "{\"label\":\"wrk_respool_list\",\"rps\":$l,\"round\":$r}"
            say "   round $r: prism $p/s, respool $l/s"
        done
        stop prism
        stop open
    else
        say "7. Prism is not installed: its row is skipped (run without --smoke to install it)"
    fi
fi

# --------------------------------------------------------------- the table

python3 - "$RESULTS" "$SMOKE" "$STRICT" "$((SMALL_PROJECTS * PER_PROJECT))" "$((SCALE_PROJECTS * PER_PROJECT))" "$BIG" "$TEN" <<'EOF'
import json, statistics, sys

path, smoke, strict = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
small_n, large_n, big_n, ten_n = (int(x) for x in sys.argv[4:8])
def n(x):
    return f"{x // 1_000_000}M" if x >= 1_000_000 and x % 1_000_000 == 0 else (f"{x // 1000}k" if x >= 1000 and x % 1000 == 0 else str(x))
rows = [json.loads(l) for l in open(path) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r)

def med(label, key):
    vals = [r[key] for r in by.get(label, []) if r.get(key) is not None]
    return statistics.median(vals) if vals else None

def paired(a, b):
    """The median of the rounds' ratios a/b. A round's loads run back to
    back, so a slow spell of a shared machine falls on both of them."""
    ra = {r["round"]: r["rps"] for r in by.get(a, [])}
    rb = {r["round"]: r["rps"] for r in by.get(b, [])}
    rs = [ra[k] / rb[k] for k in ra if k in rb]
    return statistics.median(rs) if rs else None

out, missed = [], []
def row(name, value, target, ok):
    status = "-" if ok is None else ("met" if ok else "MISSED")
    if ok is False:
        missed.append(name)
    out.append((name, value, target, status))

def fmt(x, unit=""):
    return "n/a" if x is None else (f"{x:,.0f}{unit}" if x >= 100 else f"{x:.3g}{unit}")

def wrk_row(name, a, b, target):
    """A row comparing two wrk loads: their medians, and the median of the
    rounds' ratios, which the target is checked against."""
    ma, mb, r = med(a, "rps"), med(b, "rps"), paired(a, b)
    if ma and mb and r:
        row(name, f"{fmt(ma)} vs {fmt(mb)}: {r:.2f}x", f">= {target}x", r >= target)

wrk_row(f"1. list {ten_n} pools vs /healthz (wrk, req/s)", "wrk_list10", "wrk_healthz", 0.5)
wrk_row(f"1a. list of {ten_n} vs nginx serving its bytes as a file (wrk, req/s)", "wrk_list10", "wrk_nginx_list10", 0.6)
wrk_row("1b. /healthz vs nginx serving its 15 bytes (wrk, req/s)", "wrk_healthz", "wrk_nginx_healthz", 0.8)
s, o = med("signed_list10", "rps"), med("open_list10", "rps")
if s and o:
    row(f"2. signed list of {ten_n} vs auth off (loadgen, req/s)", f"{fmt(s)} vs {fmt(o)} = {s/o:.2f}x", ">= 0.9x", s / o >= 0.9)
e = by.get("encode_big", [None])[0]
if e:
    srv = e.get("server_recorded_ms_p50")
    ratio = e.get("server_ratio") or e["client_ratio"]
    row(f"3. list of {e['items']:,} pools: server vs serde_json encode (p50 ms)",
        f"{fmt(srv if srv is not None else e['client_ms_p50'])} vs {fmt(e['serde_encode_ms_p50'])} = {ratio:.2f}x"
        f" (client sees {fmt(e['client_ms_p50'])}, {e['bytes']/1e6:.1f} MB)", "<= 2x", ratio <= 2)
ss, ls_ = by.get("scale_small_list", [None])[0], by.get("scale_large_list", [None])[0]
if ss and ls_:
    r50 = ls_["p50_ms"] / ss["p50_ms"]
    row(f"4a. one project's list, {n(large_n)} vs {n(small_n)} pools stored (p50 ms)",
        f"{ls_['p50_ms']:.2f} vs {ss['p50_ms']:.2f} = {r50:.2f}x", "<= 1.5x", r50 <= 1.5)
    row(f"4b. same, p99 with {n(large_n)} pools stored", f"{ls_['p99_ms']:.2f} ms", "<= 10 ms", ls_["p99_ms"] <= 10)
bp, bs = by.get("big_plain", [None])[0], by.get("big_selector", [None])[0]
if bp and bs:
    r = bs["p50_ms"] / bp["p50_ms"]
    row(f"4c. labelSelector list vs plain list, {n(big_n)}-pool project (p50 ms)",
        f"{bs['p50_ms']:.1f} vs {bp['p50_ms']:.1f} = {r:.2f}x", "<= 2x", r <= 2)
for store, label in (("SQLite", "sqlite"), ("PostgreSQL", "postgres")):
    c = by.get(f"creates_{label}", [None])[0]
    d = by.get(f"durable_{label}", [None])[0]
    if c:
        durable = d is not None and d["kept"] >= d["answered"]
        target = ">= 1,000/s" if label == "sqlite" else "-"
        ok = (c["rps"] >= 1000 and durable) if label == "sqlite" else durable
        row(f"5. creates/s on {store}, {c['connections']} clients (p50 {c['p50_ms']:.1f} ms)",
            f"{fmt(c['rps'])}/s; after kill -9: {d['kept'] if d else '?'} of {d['answered'] if d else '?'} kept",
            target + ", all durable", ok)
pk = med("peak_rss_large", "rss_kb")
ik = med("idle_rss_large", "rss_kb")
st = med("start_large", "start_to_healthz_ms")
if pk is not None:
    row(f"6a. peak RSS, {n(large_n)} pools stored, under list load", f"{pk/1024:.1f} MB", "<= 150 MB", pk / 1024 <= 150)
if ik is not None:
    row(f"6b. idle RSS, {n(large_n)} pools stored", f"{ik/1024:.1f} MB", "<= 30 MB", ik / 1024 <= 30)
if st is not None:
    row(f"6c. start to /healthz, {n(large_n)} pools stored", f"{st:.0f} ms", "<= 200 ms", st <= 200)
wrk_row(f"8. list of {ten_n} with the request log at info vs off (wrk, req/s)", "wrk_list10_log_info", "wrk_list10_log_off", 0.95)
p, rl = med("wrk_prism_list", "rps"), med("wrk_respool_list", "rps")
if p and rl:
    row("7. respool vs Prism mock, same list (wrk, req/s)", f"{fmt(rl)} vs {fmt(p)} = {rl/p:.1f}x", ">= 10x", rl / p >= 10)

bp = by.get("big_pools", [None])[0]
if bp:
    sizes = sorted(bp["sizes"], key=int)
    small, large = bp["sizes"][sizes[0]], bp["sizes"][sizes[-1]]
    for s in sizes:
        pg = bp["sizes"][s]["nodes_page_500"]
        row(f"9a. nodes?limit=500 of a {n(int(s))}-node pool (p99 ms)", f"{pg['p99_ms']:.2f} ms", "<= 5 ms", pg["p99_ms"] <= 5)
    a, b = small["scale_one"]["p50_ms"], large["scale_one"]["p50_ms"]
    row(f"9b. scale one node, {n(int(sizes[0]))}-node pool (p50 ms)", f"{a:.2f} ms", "<= 5 ms", a <= 5)
    row(f"9c. scale one node, {n(int(sizes[-1]))} vs {n(int(sizes[0]))} nodes (p50 ms)", f"{b:.2f} vs {a:.2f} ms = {b/a:.1f}x", "<= 2x", b / a <= 2)
    for op, x in large["batch"].items():
        row(f"9d. {op} of {bp['batch_nodes']} in a {n(int(sizes[-1]))}-node pool (ms)", f"{x['p50_ms']:.2f} ms", "<= 50 ms", x["p50_ms"] <= 50)
    many, few = sorted(bp["lists"], key=int, reverse=True)
    lm, lf = bp["lists"][many]["p50_ms"], bp["lists"][few]["p50_ms"]
    row(f"9e. list {bp['list_pools']} pools of {many} vs of {few} nodes (p50 ms)", f"{lm:.2f} vs {lf:.2f} ms = {lm/lf:.1f}x", "<= 1.5x", lm / lf <= 1.5)
uw, ua, wr = (by.get(k, [None])[0] for k in ("list_beside_writers", "list_alone", "writers"))
if uw and ua and wr:
    row(f"10. signed list of {ten_n} beside {wr['connections']} signed writers ({fmt(wr['rps'])} writes/s; alone: p99 {ua['p99_ms']:.2f} ms)",
        f"p99 {uw['p99_ms']:.2f} ms", "<= 10 ms", uw["p99_ms"] <= 10 and wr["errors"] == 0)

wt = by.get("watchers", [None])[0]
if wt:
    row(f"11a. a write seen by each of {wt['watchers']:,} watchers of one project (p99 ms; p50 {wt['p50_ms']:.1f})",
        f"{wt['p99_ms']:.1f} ms", "<= 200 ms", wt["p99_ms"] <= 200)
    kb = wt["idle_kb_per_watcher"]
    row(f"11b. server memory per idle watcher ({wt['watchers']:,} open)", f"{kb:.1f} KB", "<= 32 KB", kb <= 32)

cp = by.get("console_pools_page", [None])[0]
if cp:
    row(f"12. the console's pools page with {n(cp['pools'])} pools (server p50 ms; p99 {cp['p99_ms']:.1f}; {cp['linked']} pools linked)",
        f"{cp['p50_ms']:.1f} ms", "<= 50 ms", cp["p50_ms"] <= 50 and cp["linked"] >= cp["pools"])

w = [max(len(str(r[i])) for r in out + [("figure", "measured", "target", "")]) for i in range(4)]
line = lambda r: "| " + " | ".join(str(r[i]).ljust(w[i]) for i in range(4)) + " |"
print(line(("figure", "measured", "target", "")))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for r in out:
    print(line(r))
if smoke:
    print("(smoke run: tiny sizes, short loads; the figures mean nothing)")
elif missed:
    print(f"{len(missed)} target(s) missed")
    if strict:
        sys.exit(1)
EOF
