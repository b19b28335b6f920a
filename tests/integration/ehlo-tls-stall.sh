#!/bin/bash
# No 40 ms TCP artefact in ehlo_tls, against a real Postfix on loopback (TLS 1.3).
#
# After the client's Finished, Postfix sends a NewSessionTicket in a segment of
# its own; the EHLO reply that follows is then held by Nagle on the server until
# the client ACKs the ticket, and Linux delays that ACK by 40 ms. ehlo_tls then
# reads ~40500 us instead of ~200 (bench/README, "ehlo_tls stall"). smtpmon sets
# TCP_QUICKACK around that reply (probes/smtp_session.c, quick_ack).
#
# The bound below (at most ALLOWED of N runs at or over 20 ms) asserts the
# absence of that fixed 40 ms artefact, which hit about half the runs before
# the fix (10 or more of 20); it is not a performance figure: on loopback a
# whole EHLO round trip takes well under 1 ms, so 20 ms leaves room for a busy
# machine, and the ALLOWED runs for a rare scheduling hiccup of one (the suite
# also runs under ASan on a loaded CI machine), none for a delayed ACK in
# every other run.
# Checked for the one-shot (smtpmonctl check) and for the daemon (smtpmond's
# reprobes every 100 ms, status --json timings_us), which share the session
# code. The distributions are printed as diagnostics.
. "$srcdir/tests/lib/tap.sh"
for tool in postfix postconf ss jq openssl; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (postfix)"; exit 0; }
. "$srcdir/tests/lib/postfix.sh"
. "$srcdir/tests/lib/daemon.sh"
plan 7

N=20
LIMIT_US=20000
ALLOWED=2
NAME=pfstall.test
P=$(free_port)
postfix_start "$NAME" "$P"

# dist FILE: "min/median/max, over" of the numbers in FILE, one a line
dist() {
    sort -n "$1" | awk -v lim="$LIMIT_US" '{ v[NR] = $1; if ($1 >= lim) o++ }
        END { printf "min %d median %d max %d us, %d of %d at or over %d", v[1], v[int((NR + 1) / 2)], v[NR], o, NR, lim }'
}
# over FILE: how many at or over the limit
over() { awk -v lim="$LIMIT_US" '$1 >= lim { o++ } END { print o + 0 }' "$1"; }

# ---- one-shot ----
: > "$T/rc" ; : > "$T/ver"; : > "$T/once"
for i in $(seq 1 "$N"); do
    "$SMTPMONCTL" check --json --secure yes --cafile "$T/$NAME.crt" --servername "$NAME" \
        "127.0.0.1:$P" > "$T/c.json"
    echo $? >> "$T/rc"
    json "$T/c.json" .tls_version >> "$T/ver"
    json "$T/c.json" .timings_us.ehlo_tls >> "$T/once"
done
is "$(sort -u "$T/rc" | tr '\n' ' ')" "0 " "one-shot: $N checks exit 0"
is "$(sort -u "$T/ver" | tr '\n' ' ')" "TLSv1.3 " "one-shot: every check negotiated TLS 1.3 (Postfix sends a ticket)"
echo "# one-shot ehlo_tls: $(dist "$T/once")"
o=$(over "$T/once")
[ "$o" -le "$ALLOWED" ]; ok $? "one-shot: ehlo_tls under $LIMIT_US us in all runs but at most $ALLOWED ($o over)"

# ---- daemon ----
mond_conf "$T/smtpmon.conf" <<EOF
CAFile $T/$NAME.crt
Monitor {
    NoopInterval 60s
    ReprobeInterval 100ms
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P
    Secure Yes
    TlsServerName $NAME
}
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
ok 0 "smtpmond started"
# one line per classification seen: its local address (one per connection) and ehlo_tls
: > "$T/seen"
for i in $(seq 1 300); do
    ctl status --json | jq -r '.[0] | select(.classified and .security_method == "TLS")
        | "\(.local) \(.timings_us.ehlo_tls)"' >> "$T/seen"
    sort -u -k1,1 "$T/seen" -o "$T/seen"
    [ "$(wc -l < "$T/seen")" -ge "$N" ] && break
    sleep 0.05
done
n=$(wc -l < "$T/seen")
[ "$n" -ge "$N" ]; ok $? "daemon: $N classifications over TLS seen in status --json ($n)"
cut -d' ' -f2 "$T/seen" > "$T/mond"
echo "# daemon ehlo_tls: $(dist "$T/mond")"
o=$(over "$T/mond")
[ -s "$T/mond" ] && [ "$o" -le "$ALLOWED" ]; ok $? "daemon: ehlo_tls under $LIMIT_US us in all classifications but at most $ALLOWED ($o over)"
mond_stop_ok "smtpmond exits 0"
