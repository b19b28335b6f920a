#!/bin/bash
# `smtpmonctl pcap` on crafted captures (tests/tools/pcapgen: real TLS bytes
# from OpenSSL, TCP around them written by hand): each scenario's
# description says what a correct dissector concludes, and the probe's JSON
# must say the same: server type, security, TLS version and cipher,
# STARTTLS, SNI, the certificate's notAfter, the events raised and the exit
# status. Covers out-of-order and retransmitted segments, a reply one byte
# per segment, a lost segment, a truncated file, garbage frames, a stripped
# STARTTLS, XXXXXXXA and XXXXXXXX rewrites, a refused STARTTLS, plaintext
# after 220, implicit TLS on 465, HELO after a refused EHLO, and pcapng.
. "$srcdir/tests/lib/tap.sh"
plan 138

[ -x "$PCAPGEN" ] || bail "PCAPGEN ($PCAPGEN) is not built"

# the event the probe raises for each anomaly pcapgen describes
event_of() {
    case $1 in
        starttls-mangled | cmd-mangled) echo starttls-mangled ;;
        starttls-refused) echo starttls-refused ;;
        plaintext-after-220) echo starttls-plaintext ;;
        starttls-not-supported | starttls-stripped) echo starttls-stripped ;;
        tls-version-lowered) echo tls-version-lowered ;;
    esac
}

# check SCENARIO: 7 checks.
check() {
    local s=$1 e="$T/$1.expect" p="$T/$1.json" rc want_rc events want_events last
    "$PCAPGEN" craft "$s" -o "$T/$s.pcap" > "$e" || bail "pcapgen craft $s failed"
    "$SMTPMONCTL" pcap --json "$T/$s.pcap" > "$p" 2> "$T/$s.err"; rc=$?
    last='.sessions[-1]'
    # the events: each session's anomalies and events, mapped to our names
    want_events=$(jq -r '[.sessions[] | (.anomalies[], .events[])] | unique | .[]' "$e" | \
        while read -r a; do event_of "$a"; done | sort -u | paste -sd, -)
    want_rc=0
    [ -n "$want_events" ] && want_rc=1
    [ "$(jq -r '.truncated // false' "$e")" = true ] && want_rc=1
    is "$rc" "$want_rc" "$s: exit status $want_rc"
    is "$(json "$p" 'map(.target)|join(",")')" "$(json "$e" "[.sessions[].server]|unique|join(\",\")")" \
        "$s: the server(s) $(json "$e" "$last.server")"
    is "$(json "$p" '.[-1].server_type')" \
        "$(json "$e" "$last.server_type | if . == \"E\" then \"ESMTP\" elif . == \"S\" then \"SMTP\" else null end")" \
        "$s: server type $(json "$e" "$last.server_type")"
    is "$(json "$p" '.[-1].security_method')" \
        "$(json "$e" "$last.security | if . == \"T\" then \"TLS\" elif . == \"B\" then \"basic\" else null end")" \
        "$s: security $(json "$e" "$last.security")"
    # the row keeps the last TLS session's version and cipher
    is "$(json "$p" '.[-1] | "\(.tls_version) \(.cipher_id) \(.sni)"')" \
        "$(json "$e" '[.sessions[] | select(.tls_version != null)] | if length == 0 then "null null null" else (.[-1] | "\(.tls_version) \(.cipher_id) \(.sni)") end')" \
        "$s: TLS version, cipher and SNI"
    is "$(json "$p" '.[-1].cert_not_after')" \
        "$(json "$e" "[.sessions[] | select(.cert_not_after != null)] | if length == 0 then null else (.[-1].cert_not_after | todate) end")" \
        "$s: certificate notAfter"
    events=$(json "$p" '[.[].events[]] | unique | join(",")')
    is "$events" "$want_events" "$s: events [${want_events}]"
}

for s in tls13 tls12 implicit465 helo plain stripped mangled cmd-mangled refused plaintext220 \
    out-of-order retransmit split-reply truncated garbage lost; do
    check "$s"
done

# scenario details
is "$(json "$T/tls13.json" '.[0].starttls_offered'),$(json "$T/plain.json" '.[0].starttls_offered')" \
    "true,false" "STARTTLS offered (tls13), not offered (plain)"
is "$(json "$T/tls13.json" '.[0].appldata')" "EZASMTPM SMTPMON  ET134X 1301           " \
    "tls13: appldata ET134X 1301"
is "$(json "$T/implicit465.json" '.[0].appldata')" "EZASMTPM SMTPMON   T134X 1301           " \
    "implicit TLS: type blank (the dialogue is encrypted), T 13"
is "$(json "$T/helo.json" '.[0].appldata')" "EZASMTPM SMTPMON  SB                    " "HELO: SB"
is "$(json "$T/stripped.json" '.[0] | "\(.sessions.total) \(.sessions.tls) \(.sessions.basic) \(.starttls_known) \(.starttls_offered)"')" \
    "2 1 1 true false" "stripped: two sessions, STARTTLS known, not offered in the last"
like "$(cat "$T/stripped.err")" "ALERT event=starttls-stripped server=[0-9.]+:25 client=[0-9.]+:[0-9]+ tls=none baseline=TLSv1\.3 detail=\"EHLO reply without STARTTLS\"" \
    "stripped: the ALERT line"
is "$(json "$T/mangled.json" '.[0].mangled_keyword')" XXXXXXXA "mangled: the keyword"
like "$(cat "$T/cmd-mangled.err")" "detail=\"client command rewritten \(XXXXXXXX\)\"" "cmd-mangled: the client's rewritten command"
like "$(cat "$T/refused.err")" "detail=\"STARTTLS answered: 454 4\.7\.0 TLS not available" "refused: the reply in the detail"
like "$(cat "$T/truncated.err")" "truncated dump file.*the capture is truncated: read up to there" "truncated: said so"
like "$(cat "$T/garbage.err")" "[0-9]+ packets \(20 TCP to the SMTP ports, [1-9][0-9]* other, [1-9][0-9]* malformed\)" \
    "garbage: counted, not dissected"
like "$(cat "$T/lost.err")" " [1-9][0-9]* bytes lost in the capture" "lost: the hole is declared"

# pcapng reads the same
if command -v editcap >/dev/null; then
    editcap -F pcapng "$T/tls12.pcap" "$T/tls12.pcapng" 2>/dev/null
    "$SMTPMONCTL" pcap --json "$T/tls12.pcapng" > "$T/ng.json" 2>/dev/null
    is "$(json "$T/ng.json" '.[0].appldata')" "$(json "$T/tls12.json" '.[0].appldata')" "pcapng: the same result"
else
    ok 1 "pcapng: editcap is not installed"
fi
# stdin
"$SMTPMONCTL" pcap --json - < "$T/tls13.pcap" > "$T/stdin.json" 2>/dev/null
is "$(json "$T/stdin.json" '.[0].tls_version')" TLSv1.3 "FILE - reads standard input"

# --sessions: one AppldataLog line per session
"$SMTPMONCTL" pcap --sessions "$T/stripped.pcap" > "$T/sess.txt" 2>/dev/null
is "$(grep -c ' passive EZASMTPM ' "$T/sess.txt")" 2 "--sessions: a line per session"
like "$(grep ' passive ' "$T/sess.txt" | tail -1)" "^2[0-9-]+T[0-9:.]+Z [0-9.]+:[0-9]+ [0-9.]+:25 passive EZASMTPM SMTPMON  EB {20}$" \
    "--sessions: client, server, passive, record"

# --ports: a port not listed is not SMTP
"$SMTPMONCTL" pcap --json --ports 587 "$T/tls13.pcap" > "$T/p587.json" 2>"$T/p587.err"; rc=$?
is "$rc,$(json "$T/p587.json" length)" "0,0" "--ports 587: the port-25 session is not looked at"

# errors
"$SMTPMONCTL" pcap "$T/nonexistent.pcap" > /dev/null 2> "$T/e1"; rc=$?
is "$rc" 3 "a missing file: exit 3"
like "$(cat "$T/e1")" "nonexistent\.pcap" "a missing file: named"
head -c 100 /dev/urandom > "$T/junk.pcap"
"$SMTPMONCTL" pcap "$T/junk.pcap" > /dev/null 2> "$T/e2"; rc=$?
is "$rc" 3 "not a capture file: exit 3"
"$SMTPMONCTL" pcap --ports 0 "$T/tls13.pcap" > /dev/null 2> "$T/e3"; rc=$?
is "$rc" 3 "--ports 0: exit 3"
like "$(cat "$T/e3")" "--ports: \"0\" is not a port \\(1-65535\\)" "--ports 0: what is wrong"
"$SMTPMONCTL" pcap --writer 'bad name' "$T/tls13.pcap" > /dev/null 2>&1; rc=$?
is "$rc" 3 "--writer with a blank: exit 3"
"$SMTPMONCTL" pcap > /dev/null 2>&1; rc=$?
is "$rc" 3 "no FILE: exit 3"
"$SMTPMONCTL" pcap --help > "$T/help" 2>&1; rc=$?
is "$rc" 0 "--help: exit 0"
like "$(cat "$T/help")" "usage: smtpmonctl pcap \[--json\] \[--sessions\]" "--help: the usage"
