# tests/lib/snmp.sh: a private net-snmp snmpd (AgentX master) and snmptrapd on
# loopback for integration tests. Source it after tap.sh:
#
#   . "$srcdir/tests/lib/tap.sh"; . "$srcdir/tests/lib/snmp.sh"
#
# Needs snmpd, snmptrapd and ss (iproute2); root is not required. Everything
# lives in $T; nothing under /etc or /var is read or written (-C, and
# SNMP_PERSISTENT_DIR=$T/snmp-persist). Both daemons run with MIBS= (load no
# MIB module: Debian has no IETF modules, and -On logs numeric OIDs anyway),
# so their logs hold only their own messages. Both append (-A) to their logs,
# so a restart keeps what came before.
#
#   snmptrapd_start
#         Start snmptrapd on a free UDP port of 127.0.0.1, accepting any
#         community (disableAuthorization), logging numerically (-On) to
#         $T/traps.log. Call it before snmpd_start, so snmpd's trap2sink knows
#         the port. Sets TRAP_PORT TRAP_LOG TRAPD_PID.
#   snmpd_start [CONF-LINE...]
#         Start snmpd in the foreground (-f) as AgentX master on the unix
#         socket $T/agentx.sock (agentXPerms 0777 0755) and on a free UDP port
#         of 127.0.0.1, with rocommunity public for 127.0.0.1, sysDescr
#         "smtpmon test snmpd" and, when snmptrapd_start ran, trap2sink to
#         127.0.0.1:$TRAP_PORT (snmpd's coldStart arrives there first). Each
#         CONF-LINE is appended to the generated snmpd.conf (e.g.
#         "agentXTimeout 2"). Returns once the UDP port and the AgentX socket
#         are bound. Sets SNMPD_PID SNMPD_PORT AGENTX_SOCK SNMPD_LOG SNMPD_CONF.
#   snmpd_restart
#         snmpd_stop, then start again with the same configuration, UDP port
#         and AgentX socket (subagents reconnect to the same path). Sets
#         SNMPD_PID.
#   snmpd_stop / snmptrapd_stop
#         SIGTERM, wait until the process is really gone (SIGKILL after 5 s).
#         Safe to call when already stopped.
#   wait_trap OID [TENTHS] [N]
#         Wait (default 50 tenths of a second) until $TRAP_LOG holds at least N
#         (default 1) notifications whose snmpTrapOID.0 is OID (numeric, with
#         or without the leading dot; exact match, so .1.3.6.1.6.3.1.1.5.1
#         does not match ...5.10). Prints the varbind line of the Nth one (tab
#         separated "OID = TYPE: value" pairs) and returns 0; returns 1 on
#         timeout.
#   trap_count OID
#         Print how many notifications with snmpTrapOID.0 = OID are logged.
#   ntraps OID REASON
#         ... of them with smtpmonNotifyReason REASON (a downgrade's name).
#   wait_event OID REASON TENTHS [N]
#         Wait up to TENTHS tenths of a second for the Nth such notification
#         and print its line; return 1 on timeout.
#   tvar LINE OID
#         The value of varbind OID in one logged notification, "TYPE: VALUE".
#   trap_mark TEXT [TENTHS]
#         Send snmptrapd, straight from the test (snmptrap), a notification
#         $SNMP_MARK_OID (netSnmpPlaypen) carrying TEXT; wait (default 100
#         tenths) until it is logged and print its line number in $TRAP_LOG;
#         return 1 on timeout. snmptrapd logs in the order datagrams reach
#         its socket, so a notification snmpd sent before trap_mark was called
#         is on an earlier line. Use a TEXT not logged before.
#   snmp_alive PID
#         True while PID runs. PID 1 on the test machines reaps orphans late,
#         so `kill -0` is not enough: a zombie (state Z in /proc/PID/stat)
#         counts as gone.
#   walk OID...
#         snmpbulkwalk through the private snmpd, one "OID VALUE" line per
#         varbind: octet strings as hex digits without blanks (-Ox; "" when
#         empty), numbers as numbers (-Oq -Ot -Oe). snmp_norm does the
#         normalising on its standard input.
#   sget OID...      snmpget through the private snmpd, the values only.
#   rows_of PREFIX [FILE]   the lines of a walk whose OID starts with PREFIX.
#   val_of OID FILE         the value of OID in a walk's output.
#   unhex HEX               the bytes a string of hex digits stands for.
#
# Every daemon is also handed to tap.sh's track, so it dies with the script.
# Do not call the *_start functions in a subshell ($(...)): they set variables.

# shellcheck shell=bash
# SC2034: the variables set here are for the sourcing script.
# shellcheck disable=SC2034

SNMP_PERSIST="$T/snmp-persist"
SNMPD_PID='' SNMPD_PORT='' SNMPD_CONF="$T/snmpd.conf" SNMPD_LOG="$T/snmpd.log"
AGENTX_SOCK="$T/agentx.sock"
TRAPD_PID='' TRAP_PORT='' TRAP_LOG="$T/traps.log"
SNMP_TRAP_OID=.1.3.6.1.6.3.1.1.4.1.0        # snmpTrapOID.0
SNMP_MARK_OID=.1.3.6.1.4.1.8072.9999.9999.1 # netSnmpPlaypen: trap_mark's notification

snmp_alive() {
    local stat
    [ -n "$1" ] || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }                       # skip "pid (comm) "; the state follows
    [ "${stat%% *}" != Z ]
}

# _snmp_free_udp_port: a UDP port unused on this machine, below the ephemeral
# range; ports already handed out in this script (also by postfix.sh's
# free_port) are remembered in $T/.free_ports.
_snmp_free_udp_port() {
    local lo hi port i used
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
    hi=$((lo - 1)); lo=20000
    [ "$hi" -gt "$lo" ] || hi=29999
    used=$(ss -Huan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
    for i in $(seq 1 200); do
        port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        grep -qx "$port" <<<"$used" && continue
        grep -qx "$port" "$T/.free_ports" 2>/dev/null && continue
        echo "$port" >>"$T/.free_ports"
        echo "$port"
        return 0
    done
    return 1
}

# _snmp_udp_bound PORT: something listens on 127.0.0.1:PORT/udp.
_snmp_udp_bound() {
    [ -n "$(ss -Huan "sport = :$1" 2>/dev/null)" ]
}

# _snmp_count FILE REGEX: matching lines (0 when the file is missing).
_snmp_count() {
    local n
    n=$(grep -cE "$2" "$1" 2>/dev/null) || true
    echo "${n:-0}"
}

# _snmp_stop PID NAME: TERM, wait until gone, KILL after 5 s, reap.
_snmp_stop() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        snmp_alive "$pid" || break
        sleep 0.1
    done
    if snmp_alive "$pid"; then
        echo "# $2 ($pid) ignored SIGTERM for 5 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

snmptrapd_start() {
    local try i started
    mkdir -p "$SNMP_PERSIST"
    printf 'disableAuthorization yes\n' >"$T/snmptrapd.conf"
    for try in 1 2 3; do
        TRAP_PORT=$(_snmp_free_udp_port) || bail "snmptrapd_start: no free UDP port"
        started=$(_snmp_count "$TRAP_LOG" '^NET-SNMP version')
        MIBS='' SNMP_PERSISTENT_DIR="$SNMP_PERSIST" \
            snmptrapd -f -n -On -A -Lf "$TRAP_LOG" -C -c "$T/snmptrapd.conf" \
            "udp:127.0.0.1:$TRAP_PORT" </dev/null >>"$T/snmptrapd.out" 2>&1 &
        TRAPD_PID=$!
        track "$TRAPD_PID"
        for i in $(seq 1 100); do
            snmp_alive "$TRAPD_PID" || break
            if [ "$(_snmp_count "$TRAP_LOG" '^NET-SNMP version')" -gt "$started" ] &&
                _snmp_udp_bound "$TRAP_PORT"; then
                return 0
            fi
            sleep 0.05
        done
        _snmp_stop "$TRAPD_PID" snmptrapd  # port taken meanwhile, or too slow: again
    done
    echo "# snmptrapd did not start; its log:"
    sed 's/^/#   /' "$TRAP_LOG" "$T/snmptrapd.out" 2>/dev/null
    bail "snmptrapd_start failed"
}

snmptrapd_stop() {
    _snmp_stop "$TRAPD_PID" snmptrapd
}

# _snmpd_run: start snmpd on $SNMPD_CONF; 0 once it serves.
_snmpd_run() {
    local i started
    started=$(_snmp_count "$SNMPD_LOG" '^NET-SNMP version')
    rm -f "$AGENTX_SOCK"                    # stale after a SIGKILL
    MIBS='' SNMP_PERSISTENT_DIR="$SNMP_PERSIST" \
        snmpd -f -A -Lf "$SNMPD_LOG" -C -c "$SNMPD_CONF" -p "$T/snmpd.pid" \
        </dev/null >>"$T/snmpd.out" 2>&1 &
    SNMPD_PID=$!
    track "$SNMPD_PID"
    for i in $(seq 1 150); do
        snmp_alive "$SNMPD_PID" || return 1
        if [ "$(_snmp_count "$SNMPD_LOG" '^NET-SNMP version')" -gt "$started" ] &&
            [ -S "$AGENTX_SOCK" ] && _snmp_udp_bound "$SNMPD_PORT"; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# _snmpd_conf: write $SNMPD_CONF for $SNMPD_PORT; extra lines from the arguments.
_snmpd_conf() {
    {
        echo "master agentx"
        echo "agentXSocket $AGENTX_SOCK"
        echo "agentXPerms 0777 0755"
        echo "agentaddress udp:127.0.0.1:$SNMPD_PORT"
        echo "rocommunity public 127.0.0.1"
        echo "sysDescr smtpmon test snmpd"
        [ -n "$TRAP_PORT" ] && echo "trap2sink 127.0.0.1:$TRAP_PORT public"
        local line
        for line in "$@"; do
            echo "$line"
        done
    } >"$SNMPD_CONF"
}

snmpd_start() {
    local try
    mkdir -p "$SNMP_PERSIST"
    [ -n "$TRAP_PORT" ] || echo "# snmpd_start: snmptrapd_start has not run: no trap2sink"
    for try in 1 2 3; do
        SNMPD_PORT=$(_snmp_free_udp_port) || bail "snmpd_start: no free UDP port"
        _snmpd_conf "$@"
        _snmpd_run && return 0
        _snmp_stop "$SNMPD_PID" snmpd      # port taken meanwhile: another one
    done
    echo "# snmpd did not start; its log:"
    sed 's/^/#   /' "$SNMPD_LOG" "$T/snmpd.out" 2>/dev/null
    bail "snmpd_start failed"
}

snmpd_stop() {
    _snmp_stop "$SNMPD_PID" snmpd
}

snmpd_restart() {
    snmpd_stop
    if ! _snmpd_run; then
        echo "# snmpd did not restart on port $SNMPD_PORT; its log:"
        sed 's/^/#   /' "$SNMPD_LOG" "$T/snmpd.out" 2>/dev/null
        return 1
    fi
}

_SMTPMON_REASON=.1.3.6.1.3.5321.1.4.5.0   # smtpmonNotifyReason.0 (agent/output/snmp_mib.h)

# _snmp_trap_re OID: ERE for "snmpTrapOID.0 = OID: OID" ending there.
_snmp_trap_re() {
    local oid=.${1#.}
    printf '%s = OID: %s([[:space:]]|$)' "${SNMP_TRAP_OID//./\\.}" "${oid//./\\.}"
}

trap_count() {
    _snmp_count "$TRAP_LOG" "$(_snmp_trap_re "$1")"
}

wait_trap() {
    local re i n=${3:-1}
    re=$(_snmp_trap_re "$1")
    for i in $(seq 0 "${2:-50}"); do
        if [ "$(_snmp_count "$TRAP_LOG" "$re")" -ge "$n" ]; then
            grep -E "$re" "$TRAP_LOG" | sed -n "${n}p"
            return 0
        fi
        [ "$i" -lt "${2:-50}" ] && sleep 0.1
    done
    return 1
}

# tvar LINE OID: the value of varbind OID in one snmptrapd log line (the
# varbinds tab-separated), as "TYPE: VALUE"; empty when absent
tvar() {
    printf '%s\n' "$1" | tr '\t' '\n' | awk -v o="$2 = " 'index($0, o) == 1 { print substr($0, length(o) + 1) }'
}
# ntraps OID REASON: how many notifications of kind OID have smtpmonNotifyReason REASON
ntraps() {
    grep -E "$(_snmp_trap_re "$1")" "$TRAP_LOG" 2>/dev/null |
        grep -c "$_SMTPMON_REASON = STRING: \"$2\""
}
# wait_event OID REASON TENTHS [N]: wait up to TENTHS tenths of a second for
# the Nth such notification (default the first); print its line
wait_event() {
    local oid=$1 ev=$2 tenths=$3 n=${4:-1} i
    for i in $(seq 0 "$tenths"); do
        if [ "$(ntraps "$oid" "$ev")" -ge "$n" ]; then
            grep -E "$(_snmp_trap_re "$oid")" "$TRAP_LOG" |
                grep "$_SMTPMON_REASON = STRING: \"$ev\"" | sed -n "${n}p"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

trap_mark() {
    local i n
    MIBS='' SNMP_PERSISTENT_DIR="$SNMP_PERSIST" snmptrap -v2c -c public "127.0.0.1:$TRAP_PORT" '' \
        "$SNMP_MARK_OID" "$SNMP_MARK_OID.1" s "$1" >>"$T/snmptrap.out" 2>&1 || return 1
    for i in $(seq 0 "${2:-100}"); do
        n=$(grep -nF "$SNMP_MARK_OID.1 = STRING: \"$1\"" "$TRAP_LOG" | head -1)
        [ -n "$n" ] && { echo "${n%%:*}"; return 0; }
        [ "$i" -lt "${2:-100}" ] && sleep 0.1
    done
    return 1
}

# ---- reading the private snmpd ----

snmp_norm() {
    awk 'function out(s,  o, v) {
            o = s; sub(/ .*/, "", o); v = substr(s, length(o) + 2)
            gsub(/[" ]/, "", v); print o " " v
        }
        /^\./ { if (l != "") out(l); l = $0; next }
        { l = l $0 }
        END { if (l != "") out(l) }'
}
walk() {
    snmpbulkwalk -v2c -c public -On -Oq -Ox -Ot -Oe -Cr50 -t 5 -r 1 \
        "127.0.0.1:$SNMPD_PORT" "$@" 2>&1 | snmp_norm
}
sget() { snmpget -v2c -c public -On -Oqv -Ot -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$@" 2>&1; }
rows_of() { awk -v p="$1." 'index($1, p) == 1' "${2:--}"; }
val_of() { awk -v o="$1" '$1 == o { print $2 }' "$2"; }
unhex() { perl -e 'print pack("H*", $ARGV[0])' "$1"; }
