#!/bin/bash
# TLS downgrade detection end to end: the fixture server changes what it
# offers on the same port, a real smtpmond notices it on its next
# classification, and a real snmptrapd (through snmpd as AgentX master)
# receives smtpmonTlsDowngrade / smtpmonTlsRecovered with the old and new
# level and cipher; the log has the SMD1850W line and AlertCommand runs with
# the facts in its environment. Baselines survive a restart and kill -9
# without the alert being sent again; `baseline reset` accepts the new
# posture; the first sight of a target alerts nothing, except below-minimum.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/snmp.sh"
. "$srcdir/tests/lib/postfix.sh"   # free_port
plan 52

ROOT=.1.3.6.1.3.5321                      # agent/output/snmp_mib.h SMTPMON_OID_ROOT
N_DOWN=$ROOT.0.4 N_REC=$ROOT.0.5 NO=$ROOT.1.4 TE=$ROOT.1.2.1
REPROBE=2                                 # ReprobeInterval, seconds
# Waits for an event poll up to WAIT tenths of a second: a generous bound, not a
# measurement (how fast an event arrives is for bench/).
WAIT=300
export MIBS=

reprobes() { ctl status --json | jq ".[] | select(.index == $IDX) | .counters.reprobes"; }
# wait for N more classifications of the target than now
settle() {
    local want=$(($(reprobes) + ${1:-2}))
    wait_until "$WAIT" '[ "$(reprobes)" -ge '"$want"' ]' ||
        bail "target $IDX: not $want classifications within $((WAIT / 10)) s"
}
# bjson: `baseline show TARGET --json` into B, its exit status into BRC
bjson() { B=$(ctl baseline show "127.0.0.1:$PORT" --json); BRC=$?; }
# switch NAME OPTS...: the fixture on $PORT becomes another server
switch() {
    kill "$FIX_PID" 2>/dev/null
    wait "$FIX_PID" 2>/dev/null
    fix_at "$1" "127.0.0.1:$PORT" -- --cert "$T/mail.test.crt" --key "$T/mail.test.key" \
        --hostname mail.test "${@:2}"
    SWITCHED=$(date +%s.%N)
}
elapsed() { awk -v a="$SWITCHED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

snmptrapd_start
snmpd_start
gen_cert mail.test 400
start_fixture tls13 --cert "$T/mail.test.crt" --key "$T/mail.test.key" --hostname mail.test
PORT=$FIX_PORT
start_fixture old --cert "$T/mail.test.crt" --key "$T/mail.test.key" --hostname mail.test \
    --tls-max 1.2
PORT_OLD=$FIX_PORT
FIX_PID_OLD=$FIX_PID
FIX_PID=$(pgrep -f "smtpfix --listen 127.0.0.1:0 --ready $T/tls13.ready")

cat > "$T/alert.sh" <<'EOF'
#!/bin/sh
# two lines per alert: the arguments, then the environment smtpmond passed;
# one write, as commands may run side by side (up to 4)
e=$(env | sort | tr '\n' ' '); printf 'args=%s|%s|%s\n%s\n' "$#" "$1" "$2" "$e" >> "$ALERTS_OUT"
EOF
sed -i "s|\$ALERTS_OUT|$T/alerts.out|" "$T/alert.sh"
chmod +x "$T/alert.sh"

HP=$(free_port)
mond_conf "$T/smtpmon.conf" <<EOF
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval 1
    ReprobeInterval $REPROBE
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $PORT
    Secure Yes
    TlsServerName mail.test
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $PORT_OLD
    Secure Yes
    TlsServerName mail.test
    MinTlsLevel 13
}
CAFile $T/mail.test.crt
AgentXSocket $AGENTX_SOCK
AlertCommand $T/alert.sh "two words" \$HOME
MetricsListen 127.0.0.1:$HP
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until "$WAIT" '[ "$(rows_where ".state == \"up\"")" = 2 ]' || bail "the targets did not come up"
is "$(ctl targets --json | jq -r '[.[] | .min_tls // "none"] | join(" ")')" "none TLSv1.3" \
    "targets --json: MinTlsLevel by name, null where none"
IDX=$(ctl status --json | jq -r ".[] | select(.target == \"127.0.0.1:$PORT\") | .index")
IDX_OLD=$(ctl status --json | jq -r ".[] | select(.target == \"127.0.0.1:$PORT_OLD\") | .index")
[[ $IDX =~ ^[0-9]+$ && $IDX_OLD =~ ^[0-9]+$ ]] || bail "no index for the targets: '$IDX' '$IDX_OLD'"

# ---- first sight ----
settle 2
bjson
b=$B
is "$BRC:$(jq -r '.[0].baseline.tls_version' <<<"$b")" 0:TLSv1.3 "first sight sets the baseline: TLSv1.3 (baseline show exit 0)"
is "$(jq -r '.[0].baseline.cipher_class' <<<"$b")" good "baseline cipher class good ($(jq -r '.[0].baseline.cipher' <<<"$b"))"
is "$(jq -r '.[0].baseline.starttls_offered' <<<"$b")" true "baseline: STARTTLS offered"
like "$(jq -r '.[0].baseline.key_sha256' <<<"$b")" '^[0-9a-f]{64}$' "baseline: the certificate's public-key fingerprint"
is "$(jq -r '.[0].tls_downgrades | length' <<<"$b")" 0 "nothing downgraded"
# the log has the target's classification (SMD1817I), so it was written
seen=$(grep -c "SMD1817I target [a-z]*: target=127.0.0.1:$PORT .*tls=TLSv1.3 " "$MOND_LOG")
is "$((seen > 0)):$(grep -c "SMD1850W.*target=127.0.0.1:$PORT " "$MOND_LOG")" 1:0 \
    "first sight alerts nothing (target classified in the log, no SMD1850W for it)"
line=$(wait_event "$N_DOWN" below-minimum "$WAIT")
ok $? "below-minimum alerted at first sight for MinTlsLevel 13 against a TLS 1.2 server"
is "$(tvar "$line" "$TE.2.$IDX_OLD")" "INTEGER: 1" "the notification carries the address type (ipv4)"
is "$(trap_count "$N_DOWN"):$(grep -E "$(_snmp_trap_re "$N_DOWN")" "$TRAP_LOG" | grep -c "$TE.3.$IDX = ")" 1:0 \
    "no notification for the TLS 1.3 target (one, below-minimum, for the other)"

# ---- TLS 1.3 -> TLS 1.2 only ----
switch tls12 --tls-max 1.2
line=$(wait_event "$N_DOWN" tls-version-lowered "$WAIT")
ok $? "tls-version-lowered at snmptrapd (after $(elapsed) s)"
is "$(tvar "$line" "$NO.1.0")" "INTEGER: 7" "old level tls13(7)"
is "$(tvar "$line" "$NO.2.0")" "INTEGER: 6" "new level tls12(6)"
like "$(tvar "$line" "$NO.3.0")" '^INTEGER: 486[5-7]$' "old cipher a TLS 1.3 suite ($(tvar "$line" "$NO.3.0"))"
like "$(tvar "$line" "$NO.4.0")" '^INTEGER: [0-9]+$' "new cipher id ($(tvar "$line" "$NO.4.0"))"
is "$(tvar "$line" "$TE.4.$IDX")" "Gauge32: $PORT" "port varbind"
wait_for_log "$MOND_LOG" "SMD1850W TLS downgrade: event=tls-version-lowered target=127.0.0.1:$PORT index=$IDX old_tls=TLSv1.3 new_tls=TLSv1.2" "$WAIT"
ok $? "SMD1850W log line with the facts in key=value form"
wait_until "$WAIT" 'grep -q "SMTPMON_EVENT=tls-version-lowered" "$T/alerts.out"'
a=$(grep "SMTPMON_EVENT=tls-version-lowered" "$T/alerts.out" | head -1)
like "$a" "SMTPMON_ALERT=downgrade .*SMTPMON_NEW_TLS=TLSv1.2 SMTPMON_OLD_CIPHER=TLS_AES_.* SMTPMON_OLD_TLS=TLSv1.3 .*SMTPMON_TARGET=127.0.0.1:$PORT " \
    "AlertCommand ran with the facts in its environment"
is "$(grep -B1 "SMTPMON_EVENT=tls-version-lowered" "$T/alerts.out" | head -1)" 'args=2|two words|$HOME' \
    "AlertCommand got its argument vector as written, no shell"
settle 3
is "$(ntraps "$N_DOWN" tls-version-lowered)" 1 "exactly one notification after $(reprobes) classifications"
bjson
is "$BRC:$(jq -r '.[0].tls_downgrades | join(",")' <<<"$B")" 0:tls-version-lowered "baseline show: tls-version-lowered in force"
is "$(snmpget -v2c -c public -Oqv "127.0.0.1:$SNMPD_PORT" "$TE.35.$IDX" "$TE.41.$IDX" "$TE.42.$IDX" | tr '\n' ' ')" \
    '7 "tls-version-lowered" 2 ' "SNMP table: baseline level tls13, last event tls-version-lowered (downgrade)"
metric() { curl -s "http://127.0.0.1:$HP/metrics" | grep -F "$1" | awk '{print $NF}'; }
is "$(metric "smtpmon_tls_downgrade_events_total{target=\"127.0.0.1:$PORT\",event=\"tls-version-lowered\"}")" 1 \
    "/metrics: one tls-version-lowered event counted"
is "$(metric "smtpmon_tls_downgrade_active{target=\"127.0.0.1:$PORT\",event=\"tls-version-lowered\"}")" 1 \
    "/metrics: tls-version-lowered in force"
is "$(metric "smtpmon_tls_version_info{target=\"127.0.0.1:$PORT\",version=\"TLSv1.2\"}")" 1 \
    "/metrics: the version now negotiated, TLSv1.2"

# ---- restarts keep the baseline and do not repeat the alert ----
mond_stop
is "$MOND_RC" 0 "smtpmond stops cleanly for the restart"
mond_start "$T/smtpmon.conf" || bail "smtpmond did not restart"
wait_until "$WAIT" '[ "$(rows_where ".state == \"up\"")" = 2 ]' || bail "the targets did not come up after the restart"
settle 2
bjson
is "$BRC:$(jq -r '.[0].baseline.tls_version + " " + (.[0].tls_downgrades | join(","))' <<<"$B")" \
    "0:TLSv1.3 tls-version-lowered" "after a restart: baseline TLSv1.3 and the downgrade in force"
is "$(ntraps "$N_DOWN" tls-version-lowered)" 1 "no second notification after the restart"
kill -9 "$MOND_PID"
wait "$MOND_PID" 2>/dev/null
is "$?" 137 "smtpmond was running until killed by SIGKILL (status 128+9)"
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start after kill -9"
wait_until "$WAIT" '[ "$(rows_where ".state == \"up\"")" = 2 ]' || bail "the targets did not come up after kill -9"
settle 2
bjson
is "$BRC:$(jq -r '.[0].baseline.tls_version' <<<"$B")" 0:TLSv1.3 "after kill -9: the baseline is still TLSv1.3"
is "$(ntraps "$N_DOWN" tls-version-lowered)" 1 "no second notification after kill -9"
is "$(ntraps "$N_DOWN" below-minimum)" 1 "below-minimum was not repeated by the restarts either"

# ---- restored ----
switch tls13b
line=$(wait_event "$N_REC" tls-version-lowered "$WAIT")
ok $? "smtpmonTlsRecovered for tls-version-lowered (after $(elapsed) s)"
is "$(tvar "$line" "$NO.1.0") $(tvar "$line" "$NO.2.0")" "INTEGER: 6 INTEGER: 7" "recovery: old level 6, new level 7"
wait_for_log "$MOND_LOG" "SMD1851I TLS downgrade recovered: event=tls-version-lowered target=127.0.0.1:$PORT" "$WAIT"
ok $? "SMD1851I log line"

# ---- STARTTLS removed ----
switch nostarttls --caps "PIPELINING,SIZE 10240000,8BITMIME"
line=$(wait_event "$N_DOWN" starttls-not-supported "$WAIT")
ok $? "starttls-not-supported when STARTTLS vanished (after $(elapsed) s)"
is "$(tvar "$line" "$NO.2.0")" "INTEGER: 1" "new level none(1)"
switch tls13c
wait_event "$N_REC" starttls-not-supported "$WAIT" >/dev/null
ok $? "recovery of starttls-not-supported once STARTTLS is back (after $(elapsed) s)"

# ---- baseline reset accepts TLS 1.2 ----
switch tls12b --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384
wait_event "$N_DOWN" tls-version-lowered "$WAIT" 2 >/dev/null
ok $? "a second downgrade to TLS 1.2 is alerted again (it had recovered)"
r=$(ctl baseline reset "127.0.0.1:$PORT" --json)
ok $? "smtpmonctl baseline reset TARGET --json"
is "$(jq -r '.[0].baseline.tls_version + " " + (.[0].tls_downgrades | length | tostring)' <<<"$r")" "TLSv1.2 0" \
    "reset: the baseline is now TLSv1.2 and nothing is downgraded"
wait_for_log "$MOND_LOG" "SMD1855I TLS baseline reset: target=127.0.0.1:$PORT tls=TLSv1.2" "$WAIT"
ok $? "SMD1855I log line for the reset"
settle 2
is "$(ntraps "$N_REC" tls-version-lowered)" 1 "a reset sends no recovery notification"
is "$(ntraps "$N_DOWN" tls-version-lowered)" 2 "and no new downgrade against the accepted posture"

# ---- AEAD replaced by static RSA + CBC ----
switch rsacbc --tls-max 1.2 --ciphers AES128-SHA
line=$(wait_event "$N_DOWN" cipher-weakened "$WAIT")
ok $? "cipher-weakened for AES128-SHA after ECDHE-RSA-AES256-GCM-SHA384 (after $(elapsed) s)"
is "$(tvar "$line" "$NO.3.0") $(tvar "$line" "$NO.4.0")" "INTEGER: 49200 INTEGER: 47" \
    "old cipher 0xC030, new cipher 0x002F"
is "$(ntraps "$N_DOWN" tls-version-lowered)" 2 "cipher-weakened alone: the version did not change"

# ---- control errors ----
ctl baseline reset 192.0.2.99:25 >/dev/null 2>"$T/err"
is "$?" 1 "baseline reset of an unknown target exits 1"
like "$(cat "$T/err")" 'no target "192.0.2.99:25"' "and says which target it did not find"
ctl baseline show "127.0.0.1:$PORT" > "$T/show.txt"; rc=$?
like "$rc:$(sed -n 2p "$T/show.txt")" "^0:$IDX +127.0.0.1:$PORT +ESMTP +yes +TLSv1.2 +TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 +sufficient +TLSv1.2 +TLS_RSA_WITH_AES_128_CBC_SHA +cipher-weakened" \
    "baseline show: text table with baseline, now and the downgrade"
mond_stop
is "$MOND_RC" 0 "smtpmond stops cleanly"
grep -q "active=0x" "$T/state/baselines"; ok $? "StateDir/baselines written"
