#!/bin/bash
# bench/passive.sh [--keep] [--file FILE] [--no-tshark]: the passive probe on a
# capture file, side by side in one run with tshark and a bare libpcap read loop.
#
# tests/tools/pcapgen writes N synthetic SMTP sessions (default 300000; env N,
# seed env SEED, default 1) into a scratch directory: 50% STARTTLS + TLS 1.3,
# 20% STARTTLS + TLS 1.2 with the certificate in the clear, 15% plaintext
# ESMTP delivery, 5% HELO after EHLO refused, 10% implicit TLS 1.3 on 465,
# over 1000 servers, 64 sessions interleaved at a time. Then, on that file
# (read once beforehand so that all three find it in the page cache):
#   (a) smtpmonctl pcap FILE --json >/dev/null   (the passive probe), and
#   (a') the same with --ports any (SMTP found by content on every port)
#   (b) tshark -n -r FILE -Y 'smtp.response.code or smtp.req.command or
#       tls.handshake.type==1 or tls.handshake.type==2' -T fields with the
#       same facts (addresses, ports, SMTP commands and reply codes, EHLO
#       keywords, SNI, TLS versions, cipher suites); ports 25 and 587 decoded
#       as SMTP, 465 as TLS (tshark's defaults, made explicit with -d).
#       If a run on the first 1% of the packets predicts more than
#       TSHARK_MAX seconds (default 600) for the whole file, tshark runs on
#       the first 10% (editcap -r) and its time is scaled by the packet
#       ratio; the table says so.
#   (c) bench/pcap_loop FILE (pcap_loop counting packets and bytes: the floor)
# For each: wall seconds, user+sys CPU seconds (/usr/bin/time, else bash
# `times`), packets/s and MB/s (captured bytes / wall time, 10^6), the
# wall-time ratio to tshark and to pcap_loop (time / their time: < 1 faster),
# and the speed relative to pcap_loop by CPU time (pcap_loop's CPU / its CPU,
# in %: the figure that holds on a machine shared with other work).
# (a), (a') and (c) run REPEAT times (default 1), interleaved, and each
# figure is the median of its runs.
# The table goes to stdout (markdown), progress to stderr.
#
# Environment: BUILD=build directory (default _build; relative to the current
# directory, else to the source tree); `make` builds tests/tools/pcapgen,
# bench/pcap_loop and agent/smtpmonctl there. If the build has no rule for
# pcapgen or pcap_loop, they are compiled with ${CC:-cc} into the scratch
# directory. N, SEED, TSHARK_MAX as above; TMPDIR for the scratch directory
# (about 1 GB for N=300000).
#
# Options:
#   --file FILE   measure an existing capture instead of generating one
#   --keep        keep the scratch directory (capture, outputs)
#   --no-tshark   leave tshark out (its row and ratios)
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

srcdir=$(cd "$(dirname "$0")/.." && pwd)
KEEP=0 FILE='' NOTSHARK=0
while [ $# -gt 0 ]; do
    case $1 in
    --keep) KEEP=1 ;;
    --no-tshark) NOTSHARK=1 ;;
    --file) FILE=${2:?}; shift ;;
    -h|--help) usage ;;
    *) echo "passive.sh: unknown option $1" >&2; usage ;;
    esac
    shift
done
N=${N:-300000} SEED=${SEED:-1} TSHARK_MAX=${TSHARK_MAX:-600} REPEAT=${REPEAT:-1}
for n in "$N" "$SEED" "$TSHARK_MAX" "$REPEAT"; do
    case $n in ''|*[!0-9]*) echo "passive.sh: not a number: $n" >&2; exit 2 ;; esac
done
for tool in tshark editcap capinfos jq awk; do
    command -v "$tool" >/dev/null || { echo "passive.sh: $tool is needed" >&2; exit 2; }
done

BUILD=${BUILD:-_build}
if [ -d "$BUILD" ]; then build=$(cd "$BUILD" && pwd)
elif [ -d "$srcdir/$BUILD" ]; then build=$(cd "$srcdir/$BUILD" && pwd)
else echo "passive.sh: no build directory $BUILD (set BUILD)" >&2; exit 2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/passive-bench.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "passive.sh: kept $T" >&2; else rm -rf "$T"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- programs ----
make -s -C "$build" agent/smtpmonctl >&2 || echo "passive.sh: make agent/smtpmonctl failed" >&2
SMTPMONCTL=$build/agent/smtpmonctl
PCAPGEN=$build/tests/tools/pcapgen PCAP_LOOP=$build/bench/pcap_loop
if ! make -s -C "$build" tests/tools/pcapgen >&2 2>"$T/make.log" || [ ! -x "$PCAPGEN" ]; then
    PCAPGEN=$T/pcapgen
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$PCAPGEN" "$srcdir/tests/tools/pcapgen.c" \
        -lpcap -lssl -lcrypto >&2 || { echo "passive.sh: cannot build pcapgen" >&2; exit 1; }
fi
if ! make -s -C "$build" bench/pcap_loop >&2 2>>"$T/make.log" || [ ! -x "$PCAP_LOOP" ]; then
    PCAP_LOOP=$T/pcap_loop
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$PCAP_LOOP" "$srcdir/bench/pcap_loop.c" \
        -lpcap >&2 || { echo "passive.sh: cannot build pcap_loop" >&2; exit 1; }
fi

# ---- the capture ----
if [ -n "$FILE" ]; then
    CAP=$FILE
    GEN="existing file $FILE"
else
    CAP=$T/bench.pcap
    echo "passive.sh: generating $N sessions (seed $SEED) into $CAP" >&2
    t0=$(date +%s.%N)
    "$PCAPGEN" bench -n "$N" -s "$SEED" -o "$CAP" > "$T/gen.json" ||
        { echo "passive.sh: pcapgen failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    GEN="pcapgen bench -n $N -s $SEED in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: $(jq -c .classes "$T/gen.json")"
fi
cat "$CAP" > /dev/null   # page cache
read -r PACKETS BYTES < <("$PCAP_LOOP" "$CAP" | sed -nE 's/^packets=([0-9]+) bytes=([0-9]+).*/\1 \2/p')
[ -n "${PACKETS:-}" ] || { echo "passive.sh: $CAP is not readable" >&2; exit 1; }
FSIZE=$(stat -c %s "$CAP")

# ---- measuring: run_timed OUT CMD... sets WALL, CPU (user+sys), RC ----
TIMEFMT='%e %U %S'
child_cpu() { # bash fallback: CPU_SO_FAR = children's user+sys seconds
    times > "$T/times"   # not in $(...): a subshell would report its own children
    CPU_SO_FAR=$(tail -1 "$T/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } print s }')
}
run_timed() {
    local out=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "$TIMEFMT" -o "$T/time" "$@" > "$out" 2> "$T/stderr"
        RC=$?
        read -r WALL u s < <(tail -1 "$T/time")
        CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    else
        local c0 t0 t1
        child_cpu; c0=$CPU_SO_FAR; t0=$(date +%s.%N)
        "$@" > "$out" 2> "$T/stderr"
        RC=$?
        t1=$(date +%s.%N); child_cpu
        WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
        CPU=$(awk -v a="$c0" -v b="$CPU_SO_FAR" 'BEGIN { printf "%.2f", b - a }')
    fi
}

TSHARK_FILTER='smtp.response.code or smtp.req.command or tls.handshake.type==1 or tls.handshake.type==2'
run_tshark() { # OUT FILE
    run_timed "$1" tshark -n -r "$2" -d tcp.port==25,smtp -d tcp.port==587,smtp -d tcp.port==465,tls \
        -Y "$TSHARK_FILTER" -T fields \
        -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport \
        -e smtp.req.command -e smtp.response.code -e smtp.rsp.parameter \
        -e tls.handshake.extensions_server_name -e tls.handshake.version \
        -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite
}

declare -A R_WALL R_CPU R_NOTE
R_WALL[tshark]=0

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A L_WALL L_CPU

# (a), (a') and (c), interleaved, REPEAT times
SMTPMON_OK=0 SMTPMON_ANY_OK=0
if [ -x "$SMTPMONCTL" ] && [ -x "$PCAPGEN" ] &&
   "$PCAPGEN" craft tls13 -o "$T/probe.pcap" > /dev/null 2>&1 &&
   "$SMTPMONCTL" pcap "$T/probe.pcap" --json > /dev/null 2>&1; then
    SMTPMON_OK=1 SMTPMON_ANY_OK=1
else
    echo "smtpmonctl pcap: not available"
fi
for r in $(seq 1 "$REPEAT"); do
    echo "passive.sh: run $r of $REPEAT: pcap_loop" >&2
    run_timed "$T/pcap_loop.out" "$PCAP_LOOP" "$CAP"
    L_WALL[pcap_loop]+="$WALL " L_CPU[pcap_loop]+="$CPU "
    if [ "$SMTPMON_OK" = 1 ]; then
        echo "passive.sh: run $r of $REPEAT: smtpmonctl pcap" >&2
        run_timed /dev/null "$SMTPMONCTL" pcap "$CAP" --json
        if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then   # 1: alerts raised (or the file is truncated)
            L_WALL[smtpmonctl]+="$WALL " L_CPU[smtpmonctl]+="$CPU "
        else
            echo "smtpmonctl pcap: failed (exit $RC): $(head -c 300 "$T/stderr")"
            SMTPMON_OK=0
        fi
    fi
    if [ "$SMTPMON_ANY_OK" = 1 ]; then
        echo "passive.sh: run $r of $REPEAT: smtpmonctl pcap --ports any" >&2
        run_timed /dev/null "$SMTPMONCTL" pcap "$CAP" --json --ports any
        if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then
            L_WALL[smtpmonctl_any]+="$WALL " L_CPU[smtpmonctl_any]+="$CPU "
            ANY_NOTE=$(sed -n 's/.*: \([0-9]*\) sessions .*/\1 sessions/p; s/.*--ports any: \([0-9]*\) flows were not SMTP.*/\1 flows not SMTP/p' "$T/stderr" | paste -sd, - | sed 's/,/, /')
        else
            echo "smtpmonctl pcap --ports any: failed (exit $RC): $(head -c 300 "$T/stderr")"
            SMTPMON_ANY_OK=0
        fi
    fi
done
for tool in pcap_loop smtpmonctl smtpmonctl_any; do
    [ -n "${L_WALL[$tool]:-}" ] || continue
    R_WALL[$tool]=$(median <<< "${L_WALL[$tool]}")
    R_CPU[$tool]=$(median <<< "${L_CPU[$tool]}")
    R_NOTE[$tool]=""
    [ "$REPEAT" -gt 1 ] && R_NOTE[$tool]="median of $REPEAT (CPU s: ${L_CPU[$tool]% })"
done
[ -n "${ANY_NOTE:-}" ] && R_NOTE[smtpmonctl_any]="${R_NOTE[smtpmonctl_any]:+${R_NOTE[smtpmonctl_any]}; }$ANY_NOTE"

if [ "$NOTSHARK" = 0 ]; then
# (b) tshark, whole or on a prefix
TS_FILE=$CAP TS_SCALE=1 TS_NOTE="whole file"
probe_pk=$((PACKETS / 100))
if [ "$probe_pk" -ge 10000 ]; then
    editcap -r "$CAP" "$T/p1.pcap" "1-$probe_pk" >&2 || exit 1
    echo "passive.sh: tshark on the first 1% ($probe_pk packets) to estimate" >&2
    run_tshark "$T/tshark1.out" "$T/p1.pcap"
    est=$(awk -v w="$WALL" -v a="$PACKETS" -v b="$probe_pk" 'BEGIN { printf "%.0f", w * a / b }')
    echo "passive.sh: tshark estimate for the whole file: $est s" >&2
    if [ "$est" -gt "$TSHARK_MAX" ]; then
        pre=$((PACKETS / 10))
        editcap -r "$CAP" "$T/p10.pcap" "1-$pre" >&2 || exit 1
        TS_FILE=$T/p10.pcap
        TS_SCALE=$(awk -v a="$PACKETS" -v b="$pre" 'BEGIN { print a / b }')
        TS_NOTE="first 10% ($pre packets, editcap -r), time x$TS_SCALE"
    fi
    rm -f "$T/p1.pcap"
    cat "$TS_FILE" > /dev/null
fi
echo "passive.sh: tshark ($TS_NOTE)" >&2
run_tshark "$T/tshark.out" "$TS_FILE"
TS_RC=$RC
TS_LINES=$(wc -l < "$T/tshark.out")
R_WALL[tshark]=$(awk -v w="$WALL" -v k="$TS_SCALE" 'BEGIN { printf "%.2f", w * k }')
R_CPU[tshark]=$(awk -v c="$CPU" -v k="$TS_SCALE" 'BEGIN { printf "%.2f", c * k }')
R_NOTE[tshark]=$TS_NOTE
[ "$TS_RC" = 0 ] || R_NOTE[tshark]="${R_NOTE[tshark]}; exit $TS_RC: $(grep -v 'Running as user' "$T/stderr" | head -c 200)"
else
    TS_NOTE="not run (--no-tshark)" TS_LINES=0
fi

# ---- the table ----
{
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"')"
echo "tools:   $(tshark --version 2>/dev/null | head -1 | sed 's/ (Git.*//'), libpcap $(pkg-config --modversion libpcap 2>/dev/null || echo '?'), OpenSSL $(openssl version 2>/dev/null | cut -d' ' -f2)"
echo "capture: $GEN"
echo "         $PACKETS packets, $BYTES captured bytes, $FSIZE bytes on disk"
echo "tshark:  $TS_LINES lines of fields ($TS_NOTE)"
echo
echo "| tool | seconds | CPU s | packets/s | MB/s | time / tshark | time / pcap_loop | speed vs pcap_loop (CPU) | note |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for tool in smtpmonctl smtpmonctl_any tshark pcap_loop; do
    [ -n "${R_WALL[$tool]:-}" ] || continue
    [ "$tool" = tshark ] && [ "$NOTSHARK" = 1 ] && continue
    awk -v t="$tool" -v w="${R_WALL[$tool]}" -v c="${R_CPU[$tool]}" -v p="$PACKETS" -v b="$BYTES" \
        -v ts="${R_WALL[tshark]}" -v pl="${R_WALL[pcap_loop]}" -v plc="${R_CPU[pcap_loop]}" \
        -v note="${R_NOTE[$tool]}" 'BEGIN {
        if (w <= 0) w = 0.001
        if (c <= 0) c = 0.001
        name = t == "smtpmonctl" ? "smtpmonctl pcap --json" : (t == "smtpmonctl_any" ? "smtpmonctl pcap --json --ports any" : (t == "tshark" ? "tshark -T fields" : "bench/pcap_loop"))
        tsr = ts > 0 ? sprintf("%.4f", w / ts) : "-"
        printf "| %s | %.2f | %.2f | %.0f | %.1f | %s | %.2f | %.0f %% | %s |\n", name, w, c, p / w, b / w / 1e6, tsr, w / pl, 100 * plc / c, note
    }'
done
[ "$SMTPMON_OK" = 1 ] || echo "| smtpmonctl pcap --json | - | - | - | - | - | - | not available |"
}
