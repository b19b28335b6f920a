#!/bin/bash
# The passive probe through SNMP: smtpmond as an AgentX subagent of a real
# snmpd, notifications at a real snmptrapd (tests/lib/snmp.sh), all on
# loopback. For each capture that tests/tools/pcapgen crafts (tls13, tls12,
# implicit465, plain; stripped over IPv4 and IPv6, mangled, cmd-mangled,
# refused, plaintext220) a fresh smtpmond reads it once
# (Passive { PcapFile FILE  Ports 25 587 465 }, no target), then:
#   - every column of every row of smtpmonPassiveServerTable (snmpbulkwalk
#     through snmpd) equals the matching field of `smtpmonctl passive --json`,
#     and the walk is in order
#   - the passive scalars equal the daemon's own figures (its SMD1861I line,
#     the rows of passive --json)
#   - one smtpmonPassiveAlert per alert a row counts, none for the clean
#     captures; for the others the notification carries the row's address
#     type, address and port (instance: its index), the event, client and
#     detail of the row's last_event, and the TLS levels
# Numeric OIDs only (MIBS empty): nothing here depends on the MIB text.
#
# pcapgen: $PCAPGEN if set, else the build tree's tests/tools/pcapgen, else
# built here from $srcdir/tests/tools/pcapgen.c; without it the test skips.
# SC2016: jq programs and wait_until code are single-quoted on purpose; SC2154: srcdir
# comes from the environment; SC2119: snmpd_start takes no arguments here.
# shellcheck disable=SC2016,SC2154,SC2119
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"

for tool in snmpd snmptrapd snmpbulkwalk snmpget jq perl ss; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -f "$srcdir/tests/lib/snmp.sh" ] || { echo "1..0 # SKIP tests/lib/snmp.sh missing"; exit 0; }
. "$srcdir/tests/lib/snmp.sh"

find_pcapgen() {
    local p
    for p in "${PCAPGEN:-}" "$(dirname "${SMTPMOND:-/nonexistent/x}")/../tests/tools/pcapgen"; do
        [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
    done
    [ -f "$srcdir/tests/tools/pcapgen.c" ] || return 1
    "${CC:-cc}" -std=c11 -O2 "$srcdir/tests/tools/pcapgen.c" -lpcap -lssl -lcrypto \
        -o "$T/pcapgen" >"$T/pcapgen-build.log" 2>&1 || return 1
    echo "$T/pcapgen"
}
PCAPGEN_BIN=$(find_pcapgen) || {
    echo "1..0 # SKIP tests/tools/pcapgen not available (not built, and $srcdir/tests/tools/pcapgen.c does not build here)"
    exit 0
}

# NAME|pcapgen scenario|the event it must raise ("-": none)|more pcapgen arguments
SCENARIOS=(
    "tls13|tls13|-|"
    "tls12|tls12|-|"
    "implicit465|implicit465|-|"
    "plain|plain|-|"
    "stripped|stripped|starttls-stripped|"
    "stripped6|stripped|starttls-stripped|--server [2001:db8::25]:587 --client [2001:db8:1::7]:40312"
    "mangled|mangled|starttls-mangled|"
    "cmd-mangled|cmd-mangled|starttls-mangled|"
    "refused|refused|starttls-refused|"
    "plaintext220|plaintext220|starttls-plaintext|"
)
PER_SCENARIO=38      # checks every capture gets
PER_ALERT=4          # more for a capture that raises an event
N_ALERT=0
for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r _ _ ev _ <<<"$s"
    [ "$ev" = - ] || N_ALERT=$((N_ALERT + 1))
done
plan $(( ${#SCENARIOS[@]} * PER_SCENARIO + N_ALERT * PER_ALERT + 2 ))

ROOT=.1.3.6.1.3.5321              # agent/snmp_mib.h SMTPMON_OID_ROOT
PS=$ROOT.1.5.1                    # smtpmonPassiveScalars
PE=$ROOT.1.5.2.1                  # smtpmonPassiveServerEntry
NO=$ROOT.1.4                      # smtpmonNotifyObjects
N_PASSIVE=$ROOT.0.7               # smtpmonPassiveAlert
export MIBS=                      # no MIB modules: numbers only
PCOLS=(- index addrType addr port type starttls tlsKnown authPretls security tlsLevel
    cipherId cipherName cipherClass baselineTls certNotAfter sni banner mangled appldata
    lastClient sessTotal sessTls sessBasic alerts activeEvents event eventClient eventDetail
    eventTime firstSeen lastSeen)
LAST_COL=31
TAB=$'\t'

skip() {
    _tap_n=$((_tap_n + 1))
    echo "ok $_tap_n # SKIP $1"
}
# skip_to N REASON: skip until N checks have run
skip_to() {
    while [ "$_tap_n" -lt "$1" ]; do skip "$2"; done
}

# walk, sget, rows_of, val_of, unhex: tests/lib/snmp.sh
nrows() { walk "$PE.4" | rows_of "$PE.4" | wc -l; }          # rows served now
passive_json() { ctl passive --json; }

# what `smtpmonctl passive --json` (stdin) says every column must be
JQ_DEFS='
def b2: "0123456789ABCDEF" as $d | $d[(./16|floor):(./16|floor)+1] + $d[(.%16):(.%16)+1];
def hexbytes: map(b2) | join("");
def hex: explode | hexbytes;
def addrpart: if startswith("[") then .[1:] | split("]")[0] else split(":")[0] end;
def v6hex: split("::") as $p
    | ($p[0] | if . == "" then [] else split(":") end) as $a
    | (if ($p | length) > 1 then ($p[1] | if . == "" then [] else split(":") end) else [] end) as $b
    | ($a + [range(8 - ($a | length) - ($b | length)) | "0"] + $b)
    | map(("0000" + ascii_upcase) | .[length - 4:]) | join("");
def addrtype: if . == "" then 0 elif contains(":") then 2 else 1 end;
def addrhex: if . == "" then "" elif contains(":") then v6hex else split(".") | map(tonumber) | hexbytes end;
def tf: if . then 1 else 2 end;
def dat: strptime("%Y-%m-%dT%H:%M:%SZ")
    | [(.[0] / 256 | floor), (.[0] % 256), .[1] + 1, .[2], .[3], .[4], (.[5] | floor), 0, 43, 0, 0]
    | hexbytes;
def odat: if . then dat else "" end;
def tlslevel: {"SSLv2": 2, "SSLv3": 3, "TLSv1": 4, "TLSv1.1": 5, "TLSv1.2": 6, "TLSv1.3": 7}[. // ""] // 1;
def cclass: {"insufficient": 2, "phase-out": 3, "sufficient": 4, "good": 5}[. // ""] // 1;
'
JQ_ROWS='.[] | . as $r | (.target | addrpart) as $a
| [[2, ($a | addrtype)], [3, ($a | addrhex)], [4, .port],
   [5, ({"ESMTP": 3, "SMTP": 2}[.server_type // ""] // 1)],
   [6, (.starttls_offered | tf)], [7, (.starttls_known | tf)],
   [8, ((.auth_offered_pretls // []) | join(" ") | hex)],
   [9, ({"TLS": 3, "basic": 2}[.security_method // ""] // 1)],
   [10, (.tls_version | tlslevel)], [11, (.cipher_id // -1)], [12, (.cipher // "" | hex)],
   [13, (.cipher_class | cclass)], [14, (.baseline_tls_version | tlslevel)],
   [15, (.cert_not_after | odat)], [16, (.sni // "" | hex)], [17, (.banner // "" | hex)],
   [18, (.mangled_keyword // "" | hex)], [19, (.appldata | hex)],
   [20, (.last_client // "" | hex)],
   [21, .sessions.total], [22, .sessions.tls], [23, .sessions.basic], [24, .alerts],
   [25, ((.events // []) | join(",") | hex)],
   [26, (.last_event.name // "" | hex)], [27, (.last_event.client // "" | hex)],
   [28, (.last_event.detail // "" | hex)], [29, (.last_event.at // null | odat)],
   [30, (.first_seen | odat)], [31, (.last_seen | odat)]]
| .[] | "'"$PE"'.\(.[0]).\($r.index) \(.[1])"'

# in_order FILE: the OIDs of the walk strictly increase (column, then index)
in_order() {
    awk '{ n = split($1, p, "."); c = p[n - 1]; i = p[n]
           if (NR > 1 && (c < pc || (c == pc && i <= pi))) { print "# out of order: " prev " then " $1; bad = 1 }
           pc = c; pi = i; prev = $1 }
         END { exit bad }' "$1"
}

# The notifications of this smtpmond only: the trap log from line $TRAP_FROM.
new_traps() { tail -n +"$TRAP_FROM" "$TRAP_LOG"; }
# passive_traps [INDEX]: smtpmonPassiveAlert lines (for row INDEX)
passive_traps() {
    new_traps | awk -v t=".1.3.6.1.6.3.1.1.4.1.0 = OID: $N_PASSIVE$TAB" -v v="$PE.2.${1:-}" \
        'index($0, t) && ($0 ~ /./) && (v ~ /\.$/ || index($0, v " = "))'
}
# tvar LINE OID: the "TYPE: value" of OID in a trap line
tvar() {
    printf '%s\n' "$1" | tr '\t' '\n' | awk -v o="$2 = " 'index($0, o) == 1 { print substr($0, length(o) + 1) }'
}
# tstr LINE OID: a string varbind's text (STRING: "..." or Hex-STRING)
tstr() {
    local v
    v=$(tvar "$1" "$2")
    case $v in
    'STRING: "'*) v=${v#STRING: \"}; v=${v%\"}; v=${v//\\\"/\"}; printf '%s' "${v//\\\\/\\}" ;;
    'STRING: '*) printf '%s' "${v#STRING: }" ;;
    'Hex-STRING: '*) v=${v#Hex-STRING: }; unhex "${v// /}" ;;
    '""') ;;
    *) printf '%s' "$v" ;;
    esac
}

# compare_columns NAME: one check per column
compare_columns() {
    local name=$1 c got want
    for c in $(seq 2 "$LAST_COL"); do
        got=$(rows_of "$PE.$c" "$T/$name.walk" | LC_ALL=C sort)
        want=$(rows_of "$PE.$c" "$T/$name.want")
        if [ "$got" = "$want" ] && [ -n "$want" ]; then
            ok 0 "$name: column $c (${PCOLS[$c]}) equals passive --json for every row"
        else
            ok 1 "$name: column $c (${PCOLS[$c]}) equals passive --json for every row"
            diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -8 | sed 's/^/#   /'
        fi
    done
}

# ---- peers ----
snmptrapd_start
snmpd_start

# run_scenario NAME SCENARIO EVENT [PCAPGEN-ARGS...]: craft the capture, run
# smtpmond over it, compare
run_scenario() {
    local name=$1 scen=$2 event=$3 first=$_tap_n end pcap conf a b n_log sessions tls basic packets
    local nrows_json alerts_json got want line idx target ta ov nv base
    end=$((first + PER_SCENARIO))
    [ "$event" = - ] || end=$((end + PER_ALERT))
    pcap=$T/$name.pcap conf=$T/$name.conf

    shift 3
    # 1. the capture
    if "$PCAPGEN_BIN" craft "$scen" "$@" -o "$pcap" >"$T/$name.expect" 2>"$T/$name.pcapgen.err" &&
        [ -s "$pcap" ]; then
        ok 0 "$name: pcapgen craft $scen $*"
        echo "# pcapgen expects: $(head -c 400 "$T/$name.expect")"
    else
        ok 1 "$name: pcapgen craft $scen $*"
        sed 's/^/#   /' "$T/$name.pcapgen.err" | head -5
        skip_to "$end" "$name: no capture"
        return
    fi

    # 2. smtpmond reads it
    mond_conf "$conf" <<EOF
ExtWrtName  TESTW
Passive {
    PcapFile $pcap
    Ports 25 587 465
}
AgentXSocket $AGENTX_SOCK
EOF
    MOND_LOG=$T/$name.mond.log
    TRAP_FROM=$(($(wc -l <"$TRAP_LOG") + 1))
    if ! mond_start "$conf"; then
        ok 1 "$name: smtpmond started and read $pcap"
        skip_to "$end" "$name: smtpmond did not start"
        return
    fi
    wait_for_log "$MOND_LOG" 'SMD1861[IE] ' 100
    n_log=$(grep -m1 -E 'SMD1861I passive probe: .* read: ' "$MOND_LOG")
    read -r packets sessions tls basic < <(sed -nE \
        's/.* read: ([0-9]+) packets, ([0-9]+) sessions \(([0-9]+) TLS, ([0-9]+) basic\).*/\1 \2 \3 \4/p' \
        <<<"$n_log")
    if [ -n "${sessions:-}" ] && [ "$sessions" -gt 0 ]; then
        ok 0 "$name: smtpmond read the capture ($packets packets, $sessions sessions, $tls TLS, $basic basic)"
    else
        ok 1 "$name: smtpmond read the capture (SMD1861I with packets and sessions)"
        grep -E 'SMD186|SMD18[0-9][0-9]E' "$MOND_LOG" | head -5 | sed 's/^/#   /'
        sessions=${sessions:-0} packets=${packets:-0} tls=${tls:-0} basic=${basic:-0}
    fi
    # every session taken in and published, and the subagent registered
    wait_until 100 '[ "$(passive_json | jq "[.[].sessions.total] | add // 0")" = "$sessions" ]'
    wait_until 100 '[ "$(val_of "$PS.5.0" <(walk "$PS.5.0"))" = "$sessions" ]'
    nrows_json=$(passive_json | jq length)
    wait_until 100 '[ "$(nrows)" = "$nrows_json" ]'

    # 3. the snapshot: the JSON before and after the walk is the same
    for _ in 1 2 3 4 5; do
        a=$(passive_json)
        walk "$ROOT.1.5" >"$T/$name.walk"
        b=$(passive_json)
        [ "$a" = "$b" ] && break
        sleep 0.3
    done
    [ "$a" = "$b" ] || echo "# $name: passive --json kept changing during the walk"
    printf '%s\n' "$a" >"$T/$name.json"
    jq -r "$JQ_DEFS $JQ_ROWS" "$T/$name.json" | LC_ALL=C sort >"$T/$name.want"
    got=$(rows_of "$PE.2" "$T/$name.walk" | wc -l)
    if [ "$got" = "$nrows_json" ] && [ "$got" -gt 0 ]; then
        ok 0 "$name: one row per server of passive --json ($got)"
    else
        ok 1 "$name: one row per server of passive --json"
        echo "#   walk: $got rows, passive --json: $nrows_json"
    fi
    compare_columns "$name"
    rows_of "$PE" "$T/$name.walk" >"$T/$name.rows"
    got=$(wc -l <"$T/$name.rows")
    in_order "$T/$name.rows" && [ "$got" = $((nrows_json * (LAST_COL - 1))) ]
    ok $? "$name: the walk is in order (column, then index), every row has $((LAST_COL - 1)) columns"
    [ "$got" = $((nrows_json * (LAST_COL - 1))) ] || echo "#   $got varbinds for $nrows_json rows"

    # 4. scalars
    alerts_json=$(jq '[.[].alerts] | add // 0' "$T/$name.json")
    got="$(val_of "$PS.1.0" "$T/$name.walk")|$(unhex "$(val_of "$PS.2.0" "$T/$name.walk")")"
    for c in 3 5 6 7 8 9 10 11 14; do got+="|$(val_of "$PS.$c.0" "$T/$name.walk")"; done
    want="1|file $pcap|$packets|$sessions|$tls|$basic|$nrows_json|0|$alerts_json|0|"
    is "$got" "$want" \
        "$name: scalars enabled|source|packets|sessions|tls|basic|servers|dropped|alerts|capture drops|error"

    # 5. notifications: one per alert a row counts
    wait_until 50 '[ "$(passive_traps | wc -l)" -ge "$alerts_json" ]'
    sleep 0.5   # and not more
    is "$(passive_traps | wc -l)" "$alerts_json" \
        "$name: one smtpmonPassiveAlert per alert announced ($alerts_json)"
    if [ "$event" = - ]; then
        is "$(jq -c '[.[] | select(.events != [] or .last_event != null)] | length' "$T/$name.json")" 0 \
            "$name: a clean capture raises no event"
    else
        idx=$(jq -r --arg e "$event" '[.[] | select(.last_event.name == $e)][0].index // empty' "$T/$name.json")
        [ -n "$idx" ]; ok $? "$name: passive --json has a row whose last event is $event (row ${idx:-none})"
    fi

    if [ "$event" != - ]; then
        line=$(passive_traps "${idx:-0}" | head -1)
        target=$(jq -r ".[] | select(.index == ${idx:-0}) | .target" "$T/$name.json")
        ta=$(jq -r --arg t "$target" -n "$JQ_DEFS"' $t | addrpart | "\(addrtype) \(addrhex)"')
        got="$(tvar "$line" "$PE.2.${idx:-0}")|$(tvar "$line" "$PE.3.${idx:-0}" | tr -d ' ')"
        got+="|$(tvar "$line" "$PE.4.${idx:-0}")"
        is "$got" "INTEGER: ${ta%% *}|Hex-STRING:${ta#* }|Gauge32: ${target##*:}" \
            "$name: smtpmonPassiveAlert for row ${idx:-?} ($target): address type, address, port"
        got="$(tstr "$line" "$NO.5.0")|$(tstr "$line" "$NO.6.0")|$(tstr "$line" "$NO.7.0")"
        want=$(jq -r ".[] | select(.index == ${idx:-0}) | .last_event | \"\(.name)|\(.client)|\(.detail)\"" \
            "$T/$name.json")
        is "$got" "$want" "$name: reason, client and detail are the row's last event"
        base=$(jq -r ".[] | select(.index == ${idx:-0}) | .baseline_tls_version" "$T/$name.json" |
            jq -Rr "$JQ_DEFS"' if . == "null" then null else . end | tlslevel')
        ov=$(tvar "$line" "$NO.1.0") nv=$(tvar "$line" "$NO.2.0")
        # sessions whose STARTTLS failed negotiate no TLS; the baseline is
        # the row's, or none(1) when the event does not compare versions
        if [ "$nv" = "INTEGER: 1" ] && { [ "$ov" = "INTEGER: 1" ] || [ "$ov" = "INTEGER: $base" ]; }; then
            ok 0 "$name: TLS levels: session none(1), baseline ${ov#INTEGER: } (row's baseline $base)"
        else
            ok 1 "$name: TLS levels: session none(1), baseline none(1) or the row's ($base)"
            echo "#   old: '$ov' new: '$nv'"
        fi
        is "$(printf '%s\n' "$line" | tr '\t' '\n' | grep -c ' = ')" 10 \
            "$name: smtpmonPassiveAlert carries sysUpTime, snmpTrapOID and the eight OBJECTS"
        [ -n "$line" ] || echo "#   no smtpmonPassiveAlert for row ${idx:-?} in $TRAP_LOG"
    fi

    # the first capture: types and a row that is not there
    if [ "$first" -eq 0 ]; then
        got=$(snmpget -v2c -c public -On -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$PS.3.0" "$PS.8.0" \
            "$PE.21.1" 2>&1 | sed 's/^[^=]*= //; s/:.*//' | paste -sd' ' -)
        is "$got" "Counter64 Gauge32 Counter32" "types: packets Counter64, servers Gauge32, sessions Counter32"
        got=$(snmpget -v2c -c public -On -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$PE.2.4000000000" 2>&1)
        like "$got" "No Such Instance" "a row that does not exist: noSuchInstance"
    fi

    # 6. stop: exits 0, its rows leave snmpd
    mond_stop
    wait_until 100 '[ "$(nrows)" = 0 ]'
    is "$MOND_RC/$(nrows)" "0/0" "$name: smtpmond exits 0 and its rows are gone from snmpd"
}

for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r name scen ev args <<<"$s"
    # shellcheck disable=SC2086 # args is a word list on purpose
    run_scenario "$name" "$scen" "$ev" $args
done
