#!/bin/bash
# The passive probe through SNMP: smtpmond as an AgentX subagent of a real
# snmpd, notifications at a real snmptrapd (tests/lib/snmp.sh), all on
# loopback. For each capture that tests/tools/pcapgen crafts (tls13, tls12,
# implicit465, plain; stripped over IPv4 and IPv6, mangled, cmd-mangled,
# refused, plaintext220) a fresh smtpmond reads it once
# (Passive { PcapFile FILE  Ports 25 587 465 }, no target), then:
#   - every column of every row of smtpmonPassiveServerTable (snmpbulkwalk
#     through snmpd) is what the capture holds, by doc/snmp.md's definition
#     of the column: the facts pcapgen prints for every session it wrote
#     (its .expect) and, for greeting, AUTH, mangled keyword and times, the
#     capture's own bytes (wire.pl below); and it equals the matching field
#     of `smtpmonctl passive --json` (the encoding); the walk is in order.
#     Only the event's detail (the daemon's wording) is checked against
#     passive --json alone: those checks say "encoding:"
#   - the passive scalars and smtpmond's SMD1861I figures are pcapgen's
#   - once smtpmond is gone and a marker notification sent after that has
#     reached snmptrapd, exactly one smtpmonPassiveAlert per event pcapgen
#     expects has arrived before it; the notification carries the server's
#     address type, address and port, the event, its session's client, the
#     TLS levels (doc/snmp.md: baseline of the earlier sessions, the
#     session's), and the row's last_event detail
# Numeric OIDs only (MIBS empty): nothing here depends on the MIB text.
#
# pcapgen: $PCAPGEN if set, else the build tree's tests/tools/pcapgen, else
# built here from $srcdir/tests/tools/pcapgen.c; without it the test skips.
# SC2016: jq programs and wait_until code are single-quoted on purpose; SC2154: srcdir
# comes from the environment; SC2119: snmpd_start takes no arguments here.
# shellcheck disable=SC2016,SC2154,SC2119
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"

for tool in snmpd snmptrapd snmpbulkwalk snmpget snmptrap jq perl ss; do
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
PER_SCENARIO=44      # checks every capture gets
PER_ALERT=4          # more for a capture that raises an event
N_ALERT=0
for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r _ _ ev _ <<<"$s"
    [ "$ev" = - ] || N_ALERT=$((N_ALERT + 1))
done
# 10 captures x 44, the 6 with an event x 4 more, 2 for the first capture
[ $(( ${#SCENARIOS[@]} * PER_SCENARIO + N_ALERT * PER_ALERT + 2 )) = 466 ] ||
    bail "SCENARIOS or the checks per capture changed: update the plan"
plan 466

ROOT=.1.3.6.1.3.5321              # agent/output/snmp_mib.h SMTPMON_OID_ROOT
PS=$ROOT.1.5.1                    # smtpmonPassiveScalars
PE=$ROOT.1.5.2.1                  # smtpmonPassiveServerEntry
NO=$ROOT.1.4                      # smtpmonNotifyObjects
N_PASSIVE=$ROOT.0.7               # smtpmonPassiveAlert
export MIBS=                      # no MIB modules: numbers only
PCOLS=(- index addrType addr port type starttls tlsKnown authPretls security tlsLevel
    cipherId cipherName cipherClass baselineTls certNotAfter sni banner mangled appldata
    lastClient sessTotal sessTls sessBasic alerts activeEvents event eventClient eventDetail
    eventTime firstSeen lastSeen ratingOverall ratingTlsVersion ratingCipher ratingKeyExchange
    ratingCertKey ratingCertSignature)
LAST_COL=37
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
def rclass: {"good": 2, "sufficient": 3, "phase-out": 4, "insufficient": 5}[. // ""] // 1;
def edat: gmtime | [(.[0] / 256 | floor), (.[0] % 256), .[1] + 1, .[2], .[3], .[4], (.[5] | floor), 0, 43, 0, 0]
    | hexbytes;
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
   [30, (.first_seen | odat)], [31, (.last_seen | odat)],
   [32, (.rating.overall | rclass)], [33, (.rating.tls_version | rclass)],
   [34, (.rating.cipher | rclass)], [35, (.rating.key_exchange | rclass)],
   [36, (.rating.cert_key | rclass)], [37, (.rating.cert_signature | rclass)]]
| .[] | "'"$PE"'.\(.[0]).\($r.index) \(.[1])"'

# What the columns must be by doc/snmp.md, from pcapgen's .expect (stdin)
# and wire.pl's reading of the capture ($w): sessions joined by client, rows
# by server in order of first sight (indexes from 1). The suites pcapgen's
# servers pick: IANA name, and class by doc/ciphers.md (TLS 1.3; ECDHE+GCM).
JQ_FACTS='
def suite: {"4865": ["TLS_AES_128_GCM_SHA256", 5],
    "49195": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 5]}[tostring] // ["", 1];
def hex4: [(. / 256 | floor), (. % 256)] | hexbytes;
def appldata: "EZASMTPM TESTW    " + (.server_type // " ") + .security
    + (if .tls_version == null then "" else
        {"SSLv3": "S3", "TLSv1": "T1", "TLSv1.1": "11", "TLSv1.2": "12", "TLSv1.3": "13"}[.tls_version]
        + (if .cipher_id < 256 then [.cipher_id] | hexbytes else "4X" end) + " " + (.cipher_id | hex4) end)
    | (. + (" " * 40))[0:40] | hex;
def lastwhere(f): map(select(f)) | last;
# the NCSC-NL 2025-05 rating of the last TLS session (doc/ciphers.md), as
# SmtpmonRatingClass: pcapgen negotiates x25519 and serves an ECDSA P-256
# leaf signed with SHA-256; TLS 1.3 (AES-128-GCM) hides it
def rating: if . == null or .tls_version == null then [1, 1, 1, 1, 1, 1]
    elif .tls_version == "TLSv1.3" then [3, 2, 3, 3, 1, 1]
    elif .cert_seen then [3, 3, 3, 3, 3, 2] else [3, 3, 3, 3, 1, 1] end;
(.sessions | map(. as $s | $s + ($w | map(select(.client == $s.client)) | .[0] // {}))) as $S
| (reduce $S[].server as $v ([]; if any(.[]; . == $v) then . else . + [$v] end)) as $servers
| range($servers | length) as $i | $servers[$i] as $srv
| [$S[] | select(.server == $srv)] as $R | $R[-1] as $l | ($srv | addrpart) as $a
| ($R | lastwhere(.server_type != null)) as $ehlo
| ($R | lastwhere(.tls_version != null)) as $tls
| ($R | lastwhere(.events != [])) as $ev
| (reduce $R[] as $s ({on: [], base: 1}; ($s.tls_version | tlslevel) as $v
    | if $s.starttls_offered and $v >= .base then .on = [] else . end
    | .on += $s.events | .base = ([.base, $v] | max)) | .on | unique) as $inforce
| [[2, ($a | addrtype)], [3, ($a | addrhex)], [4, ($srv | split(":") | last | tonumber)],
   [5, ({"E": 3, "S": 2}[$ehlo.server_type // ""] // 1)],
   [6, ($ehlo.starttls_offered // false | tf)],
   [7, (any($R[]; .starttls_offered or (.tls_version != null and (.implicit_tls | not))) | tf)],
   [8, ($ehlo.auth // "" | hex)],
   [9, ({"T": 3, "B": 2}[$l.security // ""] // 1)],
   [10, ($tls.tls_version | tlslevel)], [11, ($tls.cipher_id // -1)],
   [12, ($tls.cipher_id | suite | .[0] | hex)], [13, ($tls.cipher_id | suite | .[1])],
   [14, ([$R[].tls_version | tlslevel] | max)],
   [15, ($R | lastwhere(.cert_not_after != null) | if . then .cert_not_after | edat else "" end)],
   [16, ($R | lastwhere(.sni != null) | .sni // "" | hex)],
   [17, ($R | lastwhere(.greeting != null) | .greeting // "" | hex)],
   [18, ($R | lastwhere(.mangled != null) | .mangled // "" | hex)],
   [19, ($l | appldata)], [20, ($l.client | hex)],
   [21, ($R | length)], [22, ($R | map(select(.security == "T")) | length)],
   [23, ($R | map(select(.security == "B")) | length)],
   [24, ([$R[].events[]] | length)], [25, ($inforce | join(",") | hex)],
   [26, ($ev.events[-1] // "" | hex)], [27, ($ev.client // "" | hex)],
   (if $ev == null then [28, ""] else empty end),
   [29, (if $ev then $ev.start | edat else "" end)],
   [30, ($R[0].start | edat)], [31, ($l.start | edat)],
   ($tls | rating | to_entries[] | [.key + 32, .value])]
| .[] | "'"$PE"'.\(.[0]).\($i + 1) \(.[1])"'

# wire.pl PCAP: the TCP sessions of a capture (Ethernet, IPv4/IPv6) as a
# JSON array in order of their SYN: client, server, start (the SYN's
# second), and from the plaintext lines before anything that is not
# printable ASCII (TLS): greeting (the first server line, without "220 "),
# auth (the mechanisms of a "250-AUTH" line), mangled (an EHLO keyword or
# a command of seven X and a letter, as a middlebox overwrites STARTTLS).
cat >"$T/wire.pl" <<'EOF'
use strict; use warnings; use Socket qw(inet_ntop AF_INET AF_INET6); use JSON::PP;
open(my $fh, '<:raw', $ARGV[0]) or die "$ARGV[0]: $!\n";
my $d = do { local $/; <$fh> };
my $L = { 0xa1b2c3d4 => 'V', 0xd4c3b2a1 => 'N' }->{unpack('V', $d)} or die "not a pcap\n";
my ($off, %s, @order) = (24);
while ($off + 16 <= length $d) {
    my ($sec, $usec, $incl) = unpack("$L$L$L", substr($d, $off, 12));
    my $fr = substr($d, $off + 16, $incl);
    $off += 16 + $incl;
    my ($et, $src, $dst, $tcp) = (unpack('n', substr($fr, 12, 2)));
    if ($et == 0x0800 && ord(substr($fr, 23, 1)) == 6) {
        my ($ihl, $tot) = ((ord(substr($fr, 14, 1)) & 15) * 4, unpack('n', substr($fr, 16, 2)));
        ($src, $dst) = map { inet_ntop(AF_INET, substr($fr, $_, 4)) } 26, 30;
        $tcp = substr($fr, 14 + $ihl, $tot - $ihl);
    } elsif ($et == 0x86dd && ord(substr($fr, 20, 1)) == 6) {
        ($src, $dst) = map { '[' . inet_ntop(AF_INET6, substr($fr, $_, 16)) . ']' } 22, 38;
        $tcp = substr($fr, 54, unpack('n', substr($fr, 18, 2)));
    } else {
        next;
    }
    my ($sp, $dp, $hl, $fl) = unpack('n n x8 C C', $tcp);
    my ($c, $v) = ("$src:$sp", "$dst:$dp");
    if (($fl & 0x12) == 0x02) {
        push @order, $s{"$c $v"} = { client => $c, server => $v, start => $sec, c2s => '', s2c => '' };
    } elsif (my $x = $s{"$c $v"}) {
        $x->{c2s} .= substr($tcp, ($hl >> 4) * 4);
    } elsif ($x = $s{"$v $c"}) {
        $x->{s2c} .= substr($tcp, ($hl >> 4) * 4);
    }
}
sub clear { my @l; for (split /\r\n/, $_[0]) { last if /[^\x20-\x7e]/; push @l, $_ } @l }
for my $x (@order) {
    my @s = clear(delete $x->{s2c});
    my @c = clear(delete $x->{c2s});
    $x->{greeting} = @s && $s[0] =~ /^220[ -](.*)/ ? $1 : undef;
    ($x->{auth}, $x->{mangled}) = (undef, undef);
    for (@s) { $x->{auth} = $1 if /^250[- ]AUTH[ =](.*)/i }
    for (@s, @c) { my $w = s/^250[- ]//r; $x->{mangled} = $w if $w =~ /^X{7}[A-Z]$/ }
}
print JSON::PP->new->canonical->encode(\@order), "\n";
EOF

# in_order FILE: the OIDs of the walk strictly increase (column, then index)
in_order() {
    awk '{ n = split($1, p, "."); c = p[n - 1]; i = p[n]
           if (NR > 1 && (c < pc || (c == pc && i <= pi))) { print "# out of order: " prev " then " $1; bad = 1 }
           pc = c; pi = i; prev = $1 }
         END { exit bad }' "$1"
}

# The notifications of this smtpmond only: the trap log from line $TRAP_FROM
# (up to the marker sent after it stopped, once that is there: $TRAP_TO).
new_traps() { sed -n "$TRAP_FROM,${TRAP_TO:-\$}p" "$TRAP_LOG"; }
# passive_traps [INDEX]: smtpmonPassiveAlert lines (for row INDEX)
passive_traps() {
    new_traps | awk -v t=".1.3.6.1.6.3.1.1.4.1.0 = OID: $N_PASSIVE$TAB" -v v="$PE.2.${1:-}" \
        'index($0, t) && ($0 ~ /./) && (v ~ /\.$/ || index($0, v " = "))'
}
# tvar LINE OID: the "TYPE: value" of OID in a trap line
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

# compare_columns NAME: one check per column: the walk equals the facts
# ($T/NAME.facts) and passive --json ($T/NAME.want); a column without facts
# (the detail of an event) is an encoding test
compare_columns() {
    local name=$1 c got want fact desc
    for c in $(seq 2 "$LAST_COL"); do
        got=$(rows_of "$PE.$c" "$T/$name.walk" | LC_ALL=C sort)
        want=$(rows_of "$PE.$c" "$T/$name.want")
        fact=$(rows_of "$PE.$c" "$T/$name.facts")
        if [ -n "$fact" ]; then
            desc="$name: column $c (${PCOLS[$c]}) is the capture's (pcapgen), as in passive --json"
        else
            desc="encoding: $name: column $c (${PCOLS[$c]}) equals passive --json for every row"
        fi
        if [ -n "$want" ] && [ "$got" = "$want" ] && { [ -z "$fact" ] || [ "$got" = "$fact" ]; }; then
            ok 0 "$desc"
        else
            ok 1 "$desc"
            [ "$got" = "$want" ] || echo "#   passive --json (<) and the walk (>):"
            diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -8 | sed 's/^/#   /'
            [ -z "$fact" ] || [ "$got" = "$fact" ] || echo "#   the facts (<) and the walk (>):"
            [ -z "$fact" ] || diff <(printf '%s\n' "$fact") <(printf '%s\n' "$got") | head -8 | sed 's/^/#   /'
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
    local nrows_json got want line ta ov nv c
    local x_records x_sess x_tls x_basic x_servers x_alerts x_idx x_server x_event x_client x_old x_new
    end=$((first + PER_SCENARIO))
    [ "$event" = - ] || end=$((end + PER_ALERT))
    pcap=$T/$name.pcap conf=$T/$name.conf
    TRAP_TO=

    shift 3
    # 1. the capture, pcapgen's account of it, and the facts every column
    # must show (wire.pl reads the capture itself)
    if "$PCAPGEN_BIN" craft "$scen" "$@" -o "$pcap" >"$T/$name.expect" 2>"$T/$name.pcapgen.err" &&
        [ -s "$pcap" ] && perl "$T/wire.pl" "$pcap" >"$T/$name.wire" 2>>"$T/$name.pcapgen.err" &&
        jq -r --argjson w "$(cat "$T/$name.wire")" "$JQ_DEFS $JQ_FACTS" "$T/$name.expect" \
            2>>"$T/$name.pcapgen.err" | LC_ALL=C sort >"$T/$name.facts" &&
        [ "$(rows_of "$PE.2" "$T/$name.facts" | wc -l)" -gt 0 ]; then
        ok 0 "$name: pcapgen craft $scen $*, and the facts of its sessions"
    else
        ok 1 "$name: pcapgen craft $scen $*, and the facts of its sessions"
        sed 's/^/#   /' "$T/$name.pcapgen.err" | head -5
        skip_to "$end" "$name: no capture"
        return
    fi
    read -r x_records x_sess x_tls x_basic x_servers x_alerts < <(jq -r '[.records, (.sessions | length),
        ([.sessions[] | select(.security == "T")] | length), ([.sessions[] | select(.security == "B")] | length),
        ([.sessions[].server] | unique | length), ([.sessions[].events[]] | length)] | @tsv' "$T/$name.expect")

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
    is "${packets:-}/${sessions:-}/${tls:-}/${basic:-}" "$x_records/$x_sess/$x_tls/$x_basic" \
        "$name: smtpmond read what pcapgen wrote (SMD1861I: packets/sessions/TLS/basic)"
    [ -n "${sessions:-}" ] || grep -E 'SMD186|SMD18[0-9][0-9]E' "$MOND_LOG" | head -5 | sed 's/^/#   /'
    # every session taken in and published, and the subagent registered
    wait_until 100 '[ "$(passive_json | jq "[.[].sessions.total] | add // 0")" = "$x_sess" ]'
    wait_until 100 '[ "$(val_of "$PS.5.0" <(walk "$PS.5.0"))" = "$x_sess" ]'
    wait_until 100 '[ "$(nrows)" = "$x_servers" ]'

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
    nrows_json=$(jq length "$T/$name.json")
    got=$(rows_of "$PE.2" "$T/$name.walk" | wc -l)
    is "$got/$nrows_json" "$x_servers/$x_servers" \
        "$name: one row per server pcapgen wrote sessions to, as in passive --json (walk/json)"
    compare_columns "$name"
    rows_of "$PE" "$T/$name.walk" >"$T/$name.rows"
    got=$(wc -l <"$T/$name.rows")
    in_order "$T/$name.rows" && [ "$got" = $((x_servers * (LAST_COL - 1))) ]
    ok $? "$name: the walk is in order (column, then index), every row has $((LAST_COL - 1)) columns"
    [ "$got" = $((x_servers * (LAST_COL - 1))) ] || echo "#   $got varbinds for $x_servers rows"

    # 4. scalars
    got="$(val_of "$PS.1.0" "$T/$name.walk")|$(unhex "$(val_of "$PS.2.0" "$T/$name.walk")")"
    for c in 3 5 6 7 8 9 10 11 14; do got+="|$(val_of "$PS.$c.0" "$T/$name.walk")"; done
    want="1|file $pcap|$x_records|$x_sess|$x_tls|$x_basic|$x_servers|0|$x_alerts|0|"
    is "$got" "$want" \
        "$name: scalars enabled|source|packets|sessions|tls|basic|servers|dropped|alerts|capture drops|error are the configuration's and pcapgen's"

    # the first capture: types and a row that is not there
    if [ "$first" -eq 0 ]; then
        got=$(snmpget -v2c -c public -On -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$PS.3.0" "$PS.8.0" \
            "$PE.21.1" 2>&1 | sed 's/^[^=]*= //; s/:.*//' | paste -sd' ' -)
        is "$got" "Counter64 Gauge32 Counter32" "types: packets Counter64, servers Gauge32, sessions Counter32"
        got=$(snmpget -v2c -c public -On -t 5 -r 1 "127.0.0.1:$SNMPD_PORT" "$PE.2.4000000000" 2>&1)
        like "$got" "No Such Instance" "a row that does not exist: noSuchInstance"
    fi

    # 5. stop: exits 0, its rows leave snmpd (snmpd has then read every
    # notification smtpmond sent before unregistering)
    mond_stop
    wait_until 100 '[ "$(nrows)" = 0 ]'
    is "$MOND_RC/$(nrows)" "0/0" "$name: smtpmond exits 0 and its rows are gone from snmpd"

    # 6. notifications: every one snmpd forwarded is logged before a marker
    # sent now; one per event pcapgen expects
    if TRAP_TO=$(trap_mark "passive-snmp-end-$name"); then
        got=$(passive_traps | wc -l)
    else
        got="no marker at snmptrapd"
    fi
    is "$got" "$x_alerts" \
        "$name: one smtpmonPassiveAlert per event pcapgen expects ($x_alerts), none more before the marker"
    if [ "$event" = - ]; then
        got="$(jq '[.sessions[].events[]] | length' "$T/$name.expect")"
        got+="/$(jq '[.[] | select(.events != [] or .last_event != null)] | length' "$T/$name.json")"
        is "$got" 0/0 "$name: a clean capture: pcapgen expects no event, passive --json has none"
        return
    fi
    # the last event pcapgen expects: its server's row (order of first sight)
    # and session, the baseline before that session (doc/snmp.md
    # smtpmonNotifyOldTlsLevel) and the session's version
    read -r x_idx x_server x_event x_client x_old x_new < <(jq -r "$JQ_DEFS"'
        .sessions as $S | (reduce $S[].server as $v ([]; if any(.[]; . == $v) then . else . + [$v] end)) as $srv
        | ([range($S | length) | select($S[.].events != [])] | last) as $k | $S[$k] as $e
        | [($srv | index([$e.server])) + 1, $e.server, $e.events[-1], $e.client,
           ([1, ($S[0:$k][] | select(.server == $e.server) | .tls_version | tlslevel)] | max),
           ($e.tls_version | tlslevel)] | @tsv' "$T/$name.expect")
    is "$(jq -r --arg e "$event" '[.[] | select(.last_event.name == $e)][0].index // empty' "$T/$name.json")/$x_event" \
        "$x_idx/$event" "$name: pcapgen expects $event at the server of row ${x_idx:-?}, passive --json has it there"

    line=$(passive_traps "${x_idx:-0}" | head -1)
    ta=$(jq -r --arg t "$x_server" -n "$JQ_DEFS"' $t | addrpart | "\(addrtype) \(addrhex)"')
    got="$(tvar "$line" "$PE.2.${x_idx:-0}")|$(tvar "$line" "$PE.3.${x_idx:-0}" | tr -d ' ')"
    got+="|$(tvar "$line" "$PE.4.${x_idx:-0}")"
    is "$got" "INTEGER: ${ta%% *}|Hex-STRING:${ta#* }|Gauge32: ${x_server##*:}" \
        "$name: smtpmonPassiveAlert for row ${x_idx:-?}: the address type, address and port of pcapgen's server ($x_server)"
    got="$(tstr "$line" "$NO.5.0")|$(tstr "$line" "$NO.6.0")|$(tstr "$line" "$NO.7.0")"
    want="$x_event|$x_client|$(jq -r ".[] | select(.index == ${x_idx:-0}) | .last_event.detail" "$T/$name.json")"
    is "$got" "$want" \
        "$name: reason and client are pcapgen's event and its session's client; detail the row's (encoding)"
    ov=$(tvar "$line" "$NO.1.0") nv=$(tvar "$line" "$NO.2.0")
    is "$ov|$nv" "INTEGER: $x_old|INTEGER: $x_new" \
        "$name: TLS levels: the baseline of the earlier sessions ($x_old), the session's ($x_new)"
    is "$(printf '%s\n' "$line" | tr '\t' '\n' | grep -c ' = ')" 10 \
        "$name: smtpmonPassiveAlert carries sysUpTime, snmpTrapOID and the eight OBJECTS"
    [ -n "$line" ] || echo "#   no smtpmonPassiveAlert for row ${x_idx:-?} in $TRAP_LOG"
}

for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r name scen ev args <<<"$s"
    # shellcheck disable=SC2086 # args is a word list on purpose
    run_scenario "$name" "$scen" "$ev" $args
done
