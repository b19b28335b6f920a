#!/bin/bash
# bench/metrics-scrape.sh [options]: the cost of /metrics (issue 16, item 6).
#
# All in one run, side by side:
#  1. render: bench/metrics_render builds a registry snapshot of N rows
#     (classified TLS 1.3 targets, as smtpmond holds them) and times
#     metrics_render() into memory: median, p99 and minimum of RUNS renders,
#     bytes and microseconds per row, text 0.0.4 and OpenMetrics; 0 rows for
#     the fixed part.
#  2. live: one bench/smtpsink (STARTTLS, RSA-2048 certificate CN
#     bench.smtpmon.test) serves N targets 127.1.0.1, 127.1.0.2, ... (as
#     bench/daemon-scale.sh); smtpmond watches them (Secure Yes, NoopInterval
#     60, ReprobeInterval 3600) with `MetricsListen 127.0.0.1:PORT`. Once every
#     target is up with TLS: RUNS requests each of GET /metrics (text),
#     GET /metrics with the OpenMetrics Accept header, and `smtpmonctl status
#     --json` for the same registry: wall time (curl's %{time_total}, the
#     time to the first byte %{time_starttransfer}; for smtpmonctl the
#     process's wall time), bytes, and smtpmond's CPU per request (utime +
#     stime from /proc/PID/stat around each request). Then a real Prometheus
#     (Debian's, its own temporary storage on a loopback port) scrapes it
#     every PROM_N_INTERVAL seconds for a window; its own
#     scrape_duration_seconds and scrape_samples_scraped are reported.
#  3. NOOP round trips: a second smtpmond watches M targets with NoopInterval
#     1 and NoopBudget 0 (no recycles), MetricsListen on. Two windows of W
#     seconds on the same daemon: (a) no scraper, (b) a real Prometheus
#     scraping /metrics every second. In both, `smtpmonctl status --json`
#     is read every second and each target's noop_rtt_us is taken when its
#     NOOP counter moved (one sample per NOOP seen); median, p90, p99 and max
#     of the samples, and smtpmond's CPU over the window (% of one core).
#     The status poll runs in both windows alike.
# Markdown tables on stdout, progress on stderr. Nothing is asserted.
#
# Environment: BUILD=build directory (default _build).
# Options:
#   --targets N        live targets for part 2 (default 10000)
#   --runs R           renders in part 1 (default 50) and requests per kind in
#                      part 2 (default 5: --requests)
#   --requests R       requests per kind in part 2 (default 5)
#   --prom-interval S  Prometheus scrape interval in part 2 (default 5)
#   --prom-window S    how long Prometheus scrapes in part 2 (default 30)
#   --rtt-targets M    targets for part 3 (default 500)
#   --window W         each window of part 3 in seconds (default 60)
#   --scraper prometheus|curl  the scraper of part 3 (default prometheus;
#                      curl: one GET /metrics a second)
#   --scrape-path P    the path the curl scraper of part 3 asks for (default
#                      /metrics; e.g. /none, a 404, for the scraper's own
#                      cost without the render)
#   --skip-live        parts 1 and 3 only
#   --keep             keep the scratch directory
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

srcdir=$(cd "$(dirname "$0")/.." && pwd)
N=10000 RUNS=50 REQ=5 PINT=5 PWIN=30 M=500 W=60 SCRAPER=prometheus KEEP=0 LIVE=1 SPATH=/metrics
while [ $# -gt 0 ]; do
    case $1 in
    --targets) N=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    --requests) REQ=${2:?}; shift ;;
    --prom-interval) PINT=${2:?}; shift ;;
    --prom-window) PWIN=${2:?}; shift ;;
    --rtt-targets) M=${2:?}; shift ;;
    --window) W=${2:?}; shift ;;
    --scraper) SCRAPER=${2:?}; shift ;;
    --scrape-path) SPATH=${2:?}; shift ;;
    --skip-live) LIVE=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage ;;
    *) echo "metrics-scrape.sh: unknown option $1" >&2; usage ;;
    esac
    shift
done
for n in $N $RUNS $REQ $PINT $PWIN $M $W; do
    case $n in ''|*[!0-9]*) echo "metrics-scrape.sh: not a number: $n" >&2; exit 2 ;; esac
done
case $SCRAPER in prometheus|curl) ;; *) usage ;; esac
for tool in jq openssl curl awk python3 prometheus; do
    command -v "$tool" >/dev/null || { echo "metrics-scrape.sh: $tool is needed" >&2; exit 2; }
done

BUILD=${BUILD:-_build}
if [ -d "$BUILD" ]; then build=$(cd "$BUILD" && pwd)
elif [ -d "$srcdir/$BUILD" ]; then build=$(cd "$srcdir/$BUILD" && pwd)
else echo "metrics-scrape.sh: no build directory $BUILD (set BUILD)" >&2; exit 2
fi
progs="bench/metrics_render bench/smtpsink agent/smtpmond agent/smtpmonctl"
# shellcheck disable=SC2086
make -s -C "$build" $progs >&2 || { echo "metrics-scrape.sh: make $progs failed" >&2; exit 1; }
RENDER=$build/bench/metrics_render SINK=$build/bench/smtpsink
SMTPMOND=$build/agent/smtpmond SMTPMONCTL=$build/agent/smtpmonctl

nmax=$N; [ "$M" -gt "$nmax" ] && nmax=$M
want=$((2 * nmax + 1024)); [ "$want" -lt 65536 ] && want=65536
ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

T=$(mktemp -d "${TMPDIR:-/tmp}/metrics-scrape.XXXXXX")
chmod 755 "$T"
SINK_PID='' DAEMON_PID='' PROM_PID='' LOOP_PID=''
stop_pid() { # PID SECONDS
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    trap - EXIT INT TERM
    stop_pid "$LOOP_PID" 2
    stop_pid "$PROM_PID" 10
    stop_pid "$DAEMON_PID" 15
    stop_pid "$SINK_PID" 5
    if [ "$KEEP" = 1 ]; then echo "metrics-scrape.sh: scratch directory kept: $T" >&2
    else rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "metrics-scrape: $*" >&2; }
now() { date +%s.%N; }
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# median / p90 / p99 / max of one number a line (nearest rank)
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - - - 0"; exit }
    printf "%s %s %s %s %d\n", v[int((NR + 1) / 2)], v[int((NR * 90 + 99) / 100)], v[int((NR * 99 + 99) / 100)], v[NR], NR }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "-") }'; }

# ---- 1. the render alone ----
log "1. metrics_render: $N rows, $RUNS renders each"
R_TEXT=$("$RENDER" "$N" "$RUNS") || exit 1
R_OM=$("$RENDER" "$N" "$RUNS" --openmetrics) || exit 1
R_ZERO=$("$RENDER" 0 "$RUNS") || exit 1
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ---- the sink and smtpmond ----
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=bench.smtpmon.test \
    -addext subjectAltName=DNS:bench.smtpmon.test \
    -keyout "$T/sink.key" -out "$T/sink.crt" 2>"$T/openssl.log" ||
    { cat "$T/openssl.log" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
"$SINK" --listen "0.0.0.0:$PORT" --cert "$T/sink.crt" --key "$T/sink.key" --ready "$T/sink.ready" \
    --max-conns $((2 * nmax + 1000)) --name bench.smtpmon.test 2>"$T/sink.log" &
SINK_PID=$!
for ((i = 0; i < 50; i++)); do
    [ -e "$T/sink.ready" ] && break
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
done
[ -e "$T/sink.ready" ] || { log "smtpsink did not start:"; cat "$T/sink.log" >&2; exit 1; }

write_conf() { # N DIR HTTPPORT NOOP BUDGET
    awk -v n="$1" -v dir="$2" -v hp="$3" -v noop="$4" -v budget="$5" -v port="$PORT" \
        -v ca="$T/sink.crt" 'BEGIN {
        printf "# smtpmond configuration for bench/metrics-scrape.sh: %d targets\n", n
        printf "CAFile %s\nMetricsListen 127.0.0.1:%d\n", ca, hp
        printf "Monitor {\n    NoopInterval %d\n    ReprobeInterval 3600\n", noop
        if (budget != "") printf "    NoopBudget %d\n", budget
        printf "}\n"
        printf "Timeout {\n    Connect 10\n    InitialMsg 30\n    AnyCmd 30\n    ConnectRetry 5\n}\n"
        printf "ControlSocket %s/ctl.sock\nPidFile %s/smtpmond.pid\n", dir, dir
        printf "StateDir %s/state\nAppldataLog %s/appldata.log\nAgentXSocket off\n", dir, dir
        v = 0
        for (i = 0; i < n; i++) {
            do { v++ } while (v % 256 == 0 || v % 256 == 255)
            printf "TargetServer {\n    TargetIP 127.%d.%d.%d\n    ConnectPort %d\n", \
                1 + int(v / 65536), int(v / 256) % 256, v % 256, port
            printf "    Secure Yes\n    TlsServerName bench.smtpmon.test\n}\n"
        }
    }' >"$2/smtpmon.conf"
}
ctl() { "$SMTPMONCTL" -s "$D/ctl.sock" "$@"; }
# targets up with TLS, from the text status (the JSON of 10,000 rows is ~16 MB)
up_tls() {
    ctl status 2>/dev/null | awk '
        !h && $1 == "TARGET" { for (i = 1; i <= NF; i++) { if ($i == "STATE") s = i; if ($i == "SEC") m = i }
                               h = 1; next }
        h && s && m && $s == "up" && $m == "T" { n++ }
        END { print n + 0 }'
}
start_daemon() { # N NOOP BUDGET LIMIT_S: sets D, HP, DAEMON_PID; waits for all up
    D=$T/d$1; mkdir -p "$D/state"; HP=$(free_port)
    write_conf "$1" "$D" "$HP" "$2" "$3"
    local t0 up=0 i
    t0=$(now)
    "$SMTPMOND" -F -f "$D/smtpmon.conf" 2>"$D/smtpmond.log" &
    DAEMON_PID=$!
    for ((i = 0; i < $4 * 2; i++)); do
        sleep 0.5
        kill -0 "$DAEMON_PID" 2>/dev/null || { log "smtpmond died:"; tail -5 "$D/smtpmond.log" >&2; exit 1; }
        up=$(up_tls)
        [ "$up" -ge "$1" ] && break
    done
    UP_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    log "smtpmond: $up of $1 targets up with TLS after $UP_S s"
    [ "$up" -ge "$1" ] || { log "not all targets came up"; exit 1; }
}
stop_daemon() { stop_pid "$DAEMON_PID" 15; DAEMON_PID=''; }

start_prom() { # INTERVAL_S DIR
    local pp i
    pp=$(free_port); mkdir -p "$2"
    cat >"$2/prometheus.yml" <<CONF
global:
  scrape_interval: ${1}s
  scrape_timeout: ${1}s
scrape_configs:
  - job_name: smtpmon
    static_configs:
      - targets: ['127.0.0.1:$HP']
CONF
    prometheus --config.file="$2/prometheus.yml" --storage.tsdb.path="$2/data" \
        --web.listen-address="127.0.0.1:$pp" --log.level=warn 2>"$2/prom.log" &
    PROM_PID=$!
    PROM=http://127.0.0.1:$pp
    for ((i = 0; i < 600; i++)); do
        [ "$(pq 'up{job="smtpmon"}' | jq -r '.data.result[0].value[1] // empty' 2>/dev/null)" = 1 ] && return 0
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "prometheus did not scrape smtpmond:"; tail -5 "$2/prom.log" >&2
    return 1
}
pq() { curl -s --data-urlencode "query=$1" "$PROM/api/v1/query"; }
# every value of a series over the last S seconds, one a line
prange() { pq "$1[$2s]" | jq -r '.data.result[0].values[]?[1]'; }

# ---- 2. live: smtpmond with N targets ----
if [ "$LIVE" = 1 ]; then
    log "2. smtpmond with $N targets (classifying)"
    start_daemon "$N" 60 '' 300
    sleep 2
    for k in text om json; do : >"$T/req.$k"; done
    OMH='Accept: application/openmetrics-text; version=1.0.0; charset=utf-8'
    for ((r = 0; r < REQ; r++)); do
        for kind in text om json; do
            c0=$(cpu_ticks "$DAEMON_PID")
            case $kind in
            text) line=$(curl -s -o /dev/null -w '%{time_total} %{size_download} %{time_starttransfer} %{http_code}' \
                      "http://127.0.0.1:$HP/metrics") ;;
            om) line=$(curl -s -o /dev/null -H "$OMH" -w '%{time_total} %{size_download} %{time_starttransfer} %{http_code}' \
                      "http://127.0.0.1:$HP/metrics") ;;
            json) t0=$(now)
                  b=$(ctl status --json | wc -c)
                  line="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }') $b - 200" ;;
            esac
            c1=$(cpu_ticks "$DAEMON_PID")
            echo "$line $(( (c1 - c0) * 1000 / CLK_TCK ))" >>"$T/req.$kind"
            sleep 0.5
        done
    done
    log "   prometheus every ${PINT} s for ${PWIN} s"
    start_prom "$PINT" "$T/prom2" || exit 1
    c0=$(cpu_ticks "$DAEMON_PID")
    sleep "$PWIN"
    c1=$(cpu_ticks "$DAEMON_PID")
    P2_CPU=$(awk -v c="$((c1 - c0))" -v hz="$CLK_TCK" -v w="$PWIN" 'BEGIN { printf "%.1f", 100 * c / hz / w }')
    P2_DUR=$(prange 'scrape_duration_seconds{job="smtpmon"}' "$PWIN" | stats)
    P2_SAMPLES=$(prange 'scrape_samples_scraped{job="smtpmon"}' "$PWIN" | median)
    P2_UP=$(prange 'up{job="smtpmon"}' "$PWIN" | awk '{ n++; s += $1 } END { printf "%d/%d", s, n }')
    stop_pid "$PROM_PID" 10; PROM_PID=''
    N_UP_S=$UP_S
    stop_daemon
fi

# ---- 3. NOOP round trips, without and with a scraper ----
log "3. smtpmond with $M targets, NoopInterval 1: ${W} s without, ${W} s with a scraper ($SCRAPER)"
start_daemon "$M" 1 0 120
sleep 5
# status --json every second; "target noops rtt_us" lines for up targets
JQ_ROWS='[ .[] | if type == "array" then .[] elif type == "object" and (.targets | type) == "array"
           then .targets[] else . end ] | .[] | select(.state == "up")
         | "\(.target) \(.counters.noops // .noops // 0) \(.noop_rtt_us)"'
window() { # NAME: samples into $T/rtt.NAME, CPU % into CPU_NAME
    local c0 c1 t0 i
    : >"$T/poll.$1"
    c0=$(cpu_ticks "$DAEMON_PID"); t0=$(now)
    for ((i = 0; i < W; i++)); do
        ctl status --json 2>/dev/null | jq -r "$JQ_ROWS" 2>/dev/null >>"$T/poll.$1"
        echo "--" >>"$T/poll.$1"
        sleep "$(awk -v t0="$t0" -v n="$(now)" -v i="$i" 'BEGIN { d = t0 + i + 1 - n; print (d > 0 ? d : 0) }')"
    done
    c1=$(cpu_ticks "$DAEMON_PID")
    # one sample per NOOP seen: a target's rtt when its noop counter moved
    awk '$1 == "--" { next } { if (($1 in last) && last[$1] != $2) print $3; last[$1] = $2 }' \
        "$T/poll.$1" >"$T/rtt.$1"
    awk -v c="$((c1 - c0))" -v hz="$CLK_TCK" -v w="$W" 'BEGIN { printf "%.2f", 100 * c / hz / w }'
}
CPU_A=$(window none)
log "   window without scraper done"
if [ "$SCRAPER" = prometheus ]; then
    start_prom 1 "$T/prom3" || exit 1
else
    ( while :; do curl -s -o /dev/null "http://127.0.0.1:$HP$SPATH"; sleep 1; done ) &
    LOOP_PID=$!
fi
CPU_B=$(window scraped)
if [ "$SCRAPER" = prometheus ]; then
    P3_DUR=$(prange 'scrape_duration_seconds{job="smtpmon"}' "$W" | stats)
    P3_UP=$(prange 'up{job="smtpmon"}' "$W" | awk '{ n++; s += $1 } END { printf "%d/%d", s, n }')
    P3_SAMPLES=$(prange 'scrape_samples_scraped{job="smtpmon"}' "$W" | median)
    stop_pid "$PROM_PID" 10; PROM_PID=''
else
    stop_pid "$LOOP_PID" 2; LOOP_PID=''
fi
log "   window with scraper done"
stop_daemon

# ---- tables ----
echo "machine:  $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(. /etc/os-release && echo "$PRETTY_NAME"), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "smtpmond: $(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null); prometheus $(prometheus --version 2>&1 | sed -n '1s/^prometheus, version \([^ ]*\).*/\1/p'); curl $(curl --version | awk 'NR == 1 { print $2 }')"
echo
echo "1. metrics_render() alone, $RUNS renders into memory"
echo
echo "| rows | format | bytes | median ms | p99 ms | min ms | us per row (median) |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for r in "$R_ZERO text" "$R_TEXT text" "$R_OM OpenMetrics"; do
    set -- $r
    l="$*"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(field rows "$l")" "${!#}" "$(field bytes "$l")" \
        "$(field median_ms "$l")" "$(field p99_ms "$l")" "$(field min_ms "$l")" "$(field us_per_row "$l")"
done
if [ "$LIVE" = 1 ]; then
    echo
    echo "2. smtpmond watching $N targets (all up with TLS after $N_UP_S s), $REQ requests each"
    echo
    echo "| request | bytes | wall s median | wall s max | first byte s median | smtpmond CPU ms median | HTTP |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    for kind in text om json; do
        case $kind in text) name='GET /metrics (text 0.0.4)' ;; om) name='GET /metrics (OpenMetrics)' ;;
                      json) name='smtpmonctl status --json' ;; esac
        awk -v name="$name" '{ t[NR] = $1; b = $2; f[NR] = $3; c[NR] = $5; code[$4]++ }
            function med(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                                          return a[int((n + 1) / 2)] }
            END { mx = 0; for (i = 1; i <= NR; i++) if (t[i] > mx) mx = t[i]
                  s = ""; for (k in code) s = s k " x" code[k] " "
                  printf "| %s | %d | %.3f | %.3f | %s | %d | %s|\n", name, b, med(t, NR), mx,
                      (f[1] == "-" ? "-" : sprintf("%.3f", med(f, NR))), med(c, NR), s }' "$T/req.$kind"
    done
    echo
    set -- $P2_DUR
    echo "Prometheus scraping it every ${PINT} s (timeout ${PINT} s) for ${PWIN} s: scrape_duration_seconds median $1, p90 $2, max $4 ($5 scrapes); up $P2_UP; samples per scrape $P2_SAMPLES; smtpmond CPU $P2_CPU % of one core"
fi
echo
echo "3. NOOP round trips, $M targets, NoopInterval 1, NoopBudget 0; $W s each, status --json polled every second in both"
echo
echo "| window | NOOPs sampled | RTT median us | p90 us | p99 us | max us | smtpmond CPU % of one core |"
echo "|---|---:|---:|---:|---:|---:|---:|"
[ "$SCRAPER" = curl ] || SPATH=/metrics
for w in "none:no scraper:$CPU_A" "scraped:$SCRAPER scraping $SPATH every 1 s:$CPU_B"; do
    IFS=: read -r f name cpu <<<"$w"
    # shellcheck disable=SC2046 # the five figures
    set -- $(stats <"$T/rtt.$f")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$5" "$1" "$2" "$3" "$4" "$cpu"
done
if [ "$SCRAPER" = prometheus ]; then
    set -- $P3_DUR
    echo
    echo "Prometheus at 1 s: scrape_duration_seconds median $1, p99 $3, max $4; up $P3_UP; samples per scrape $P3_SAMPLES"
fi
