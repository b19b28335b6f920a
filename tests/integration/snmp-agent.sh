#!/bin/bash
# smtpmond as an AgentX subagent of a real snmpd, notifications at a real
# snmptrapd (tests/lib/snmp.sh), all on loopback:
#   - every column of every row of smtpmonTargetTable and
#     smtpmonConnectionTable (snmpbulkwalk through snmpd) is what this
#     script set up, by doc/snmp.md's definition of the column: the
#     configuration, what each fixture was told to answer (--caps, the TLS
#     version and suite; openssl s_client confirms what the TLS fixture
#     negotiates), the certificate made here, the kernel's view of the
#     monitor connections (ss), what the script did to the victim and flip
#     servers; and it equals the matching field of `smtpmonctl status
#     --json` (the encoding). Values only the daemon knows (round-trip
#     times, NOOP counts, times) are checked against status --json alone:
#     the column checks with no fact at all say "encoding:"
#   - the scalars: version (configure.ac), writer, targets, start time (the
#     script's clock around the start), classifications done
#   - SET requests are refused, by snmpd's access control (public) and by
#     the subagent itself (a read-write community)
#   - killing a fixture target sends smtpmonTargetDown with its address,
#     port, status and last reply, restarting it smtpmonTargetUp; a server
#     that drops the connection with a 421 has that reply in the
#     notification and in the table
#   - after snmpd restarts, the subagent registers again within 30 s, and
#     notifications flow again
#   - a reload adding 1,000 targets (closed ports on 127.1.x.y): the walk is
#     complete, ordered, the configured targets', and equal to status
#     --json; a reload removing them leaves the table as before
#   - net-snmp's messages are in smtpmond's log (SMD1842x), and
#     `AgentXSocket off` runs without SNMP
# Numeric OIDs only (MIBS empty): nothing here depends on the MIB text.
# shellcheck disable=SC2016 # jq programs and wait_until code are single-quoted on purpose
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"

for tool in snmpd snmptrapd snmpbulkwalk snmpget snmpset jq perl ss openssl; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -f "$srcdir/tests/lib/snmp.sh" ] || { echo "1..0 # SKIP tests/lib/snmp.sh missing"; exit 0; }
. "$srcdir/tests/lib/snmp.sh"

plan 277

ROOT=.1.3.6.1.3.5321              # agent/output/snmp_mib.h SMTPMON_OID_ROOT
SC=$ROOT.1.1                      # scalars
TE=$ROOT.1.2.1                    # smtpmonTargetEntry
CE=$ROOT.1.3.1                    # smtpmonConnectionEntry
N_DOWN=$ROOT.0.1 N_UP=$ROOT.0.2
export MIBS=                      # no MIB modules: numbers only
COLS=(- index addressType address port name mxHost secure status serverType security
    tlsLevel cipherId cipherName kxGroup certNotAfter certDaysLeft certVerify
    starttlsOffered capabilities authPretls appldata rttConnect rttBanner rttEhlo
    rttStarttls rttHandshake rttNoop connects connectFailures noops reprobes lastChange
    lastReply cipherClass baselineTlsLevel baselineCipherId baselineCipherName
    baselineCipherClass baselineSince tlsDowngrades tlsEvent tlsEventKind tlsEventTime
    serverCloses recycles throttles lastCloseReply lastCloseKind lastCloseIdle lastCloseNoops
    lastCloseTime learnedIdle noopBudget noopInterval daneStatus mtaStsStatus mtaStsMode
    mtaStsPolicyId policyFailure ratingOverall ratingTlsVersion ratingCipher ratingKeyExchange
    ratingCertKey ratingCertSignature)
NTCOL=$((${#COLS[@]} - 1))        # the last column of smtpmonTargetTable (SMTPMON_T_LAST_COLUMN)
CCOLS=(- role localAddrType localAddr localPort remoteAddrType remoteAddr remotePort appldata)

# walk, sget, rows_of, val_of, unhex: tests/lib/snmp.sh
nrows() { walk "$TE.4" | rows_of "$TE.4" | wc -l; }          # rows served now
TAB=$'\t'

# The same lines computed from `smtpmonctl status --json` (stdin):
# smtpmonTargetTable (but lastChange, checked apart) and smtpmonConnectionTable.
JQ_DEFS='
def b2: "0123456789ABCDEF" as $d | $d[(./16|floor):(./16|floor)+1] + $d[(.%16):(.%16)+1];
def hexbytes: map(b2) | join("");
def hex: explode | hexbytes;
def addrpart: if startswith("[") then .[1:] | split("]")[0] else split(":")[0] end;
def portpart: split(":") | last | tonumber;
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
def caps: ["STARTTLS", "PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN",
        "ENHANCEDSTATUSCODES", "REQUIRETLS", "AUTH", "BINARYMIME", "ETRN", "VRFY", "MTRK",
        "DELIVERBY"] as $names
    | [32768, 16384, 8192, 4096, 2048, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1] as $w
    | (reduce .[] as $c (0; ($names | index($c)) as $i | if $i == null then . else . + $w[$i] end))
    | [(. / 256 | floor), (. % 256)] | hexbytes;
def tlslevel: {"SSLv2": 2, "SSLv3": 3, "TLSv1": 4, "TLSv1.1": 5, "TLSv1.2": 6, "TLSv1.3": 7}[. // ""] // 1;
def cclass: {"insufficient": 2, "phase-out": 3, "sufficient": 4, "good": 5}[. // ""] // 1;
def ms: . * 1000 | round;        # seconds with 3 decimals -> milliseconds
def edat: gmtime | [(.[0] / 256 | floor), (.[0] % 256), .[1] + 1, .[2], .[3], .[4], (.[5] | floor), 0, 43, 0, 0]
    | hexbytes;
# a server reply as smtpmonTargetLastCloseReply serves it: lines joined by a
# blank, every other octet outside 0x20-0x7e a "?" (json.c writes an invalid
# octet as U+FFFD), at most 159 octets
def printable: [explode[] | if . == 10 then 32 elif . == 65533 or . < 32 or . == 127 then 63
        elif . < 128 then . elif . < 2048 then (63, 63) elif . < 65536 then (63, 63, 63)
        else (63, 63, 63, 63) end] | implode | .[0:159];
# the published TLS policy: the RFC 8460 result types failing (the "failure"
# of the dane and mta_sts objects of status --json), DANE first, joined by a blank
def polfail: [(.dane.failure // empty), (.mta_sts.failure // empty)] | join(" ");
def verify: if (.cert_not_after // null) == null then 1
    elif .cert_verified == false then (if (.cert_verify | test("expired|not yet valid")) then 4 else 3 end)
    elif .cert_host_match == false then 5 else 2 end;
'
JQ_TARGETS='.[] | . as $r | (.target | addrpart) as $a
| [[2, ($a | addrtype)], [3, ($a | addrhex)], [4, .port], [5, (.name // "" | hex)],
   [6, (.mx_host // "" | hex)], [7, (.secure | tf)],
   [8, {"starting": 1, "up": 2, "down": 3, "resolving": 4}[.state]],
   [9, ({"ESMTP": 3, "SMTP": 2}[.server_type // ""] // 1)],
   [10, ({"TLS": 3, "basic": 2}[.security_method // ""] // 1)],
   [11, ({"SSLv2": 2, "SSLv3": 3, "TLSv1": 4, "TLSv1.1": 5, "TLSv1.2": 6, "TLSv1.3": 7}[.tls_version // ""] // 1)],
   [12, (.cipher_id // -1)], [13, (.cipher // "" | hex)], [14, (.tls_group // "" | hex)],
   [15, (if .cert_not_after then .cert_not_after | dat else "" end)],
   [16, (if .cert_not_after then ((.cert_not_after | fromdateiso8601) - $now) / 86400 | floor
         else 2147483647 end)],
   [17, verify], [18, (.starttls_offered | tf)],
   [19, ((.capabilities_tls // .capabilities_pretls // []) | caps)],
   [20, (.auth_offered_pretls | join(" ") | hex)], [21, (.appldata | hex)],
   [22, .timings_us.connect], [23, .timings_us.banner], [24, .timings_us.ehlo],
   [25, .timings_us.starttls], [26, .timings_us.handshake], [27, .noop_rtt_us],
   [28, .counters.connects], [29, .counters.connect_failures], [30, .counters.noops],
   [31, .counters.reprobes], [33, ((.last_reply // "") | gsub("\n"; "\r\n") | hex)],
   [34, (.cipher_class | cclass)], [35, (.baseline.tls_version | tlslevel)],
   [36, (.baseline.cipher_id // -1)], [37, (.baseline.cipher // "" | hex)],
   [38, (.baseline.cipher_class | cclass)],
   [39, (if .baseline then .baseline.since | dat else "" end)],
   [40, (.tls_downgrades | join(",") | hex)], [41, (.tls_event.event // "" | hex)],
   [42, ({"downgrade": 2, "recovery": 3}[.tls_event.kind // ""] // 1)],
   [43, (if .tls_event then .tls_event.at | dat else "" end)],
   [44, .server_closes], [45, .recycles], [46, .throttles],
   [47, (.last_server_close.reply // "" | printable | hex)],
   [48, ({"idle": 2, "command": 3}[.last_server_close.kind // ""] // 1)],
   [49, (.last_server_close.idle_s // 0 | ms)], [50, (.last_server_close.noops // 0)],
   [51, (if .last_server_close then .last_server_close.at | dat else "" end)],
   [52, (.learned_idle_s // 0 | ms)], [53, .noop_budget], [54, (.noop_interval_s | ms)],
   [55, ({"valid": 2, "mismatch": 3, "no-tlsa": 4, "insecure": 5, "bogus": 6, "error": 7}[.dane.status // ""] // 1)],
   [56, ({"enforce-ok": 2, "enforce-violation": 3, "testing": 4, "none": 5, "invalid": 6,
          "error": 7}[.mta_sts.status // ""] // 1)],
   [57, (.mta_sts.mode // "" | hex)], [58, (.mta_sts.id // "" | hex)], [59, (polfail | hex)],
   ((.rating // {}) as $rt
    | ["overall", "tls_version", "cipher", "key_exchange", "cert_key", "cert_signature"]
    | to_entries[] | [60 + .key, ({"good": 2, "sufficient": 3, "phase-out": 4,
        "insufficient": 5}[$rt[.value] // ""] // 1)])]
| .[] | "'"$TE"'.\(.[0]).\($r.index) \(.[1])"'
JQ_CONNS='.[] | . as $r | .connections[]
| "\($r.index).\(if .role == "monitor" then 1 else 2 end)" as $i
| (.local | addrpart) as $la | (.remote | addrpart) as $ra
| [[2, ($la | addrtype)], [3, ($la | addrhex)], [4, (.local | portpart)],
   [5, ($ra | addrtype)], [6, ($ra | addrhex)], [7, (.remote | portpart)], [8, (.appldata | hex)]]
| .[] | "'"$CE"'.\(.[0]).\($i) \(.[1])"'

# The facts: what the columns must be by doc/snmp.md, from what this script
# set up and nothing smtpmond says. $targets: {t, secure, type (E EHLO
# accepted, S EHLO refused, - no server), sec (T TLS: the monitor does
# STARTTLS for Secure Yes only, B basic, -), caps (the fixture's --caps),
# up}; $tls: what the TLS fixture negotiates (s_client) and its
# certificate's notAfter; $ev: per target what the script did to its
# monitor connections (closes, connects, reply, kind); $ss: per target the
# local end of smtpmond's connection (the kernel's); $idx: status --json,
# only to find a target's row; $now: the time certDaysLeft counts from.
# The class of a TLS 1.3 suite: good (doc/ciphers.md). No target has Dane or
# MtaSts: columns 55-59 notChecked(1) and empty. The NCSC-NL rating
# (columns 60-65): unknown(1) without TLS; TLS 1.3 good(2), 1.2
# sufficient(3) (probes/rating.h); the other components as status --json.
JQ_FACTS='
def level2: {"SSLv3": "S3", "TLSv1": "T1", "TLSv1.1": "11", "TLSv1.2": "12", "TLSv1.3": "13"}[.];
def hex4: [(. / 256 | floor), (. % 256)] | hexbytes;
def suiteclass: if startswith("TLS_AES_") or startswith("TLS_CHACHA20_") then 5 else 1 end;
($idx | map({key: .target, value: .index}) | from_entries) as $ix | $tls as $x
| $targets[] | $ix[.t] as $i | select($i != null)
| (.t | addrpart) as $a | (.sec == "T") as $t | ($ev[.t] // {}) as $e
| (.caps | map(split(" ")[0] | ascii_upcase)) as $pre
| ("EZASMTPM TESTW    " + (.type | sub("-"; " ")) + (.sec | sub("-"; " "))
   + (if $t then ($x.version | level2) + (if $x.id < 256 then [$x.id] | hexbytes else "4X" end)
      + " " + ($x.id | hex4) else "" end)
   | (. + (" " * 40))[0:40] | hex) as $appl
| ([[2, ($a | addrtype)], [3, ($a | addrhex)], [4, (.t | portpart)], [5, ""], [6, ""],
    [7, (.secure | tf)], [8, (if .up then 2 else 3 end)],
    [9, ({"E": 3, "S": 2}[.type] // 1)], [10, ({"T": 3, "B": 2}[.sec] // 1)],
    [11, (if $t then $x.version | tlslevel else 1 end)], [12, (if $t then $x.id else -1 end)],
    [13, (if $t then $x.suite else "" end | hex)], [14, (if $t then $x.group else "" end | hex)],
    [15, (if $t then $x.notafter | edat else "" end)],
    [16, (if $t then ($x.notafter - $now) / 86400 | floor else 2147483647 end)],
    [17, (if $t then 2 else 1 end)], [18, ($pre | any(. == "STARTTLS") | tf)],
    [19, (if $t then $pre - ["STARTTLS"] else $pre end | caps)],
    [20, ([.caps[] | split(" ") | select(.[0] | ascii_upcase == "AUTH") | .[1:][]] | join(" ") | hex)],
    [21, $appl],
    (if .up then empty else [22, 0], [23, 0], [24, 0], [27, 0] end),
    (if $t then empty else [25, 0], [26, 0] end),
    [28, ($e.connects // (if .up then 1 else 0 end))],
    (if .up and $e.closes == null then [29, 0] else empty end),
    [31, 0], [33, ""], [34, (if $t then $x.suite | suiteclass else 1 end)],
    [35, (if $t then $x.version | tlslevel else 1 end)], [36, (if $t then $x.id else -1 end)],
    [37, (if $t then $x.suite else "" end | hex)], [38, (if $t then $x.suite | suiteclass else 1 end)],
    (if .up then empty else [39, ""] end),
    [40, ""], [41, ""], [42, 1], [43, ""],
    [44, ($e.closes // 0)], [45, 0], [46, 0], [47, ($e.reply // "" | hex)],
    (if $e.closes then ([48, $e.kind] | select(.[1] != null))
     else [48, 1], [49, 0], [50, 0], [51, ""], [52, 0], [53, 8], [54, 600000] end),
    [55, 1], [56, 1], [57, ""], [58, ""], [59, ""],
    (if $t then [61, ({"TLSv1.3": 2, "TLSv1.2": 3}[$x.version] // 5)]
     else [60, 1], [61, 1], [62, 1], [63, 1], [64, 1], [65, 1] end)]
   | .[] | "'"$TE"'.\(.[0]).\($i) \(.[1])"),
  (if .up then ($ss[.t] // "") as $l | ($l | if . == "" then "" else addrpart end) as $la
   | [[2, ($la | addrtype)], [3, ($la | addrhex)], [4, (if $l == "" then "" else $l | portpart end)],
      [5, ($a | addrtype)], [6, ($a | addrhex)], [7, (.t | portpart)], [8, $appl]]
   | .[] | "'"$CE"'.\(.[0]).\($i).1 \(.[1])" else empty end)'

# snapshot NAME: status --json and the walk of both tables, taken while
# nothing changed (the JSON before and after the walk is the same), into
# $T/NAME.{json,walk}, and ss's view of smtpmond's TCP connections then
# ($T/NAME.ss: "PEER LOCAL"); the lines expected from the JSON in
# $T/NAME.want, from the facts in $T/NAME.facts, with certDaysLeft as of the
# second the walk began, and in NAME.want1/NAME.facts1 as of the second it
# ended (a day may have turned over in between).
snapshot() {
    local name=$1 a b t0 t1
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        a=$(ctl status --json)
        t0=$(date +%s)
        walk "$ROOT.1.2" >"$T/$name.walk"
        walk "$ROOT.1.3" >>"$T/$name.walk"
        t1=$(date +%s)
        ss -Htnp state established 2>/dev/null |
            awk -v p="pid=$MOND_PID," 'index($0, p) { print $4, $3 }' >"$T/$name.ss"
        b=$(ctl status --json)
        [ "$a" = "$b" ] && break
        sleep 0.3
    done
    [ "$a" = "$b" ] || echo "# $name: the daemon's state kept changing during the walk"
    printf '%s\n' "$a" >"$T/$name.json"
    want_at "$name" "$t0" >"$T/$name.want"
    want_at "$name" "$t1" >"$T/$name.want1"
    if ! facts_at "$name" "$t0" >"$T/$name.facts" || ! facts_at "$name" "$t1" >"$T/$name.facts1" ||
        [ -z "$(rows_of "$TE.2" "$T/$name.facts")" ]; then
        bail "$name: no facts (JQ_FACTS failed)"
    fi
}
want_at() {
    { jq -r --argjson now "$2" "$JQ_DEFS $JQ_TARGETS" "$T/$1.json"
      jq -r "$JQ_DEFS $JQ_CONNS" "$T/$1.json"; } | LC_ALL=C sort
}
# facts_at NAME NOW: JQ_FACTS for the targets of $TARGETS and $EXTRA (JSON
# arrays), the script's doings $EVENTS, the TLS fixture $TLS_FACTS
facts_at() {
    jq -rn --argjson targets "$(jq -cn --argjson a "$TARGETS" --argjson b "${EXTRA:-[]}" '$a + $b')" \
        --argjson ev "$EVENTS" --argjson tls "$TLS_FACTS" --argjson now "$2" \
        --argjson idx "$(jq -c 'map({target, index})' "$T/$1.json")" \
        --argjson ss "$(jq -Rcn '[inputs | split(" ") | {key: .[0], value: .[1]}] | from_entries' "$T/$1.ss")" \
        "$JQ_DEFS $JQ_FACTS" >"$T/facts.tmp" && LC_ALL=C sort "$T/facts.tmp"
}

# norm: walk lines (stdin) as compared with the facts: the key-exchange
# group in lower case (s_client writes X25519), the SASL mechanisms sorted
# (doc/snmp.md gives no order)
norm() {
    perl -pe 'BEGIN { ($g, $m) = splice(@ARGV, 0) }
        s/^(\Q$g\E\.\d+) (\S+)$/"$1 " . uc unpack("H*", lc pack("H*", $2))/e;
        s/^(\Q$m\E\.\d+) (\S+)$/"$1 " . uc unpack("H*", join(" ", sort split(" ", pack("H*", $2))))/e' \
        "$TE.14" "$TE.20"
}
# only_facts FACTS-FILE: the lines of stdin whose OID the facts have
only_facts() { awk 'NR == FNR { f[$1]; next } ($1 in f)' "$1" -; }
# cmp_column NAME PREFIX LABEL: one check for the column PREFIX (e.g.
# $TE.9) of every row: the walk equals status --json (the encoding) and the
# facts. Facts may cover some rows only: the other rows are compared with
# the JSON alone; column 2 of either table (every row) and the connection
# table are compared whole, so that the rows are the facts' rows.
cmp_column() {
    local name=$1 col=$2 label=$3 got want fact gotf nf n
    got=$(rows_of "$col" "$T/$name.walk" | LC_ALL=C sort)
    want=$(rows_of "$col" "$T/$name.want")
    [ "$got" != "$want" ] && [ "$col" = "$TE.16" ] && want=$(rows_of "$col" "$T/$name.want1")
    fact=$(rows_of "$col" "$T/$name.facts" | norm)
    case $col in
    "$TE.2" | "$CE".*) gotf=$(printf '%s\n' "$got" | norm) ;;
    *) gotf=$(printf '%s\n' "$got" | only_facts <(printf '%s\n' "$fact") | norm) ;;
    esac
    [ "$gotf" != "$fact" ] && [ "$col" = "$TE.16" ] && fact=$(rows_of "$col" "$T/$name.facts1")
    nf=$(printf '%s' "$fact" | grep -c .) n=$(printf '%s' "$got" | grep -c .)
    if [ "$nf" = 0 ]; then
        label="encoding: $name: $label equals status --json for every row"
    elif [ "$nf" = "$n" ]; then
        label="$name: $label is the test's setup, as in status --json, for every row"
    else
        label="$name: $label is the test's setup for $nf of $n rows, as in status --json for all"
    fi
    if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$gotf" = "$fact" ]; then
        ok 0 "$label"
    else
        ok 1 "$label"
        [ "$got" = "$want" ] || echo "#   status --json (<) and the walk (>):"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -8 | sed 's/^/#   /'
        [ "$gotf" = "$fact" ] || echo "#   the facts (<) and the walk (>):"
        diff <(printf '%s\n' "$fact") <(printf '%s\n' "$gotf") | head -8 | sed 's/^/#   /'
    fi
}

# compare_columns NAME: one check per column of both tables
compare_columns() {
    local c
    for c in $(seq 2 "$NTCOL"); do
        [ "$c" = 32 ] || cmp_column "$1" "$TE.$c" "column $c (${COLS[$c]})"
    done
    for c in $(seq 2 8); do
        cmp_column "$1" "$CE.$c" "connection column $c (${CCOLS[$c]})"
    done
}

# in_order FILE: the OIDs of the walk strictly increase (column, then index)
in_order() {
    awk '{ n = split($1, p, "."); c = p[n - 1]; i = p[n]
           if (NR > 1 && (c < pc || (c == pc && i <= pi))) { print "# out of order: " prev " then " $1; bad = 1 }
           pc = c; pi = i; prev = $1 }
         END { exit bad }' "$1"
}

# trap_line KIND-OID INDEX [N]: the varbinds of the Nth notification KIND for
# target row INDEX (tab-separated "OID = TYPE: value")
trap_line() {
    awk -v t=".1.3.6.1.6.3.1.1.4.1.0 = OID: $1$TAB" -v v="$TE.2.$2 = " \
        'index($0, t) && index($0, v)' "$TRAP_LOG" | sed -n "${3:-1}p"
}
# traps_of KIND-OID: all notifications KIND
traps_of() { awk -v t=".1.3.6.1.6.3.1.1.4.1.0 = OID: $1$TAB" 'index($0, t)' "$TRAP_LOG"; }
# tvar LINE OID: the "TYPE: value" of OID in a trap line
idx_of() { ctl status --json | jq -r ".[] | select(.target == \"$1\") | .index"; }

# ---- peers ----
snmptrapd_start
snmpd_start "rwcommunity private 127.0.0.1"
gen_cert mx.test
TLS_VERSION=TLSv1.3 TLS_SUITE=TLS_AES_256_GCM_SHA384     # what the TLS fixture may negotiate
CAPS_TLS="PIPELINING,SIZE 1000,AUTH PLAIN LOGIN,STARTTLS"
CAPS_PLAIN="PIPELINING,8BITMIME,AUTH LOGIN PLAIN,STARTTLS"
CAPS_SIX="SMTPUTF8,CHUNKING,DSN"
CAPS_VICTIM="ENHANCEDSTATUSCODES,VRFY"
IDLE=(--idle-timeout 600000)    # no fixture ends an idle connection (default: after 60 s)
start_fixture tls --cert "$T/mx.test.crt" --key "$T/mx.test.key" --hostname mx.test \
    --tls-min "${TLS_VERSION#TLSv}" --ciphersuites "$TLS_SUITE" --caps "$CAPS_TLS" "${IDLE[@]}"
P_TLS=$FIX_PORT
start_fixture plain --caps "$CAPS_PLAIN" "${IDLE[@]}"
P_PLAIN=$FIX_PORT
start_fixture old --ehlo-reply "502 5.5.2 Error: command not recognized" "${IDLE[@]}"
P_OLD=$FIX_PORT
fix_at six "[::1]:0" -- --caps "$CAPS_SIX" "${IDLE[@]}"
SIX=$FIX_ADDRS
fix_at victim 127.0.0.1:0 -- --caps "$CAPS_VICTIM" "${IDLE[@]}"
VICTIM=$FIX_ADDRS VICTIM_PID=$FIX_PID

# what the TLS fixture negotiates, seen by openssl s_client (OpenSSL's
# defaults, as smtpmond's): version, suite (its IANA id from `openssl
# ciphers`), key-exchange group; the certificate's notAfter
timeout 30 openssl s_client -connect "127.0.0.1:$P_TLS" -starttls smtp -servername mx.test \
    -CAfile "$T/mx.test.crt" -verify_hostname mx.test </dev/null >"$T/s_client.out" 2>&1
sc_proto=$(sed -nE 's/^New, (TLSv[0-9.]+), Cipher is .*/\1/p' "$T/s_client.out" | head -1)
sc_suite=$(sed -nE 's/^New, TLSv[0-9.]+, Cipher is (.*)/\1/p' "$T/s_client.out" | head -1)
sc_group=$(sed -nE 's/^(Server Temp Key|Negotiated TLS1\.3 group): *([^, ]*).*/\2/p' "$T/s_client.out" | head -1)
sc_verify=$(sed -n 's/^ *Verify return code: //p' "$T/s_client.out" | head -1)
sc_id=$(openssl ciphers -V -stdname 2>/dev/null | awk -v s="$sc_suite" '$3 == s { print $1; exit }' |
    sed -nE 's/^0x(..),0x(..)$/\1\2/p')
[ -z "$sc_id" ] || sc_id=$((16#$sc_id))
[ "$sc_proto|$sc_suite|$sc_verify" = "$TLS_VERSION|$TLS_SUITE|0 (ok)" ] && [ -n "$sc_id" ] && [ -n "$sc_group" ]
ok $? "openssl s_client: the TLS fixture negotiates $TLS_VERSION, $TLS_SUITE (${sc_id:-no IANA id}) as told, group ${sc_group:-none}; its certificate verifies"
if [ -z "$sc_id" ] || [ -z "$sc_group" ] || [ "$sc_suite" != "$TLS_SUITE" ]; then
    sed 's/^/#   /' "$T/s_client.out" | head -30
fi
cert_end=$(date -u -d "$(openssl x509 -enddate -noout -in "$T/mx.test.crt" | sed 's/^notAfter=//')" +%s)
TLS_FACTS=$(jq -cn --arg v "$sc_proto" --arg s "$sc_suite" --argjson id "${sc_id:-0}" --arg g "$sc_group" \
    --argjson na "$cert_end" '{version: $v, suite: $s, id: $id, group: $g, notafter: $na}')

# flip: answers like a server until $T/flip.flag exists, then sends
# "421 4.3.2 flip going down" unsolicited and closes; greets with it while
# the flag is there
cat >"$T/flip.pl" <<'EOF'
use strict; use warnings; use IO::Socket::INET; use IO::Select;
my ($ready, $flag, $reply) = @ARGV;
$SIG{PIPE} = 'IGNORE';
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16,
    ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
open(my $fh, '>', "$ready.tmp") or die; print $fh "127.0.0.1 ", $srv->sockport, "\n";
close $fh; rename("$ready.tmp", $ready);
while (1) {
    my $c = $srv->accept or next;
    $c->autoflush(1);
    if (-e $flag) { print $c "$reply\r\n"; close $c; next; }
    print $c "220 flip.test ESMTP flip\r\n";
    my $sel = IO::Select->new($c);
    my $buf = '';
    CONN: while (1) {
        if (-e $flag) { print $c "$reply\r\n"; last CONN; }
        next CONN unless $sel->can_read(0.1);
        my $n = sysread($c, my $chunk, 4096);
        last CONN unless $n;
        $buf .= $chunk;
        while ($buf =~ s/^([^\n]*)\n//) {
            my $l = $1; $l =~ s/\r$//;
            if ($l =~ /^EHLO/i) { print $c "250-flip.test\r\n250 PIPELINING\r\n"; }
            elsif ($l =~ /^HELO/i) { print $c "250 flip.test\r\n"; }
            elsif ($l =~ /^NOOP/i) { print $c "250 2.0.0 Ok\r\n"; }
            elsif ($l =~ /^QUIT/i) { print $c "221 2.0.0 Bye\r\n"; last CONN; }
            else { print $c "502 5.5.2 Error: command not recognized\r\n"; }
        }
    }
    close $c;
}
EOF
FLIP_REPLY="421 4.3.2 flip going down"
perl "$T/flip.pl" "$T/flip.ready" "$T/flip.flag" "$FLIP_REPLY" 2>"$T/flip.err" &
track $!
wait_until 50 '[ -s "$T/flip.ready" ]' || bail "flip server did not start: $(cat "$T/flip.err")"
FLIP=127.0.0.1:$(awk '{print $2}' "$T/flip.ready")

CLOSED_PORT=9
base_conf() {
    cat <<EOF
ExtWrtName  TESTW
Timeout {
    InitialMsg 5
    AnyCmd 5
    Connect 2
    ConnectRetry ${1:-1}
}
Monitor {
    NoopInterval 600
    ReprobeInterval 0
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_TLS
    Secure Yes
    TlsServerName mx.test
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_PLAIN
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_OLD
}
TargetServer {
    TargetIP ::1
    ConnectPort ${SIX##*:}
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort ${VICTIM##*:}
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort ${FLIP##*:}
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $CLOSED_PORT
}
CAFile $T/mx.test.crt
AgentXSocket $AGENTX_SOCK
EOF
}
N_BASE=7
# the base targets for JQ_FACTS: Secure as configured; type and caps as
# each server was told to answer (old refuses EHLO: no capabilities; flip:
# flip.pl's EHLO reply); TLS only for Secure Yes; the closed port: no server
TARGETS=$(jq -cn --arg tls "127.0.0.1:$P_TLS" --arg plain "127.0.0.1:$P_PLAIN" --arg old "127.0.0.1:$P_OLD" \
    --arg six "$SIX" --arg victim "$VICTIM" --arg flip "$FLIP" --arg closed "127.0.0.1:$CLOSED_PORT" \
    --arg c_tls "$CAPS_TLS" --arg c_plain "$CAPS_PLAIN" --arg c_six "$CAPS_SIX" --arg c_victim "$CAPS_VICTIM" '
    def t($t; $secure; $type; $sec; $caps): {t: $t, secure: $secure, type: $type, sec: $sec,
        caps: ($caps | if . == "" then [] else split(",") end), up: ($type != "-")};
    [t($tls; true; "E"; "T"; $c_tls), t($plain; false; "E"; "B"; $c_plain), t($old; false; "S"; "B"; ""),
     t($six; false; "E"; "B"; $c_six), t($victim; false; "E"; "B"; $c_victim),
     t($flip; false; "E"; "B"; "PIPELINING"), t($closed; false; "-"; "-"; "")]')
EVENTS='{}'     # what the script did to monitor connections, per target (JQ_FACTS $ev)
base_conf | mond_conf "$T/smtpmon.conf"
t_start0=$(date +%s)
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
t_start1=$(date +%s)
wait_until 100 '[ "$(rows_where ".state == \"up\"")" = 6 ] && [ "$(rows_where ".state == \"down\"")" = 1 ]'
is "$(rows_where '.state == "up"')/$(rows_where '.state == "down"')" "6/1" \
    "six fixture targets up, the closed port down"

# ---- registration, log ----
wait_until 100 '[ "$(nrows)" = $N_BASE ]'
is "$(nrows)" "$N_BASE" "the subagent registered: one row per target"
grep -q 'SMD1842I snmp: NET-SNMP version .* AgentX subagent connected' "$MOND_LOG"
ok $? "net-snmp's own messages are in smtpmond's log (SMD1842I ... AgentX subagent connected)"
grep -q 'SMD1840I SNMP subagent started: agentx='"$AGENTX_SOCK" "$MOND_LOG"
ok $? "SMD1840I names the configured AgentX socket"

# ---- every column: the facts, and status --json ----
snapshot first
compare_columns first

# tcols INDEX NAME COLUMN...: the values of the columns of row INDEX in $T/NAME.walk
tcols() {
    local i=$1 name=$2 c
    shift 2
    for c in "$@"; do printf '%s|' "$(val_of "$TE.$c.$i" "$T/$name.walk")"; done
}
# jcols INDEX NAME JQ: the jq array JQ of row INDEX of $T/NAME.json, "|"-terminated
jcols() {
    jq -r "$JQ_DEFS .[] | select(.index == $1) | $3 | map(tostring) | map(. + \"|\") | join(\"\")" \
        "$T/$2.json"
}
idx_six=$(jq -r --arg t "$SIX" '.[] | select(.target == $t) | .index' "$T/first.json")
is "$(tcols "${idx_six:-0}" first 2 3 4)" "2|00000000000000000000000000000001|${SIX##*:}|" \
    "the IPv6 target's row: ipv6(2), ::1 and the port its fixture listens on"
idx_tls=$(jq -r ".[] | select(.target == \"127.0.0.1:$P_TLS\") | .index" "$T/first.json")
is "$(val_of "$TE.11.$idx_tls" "$T/first.walk") $(unhex "$(val_of "$TE.21.$idx_tls" "$T/first.walk")")" \
    "7 EZASMTPM TESTW    ET134X 1302           " "TLS target: tls13(7) and its appldata record"

# the monitor connection against the server's limits (columns 44-54)
is "$(tcols "$idx_tls" first 44 45 46 52 53 54)" "0|0|0|0|8|600000|" \
    "TLS target: no server close, recycle or throttle, nothing learned, NoopBudget 8 (default), NoopInterval 600 s (600000 ms)"
is "$(jcols "$idx_tls" first '[.learned_idle_s, .noop_budget, .noop_interval_s == 600]')$(tcols "$idx_tls" first 52 53 54)" \
    "null|8|true|0|8|600000|" \
    "no idle limit learned (null, 0), NoopBudget 8 by default, NoopInterval 600 s served as 600000 ms"
is "$(jcols "$idx_tls" first '[.last_server_close]')$(tcols "$idx_tls" first 47 48 49 50 51)" \
    "null||1|0|0||" "no server close yet: lastCloseReply empty, lastCloseKind none(1), 0, 0, no time"

# lastChange: a TimeStamp of the subagent's uptime, at most the daemon's
# age by the script's clock
age_cs=$(( ($(date +%s) - t_start0 + 1) * 100 ))
lc=$(rows_of "$TE.32" "$T/first.walk" | awk '{ print $2 }' | sort -n | tail -1)
[ "$(rows_of "$TE.32" "$T/first.walk" | awk '$2 >= 0 && $2 <= '"$age_cs"'' | wc -l)" = $N_BASE ]
ok $? "lastChange served for every row, within the daemon's life (latest $lc cs)"

# scalars
version=$(sed -n 's/^AC_INIT(\[smtpmon\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
is "$(sget "$SC.1.0")|$("$SMTPMOND" -V | awk '{ print $NF }')" "\"$version\"|$version" \
    "smtpmonVersion is configure.ac's version ($version), as smtpmond -V says"
is "$(sget "$SC.2.0")" '"TESTW"' "smtpmonWriter is ExtWrtName"
is "$(sget "$SC.3.0")" "$N_BASE" "smtpmonTargetsConfigured"
is "$(sget "$SC.4.0")" 6 "smtpmonTargetsUp: the six servers"
for _ in 1 2 3 4 5; do   # the closed port's retries count as failures
    want=$(ctl status | head -1 | sed -E 's/.*probes ([0-9]+), failures ([0-9]+);.*/\1 \2/')
    got="$(sget "$SC.5.0") $(sget "$SC.6.0")"
    [ "$got" = "$want" ] && break
done
[ "$got" = "$want" ] && [ "${got%% *}" = 6 ] && [ "${got#* }" -ge 1 ]
ok $? "smtpmonProbesDone 6 (one classification per server), smtpmonProbeFailures at least the closed port's first ($got); both as the status header"
[ "$got" = "$want" ] || echo "#   status header: $want"
got=$(walk "$SC.7.0" | cut -d' ' -f2)
want=$(for t in $(seq "$t_start0" "$t_start1"); do jq -rn --argjson t "$t" "$JQ_DEFS \$t | edat"; done)
grep -qxF -- "$got" <<<"$want"
ok $? "smtpmonStartTime is when the script started smtpmond, as an 11-octet UTC DateAndTime ($got)"
like "$(snmpget -v2c -c public -On "127.0.0.1:$SNMPD_PORT" "$SC.6.0")" "Counter64:" \
    "smtpmonProbeFailures has type Counter64"

# ---- SET is refused ----
port_before=$(sget "$TE.4.$idx_tls")
out=$(snmpset -v2c -c public -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$TE.4.$idx_tls" u 25 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" =~ notWritable|noAccess|noCreation ]]
ok $? "SET with the read-only community refused ($(grep -o 'Reason: .*' <<<"$out"))"
out=$(snmpset -v2c -c private -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$TE.4.$idx_tls" u 25 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" =~ notWritable|noAccess|noCreation ]]
ok $? "SET of a column with a read-write community refused by the subagent ($(grep -o 'Reason: .*' <<<"$out"))"
out=$(snmpset -v2c -c private -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$SC.2.0" s HACKED 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" =~ notWritable|noAccess|noCreation ]]
ok $? "SET of smtpmonWriter refused ($(grep -o 'Reason: .*' <<<"$out"))"
out=$(snmpset -v2c -c private -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$TE.4.4000000000" u 25 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" =~ notWritable|noAccess|noCreation ]]
ok $? "SET creating a row refused ($(grep -o 'Reason: .*' <<<"$out"))"
is "$(sget "$TE.4.$idx_tls") $(sget "$SC.2.0")" "$port_before \"TESTW\"" "nothing changed"

# ---- notifications ----
idx_v=$(idx_of "$VICTIM")
idx_f=$(idx_of "$FLIP")
idx_c=$(idx_of "127.0.0.1:$CLOSED_PORT")
wait_until 50 '[ -n "$(trap_line $N_DOWN $idx_c)" ]'
line=$(trap_line $N_DOWN "$idx_c")
is "$(tvar "$line" "$TE.4.$idx_c")" "Gauge32: $CLOSED_PORT" \
    "smtpmonTargetDown for the closed port, whose first connection failed"
is "$(traps_of "$N_UP" | wc -l)" 0 "no smtpmonTargetUp for the targets that came up at start"

kill -TERM "$VICTIM_PID"
wait_until 100 '[ -n "$(trap_line $N_DOWN $idx_v)" ]'
line=$(trap_line $N_DOWN "$idx_v")
ok "$([ -n "$line" ]; echo $?)" "killing a fixture target: smtpmonTargetDown at snmptrapd"
is "$(tvar "$line" .1.3.6.1.6.3.1.1.4.1.0)" "OID: $N_DOWN" "notification OID is smtpmonTargetDown ($N_DOWN)"
is "$(tvar "$line" "$TE.2.$idx_v")|$(tvar "$line" "$TE.3.$idx_v")|$(tvar "$line" "$TE.4.$idx_v")" \
    "INTEGER: 1|Hex-STRING: 7F 00 00 01 |Gauge32: ${VICTIM##*:}" \
    "varbinds: address type, address, port with the row's index as instance"
is "$(tvar "$line" "$TE.8.$idx_v")|$(tvar "$line" "$TE.33.$idx_v")" 'INTEGER: 3|""' \
    "varbinds: status down(3), last reply empty (the connection was just closed)"
jrow() { ctl status --json | jq -r ".[] | select(.index == $1) | $2"; }
wait_until 20 '[ "$(jrow $idx_v .state)" = down ]'   # published within 20 ms of the change
is "$(jrow "$idx_v" '[.state, (.last_reply | tostring)] | join(" ")')" \
    "down null" "status --json agrees: down, no reply"
is "$(printf '%s\n' "$line" | tr '\t' '\n' | wc -l)" 7 \
    "smtpmonTargetDown carries sysUpTime, snmpTrapOID and the five OBJECTS"

fix_at victim "$VICTIM" -- --caps "$CAPS_VICTIM" "${IDLE[@]}"
wait_until 150 '[ -n "$(trap_line $N_UP $idx_v)" ]'
line=$(trap_line $N_UP "$idx_v")
ok "$([ -n "$line" ]; echo $?)" "restarting it: smtpmonTargetUp at snmptrapd"
is "$(tvar "$line" "$TE.2.$idx_v")|$(tvar "$line" "$TE.3.$idx_v")|$(tvar "$line" "$TE.4.$idx_v")|$(tvar "$line" "$TE.8.$idx_v")" \
    "INTEGER: 1|Hex-STRING: 7F 00 00 01 |Gauge32: ${VICTIM##*:}|INTEGER: 2" \
    "smtpmonTargetUp varbinds: address type, address, port, status up(2)"
is "$(printf '%s\n' "$line" | tr '\t' '\n' | wc -l)" 6 \
    "smtpmonTargetUp carries sysUpTime, snmpTrapOID and the four OBJECTS"
# its monitor connection ended without a word, a fresh one classified it
EVENTS=$(jq -c --arg t "$VICTIM" '.[$t] = {closes: 1, connects: 2, reply: ""}' <<<"$EVENTS")

touch "$T/flip.flag"
wait_until 100 '[ -n "$(trap_line $N_DOWN $idx_f)" ]'
line=$(trap_line $N_DOWN "$idx_f")
is "$(tvar "$line" "$TE.33.$idx_f")" "STRING: \"$FLIP_REPLY\"" \
    "a server dropping the connection with 421: its reply is the lastReply varbind"
wait_until 20 '[ "$(jrow $idx_f .state)" = down ]'
is "$(jrow "$idx_f" .last_reply)" "$FLIP_REPLY" \
    "status --json shows the same reply"
wait_until 30 '[ "$(unhex "$(walk "$TE.33.$idx_f" | cut -d" " -f2)")" = "$FLIP_REPLY" ]'
is "$(unhex "$(walk "$TE.33.$idx_f" | cut -d' ' -f2)")|$(sget "$TE.8.$idx_f")" "$FLIP_REPLY|3" \
    "the table shows it too: lastReply, status down(3)"
rm -f "$T/flip.flag"
wait_until 150 '[ -n "$(trap_line $N_UP $idx_f)" ]'
ok "$([ -n "$(trap_line $N_UP "$idx_f")" ]; echo $?)" "the 421 server back: smtpmonTargetUp"
wait_until 50 '[ "$(rows_where ".state == \"up\"")" = 6 ]'
# a 421 on its idle monitor connection (NoopInterval 600 s): an idle(2)
# close after the classification's NOOP; a fresh connection classified it
EVENTS=$(jq -c --arg t "$FLIP" --arg r "$FLIP_REPLY" '.[$t] = {closes: 1, connects: 2, reply: $r, kind: 2}' \
    <<<"$EVENTS")

snapshot second
compare_columns second
# the flip server's unsolicited 421 ended an established monitor connection:
# a server close (the fresh connection's 421 greeting made it down)
is "$(tcols "$idx_f" second 44)$(jcols "$idx_f" second '[.server_closes]')" "1|1|" \
    "the 421 server's close is one server close: serverCloses 1 in the table and status --json"
is "$(unhex "$(val_of "$TE.47.$idx_f" "$T/second.walk")")|$(tcols "$idx_f" second 48 49 50)$(val_of "$TE.51.$idx_f" "$T/second.walk" | wc -c)" \
    "$FLIP_REPLY|2|$(jcols "$idx_f" second '[(.last_server_close.idle_s | ms), .last_server_close.noops]')23" \
    "lastCloseReply its 421, lastCloseKind idle(2), lastCloseTime set; lastCloseIdle (ms) and lastCloseNoops as status --json (encoding)"
# the classification's NOOP at least; one more when the target's first NOOP
# (at a random point of NoopInterval, to spread the targets) came before the 421
ok "$([ "$(tcols "$idx_f" second 50)" != "0|" ]; echo $?)" \
    "lastCloseNoops counts the NOOPs of the closed connection: at least the classification's"

# ---- snmpd restarts: the subagent registers again by itself ----
nlog=$(wc -l <"$MOND_LOG")
snmpd_restart || bail "snmpd did not restart"
t0=$(date +%s)
wait_until 300 '[ "$(nrows)" = $N_BASE ]'
t1=$(date +%s)
is "$(nrows)" "$N_BASE" "after an snmpd restart the rows are back ($((t1 - t0)) s)"
[ $((t1 - t0)) -le 30 ]; ok $? "re-registration within 30 s"
tail -n +$((nlog + 1)) "$MOND_LOG" | grep -E 'SMD1842[IWE] snmp: ' | head -3 | sed 's/^/# /'
tail -n +$((nlog + 1)) "$MOND_LOG" | grep -Eq 'SMD1842I snmp: .*AgentX subagent connected'
ok $? "the reconnection is in smtpmond's log (net-snmp's messages, SMD1842x)"
touch "$T/flip.flag"
wait_until 100 '[ -n "$(trap_line $N_DOWN $idx_f 2)" ]'
ok "$([ -n "$(trap_line $N_DOWN "$idx_f" 2)" ]; echo $?)" "notifications flow through the new snmpd"
rm -f "$T/flip.flag"
wait_until 150 '[ -n "$(trap_line $N_UP $idx_f 2)" ]'
EVENTS=$(jq -c --arg t "$FLIP" '.[$t].closes = 2 | .[$t].connects = 3' <<<"$EVENTS")

# ---- 1,000 more rows through a reload ----
{
    base_conf 600
    echo "TargetServer {"
    for i in $(seq 0 999); do
        echo "    TargetIP 127.1.$((i / 250)).$((i % 250 + 1))"
    done
    echo "    ConnectPort $CLOSED_PORT"
    echo "}"
} | mond_conf "$T/smtpmon.conf"
udp_rcvbuf_errors() { awk '/^Udp: [0-9]/ { print $6 }' /proc/net/snmp; }
udp_before=$(udp_rcvbuf_errors)
out=$(ctl reload 2>&1); rc=$?
is "$rc" 0 "reload with 1,000 more targets accepted ($out)"
wait_until 300 '[ "$(rows_where ".state == \"down\"")" -ge 1001 ]'
is "$(rows_where '.state == "down"')" 1001 "the 1,000 closed-port targets are down"
wait_until 100 '[ "$(sget "$SC.3.0")" = 1007 ]'
is "$(sget "$SC.3.0")" 1007 "smtpmonTargetsConfigured follows the reload"
EXTRA=$(jq -cn --argjson p "$CLOSED_PORT" '[range(1000) | {t: "127.1.\(. / 250 | floor).\(. % 250 + 1):\($p)",
    secure: false, type: "-", sec: "-", caps: [], up: false}]')
snapshot big
rows=$(rows_of "$TE.2" "$T/big.walk" | wc -l)
is "$rows" 1007 "a walk of 1,007 rows returns every row"
is "$(wc -l <"$T/big.walk")" "$((1007 * (NTCOL - 1) + $(jq '[.[].connections[]] | length' "$T/big.json") * 7))" \
    "every row has every column ($((NTCOL - 1)) target columns, 7 connection columns)"
rows_of "$ROOT.1.2" "$T/big.walk" >"$T/big.targets"
in_order "$T/big.targets"; ok $? "the walk is in order (column, then index) with no repeats"
got=$(rows_of "$TE.2" "$T/big.walk" | awk '{ n = split($1, p, "."); print p[n] }' | tr '\n' ' ')
is "$got|$(jq -r '[.[].index] | sort | map(tostring) | join(" ")' "$T/big.json") " "$(seq -s' ' 1 1007) |$(seq -s' ' 1 1007) " \
    "the row indexes are 1 to 1,007 ascending (kept, and numbered on from 8), as in status --json"
grep -v "^$TE.32\." "$T/big.walk" | LC_ALL=C sort >"$T/big.got"
norm <"$T/big.got" | only_facts "$T/big.facts" >"$T/big.gotf"
{ cmp -s "$T/big.got" "$T/big.want" || cmp -s "$T/big.got" "$T/big.want1"; } &&
    { norm <"$T/big.facts" | cmp -s "$T/big.gotf" - || norm <"$T/big.facts1" | cmp -s "$T/big.gotf" -; }
ok $? "every column of all 1,007 rows is the configured targets' ($(wc -l <"$T/big.facts") facts), as in status --json"
cmp -s "$T/big.got" "$T/big.want" || diff "$T/big.want" "$T/big.got" | head -8 | sed 's/^/#   status --json: /'
norm <"$T/big.facts" | diff - "$T/big.gotf" | head -8 | sed 's/^/#   facts: /'
EXTRA='[]'
# 1,000 notifications at once: snmpd forwards them over UDP, and a slow
# snmptrapd may lose some when its socket buffer overflows (the kernel
# counts them in RcvbufErrors); none may go missing before that
down_traps() { traps_of "$N_DOWN" | grep -c "$TE.4.[0-9]* = Gauge32: $CLOSED_PORT"; }
wait_until 150 '[ "$(down_traps)" -ge 1001 ]'
udp_lost=$(( $(udp_rcvbuf_errors) - udp_before ))
got=$(down_traps)
[ "$got" -le 1001 ] && [ $((got + udp_lost)) -ge 1001 ]
ok $? "one smtpmonTargetDown per new closed-port target: $got at snmptrapd, $udp_lost lost in UDP socket buffers"

base_conf | mond_conf "$T/smtpmon.conf"
out=$(ctl reload 2>&1); rc=$?
is "$rc" 0 "reload back to the seven targets"
wait_until 100 '[ "$(nrows)" = $N_BASE ]'
is "$(nrows)" "$N_BASE" "the 1,000 rows are gone from the table"
wait_until 50 '[ "$(rows_where ".state == \"up\"")" = 6 ]'
snapshot after
compare_columns after

# ---- stop, then AgentXSocket off ----
mond_stop
is "$MOND_RC" 0 "SIGTERM: smtpmond exits 0 with the subagent running"
like "$(grep 'SMD1844I SNMP subagent stopped' "$MOND_LOG")" "notifications=1007 dropped=0 " \
    "SMD1844I: the subagent stopped, having sent all 1,007 notifications (1,004 down, 3 up)"
is "$(grep -c SMD1843W "$MOND_LOG")" 0 "no notification dropped from the queue"
wait_until 100 '[ "$(nrows)" = 0 ]'
is "$(nrows)" 0 "its rows are gone from snmpd"

mv "$MOND_LOG" "$T/smtpmond-first.log"
base_conf | grep -v '^AgentXSocket' | mond_conf "$T/off.conf"   # mond_conf adds "AgentXSocket off"
grep -q '^AgentXSocket off' "$T/off.conf" || bail "mond_conf wrote no AgentXSocket off"
out=$("$SMTPMOND" -t -f "$T/off.conf" 2>&1); rc=$?
like "$rc $out" "^0 .*configuration valid: $N_BASE TargetServer block" \
    "smtpmond -t accepts the configuration with AgentXSocket off ($out)"
mond_start "$T/off.conf" || bail "smtpmond (AgentXSocket off) did not start"
wait_until 100 '[ "$(rows_where ".state == \"up\"")" = 6 ]'
is "$(rows_where '.state == "up"')" 6 "AgentXSocket off: smtpmond monitors as before"
grep -q 'SMD1840I SNMP subagent off (AgentXSocket off)' "$MOND_LOG"; ok $? "SMD1840I says SNMP is off"
# smtpmond starts its subagent, and waits for it, before it monitors: with
# six targets up a subagent would be registered by now
like "$(sget .1.3.6.1.2.1.1.3.0)" '^[0-9]+$' "snmpd itself answers (sysUpTime.0)"
is "$(walk "$ROOT" | rows_of "$ROOT" | wc -l)" 0 "nothing registered at snmpd"
is "$(grep -c 'SMD184[24]' "$MOND_LOG")" 0 "no net-snmp activity in the log"
mond_stop
is "$MOND_RC" 0 "and exits 0"
