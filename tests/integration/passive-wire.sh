#!/bin/bash
# The passive probe against real captures: tcpdump on the loopback interface
# records `smtpmonctl check` sessions with the fixture (TLS 1.3, TLS 1.2 with
# its certificate, no TLS) and with a real Postfix (TLS 1.3 and TLS 1.2);
# `smtpmonctl pcap` classifies each capture, and its facts are checked against
# what tshark reads from the same file (version, cipher, STARTTLS) and against
# what the active probe itself saw (the same appldata record from both sides).
# Every smtpmonctl check and pcap run has its exit status asserted.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/capture.sh"
. "$srcdir/tests/lib/postfix.sh"
plan 51

command -v tcpdump >/dev/null && command -v tshark >/dev/null || bail "tcpdump and tshark are needed"

# tshark_hello FILE PORT FIELD: the values of FIELD in ServerHello messages.
tshark_hello() {
    tshark -n -r "$1" -d "tcp.port==$2,smtp" -Y 'tls.handshake.type == 2' -T fields -e "$3" \
        2>/dev/null | tr -d '\r' | sort -u | paste -sd, -
}
tshark_count() {
    tshark -n -r "$1" -d "tcp.port==$2,smtp" -Y "$3" 2>/dev/null | wc -l
}
hex4() { [ "$1" = null ] && echo null || printf '0x%04x' "$1"; }
wire_version() {
    case $1 in TLSv1.3) echo 0x0304 ;; TLSv1.2) echo 0x0303 ;; TLSv1.1) echo 0x0302 ;;
        TLSv1) echo 0x0301 ;; *) echo "?" ;; esac
}

# one_capture NAME PORT CHECK-ARGS...: capture one check, classify the capture;
# the exit statuses in $T/NAME.check.rc (check) and $T/NAME.rc (pcap).
one_capture() {
    local name=$1 port=$2
    shift 2
    capture_start "$port" "$T/$name.pcap"
    "$SMTPMONCTL" check --json "$@" "127.0.0.1:$port" > "$T/$name.check.json"
    echo $? > "$T/$name.check.rc"
    capture_stop "$T/$name.pcap"
    "$SMTPMONCTL" pcap --json --ports "$port" "$T/$name.pcap" > "$T/$name.json" 2> "$T/$name.err"
    echo $? > "$T/$name.rc"
}

# compare_tls NAME PORT VERSION: the passive facts of a TLS capture.
compare_tls() {
    local name=$1 port=$2 version=$3 p c
    p="$T/$name.json" c="$T/$name.check.json"
    is "$(cat "$T/$name.check.rc"),$(cat "$T/$name.rc"),$(json "$p" length)" "0,0,1" \
        "$name: check and pcap exit 0, one server"
    is "$(json "$p" '.[0].target')" "127.0.0.1:$port" "$name: the server's address and port"
    is "$(json "$p" '.[0].tls_version'),$(json "$c" .tls_version)" "$version,$version" \
        "$name: $version on the wire and for the active probe"
    local sv
    sv=$(tshark_hello "$T/$name.pcap" "$port" tls.handshake.extensions.supported_version)
    [ -n "$sv" ] || sv=$(tshark_hello "$T/$name.pcap" "$port" tls.handshake.version)
    is "$(wire_version "$(json "$p" '.[0].tls_version')")" "$sv" \
        "$name: version agrees with tshark's ServerHello"
    is "$(hex4 "$(json "$p" '.[0].cipher_id')")" \
        "$(tshark_hello "$T/$name.pcap" "$port" tls.handshake.ciphersuite)" \
        "$name: cipher agrees with tshark ($(json "$p" '.[0].cipher'))"
    is "$(json "$p" '.[0].cipher_id')" "$(json "$c" .cipher_id)" "$name: cipher as the active probe saw it"
    is "$(json "$p" '.[0].starttls_offered'),$(tshark_count "$T/$name.pcap" "$port" 'smtp.req && smtp.command_line contains "STARTTLS"')" \
        "true,1" "$name: STARTTLS offered, and sent once (tshark)"
    is "$(json "$p" '.[0].appldata')" "$(json "$c" .appldata)" \
        "$name: the passive record equals the active one: $(json "$c" .appldata)"
}

gen_cert fixture.test

# ---- the fixture: TLS 1.3 ----
start_fixture f13 --cert "$T/fixture.test.crt" --key "$T/fixture.test.key" --tls-min 1.3
one_capture f13 "$FIX_PORT" --secure yes --cafile "$T/fixture.test.crt" --servername fixture.test
compare_tls f13 "$FIX_PORT" TLSv1.3
is "$(json "$T/f13.json" '.[0].sni')" fixture.test "f13: SNI from the ClientHello"
is "$(json "$T/f13.json" '.[0].cert_not_after')" null "f13: TLS 1.3 hides the certificate"
is "$(json "$T/f13.json" '.[0].server_type')" ESMTP "f13: ESMTP"

# ---- the fixture: TLS 1.2, a certificate on the wire ----
start_fixture f12 --cert "$T/fixture.test.crt" --key "$T/fixture.test.key" --tls-max 1.2 \
    --ciphers ECDHE-RSA-AES128-GCM-SHA256
one_capture f12 "$FIX_PORT" --secure yes --cafile "$T/fixture.test.crt" --servername fixture.test
compare_tls f12 "$FIX_PORT" TLSv1.2
is "$(json "$T/f12.json" '.[0].cipher')" TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "f12: the IANA name"
is "$(json "$T/f12.json" '.[0].cert_not_after')" "$(json "$T/f12.check.json" .cert_not_after)" \
    "f12: certificate notAfter read from the wire equals the active probe's"

# ---- the fixture without TLS ----
start_fixture fno --caps "PIPELINING,AUTH PLAIN LOGIN,8BITMIME"
one_capture fno "$FIX_PORT" --secure no
is "$(cat "$T/fno.check.rc"),$(cat "$T/fno.rc"),$(json "$T/fno.json" length)" "0,0,1" \
    "no TLS: check and pcap exit 0, one server"
is "$(json "$T/fno.json" '.[0].security_method'),$(json "$T/fno.json" '.[0].starttls_offered')" \
    "basic,false" "no TLS: basic, no STARTTLS offered"
is "$(json "$T/fno.json" '.[0].auth_offered_pretls|join(" ")')" "PLAIN LOGIN" "no TLS: AUTH mechanisms"
is "$(tshark_count "$T/fno.pcap" "$FIX_PORT" 'tls.handshake.type == 1')" 0 "no TLS: tshark sees no ClientHello either"
is "$(json "$T/fno.json" '.[0].appldata')" "$(json "$T/fno.check.json" .appldata)" "no TLS: same record"

# ---- the fixture refusing EHLO: SMTP ----
start_fixture fsm --ehlo-reply "502 5.5.2 Error: command not recognized" --caps ""
one_capture fsm "$FIX_PORT" --secure no
is "$(cat "$T/fsm.check.rc"),$(cat "$T/fsm.rc"),$(json "$T/fsm.json" '.[0].server_type'),$(json "$T/fsm.json" '.[0].appldata')" \
    "0,0,SMTP,$(json "$T/fsm.check.json" .appldata)" \
    "EHLO refused, HELO accepted: check and pcap exit 0; SMTP, as the active probe says"

# ---- the sessions line (AppldataLog form) ----
"$SMTPMONCTL" pcap --sessions --ports "$FIX_PORT" "$T/fsm.pcap" > "$T/fsm.txt" 2>&1
is "$?" 0 "--sessions: pcap exits 0"
like "$(grep ' passive ' "$T/fsm.txt")" "^20[0-9-]+T[0-9:.]+Z 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:$FIX_PORT passive EZASMTPM SMTPMON  SB {20}$" \
    "--sessions: time, client, server, passive, record"

# ---- a real Postfix, TLS 1.3 and TLS 1.2 ----
port=$(free_port)
postfix_start pfwire "$port" ">=TLSv1.3"
one_capture pf13 "$port" --secure yes --cafile "$T/pfwire.crt" --servername pfwire
compare_tls pf13 "$port" TLSv1.3
like "$(json "$T/pf13.json" '.[0].banner')" "pfwire ESMTP Postfix" "Postfix 1.3: the banner"
postfix_set pfwire "smtpd_tls_protocols=<=TLSv1.2"
one_capture pf12 "$port" --secure yes --cafile "$T/pfwire.crt" --servername pfwire
compare_tls pf12 "$port" TLSv1.2
is "$(json "$T/pf12.json" '.[0].cert_not_after')" "$(json "$T/pf12.check.json" .cert_not_after)" \
    "Postfix 1.2: certificate notAfter equals the active probe's"

# ---- both captures in one file: one server, two sessions, baseline 1.3 ----
mergecap -w "$T/pfboth.pcap" "$T/pf13.pcap" "$T/pf12.pcap" 2>/dev/null || \
    cat "$T/pf13.pcap" > "$T/pfboth.pcap"
"$SMTPMONCTL" pcap --json --ports "$port" "$T/pfboth.pcap" > "$T/pfboth.json" 2>"$T/pfboth.err"; rc=$?
is "$rc,$(json "$T/pfboth.json" '.[0].sessions.total'),$(json "$T/pfboth.json" '.[0].sessions.tls')" "1,2,2" \
    "Postfix 1.3 then 1.2: two TLS sessions, and an alert (exit 1)"
is "$(json "$T/pfboth.json" '.[0].baseline_tls_version'),$(json "$T/pfboth.json" '.[0].tls_version')" \
    "TLSv1.3,TLSv1.2" "baseline TLSv1.3, last session TLSv1.2"
is "$(json "$T/pfboth.json" '.[0].events|join(" ")')" "tls-version-lowered" \
    "the client offered 1.3 and got 1.2: tls-version-lowered"
like "$(cat "$T/pfboth.err")" "ALERT event=tls-version-lowered server=127\.0\.0\.1:$port client=127\.0\.0\.1:[0-9]+ tls=TLSv1\.2 baseline=TLSv1\.3" \
    "the alert line names server, client, versions"
