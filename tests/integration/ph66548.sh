#!/bin/bash
# PH66548 regression, proven on the wire: a server that offers AUTH PLAIN LOGIN
# and STARTTLS before TLS must not make smtpmon start TLS when Secure is No.
# A tcpdump capture on the loopback interface is read back with tshark.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/capture.sh"
plan 10

command -v tcpdump >/dev/null && command -v tshark >/dev/null || bail "tcpdump and tshark are needed"
gen_cert fixture.test
start_fixture ph --cert "$T/fixture.test.crt" --key "$T/fixture.test.key" \
    --caps "PIPELINING,AUTH PLAIN LOGIN,AUTH=PLAIN LOGIN,8BITMIME,STARTTLS"

# Secure No
capture_start "$FIX_PORT" "$T/no.pcap"
"$SMTPMONCTL" check --json --secure no "127.0.0.1:$FIX_PORT" > "$T/no.json"; rc=$?
capture_stop "$T/no.pcap"
is "$rc" 0 "Secure No: exit 0"
is "$(json "$T/no.json" .security_method)" basic "Secure No: security method B (basic)"
is "$(json "$T/no.json" '.auth_offered_pretls|join(" ")')" "PLAIN LOGIN" "AUTH PLAIN LOGIN seen before TLS, each once"
is "$(json "$T/no.json" .appldata)" "EZASMTPM SMTPMON  EB                    " "Secure No: appldata EB, no level, no cipher"
capture_has_string "$T/no.pcap" "STARTTLS" "$FIX_PORT"; r=$?
is "$r" 1 "capture: client sent no STARTTLS command"
is "$(capture_count_clienthello "$T/no.pcap" "$FIX_PORT")" 0 "capture: no TLS ClientHello on the wire"
capture_has_string "$T/no.pcap" "NOOP" "$FIX_PORT"; r=$?
is "$r" 0 "capture is real: the NOOP the client sent is in it"

# Secure Yes: the same server, TLS as the target asks
capture_start "$FIX_PORT" "$T/yes.pcap"
"$SMTPMONCTL" check --json --secure yes --cafile "$T/fixture.test.crt" --servername fixture.test \
    "127.0.0.1:$FIX_PORT" > "$T/yes.json"; rc=$?
capture_stop "$T/yes.pcap"
like "$(json "$T/yes.json" .appldata)" "^EZASMTPM SMTPMON  ET134X 130[123]           $" "Secure Yes: appldata T, level 13, cipher"
capture_has_string "$T/yes.pcap" "STARTTLS" "$FIX_PORT"; r=$?
is "$r" 0 "capture: client sent STARTTLS"
is "$(capture_count_clienthello "$T/yes.pcap" "$FIX_PORT")" 1 "capture: exactly one ClientHello"
