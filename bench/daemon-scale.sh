#!/bin/bash
# bench/daemon-scale.sh [--full] [--dry-run] [options]: smtpmond at scale.
#
# For N in 100 1000 5000 (and 10000 with --full) targets, all served on
# loopback by one bench/smtpsink (STARTTLS, certificate CN bench.smtpmon.test),
# each target a distinct address 127.1.0.1, 127.1.0.2, ... on the sink's port:
#   - time from starting `smtpmond -F -f CONF` until `smtpmonctl status --json`
#     shows every target with "state":"up" and "security_method":"TLS"
#     (polled every 0.5 s, at most 120 s; the poll reads the cheap text status
#     and confirms with the JSON once that shows all targets up);
#   - then, after 2 s of settling, an idle window of 60 s (one round of NOOPs
#     at NoopInterval 60): the daemon's CPU (utime+stime from /proc/PID/stat,
#     % of one core), its VmRSS and RssAnon at the end, RSS per connection
#     = (RSS at N - RSS with 0 targets) / N, and the sink's CPU and RSS.
# A 0-target run gives the baseline. The table goes to stdout (markdown),
# progress to stderr.
#
# Environment: BUILD=build directory (default _build; relative to the current
# directory, else to the source tree). The script runs `make` for the
# programs it needs there.
#
# Options:
#   --full            add N = 10000
#   --sizes "N ..."   the sizes to run instead (0 = baseline is always run)
#   --idle S          idle window in seconds (default 60)
#   --timeout S       limit for classifying all targets (default 120)
#   --key rsa|ec      sink certificate key: RSA-2048 (default) or ECDSA P-256
#   --secure yes|no   Secure in every TargetServer (default yes; with no the
#                     wait is for "security_method":"basic")
#   --port P          sink port (default: a free one)
#   --noop S          NoopInterval in seconds (default 60)
#   --budget N        Monitor NoopBudget (default: smtpmond's, 8)
#   --sink-max-noops N  the sink closes a connection at its (N+1)th NOOP with
#                     554, as Exim does past smtp_accept_max_nonmail
#                     (default 0: never)
#   The table also gives, as the sink counted them in the idle window, the
#   new connections (recycles and reconnections after a server close; the
#   sink's NOOP-limit closes are the server closes) and what they make per
#   target and hour.
#   --keep            keep the scratch directory (configurations, logs)
#   --dry-run         no smtpmond: a Python asyncio client stands in for it
#                     (reads the same configuration, holds one connection per
#                     target with STARTTLS, NOOP every NoopInterval, writes
#                     status.json that is polled instead of smtpmonctl);
#                     tests the sink, configuration, polling, /proc figures
#                     and the table. Its figures are Python's, not smtpmond's.
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

srcdir=$(cd "$(dirname "$0")/.." && pwd)
SIZES="100 1000 5000"
FULL=0 DRY=0 IDLE=60 LIMIT=120 KEY=rsa SECURE=yes PORT='' KEEP=0 SETTLE=2
NOOP=60 BUDGET='' SINK_MAX_NOOPS=0
while [ $# -gt 0 ]; do
    case $1 in
    --full) FULL=1 ;;
    --dry-run) DRY=1 ;;
    --sizes) SIZES=${2:?}; shift ;;
    --idle) IDLE=${2:?}; shift ;;
    --timeout) LIMIT=${2:?}; shift ;;
    --key) KEY=${2:?}; shift ;;
    --secure) SECURE=${2:?}; shift ;;
    --port) PORT=${2:?}; shift ;;
    --noop) NOOP=${2:?}; shift ;;
    --budget) BUDGET=${2:?}; shift ;;
    --sink-max-noops) SINK_MAX_NOOPS=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage ;;
    *) echo "daemon-scale.sh: unknown option $1" >&2; usage ;;
    esac
    shift
done
[ "$FULL" = 1 ] && SIZES="$SIZES 10000"
case $KEY in rsa|ec) ;; *) usage ;; esac
case $SECURE in yes) SM=TLS SEC=T ;; no) SM=basic SEC=B ;; *) usage ;; esac
for n in $SIZES $IDLE $LIMIT $NOOP $BUDGET $SINK_MAX_NOOPS; do
    case $n in ''|*[!0-9]*) echo "daemon-scale.sh: not a number: $n" >&2; exit 2 ;; esac
done
for tool in jq openssl ss awk python3; do
    command -v "$tool" >/dev/null || { echo "daemon-scale.sh: $tool is needed" >&2; exit 2; }
done

BUILD=${BUILD:-_build}
if [ -d "$BUILD" ]; then build=$(cd "$BUILD" && pwd)
elif [ -d "$srcdir/$BUILD" ]; then build=$(cd "$srcdir/$BUILD" && pwd)
else echo "daemon-scale.sh: no build directory $BUILD (set BUILD)" >&2; exit 2
fi
if [ "$DRY" = 1 ]; then progs="bench/smtpsink"
else progs="bench/smtpsink agent/smtpmond agent/smtpmonctl"
fi
# shellcheck disable=SC2086
make -s -C "$build" $progs >&2 || { echo "daemon-scale.sh: make $progs failed in $build" >&2; exit 1; }
SINK=$build/bench/smtpsink SMTPMOND=$build/agent/smtpmond SMTPMONCTL=$build/agent/smtpmonctl

# ---- limits: the daemon may hold a monitor and a classification connection
# per target at once, and so may the sink ----
nmax=0
for n in $SIZES; do [ "$n" -gt "$nmax" ] && nmax=$n; done
want=$((2 * nmax + 1024)); [ "$want" -lt 65536 ] && want=65536
ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt $((2 * nmax + 64)) ]; then
    echo "daemon-scale.sh: warning: RLIMIT_NOFILE is $NOFILE (hard $(ulimit -Hn)), below 2 x $nmax + 64;" \
        "run as root with CAP_SYS_RESOURCE to raise it" >&2
fi

# ---- scratch directory, processes, cleanup ----
T=$(mktemp -d "${TMPDIR:-/tmp}/daemon-scale.XXXXXX")
chmod 755 "$T"   # smtpmond started as root may become user smtpmon
SINK_PID='' DAEMON_PID=''
stop_pid() { # PID SECONDS: SIGTERM, then SIGKILL after SECONDS
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
    [ -n "$NAP_PID" ] && kill "$NAP_PID" 2>/dev/null
    stop_pid "$DAEMON_PID" 15
    stop_pid "$SINK_PID" 5
    if [ "$KEEP" = 1 ]; then echo "daemon-scale.sh: scratch directory kept: $T" >&2
    else rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "daemon-scale: $*" >&2; }
# sleep that a signal interrupts at once (bash runs traps only between commands)
NAP_PID=''
nap() { sleep "$1" & NAP_PID=$!; wait "$NAP_PID"; NAP_PID=''; }
now() { date +%s.%N; }
CLK_TCK=$(getconf CLK_TCK)
# utime+stime in clock ticks (fields 14 and 15; the command name may hold spaces)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
sink_conns() { ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l; }

# ---- certificate and sink ----
if [ "$KEY" = rsa ]; then keyopt=(-newkey rsa:2048)
else keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
fi
openssl req -x509 "${keyopt[@]}" -nodes -days 30 -subj /CN=bench.smtpmon.test \
    -addext subjectAltName=DNS:bench.smtpmon.test \
    -keyout "$T/sink.key" -out "$T/sink.crt" 2>"$T/openssl.log" ||
    { cat "$T/openssl.log" >&2; exit 1; }
CERT=$T/sink.crt
[ -n "$PORT" ] || PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
"$SINK" --listen "0.0.0.0:$PORT" --cert "$CERT" --key "$T/sink.key" --ready "$T/sink.ready" \
    --max-conns $((2 * nmax + 1000)) --name bench.smtpmon.test --max-noops "$SINK_MAX_NOOPS" \
    2>"$T/sink.log" &
SINK_PID=$!
for ((i = 0; i < 50; i++)); do
    [ -e "$T/sink.ready" ] && break
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
done
[ -e "$T/sink.ready" ] || { log "smtpsink did not start:"; cat "$T/sink.log" >&2; exit 1; }

# ---- the stand-in for smtpmond (--dry-run) ----
cat >"$T/dummy.py" <<'PY'
# Stand-in for smtpmond: python3 dummy.py CONF STATUS_JSON
import asyncio, json, os, re, resource, ssl, sys

conf, status_path = sys.argv[1], sys.argv[2]
text = re.sub(r'#[^\n]*', '', open(conf).read())
cafile = re.search(r'(?i)\bCAFile\s+(\S+)', text).group(1)
noop = int(re.search(r'(?i)\bNoopInterval\s+(\d+)', text).group(1))
targets = []
for blk in re.findall(r'(?is)\bTargetServer\s*\{(.*?)\}', text):
    kv = {k.lower(): v for k, v in re.findall(r'(\w+)\s+(\S+)', blk)}
    targets.append((kv['targetip'], int(kv.get('connectport', 25)),
                    kv.get('secure', 'no').lower() == 'yes', kv.get('tlsservername')))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
ctx = ssl.create_default_context(cafile=cafile)
ctx.options |= ssl.OP_NO_TICKET
rows, dirty = {}, [True]
connecting = asyncio.Semaphore(256)


async def reply(r):
    while True:
        line = await r.readline()
        if not line:
            raise ConnectionError('connection closed')
        if line[3:4] != b'-':
            return line.decode(errors='replace').rstrip()


async def monitor(ip, port, secure, sni):
    key = '%s:%d' % (ip, port)
    row = rows[key] = {'target': key, 'state': 'down', 'security_method': None}
    while True:
        try:
            async with connecting:
                r, w = await asyncio.open_connection(ip, port)
                await reply(r)
                w.write(b'EHLO dummy\r\n'); await reply(r)
                if secure:
                    w.write(b'STARTTLS\r\n'); await reply(r)
                    await w.start_tls(ctx, server_hostname=sni)
                    w.write(b'EHLO dummy\r\n'); await reply(r)
            tls = w.get_extra_info('ssl_object')
            row.update(state='up', server_type='ESMTP', last_reply=None,
                       security_method='TLS' if tls else 'basic',
                       tls_version=tls.version() if tls else None)
            dirty[0] = True
            while True:
                await asyncio.sleep(noop)
                w.write(b'NOOP\r\n'); await reply(r)
        except Exception as e:
            row.update(state='down', last_reply=str(e))
            dirty[0] = True
            await asyncio.sleep(5)


async def publish():
    while True:
        if dirty[0]:
            dirty[0] = False
            with open(status_path + '.tmp', 'w') as f:
                json.dump(list(rows.values()), f)
            os.rename(status_path + '.tmp', status_path)
        await asyncio.sleep(0.5)


async def main():
    await asyncio.gather(publish(), *(monitor(*t) for t in targets))

asyncio.run(main())
PY

# ---- configuration ----
write_conf() { # N DIR
    awk -v n="$1" -v dir="$2" -v port="$PORT" -v ca="$CERT" -v secure="${SECURE^}" \
        -v noop="$NOOP" -v budget="$BUDGET" 'BEGIN {
        printf "# smtpmond configuration for bench/daemon-scale.sh: %d targets\n", n
        printf "CAFile %s\n", ca
        printf "Monitor {\n    NoopInterval %d\n    ReprobeInterval 3600\n", noop
        if (budget != "") printf "    NoopBudget %d\n", budget
        printf "}\n"
        printf "Timeout {\n    Connect 10\n    InitialMsg 30\n    AnyCmd 30\n    ConnectRetry 5\n}\n"
        printf "ControlSocket %s/ctl.sock\nPidFile %s/smtpmond.pid\n", dir, dir
        printf "StateDir %s/state\nAppldataLog %s/appldata.log\nAgentXSocket off\n", dir, dir
        # 127.1.0.1 on; host parts 0 and 255 skipped
        v = 0
        for (i = 0; i < n; i++) {
            do { v++ } while (v % 256 == 0 || v % 256 == 255)
            printf "TargetServer {\n    TargetIP 127.%d.%d.%d\n    ConnectPort %d\n", \
                1 + int(v / 65536), int(v / 256) % 256, v % 256, port
            printf "    Secure %s\n    TlsServerName bench.smtpmon.test\n}\n", secure
        }
    }' >"$2/smtpmon.conf"
}

start_daemon() { # DIR
    if [ "$DRY" = 1 ]; then
        python3 "$T/dummy.py" "$1/smtpmon.conf" "$1/status.json" 2>"$1/smtpmond.log" &
    else
        "$SMTPMOND" -F -f "$1/smtpmon.conf" 2>"$1/smtpmond.log" &
    fi
    DAEMON_PID=$!
}
status_json() { # DIR
    if [ "$DRY" = 1 ]; then cat "$1/status.json"
    else "$SMTPMONCTL" -s "$1/ctl.sock" status --json
    fi
} 2>/dev/null
# "OK ALL": distinct targets that are up with the wanted security method, and
# all distinct targets listed. Accepts an array, a stream of objects, or an
# object with a "targets" array.
# shellcheck disable=SC2016 # jq variables
JQ_COUNT='[ .[] | if type == "array" then .[] elif type == "object" and (.targets | type) == "array"
            then .targets[] else . end ]
          | "\(map(select(.state == "up" and .security_method == $sm) | .target) | unique | length) \(map(.target) | unique | length)"'
count_up() { # DIR: prints "OK ALL", or nothing while the status is not available
    status_json "$1" >"$1/status.out" && [ -s "$1/status.out" ] &&
        jq -rs --arg sm "$SM" "$JQ_COUNT" <"$1/status.out" 2>/dev/null
}
# The JSON status of 10,000 targets is about 16 MB: producing and parsing it
# costs ~0.7 s of CPU, which would slow the run it measures. So the poll reads
# the text status (STATE and SEC columns, found by their headings) and asks
# for the JSON, the authoritative check, only once that shows every target up
# (or when the text cannot be read).
fast_up() { # DIR: prints OK from the text status, or nothing
    [ "$DRY" = 1 ] && return 0
    "$SMTPMONCTL" -s "$1/ctl.sock" status 2>/dev/null | awk -v want="$SEC" '
        !h && $1 == "TARGET" { for (i = 1; i <= NF; i++) { if ($i == "STATE") s = i; if ($i == "SEC") m = i }
                               h = 1; next }
        h && s && m && $s == "up" && $m == want { n++ }
        END { if (h && s && m) print n + 0 }'
}

# the sink's own count of connections accepted and of connections it closed
# at its NOOP limit: "ACCEPTED NOOP_CLOSES" (asking smtpmond for the JSON
# status instead would grow the daemon's heap by ~30 MB at 10,000 targets,
# which the RSS figure would then show)
kept_counts() {
    kill -USR1 "$SINK_PID" 2>/dev/null || return 1
    sleep 0.2
    grep -h 'smtpsink: stats' "$T/sink.log" | tail -n 1 |
        awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["accepted"] + 0, v["noop_closes"] + 0 }'
}

# ---- one run: N DIR; sets R_* ----
run() {
    local n=$1 dir=$2 t0 t1 d0 d1 s0 s1 s_cls up all last=0 el
    mkdir -p "$dir/state"
    write_conf "$n" "$dir"
    R_TIME=- R_CPU=- R_RSS=- R_ANON=- R_SINKCLS=- R_SINKCPU=- R_SINKRSS=- R_CONNS=-
    s0=$(cpu_ticks "$SINK_PID")
    t0=$(now)
    start_daemon "$dir"
    while :; do
        sleep 0.5
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            wait "$DAEMON_PID"; log "N=$n: the daemon exited ($?); its log ends:"
            tail -n 20 "$dir/smtpmond.log" >&2
            DAEMON_PID=; return 1
        fi
        el=$(calc %.1f "$(now) - $t0")
        up=$(fast_up "$dir") all=''
        if [ -z "$up" ] || [ "$up" -ge "$n" ]; then
            read -r up all <<<"$(count_up "$dir")"
        fi
        if [ -n "$all" ] && [ "${up:-0}" -ge "$n" ]; then
            R_TIME=$el; break
        fi
        if awk "BEGIN { exit !($el >= $LIMIT) }"; then
            R_TIME=">$LIMIT (${up:-0}/$n)"; log "N=$n: gave up after $LIMIT s: ${up:-0} of $n targets classified"
            break
        fi
        if awk "BEGIN { exit !($el - $last >= 5) }"; then
            log "N=$n: ${up:-0}/$n classified after $el s"; last=$el
        fi
    done
    [ "$n" -gt 0 ] && log "N=$n: classified in $R_TIME s"
    s_cls=$(cpu_ticks "$SINK_PID")
    R_SINKCLS=$(calc %.2f "($s_cls - $s0) / $CLK_TCK")
    nap "$SETTLE"
    local idle=$IDLE
    [ "$n" -eq 0 ] && [ "$idle" -gt 10 ] && idle=10
    log "N=$n: idle window of $idle s"
    kept_counts >"$dir/kept0"
    d0=$(cpu_ticks "$DAEMON_PID"); s0=$(cpu_ticks "$SINK_PID"); t0=$(now)
    nap "$idle"
    d1=$(cpu_ticks "$DAEMON_PID"); s1=$(cpu_ticks "$SINK_PID"); t1=$(now)
    kept_counts >"$dir/kept1"
    R_RECYCLES=- R_CLOSES=- R_PERH=-
    if [ "$n" -gt 0 ] && [ -s "$dir/kept0" ] && [ -s "$dir/kept1" ]; then
        read -r a0 c0 <"$dir/kept0"; read -r a1 c1 <"$dir/kept1"
        R_CLOSES=$((c1 - c0)) R_RECYCLES=$((a1 - a0 - (c1 - c0)))
        R_PERH=$(calc %.1f "($a1 - $a0) / $n / ($t1 - $t0) * 3600")
    fi
    if [ -z "$d1" ]; then log "N=$n: the daemon died during the idle window"; DAEMON_PID=; return 1; fi
    R_CPU=$(calc %.3f "($d1 - $d0) / $CLK_TCK / ($t1 - $t0) * 100")
    R_SINKCPU=$(calc %.3f "($s1 - $s0) / $CLK_TCK / ($t1 - $t0) * 100")
    R_RSS=$(status_kib "$DAEMON_PID" VmRSS)
    R_ANON=$(status_kib "$DAEMON_PID" RssAnon)
    R_SINKRSS=$(status_kib "$SINK_PID" VmRSS)
    R_CONNS=$(sink_conns)
    stop_pid "$DAEMON_PID" 15
    DAEMON_PID=
    # let the sink see every connection closed before the next run
    for ((i = 0; i < 100; i++)); do
        [ "$(sink_conns)" -eq 0 ] && break
        sleep 0.2
    done
    return 0
}

mib() { if [ "$1" = - ]; then echo -; else calc %.1f "$1 / 1024"; fi; }

# ---- header ----
{
    echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
    echo "software: $(openssl version | cut -d' ' -f1-2), libevent $(pkg-config --modversion libevent_core 2>/dev/null || echo '?')"
    echo "daemon:   $([ "$DRY" = 1 ] && echo "DRY RUN: python3 asyncio stand-in, not smtpmond" || echo "$SMTPMOND")"
    echo "sink:     smtpsink on 0.0.0.0:$PORT, $([ "$KEY" = rsa ] && echo RSA-2048 || echo ECDSA-P256) certificate, TLS 1.2-1.3"
    echo "targets:  127.1.0.1 on, Secure ${SECURE^}, NoopInterval $NOOP, NoopBudget ${BUDGET:-default (8)}, ReprobeInterval 3600; idle window ${IDLE} s"
    echo "sink:     $([ "$SINK_MAX_NOOPS" -gt 0 ] && echo "554 and close at NOOP $((SINK_MAX_NOOPS + 1)) (Exim-like)" || echo "no NOOP limit")"
    echo "limits:   RLIMIT_NOFILE $NOFILE, ephemeral ports $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)"
    echo
} 

# ---- baseline and sizes ----
log "baseline: 0 targets"
mkdir -p "$T/n0"
if ! run 0 "$T/n0"; then log "baseline failed"; exit 1; fi
BASE_RSS=$R_RSS
rows=()
rows+=("$(printf '| %6s | %10s | %8s | %8s | %8s | %8s | %6s | %8s | %8s | %8s | %8s | %8s | %8s |' 0 - "$R_CPU" \
    "$(mib "$R_RSS")" "$(mib "$R_ANON")" - "$R_CONNS" - "$R_SINKCPU" "$(mib "$R_SINKRSS")" - - -)")
status=0
for n in $SIZES; do
    [ "$n" -eq 0 ] && continue
    log "N=$n: starting"
    mkdir -p "$T/n$n"
    run "$n" "$T/n$n" || status=1
    per=-
    [ "$R_RSS" != - ] && per=$(calc %.1f "($R_RSS - $BASE_RSS) / $n")
    rows+=("$(printf '| %6s | %10s | %8s | %8s | %8s | %8s | %6s | %8s | %8s | %8s | %8s | %8s | %8s |' "$n" "$R_TIME" "$R_CPU" \
        "$(mib "$R_RSS")" "$(mib "$R_ANON")" "$per" "$R_CONNS" "$R_SINKCLS" "$R_SINKCPU" "$(mib "$R_SINKRSS")" \
        "$R_RECYCLES" "$R_CLOSES" "$R_PERH")")
done

echo "| N | all classified (s) | idle CPU % of 1 core | RSS MiB | RssAnon MiB | RSS/conn KiB | sink conns | sink CPU s (classification) | sink idle CPU % | sink RSS MiB | recycles (window) | server closes (window) | new connections per target and hour |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
kill -USR1 "$SINK_PID" 2>/dev/null && sleep 0.2
grep -h 'smtpsink: stats' "$T/sink.log" | tail -n 1 >&2
exit $status
