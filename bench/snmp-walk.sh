#!/bin/bash
# bench/snmp-walk.sh [options]: snmpbulkwalk of smtpmonTargetTable through snmpd.
#
# A private snmpd (AgentX master on a socket in a scratch directory, UDP on
# 127.0.0.1; tests/lib/snmp.sh) and smtpmond with ROWS targets on a closed
# port of distinct loopback addresses (127.1.x.y:9, so every row is a target
# that is down: ConnectRetry 3600, nothing changes during the walks). Then
# REPS times `snmpbulkwalk -v2c -Cr50` of the whole table (ROOT.1.2, every
# column smtpmond serves), timed from the client, with the CPU time smtpmond
# and snmpd spent on it (utime+stime from /proc).
#
# The same walks are then run against a minimal net-snmp table_container
# subagent built here from the C text below (the baseline of doc/design.md:
# "a minimal net-snmp table_container subagent serving as many columns"):
# ROWS rows, same OID, same snmpd, and the very columns of smtpmond's row 1
# (a target that is down), read from smtpmond with one GET before its walks
# (every column number up to 127 asked; the ones answered are the table's)
# and compiled into the baseline as constants: the same column numbers,
# types and values in every row, so both walks carry the same varbinds of
# the same sizes however many columns the MIB grows.
#
# The table (markdown) goes to stdout: median walk time, rows/s and
# varbinds/s for each subagent, and smtpmond's rows/s as a share of the
# baseline's. Progress goes to stderr.
#
# Environment: BUILD=build directory (default _build; relative to the
# current directory, else to the source tree); `make` is run there for
# agent/smtpmond and agent/smtpmonctl.
#
# Options:
#   --rows N      rows (targets), default 10000
#   --reps N      walks per subagent, default 5
#   --cr N        snmpbulkwalk max-repetitions (-Cr), default 50
#   --no-baseline only smtpmond
#   --keep        keep the scratch directory
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

srcdir=$(cd "$(dirname "$0")/.." && pwd)
ROWS=10000 REPS=5 CR=50 BASELINE=1 KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --rows) ROWS=${2:?}; shift ;;
    --reps) REPS=${2:?}; shift ;;
    --cr) CR=${2:?}; shift ;;
    --no-baseline) BASELINE=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage ;;
    *) echo "snmp-walk.sh: unknown option $1" >&2; usage ;;
    esac
    shift
done
for n in $ROWS $REPS $CR; do
    case $n in ''|*[!0-9]*|0) echo "snmp-walk.sh: not a positive number: $n" >&2; exit 2 ;; esac
done
[ "$ROWS" -le 64000 ] || { echo "snmp-walk.sh: at most 64000 rows (127.1.x.y)" >&2; exit 2; }
for tool in snmpd snmpbulkwalk net-snmp-config cc awk ss; do
    command -v "$tool" >/dev/null || { echo "snmp-walk.sh: $tool is needed" >&2; exit 2; }
done

BUILD=${BUILD:-_build}
if [ -d "$BUILD" ]; then build=$(cd "$BUILD" && pwd)
elif [ -d "$srcdir/$BUILD" ]; then build=$(cd "$srcdir/$BUILD" && pwd)
else echo "snmp-walk.sh: no build directory $BUILD (set BUILD)" >&2; exit 2
fi
make -s -C "$build" agent/smtpmond agent/smtpmonctl >&2 ||
    { echo "snmp-walk.sh: make failed in $build" >&2; exit 1; }
SMTPMOND=$build/agent/smtpmond SMTPMONCTL=$build/agent/smtpmonctl

# ---- scratch directory and processes (tests/lib/snmp.sh wants T, track, bail) ----
T=$(mktemp -d "${TMPDIR:-/tmp}/snmp-walk.XXXXXX")
PIDS=()
track() { PIDS+=("$1"); }
bail() { echo "snmp-walk.sh: $*" >&2; exit 1; }
stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] && break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local p
    trap - EXIT INT TERM
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    if [ "$KEEP" = 1 ]; then echo "snmp-walk.sh: scratch directory kept: $T" >&2
    else rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log() { echo "snmp-walk: $*" >&2; }
# shellcheck source=tests/lib/snmp.sh
. "$srcdir/tests/lib/snmp.sh"
export MIBS=

ROOT=.1.3.6.1.3.5321
TABLE=$ROOT.1.2
cpu_ms() { # PID: utime+stime in ms
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
        awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($12 + $13) * 1000 / hz }'
}
now() { date +%s.%N; }
walk_rows() { # column 2 only: how many rows are served
    snmpbulkwalk -v2c -c public -On -Oq -Cr"$CR" -t 10 -r 0 "127.0.0.1:$SNMPD_PORT" "$TABLE.1.2" 2>/dev/null |
        grep -c "^$TABLE.1.2."
}

# measure NAME PID: REPS timed walks; one line "NAME walk_s varbinds cpu_ms snmpd_ms" per walk
measure() {
    local name=$1 pid=$2 r t0 t1 c0 c1 s0 s1 vb
    for r in $(seq 1 "$REPS"); do
        c0=$(cpu_ms "$pid"); s0=$(cpu_ms "$SNMPD_PID"); t0=$(now)
        snmpbulkwalk -v2c -c public -On -Oq -Cr"$CR" -t 10 -r 0 "127.0.0.1:$SNMPD_PORT" "$TABLE" \
            >"$T/walk.out" 2>"$T/walk.err"
        t1=$(now); c1=$(cpu_ms "$pid"); s1=$(cpu_ms "$SNMPD_PID")
        vb=$(grep -c "^$TABLE\." "$T/walk.out")
        [ -s "$T/walk.err" ] && log "$name walk $r: $(head -1 "$T/walk.err")"
        awk -v n="$name" -v a="$t0" -v b="$t1" -v v="$vb" -v c=$((c1 - c0)) -v s=$((s1 - s0)) \
            'BEGIN { printf "%s %.3f %d %d %d\n", n, b - a, v, c, s }'
        log "$name walk $r: $vb varbinds in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"
    done >>"$T/results"
}

# ---- snmpd ----
log "snmpd"
# shellcheck disable=SC2119 # no extra snmpd.conf lines
snmpd_start >&2

# ---- smtpmond with ROWS closed-port targets ----
{
    echo "ExtWrtName BENCH"
    echo "Timeout {"
    echo "    Connect 2"
    echo "    ConnectRetry 3600"
    echo "}"
    echo "Monitor {"
    echo "    ReprobeInterval 0"
    echo "}"
    echo "TargetServer {"
    for ((i = 0; i < ROWS; i++)); do
        echo "    TargetIP 127.1.$((i / 250)).$((i % 250 + 1))"
    done
    echo "    ConnectPort 9"
    echo "}"
    echo "AgentXSocket $AGENTX_SOCK"
    echo "ControlSocket $T/ctl.sock"
    echo "PidFile $T/smtpmond.pid"
    echo "StateDir $T/state"
} >"$T/smtpmon.conf"
log "smtpmond with $ROWS targets"
"$SMTPMOND" -F -f "$T/smtpmon.conf" 2>"$T/smtpmond.log" &
MOND_PID=$!
track "$MOND_PID"
for ((i = 0; i < 600; i++)); do
    [ "$(walk_rows)" = "$ROWS" ] &&
        [ "$("$SMTPMONCTL" -s "$T/ctl.sock" status 2>/dev/null | head -1 |
            sed -E 's/.* ([0-9]+) down.*/\1/')" = "$ROWS" ] && break
    kill -0 "$MOND_PID" 2>/dev/null || { cat "$T/smtpmond.log" >&2; bail "smtpmond died"; }
    sleep 0.5
done
[ "$(walk_rows)" = "$ROWS" ] || bail "smtpmond does not serve $ROWS rows (see $T/smtpmond.log)"
sleep 3   # let the start-up notifications (one smtpmonTargetDown per row) drain
# row 1 of every column, types and values in hex, for the baseline
oids=()
for ((c = 2; c <= 127; c++)); do oids+=("$TABLE.1.$c.1"); done
snmpget -v2c -c public -On -Ox -t 10 -r 0 "127.0.0.1:$SNMPD_PORT" "${oids[@]}" >"$T/row1.txt" 2>&1 ||
    bail "snmpget of row 1 failed: $(head -3 "$T/row1.txt")"
awk -v table="$TABLE.1." '
function flush(   n, i, a, out) {   # the string column held: "7F 01" -> "\x7f\x01"
    if (scol == "") return
    n = split(sval, a, " "); out = ""
    for (i = 1; i <= n; i++) out = out "\\x" tolower(a[i])
    printf "\t{ %d, ASN_OCTET_STR, 0, \"%s\", %d },\n", scol, out, n
    scol = ""
}
/^\./ { flush() }
!/^\./ { if (scol != "") sval = sval " " $0; next }   # Hex-STRING goes on over lines
index($1, table) == 1 && $3 != "No" {
    col = substr($1, length(table) + 1); sub(/\..*/, "", col)
    type = $3; sub(/:$/, "", type); val = $0; sub(/^[^=]*= [^:]*: ?/, "", val)
    if ($3 == "\"\"") { type = "STRING"; val = "" }
    if (type == "Hex-STRING" || type == "STRING") {
        gsub(/[^0-9A-Fa-f ]/, "", val); scol = col; sval = val
    } else {
        if (type == "Timeticks") { sub(/^\(/, "", val); sub(/\).*/, "", val) }
        sub(/ .*/, "", val)
        asn = type == "INTEGER" ? "ASN_INTEGER" : type == "Gauge32" ? "ASN_GAUGE" : \
            type == "Counter32" ? "ASN_COUNTER" : type == "Timeticks" ? "ASN_TIMETICKS" : \
            type == "Counter64" ? "ASN_COUNTER64" : ""
        if (asn == "") { print "unknown type " type " in column " col >"/dev/stderr"; exit 1 }
        printf "\t{ %d, %s, %sLL, \"\", 0 },\n", col, asn, val
    }
}
END { flush() }' "$T/row1.txt" >"$T/walkcols.h" || bail "cannot read the columns of row 1 ($T/row1.txt)"
NCOLS=$(grep -c . "$T/walkcols.h")
[ "$NCOLS" -gt 0 ] || bail "no column in row 1 ($T/row1.txt)"
log "smtpmond serves $NCOLS columns"
measure smtpmond "$MOND_PID"
MOND_RSS=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$MOND_PID/status")
stop_pid "$MOND_PID"

# ---- the baseline: a minimal table_container subagent ----
if [ "$BASELINE" = 1 ]; then
    cat >"$T/walkbase.c" <<'EOF'
/* walkbase SOCKET ROWS: an AgentX subagent serving ROWS rows under
 * 1.3.6.1.3.5321.1.2.1 with net-snmp's table_container helper and nothing
 * else; the columns (walkcols.h, made by bench/snmp-walk.sh) are smtpmond's
 * row 1: column number, type and value, the same in every row. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

struct col {
	unsigned num;
	u_char type;
	long long num_value;
	const char *bytes;
	size_t len;
};

static const struct col cols[] = {
#include "walkcols.h"
};
#define NCOLS (sizeof cols / sizeof cols[0])
static const struct col *by_num[256];

struct row {
	netsnmp_index idx;
	oid sub[1];
};

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static int
on_get(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
    netsnmp_agent_request_info *ri, netsnmp_request_info *req)
{
	(void)h, (void)reg;
	if (ri->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (; req != NULL; req = req->next) {
		struct row *r = netsnmp_container_table_row_extract(req);
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(req);
		const struct col *c;

		if (req->processed)
			continue;
		if (r == NULL || ti == NULL || ti->colnum >= 256 || (c = by_num[ti->colnum]) == NULL) {
			netsnmp_set_request_error(ri, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		switch (c->type) {
		case ASN_OCTET_STR:
			snmp_set_var_typed_value(req->requestvb, ASN_OCTET_STR, c->bytes, c->len);
			break;
		case ASN_INTEGER: {
			long l = (long)c->num_value;
			snmp_set_var_typed_value(req->requestvb, c->type, &l, sizeof l);
			break;
		}
		case ASN_COUNTER64: {
			struct counter64 v = { (u_long)((unsigned long long)c->num_value >> 32),
			    (u_long)(c->num_value & 0xffffffffLL) };
			snmp_set_var_typed_value(req->requestvb, c->type, &v, sizeof v);
			break;
		}
		default: {
			u_long u = (u_long)c->num_value;
			snmp_set_var_typed_value(req->requestvb, c->type, &u, sizeof u);
			break;
		}
		}
	}
	return SNMP_ERR_NOERROR;
}

int
main(int argc, char **argv)
{
	static const oid table[] = { 1, 3, 6, 1, 3, 5321, 1, 2 };
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;
	netsnmp_container *c;
	long n;

	if (argc != 3)
		return 2;
	n = atol(argv[2]);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	init_agent("walkbase");
	reg = netsnmp_create_handler_registration("walkbase", on_get, table, OID_LENGTH(table),
	    HANDLER_CAN_RONLY);
	c = netsnmp_container_find("table_container");
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = cols[0].num;
	ti->max_column = cols[NCOLS - 1].num;
	for (size_t i = 0; i < NCOLS; i++)
		by_num[cols[i].num] = &cols[i];
	for (long i = 1; i <= n; i++) {
		struct row *r = calloc(1, sizeof(*r));

		r->idx.oids = r->sub;
		r->idx.len = 1;
		r->sub[0] = (oid)i;
		CONTAINER_INSERT(c, r);
	}
	netsnmp_container_table_register(reg, ti, c, TABLE_CONTAINER_KEY_NETSNMP_INDEX);
	init_snmp("walkbase");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!stopping)
		agent_check_and_process(1);
	snmp_shutdown("walkbase");
	return 0;
}
EOF
    # shellcheck disable=SC2046 # net-snmp-config's words are flags
    cc -O2 -I"$T" -o "$T/walkbase" "$T/walkbase.c" $(net-snmp-config --base-cflags) \
        $(net-snmp-config --agent-libs) 2>"$T/cc.log" || { cat "$T/cc.log" >&2; bail "cc walkbase failed"; }
    log "baseline subagent with $ROWS rows"
    "$T/walkbase" "$AGENTX_SOCK" "$ROWS" >"$T/walkbase.log" 2>&1 &
    BASE_PID=$!
    track "$BASE_PID"
    for ((i = 0; i < 200; i++)); do
        [ "$(walk_rows)" = "$ROWS" ] && break
        sleep 0.1
    done
    [ "$(walk_rows)" = "$ROWS" ] || bail "the baseline does not serve $ROWS rows ($T/walkbase.log)"
    measure baseline "$BASE_PID"
    stop_pid "$BASE_PID"
fi

# ---- the table ----
awk -v rows="$ROWS" -v cr="$CR" -v reps="$REPS" -v rss="$MOND_RSS" -v ncols="$NCOLS" '
function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $1; n[k]++; w[k, n[k]] = $2; v[k] = $3; c[k, n[k]] = $4; s[k, n[k]] = $5
  if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
END {
    printf "snmpbulkwalk -v2c -Cr%d of smtpmonTargetTable through snmpd (AgentX), %d rows x %d columns, median of %d walks\n\n", cr, rows, ncols, reps
    print "| subagent | varbinds | walk s | rows/s | varbinds/s | subagent CPU ms/walk | snmpd CPU ms/walk |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= m; i++) {
        k = order[i]
        for (j = 1; j <= n[k]; j++) { ww[j] = w[k, j]; cc[j] = c[k, j]; ss[j] = s[k, j] }
        t = median(ww, n[k]); rs[k] = rows / t; cpu[k] = median(cc, n[k]) + median(ss, n[k])
        printf "| %s | %d | %.3f | %.0f | %.0f | %d | %d |\n", k, v[k], t, rows / t, v[k] / t, median(cc, n[k]), median(ss, n[k])
    }
    if ("baseline" in rs)
        printf "\nsmtpmond rows/s = %.0f %% of the minimal table_container subagent (target >= 90 %%)\n", 100 * rs["smtpmond"] / rs["baseline"]
    # the walls suffer from whatever else the machine runs; CPU (user+sys of
    # the subagent and snmpd) much less so
    if ("baseline" in rs && cpu["smtpmond"] > 0)
        printf "by CPU: rows per CPU second (subagent + snmpd) = %.0f %% of the baseline'"'"'s\n", 100 * cpu["baseline"] / cpu["smtpmond"]
    printf "smtpmond VmRSS with %d targets: %d KiB\n", rows, rss
}' "$T/results"
