#!/bin/bash
# bench/downgrade-latency.sh [options]: how long from a server's TLS change to
# the smtpmonTlsDowngrade notification logged by snmptrapd.
#
# A private snmpd (AgentX master) and snmptrapd (tests/lib/snmp.sh), the
# fixture server smtpfix on one loopback port with TLS 1.3, and smtpmond
# watching it with Secure Yes, ReprobeInterval R (default 5 s) and
# ConnectRetry 1 s. Restarting the fixture drops smtpmond's monitor
# connection, so the change is found by whichever comes first: the
# reconnection after ConnectRetry (1 s +-20%) or the next reprobe. (A server
# that changes under a kept connection, e.g. `postfix reload`, is found by
# the reprobe alone: tests/integration/downgrade-postfix.sh measures that
# path.)
#
# Each trial: the fixture runs with TLS 1.3 and `smtpmonctl baseline reset`
# accepts it; at t0 the fixture is restarted on the same port with
# --tls-max 1.2; t1 is when the notification's line appears in snmptrapd's
# log (polled every 20 ms). The latency t1 - t0 is printed per trial, then
# the median, mean and maximum (markdown) against the target of
# doc/design.md: ReprobeInterval + 2 s.
#
# Environment: BUILD=build directory (default _build; relative to the
# current directory, else to the source tree).
#
# Options:
#   --trials N    default 20
#   --reprobe S   ReprobeInterval in seconds, default 5
#   --keep        keep the scratch directory
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

srcdir=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=20 REPROBE=5 KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --trials) TRIALS=${2:?}; shift ;;
    --reprobe) REPROBE=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage ;;
    *) echo "downgrade-latency.sh: unknown option $1" >&2; usage ;;
    esac
    shift
done
for n in $TRIALS $REPROBE; do
    case $n in ''|*[!0-9]*|0) echo "downgrade-latency.sh: not a positive number: $n" >&2; exit 2 ;; esac
done
for tool in snmpd snmptrapd openssl jq awk ss; do
    command -v "$tool" >/dev/null || { echo "downgrade-latency.sh: $tool is needed" >&2; exit 2; }
done

BUILD=${BUILD:-_build}
if [ -d "$BUILD" ]; then build=$(cd "$BUILD" && pwd)
elif [ -d "$srcdir/$BUILD" ]; then build=$(cd "$srcdir/$BUILD" && pwd)
else echo "downgrade-latency.sh: no build directory $BUILD (set BUILD)" >&2; exit 2
fi
make -s -C "$build" agent/smtpmond agent/smtpmonctl tests/fixture/smtpfix >&2 ||
    { echo "downgrade-latency.sh: make failed in $build" >&2; exit 1; }
SMTPMOND=$build/agent/smtpmond SMTPMONCTL=$build/agent/smtpmonctl SMTPFIX=$build/tests/fixture/smtpfix

T=$(mktemp -d "${TMPDIR:-/tmp}/downgrade-latency.XXXXXX")
PIDS=()
track() { PIDS+=("$1"); }
bail() { echo "downgrade-latency.sh: $*" >&2; exit 1; }
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ "$KEEP" = 1 ] && echo "scratch directory: $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
. "$srcdir/tests/lib/snmp.sh"
. "$srcdir/tests/lib/daemon.sh"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/mail.test.key" -out "$T/mail.test.crt" \
    -days 400 -subj /CN=mail.test -addext subjectAltName=DNS:mail.test >/dev/null 2>&1 ||
    bail "openssl req failed"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FIX_PID=
fixture() {
    if [ -n "$FIX_PID" ]; then kill "$FIX_PID" 2>/dev/null; wait "$FIX_PID" 2>/dev/null; fi
    fix_at fix "127.0.0.1:$PORT" -- --cert "$T/mail.test.crt" --key "$T/mail.test.key" \
        --hostname mail.test "$@"
}
now() { date +%s.%N; }
ntraps() { grep -c "OID: .1.3.6.1.3.5321.0.4" "$TRAP_LOG" 2>/dev/null; }

snmptrapd_start || bail "snmptrapd did not start"
snmpd_start || bail "snmpd did not start"
fixture
mond_conf "$T/smtpmon.conf" <<EOF
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval 30
    ReprobeInterval $REPROBE
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $PORT
    Secure Yes
    TlsServerName mail.test
}
CAFile $T/mail.test.crt
AgentXSocket $AGENTX_SOCK
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until 100 '[ "$(ctl status --json | jq -r ".[0].baseline.tls_version")" = TLSv1.3 ]' ||
    bail "no TLSv1.3 baseline"

echo "trial latency_s" >"$T/results"
for trial in $(seq 1 "$TRIALS"); do
    fixture                                    # TLS 1.3 again
    # the monitor connection died with the fixture: wait until it is back
    # with TLS 1.3, then accept that as the baseline
    seen=$(ctl status --json | jq '.[0].counters.connects')
    wait_until $((REPROBE * 30)) '[ "$(ctl status --json | jq ".[0].counters.connects")" -gt '"$seen"' ] &&
        [ "$(ctl status --json | jq -r ".[0].tls_version")" = TLSv1.3 ]' || bail "trial $trial: no TLS 1.3 connection"
    ctl baseline reset "127.0.0.1:$PORT" >/dev/null || bail "trial $trial: reset failed"
    before=$(ntraps)
    fixture --tls-max 1.2
    t0=$(now)
    t1=
    for _ in $(seq 1 $((REPROBE * 100 + 500))); do
        if [ "$(ntraps)" -gt "$before" ]; then t1=$(now); break; fi
        sleep 0.02
    done
    [ -n "$t1" ] || bail "trial $trial: no notification"
    lat=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    echo "$trial $lat" >>"$T/results"
    echo "trial $trial: $lat s" >&2
done
mond_stop

tail -n +2 "$T/results" | awk '{ print $2 }' | sort -n | awk -v r="$REPROBE" -v n="$TRIALS" '
{ v[NR] = $1; s += $1 }
END {
    med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    printf "| ReprobeInterval | ConnectRetry | trials | min | median | mean | max | target (ReprobeInterval + 2 s) |\n"
    printf "|---|---|---|---|---|---|---|---|\n"
    printf "| %d s | 1 s | %d | %.2f s | %.2f s | %.2f s | %.2f s | %d s |\n", r, n, v[1], med, s / n, v[n], r + 2
}'
