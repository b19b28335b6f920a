#!/bin/bash
# tests/integration/harness-selftest.sh: checks the test harness itself (tests/lib/
# postfix.sh and capture.sh) against a private Postfix and real packet captures.
# Needs root, postfix, openssl, tcpdump, tshark.
#
#   srcdir=/path/to/smtpmon bash tests/integration/harness-selftest.sh

# SC2154: srcdir comes from the environment; SC2016: single-quoted bash -c script;
# SC2119: capture_stop without arguments stops every capture.
# shellcheck disable=SC2154,SC2016,SC2119

. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/postfix.sh"
. "$srcdir/tests/lib/capture.sh"

# plain_ehlo_quit PORT: an SMTP session without TLS (banner, EHLO, QUIT) in pure
# bash; prints the server's lines.
plain_ehlo_quit() {
    timeout 10 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r line <&3 && echo "$line"              # 220 greeting
        printf "EHLO selftest.example\r\n" >&3
        while IFS= read -r line <&3; do                     # 250-... up to "250 "
            echo "$line"
            case $line in 250\ *) break ;; esac
        done
        printf "QUIT\r\n" >&3
        IFS= read -r line <&3 && echo "$line"              # 221
    ' _ "$1" | tr -d '\r'
}

# sclient_out PORT OPTIONS...: the openssl s_client command line of sclient_facts
# (tests/lib/postfix.sh); prints its whole output (stdout and stderr) on one line
# (newlines as " | "), returns its exit status.
sclient_out() {
    local port=$1 out rc
    shift
    out=$(timeout 10 openssl s_client -starttls smtp -connect "127.0.0.1:$port" -brief "$@" \
        </dev/null 2>&1)
    rc=$?
    printf '%s\n' "${out//$'\n'/ | }"
    return "$rc"
}

# Skip (TAP "1..0 # SKIP") where the peers cannot run.
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (tcpdump, postfix)"; exit 0; }
for tool in postfix postconf openssl tcpdump tshark ss perl; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done

plan 15

port=$(free_port)
like "$port" '^[0-9]+$' "free_port prints a port number"

postfix_start selftest "$port"
like "$(plain_ehlo_quit "$port" | head -1)" '^220 selftest ESMTP' "postfix_start: banner on 127.0.0.1:$port"

# TLS facts of a default STARTTLS handshake (OpenSSL 3 client and server: TLS 1.3).
facts=$(sclient_facts 127.0.0.1 "$port")
is "$(sed -n 1p <<<"$facts")" "version TLSv1.3" "sclient_facts: version line"
like "$(sed -n 2p <<<"$facts")" '^cipher 0x13,0x0[1-5] TLS_[A-Z0-9_]+$' \
    "sclient_facts: cipher line with IANA code point and name"
# TLS 1.2 works before postfix_set below forbids it (the client can do it).
is "$(sclient_facts 127.0.0.1 "$port" -tls1_2 | head -1)" "version TLSv1.2" \
    "sclient_facts -tls1_2: TLS 1.2 accepted by the default configuration"

# Capture a STARTTLS session: one ClientHello, and the client sent STARTTLS.
capture_start "$port" "$T/starttls.pcap"
sclient_facts 127.0.0.1 "$port" >/dev/null
capture_stop
is "$(capture_count_clienthello "$T/starttls.pcap" "$port")" 1 \
    "STARTTLS session: 1 ClientHello"
capture_has_string "$T/starttls.pcap" STARTTLS
ok $? "STARTTLS session: STARTTLS in the capture"
capture_has_string "$T/starttls.pcap" $'STARTTLS\r\n' "$port"
ok $? "STARTTLS session: the client sent STARTTLS"

# Capture a plain EHLO/QUIT session: no ClientHello, and the client never sent
# STARTTLS (the server still advertises it in its EHLO reply).
capture_start "$port" "$T/plain.pcap"
reply=$(plain_ehlo_quit "$port")
capture_stop
like "$reply" $'(^|\n)221 ' "plain session: EHLO/QUIT answered"
# The negative checks below also require the EHLO in the capture (0 = found), so an
# empty capture cannot pass them.
capture_has_string "$T/plain.pcap" "EHLO selftest.example" "$port"; ehlo=$?
is "$ehlo:$(capture_count_clienthello "$T/plain.pcap" "$port")" 0:0 \
    "plain session: 0 ClientHello (EHLO captured)"
ok "$ehlo" "plain session: EHLO in the capture"
capture_has_string "$T/plain.pcap" STARTTLS "$port"; starttls=$?
is "$ehlo:$starttls" 0:1 "plain session: the client sent no STARTTLS (EHLO captured)"

# postfix_set takes effect for the next connection: TLS 1.3 only, so a TLS 1.2
# client is refused, by the server's protocol_version alert (70) and not by any
# other failure; the same command line with -tls1_3 still succeeds.
postfix_set selftest 'smtpd_tls_protocols = >=TLSv1.3'
out=$(sclient_out "$port" -tls1_2); rc=$?
like "$rc:$out" '^1:.*tlsv1 alert protocol version.*SSL alert number 70' \
    "postfix_set: TLS 1.2 refused with a protocol_version alert after smtpd_tls_protocols = >=TLSv1.3"
out=$(sclient_out "$port" -tls1_3); rc=$?
like "$rc:$out" '^0:.*\| Protocol version: TLSv1\.3 \|' \
    "postfix_set: TLS 1.3 with the same s_client command line accepted"
facts=$(sclient_facts 127.0.0.1 "$port" -tls1_2); rc=$?
is "$rc:${facts//$'\n'/ | }" "1:" "sclient_facts -tls1_2 after postfix_set: returns 1, prints nothing"
