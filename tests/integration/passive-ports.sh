#!/bin/bash
# The passive probe's port ranges and `any` (SMTP found on any TCP port by
# its first bytes) on a real capture: tcpdump on loopback records two
# `smtpmonctl check` sessions with the fixture (TLS 1.3 and plaintext
# EHLO) on its odd port, 40 HTTP-like exchanges and 5 FTP-like ones (a
# "220" greeting, then USER) with a python3 server of this test on ports
# of its own. `smtpmonctl pcap --ports any` and `--ports LOW-HIGH` must
# both find the fixture, with the same facts, and nothing else; the
# daemon's Passive block with `Ports any` and with a range finds the same;
# bad lists are refused with what is wrong (file:line in the config).
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/capture.sh"
. "$srcdir/tests/lib/daemon.sh"
plan 21

command -v tcpdump >/dev/null && command -v python3 >/dev/null || bail "tcpdump and python3 are needed"

gen_cert fixture.test
start_fixture f13 --cert "$T/fixture.test.crt" --key "$T/fixture.test.key" --tls-min 1.3

# the noise: an HTTP-like server and an FTP-like one, ephemeral ports
python3 - "$T/noise.ready" <<'PY' 2>"$T/noise.err" &
import socket, sys, threading
def serve(sock, handler):
    while True:
        c, _ = sock.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()
def http(c):
    with c:
        c.recv(4096)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
def ftp(c):
    with c:
        c.sendall(b"220 ftp.test FTP server ready\r\n")
        c.recv(4096)
        c.sendall(b"331 Password required\r\n")
socks = []
for h in (http, ftp):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    socks.append(s)
    threading.Thread(target=serve, args=(s, h), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d %d\n" % (socks[0].getsockname()[1], socks[1].getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
PY
track $!
wait_until 100 '[ -s "$T/noise.ready" ]' || bail "the noise server did not start: $(cat "$T/noise.err")"
read -r HTTP_PORT FTP_PORT < "$T/noise.ready"

capture_start "$FIX_PORT or port $HTTP_PORT or port $FTP_PORT" "$T/any.pcap"
"$SMTPMONCTL" check --json --secure yes --cafile "$T/fixture.test.crt" --servername fixture.test \
    "127.0.0.1:$FIX_PORT" > "$T/check.json"; crc1=$?
for i in $(seq 1 40); do
    { exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" && printf 'GET /%d HTTP/1.0\r\n\r\n' "$i" >&3 &&
      cat <&3 > /dev/null; exec 3<&-; } 2>/dev/null
done
for i in $(seq 1 5); do
    { exec 3<>"/dev/tcp/127.0.0.1/$FTP_PORT" && head -c 31 <&3 > /dev/null &&
      printf 'USER anonymous\r\n' >&3 && cat <&3 > /dev/null; exec 3<&-; } 2>/dev/null
done
"$SMTPMONCTL" check --json --secure no "127.0.0.1:$FIX_PORT" > "$T/check2.json"; crc2=$?
capture_stop "$T/any.pcap"
is "$crc1,$crc2" "0,0" "the two checks against the fixture succeed"

# ---- smtpmonctl pcap --ports any ----
"$SMTPMONCTL" pcap --json --ports any "$T/any.pcap" > "$T/any.json" 2> "$T/any.err"; rc=$?
diag any "$(cat "$T/any.err")"
is "$rc,$(json "$T/any.json" length)" "0,1" "--ports any: exit 0, exactly one server"
is "$(json "$T/any.json" '.[0].target')" "127.0.0.1:$FIX_PORT" "--ports any: the fixture on its odd port"
is "$(json "$T/any.json" '.[0].server_type'),$(json "$T/any.json" '.[0].tls_version')" "ESMTP,TLSv1.3" \
    "--ports any: ESMTP, TLS 1.3 from the STARTTLS session"
is "$(json "$T/any.json" '.[0].sessions.total'),$(json "$T/any.json" '.[0].sessions.tls'),$(json "$T/any.json" '.[0].sessions.basic')" \
    "2,1,1" "--ports any: both sessions, one TLS, one basic"
is "$(json "$T/any.json" "[.[] | select(.port == $HTTP_PORT or .port == $FTP_PORT)] | length")" 0 \
    "--ports any: the HTTP-like and FTP-like servers are not SMTP servers"
like "$(cat "$T/any.err")" "--ports any: 45 flows were not SMTP" \
    "--ports any: 40 HTTP and 5 FTP flows dropped at their first bytes"
is "$(json "$T/any.json" '.[0].cipher_id')" "$(json "$T/check.json" .cipher_id)" \
    "--ports any: the TLS session's cipher, as the active probe saw it"
is "$(json "$T/any.json" '.[0].appldata')" "$(json "$T/check2.json" .appldata)" \
    "--ports any: the row's record is the last (plaintext) session's, as the active probe wrote it"

# ---- smtpmonctl pcap --ports with a range ----
lo=$((FIX_PORT - 2)) hi=$((FIX_PORT + 2))
"$SMTPMONCTL" pcap --json --ports "25,$lo-$hi" "$T/any.pcap" > "$T/range.json" 2> "$T/range.err"; rc=$?
is "$rc,$(json "$T/range.json" length),$(json "$T/range.json" '.[0].target')" "0,1,127.0.0.1:$FIX_PORT" \
    "--ports 25,$lo-$hi: exit 0, the fixture found by the range"
is "$(json "$T/range.json" '.[0] | [.server_type, .tls_version, .sessions.total, .appldata] | join(" ")')" \
    "$(json "$T/any.json" '.[0] | [.server_type, .tls_version, .sessions.total, .appldata] | join(" ")')" \
    "the range and any agree on the server's facts"
"$SMTPMONCTL" pcap --json --ports "$((FIX_PORT + 1))-$((FIX_PORT + 3))" "$T/any.pcap" > "$T/miss.json" 2>/dev/null; rc=$?
is "$rc,$(json "$T/miss.json" length)" "0,0" "a range without the fixture's port: no server"

# ---- bad lists ----
"$SMTPMONCTL" pcap --ports "$hi-$lo" "$T/any.pcap" > /dev/null 2> "$T/e1"; rc=$?
is "$rc,$(cat "$T/e1")" "3,smtpmonctl pcap: --ports: \"$hi-$lo\": the range is reversed (write $lo-$hi)" \
    "--ports $hi-$lo: exit 3, reversed"
"$SMTPMONCTL" pcap --ports "any,25" "$T/any.pcap" > /dev/null 2> "$T/e2"; rc=$?
like "$rc,$(cat "$T/e2")" "^3,.*\"any\" stands alone" "--ports any,25: exit 3, any stands alone"
"$SMTPMONCTL" pcap --ports "25,http" "$T/any.pcap" > /dev/null 2> "$T/e3"; rc=$?
like "$rc,$(cat "$T/e3")" "^3,.*\"http\" is not a port, a range LOW-HIGH or any" "--ports 25,http: exit 3, garbage named"
"$SMTPMONCTL" pcap --help > "$T/help"; rc=$?
like "$rc,$(tr '\n' ' ' < "$T/help")" "^0,.*--ports LIST .*12525-12529.*--ports any" "--help shows ranges and any"

# ---- the daemon's Passive block ----
cat > "$T/bad.conf" <<EOF
Passive {
    PcapFile $T/any.pcap
    Ports 25 $hi-$lo
}
EOF
"$SMTPMOND" -t -f "$T/bad.conf" > "$T/bad.out" 2>&1; rc=$?
like "$rc,$(cat "$T/bad.out")" "^[1-9][0-9]*,.*bad\.conf:3: Ports: \"$hi-$lo\": the range is reversed" \
    "smtpmond -t: a reversed range refused at file:line"
for mode in any "$lo-$hi"; do
    : > "$ALOG"
    : > "$MOND_LOG"
    mond_conf "$T/d.conf" <<EOF
Passive {
    PcapFile $T/any.pcap
    Ports $mode
}
EOF
    mond_start "$T/d.conf" || bail "smtpmond did not start: $(tail -5 "$MOND_LOG")"
    wait_until 300 'grep -q SMD1861I "$MOND_LOG"'
    wait_until 100 '[ "$(grep -c " passive " "$ALOG")" = 2 ]'
    wait_until 100 '[ "$(ctl passive --json | jq "[.[].sessions.total] | add")" = 2 ]'
    ctl passive --json > "$T/d.json"
    is "$(json "$T/d.json" length),$(json "$T/d.json" '.[0].target'),$(json "$T/d.json" '.[0].sessions.total')" \
        "1,127.0.0.1:$FIX_PORT,2" "Passive { Ports $mode }: the fixture and its two sessions, nothing else"
    mond_stop_ok "Passive { Ports $mode }: smtpmond stops cleanly"
done
