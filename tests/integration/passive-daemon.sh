#!/bin/bash
# smtpmond's passive probe in the daemon:
#  - live on `lo` while its own active probe classifies a fixture: the passive
#    row (seen from the wire) and the target row (seen by the probe) agree, and
#    the AppldataLog has the "monitor" and the "passive" record alike;
#  - from a PcapFile made by tests/tools/pcapgen: a stripped STARTTLS raises
#    starttls-stripped through syslog (SMD1860W) and AlertCommand, with the
#    client in the environment; a mangled keyword raises starttls-mangled;
#  - an interface that does not exist stops the start with SMD1861E.
# Every smtpmond stop and every smtpmonctl run exits 0.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
plan 35

[ -x "$PCAPGEN" ] || bail "PCAPGEN ($PCAPGEN) is not built"
# qre TEXT: TEXT as an extended regular expression matching itself
qre() { printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }

gen_cert mail.test
start_fixture live --cert "$T/mail.test.crt" --key "$T/mail.test.key" --tls-min 1.3
PORT=$FIX_PORT

# ---- live capture on lo while the active probe runs ----
mond_conf "$T/live.conf" <<EOF
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval 1
    ReprobeInterval 2
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $PORT
    Secure Yes
    TlsServerName mail.test
}
CAFile $T/mail.test.crt
Passive {
    Interface lo
    Ports $PORT
}
EOF
mond_start "$T/live.conf" || bail "smtpmond did not start: $(tail -5 "$MOND_LOG")"
like "$(cat "$MOND_LOG")" "SMD1866I passive probe started: interface lo" "SMD1866I: the capture is open"
wait_until 300 '[ "$(ctl passive --json | jq "[.[] | select(.sessions.tls >= 2)] | length")" = 1 ]'
ctl status --json > "$T/status.json"
ctl passive --json > "$T/passive.json"
is "$(json "$T/passive.json" length)" 1 "one server seen on the wire"
is "$(json "$T/passive.json" '.[0].target')" "127.0.0.1:$PORT" "it is the target"
is "$(json "$T/passive.json" '.[0].server_type'),$(json "$T/passive.json" '.[0].tls_version'),$(json "$T/passive.json" '.[0].cipher_id')" \
    "$(json "$T/status.json" '.[0].server_type'),$(json "$T/status.json" '.[0].tls_version'),$(json "$T/status.json" '.[0].cipher_id')" \
    "server type, TLS version and cipher agree from both sides ($(json "$T/status.json" '.[0].tls_version'))"
is "$(json "$T/passive.json" '.[0].appldata')" "$(json "$T/status.json" '.[0].appldata')" \
    "the same 40-byte record from both sides"
is "$(json "$T/passive.json" '.[0].sni')" mail.test "the SNI smtpmond sent, read off the wire"
is "$(json "$T/passive.json" '.[0].starttls_offered'),$(json "$T/passive.json" '.[0].events|length')" "true,0" \
    "STARTTLS offered, no event"
rec=$(json "$T/status.json" '.[0].appldata')
like "$(grep " passive " "$ALOG" | head -1)" "^[0-9T:.-]+Z 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:$PORT passive $(qre "$rec")$" \
    "AppldataLog: a passive line with the observed 4-tuple and the record"
[ "$(grep -cF " monitor $rec" "$ALOG")" -ge 1 ]
ok $? "AppldataLog: the monitor line has the same record"
like "$(ctl passive)" "passive probe on interface lo: [0-9]+ packets, [0-9]+ sessions \([0-9]+ TLS, 0 basic\), 1 servers" \
    "passive (text): the summary line"
mond_stop_ok "smtpmond stops cleanly with the capture running"

# ---- passive only: no target at all, live on lo ----
start_fixture ponly --caps "PIPELINING,8BITMIME"
mond_conf "$T/ponly.conf" <<EOF
Passive {
    Interface lo
    Ports $FIX_PORT
}
EOF
: > "$ALOG"
mond_start "$T/ponly.conf" || bail "smtpmond did not start: $(tail -5 "$MOND_LOG")"
like "$(ctl passive)" "passive probe on interface lo: " "passive only: on from the start (not \"off\")"
rcs=
for i in 1 2 3; do "$SMTPMONCTL" check --secure no "127.0.0.1:$FIX_PORT" > /dev/null; rcs+=$?; done
is "$rcs" 000 "passive only: three checks, each exits 0"
wait_until 300 '[ "$(ctl passive --json | jq ".[0].sessions.total // 0")" = 3 ]'
is "$(ctl passive --json | jq -r '.[0] | "\(.target) \(.sessions.total) \(.security_method)"')" \
    "127.0.0.1:$FIX_PORT 3 basic" "passive only: three sessions taken in (the monitor loop runs without targets)"
is "$(grep -c " passive " "$ALOG")" 3 "passive only: three AppldataLog lines"
mond_stop_ok "passive only: smtpmond stops cleanly"

# ---- a capture file larger than the mailbox: nothing dropped ----
"$PCAPGEN" bench -n 6000 -s 3 -o "$T/big.pcap" > "$T/big.expect" || bail "pcapgen bench failed"
: > "$ALOG"
: > "$MOND_LOG"
mond_conf "$T/big.conf" <<EOF
Passive {
    PcapFile $T/big.pcap
}
EOF
mond_start "$T/big.conf" || bail "smtpmond did not start"
wait_until 300 'grep -q SMD1861I "$MOND_LOG"'
wait_until 300 '[ "$(grep -c " passive " "$ALOG")" = 6000 ]'
is "$(grep -c " passive " "$ALOG"),$(grep -c SMD1864W "$MOND_LOG")" "6000,0" \
    "a file of 6000 sessions (mailbox 1024): every session logged, none dropped"
want_tls=$(json "$T/big.expect" '.expect.security_T')
wait_until 300 '[ "$(ctl passive --json | jq "[.[].sessions.tls] | add")" = "$want_tls" ]'
is "$(ctl passive --json | jq '[.[].sessions.tls] | add')" "$want_tls" \
    "the TLS sessions counted match the generator's"
mond_stop_ok "big file: smtpmond stops cleanly"

# ---- a capture file: stripped STARTTLS ----
alert_env_command
"$PCAPGEN" craft stripped -o "$T/stripped.pcap" > "$T/stripped.expect" || bail "pcapgen failed"
server=$(json "$T/stripped.expect" .server)
: > "$ALOG"
mond_conf "$T/file.conf" <<EOF
Passive {
    PcapFile $T/stripped.pcap
}
AlertCommand $T/alert.sh
EOF
mond_start "$T/file.conf" || bail "smtpmond did not start: $(tail -5 "$MOND_LOG")"
wait_until 300 'grep -q SMD1861I "$MOND_LOG"'
like "$(grep SMD1861I "$MOND_LOG")" "passive probe: file .*stripped\.pcap read: [0-9]+ packets, 2 sessions \(1 TLS, 1 basic\)" \
    "SMD1861I: the file read, two sessions"
wait_until 300 '[ -s "$T/alerts.out" ]'
like "$(grep SMD1860W "$MOND_LOG")" "SMD1860W passive event=starttls-stripped server=$(qre "$server") client=[0-9.]+:[0-9]+ .*detail=\"EHLO reply without STARTTLS\"" \
    "SMD1860W: starttls-stripped, server and client named"
like "$(cat "$T/alerts.out")" "SMTPMON_ALERT=passive .*SMTPMON_CLIENT=[0-9.]+:[0-9]+ .*SMTPMON_EVENT=starttls-stripped .*SMTPMON_TARGET=$(qre "$server") " \
    "AlertCommand: the passive alert's facts in its environment"
ctl passive --json > "$T/fpassive.json"
is "$(json "$T/fpassive.json" '.[0].events|join(",")'),$(json "$T/fpassive.json" '.[0].alerts')" "starttls-stripped,1" \
    "passive --json: the event in force, one alert"
is "$(json "$T/fpassive.json" '.[0].sessions.total'),$(json "$T/fpassive.json" '.[0].starttls_known'),$(json "$T/fpassive.json" '.[0].starttls_offered')" \
    "2,true,false" "two sessions; STARTTLS known, not offered in the last"
is "$(grep -c " passive " "$ALOG")" 2 "AppldataLog: one passive line per session"
mond_stop_ok "stripped: smtpmond stops cleanly"

# ---- a capture file: XXXXXXXA ----
"$PCAPGEN" craft mangled -o "$T/mangled.pcap" > "$T/mangled.expect" || bail "pcapgen failed"
: > "$T/alerts.out"
mond_conf "$T/mangled.conf" <<EOF
Passive {
    PcapFile $T/mangled.pcap
}
AlertCommand $T/alert.sh
EOF
: > "$MOND_LOG"
mond_start "$T/mangled.conf" || bail "smtpmond did not start"
wait_until 300 '[ -s "$T/alerts.out" ]'
like "$(grep SMD1860W "$MOND_LOG")" "event=starttls-mangled .*detail=\"EHLO reply lists XXXXXXXA where STARTTLS was expected\"" \
    "SMD1860W: starttls-mangled at first sight"
like "$(cat "$T/alerts.out")" "SMTPMON_DETAIL=EHLO reply lists XXXXXXXA where STARTTLS was expected" \
    "AlertCommand: SMTPMON_DETAIL"
is "$(ctl passive --json | jq -r '.[0].mangled_keyword')" XXXXXXXA "passive --json: the mangled keyword"
mond_stop_ok "mangled: smtpmond stops cleanly"
ctl_all_ok "every smtpmonctl run against the five daemons exits 0"

# ---- errors ----
mond_conf "$T/bad.conf" <<EOF
Passive {
    Interface nosuchif0
}
EOF
: > "$MOND_LOG"
"$SMTPMOND" -F -f "$T/bad.conf" 2>>"$MOND_LOG"; rc=$?
is "$rc" 1 "an interface that does not exist: smtpmond does not start"
like "$(cat "$MOND_LOG")" "SMD1861E passive probe: interface nosuchif0: " "SMD1861E names the interface"
mond_conf "$T/bad2.conf" <<EOF
Passive {
    PcapFile $T/no-such.pcap
}
EOF
: > "$MOND_LOG"
"$SMTPMOND" -F -f "$T/bad2.conf" 2>>"$MOND_LOG"; rc=$?
is "$rc" 1 "a capture file that does not exist: smtpmond does not start"
like "$(cat "$MOND_LOG")" "SMD1861E passive probe: .*no-such\.pcap: " "SMD1861E names the file"
