#!/bin/bash
# rating-lowered end to end: the fixture server on one port changes what
# its TLS is made of, a real smtpmond rates every classification by the
# NCSC-NL 2025-05 guidelines (probes/rating) and announces a fall of the
# overall rating below the target's baseline once, on every path: a real
# snmptrapd (through snmpd as AgentX master) receives smtpmonTlsDowngrade
# with reason rating-lowered and the detail varbind, the log has the SMD1850W
# line with old_rating/new_rating/component, AlertCommand runs with them in
# its environment. Its end is a recovery on the same paths. The expected
# classes are written here from the guideline's tables (doc/ciphers.md):
# TLS 1.3 AES-256-GCM over x25519 with an ECDSA P-256 leaf signed with
# SHA-256 is sufficient (classical exchange and key); the same with an RSA
# 2048 leaf is phase-out (the key); over ffdhe2048 insufficient (the
# exchange).
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/snmp.sh"
. "$srcdir/tests/lib/postfix.sh"   # free_port
plan 26

ROOT=.1.3.6.1.3.5321                      # agent/output/snmp_mib.h SMTPMON_OID_ROOT
N_DOWN=$ROOT.0.4 N_REC=$ROOT.0.5 NO=$ROOT.1.4 TE=$ROOT.1.2.1
RATING_COL=60                             # smtpmonTargetRatingOverall
WAIT=300                                  # tenths of a second: a bound, not a measurement
export MIBS=

reprobes() { ctl status --json | jq ".[] | select(.index == $IDX) | .counters.reprobes"; }
settle() {
    local want=$(($(reprobes) + ${1:-2}))
    wait_until "$WAIT" '[ "$(reprobes)" -ge '"$want"' ]' ||
        bail "target $IDX: not $want classifications within $((WAIT / 10)) s"
}
# switch NAME CERT OPTS...: the fixture on $PORT becomes another server
switch() {
    kill "$FIX_PID" 2>/dev/null
    wait "$FIX_PID" 2>/dev/null
    fix_at "$1" "127.0.0.1:$PORT" -- --cert "$T/$2.crt" --key "$T/$2.key" --hostname mail.test \
        --tls-min 1.3 --ciphersuites TLS_AES_256_GCM_SHA384 "${@:3}"
}
# the overall and weakest of the row now, and of its baseline
rated() {
    ctl baseline show "127.0.0.1:$PORT" --json |
        jq -r '.[0] | "\(.current.rating) \(.current.rating_weakest) / \(.baseline.rating) \(.baseline.rating_weakest) / \(.tls_downgrades | join(","))"'
}

self_cert ec ec sha256 mail.test
self_cert rsa rsa:2048 sha256 mail.test
cat "$T/ec.crt" "$T/rsa.crt" > "$T/ca.pem"

snmptrapd_start
snmpd_start
start_fixture first --cert "$T/ec.crt" --key "$T/ec.key" --hostname mail.test \
    --tls-min 1.3 --ciphersuites TLS_AES_256_GCM_SHA384 --groups X25519
PORT=$FIX_PORT

alert_env_command

mond_conf "$T/smtpmon.conf" <<EOF
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
CAFile $T/ca.pem
AgentXSocket $AGENTX_SOCK
AlertCommand $T/alert.sh
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until "$WAIT" '[ "$(rows_where ".state == \"up\"")" = 1 ]' || bail "the target did not come up"
IDX=$(ctl status --json | jq -r ".[0].index")

# ---- first sight: the baseline's rating ----
settle 2
is "$(rated)" "sufficient key_exchange / sufficient key_exchange / " \
    "first sight: sufficient (x25519 is classical), baseline the same, nothing downgraded"
is "$(ctl status --json | jq -r '.[0].rating | "\(.overall) \(.cert_key)"')" "sufficient sufficient" \
    "status --json: overall sufficient, ECDSA P-256 key sufficient"

# ---- the leaf becomes RSA 2048: phase-out ----
switch rsa rsa --groups X25519
line=$(wait_event "$N_DOWN" rating-lowered "$WAIT")
ok $? "smtpmonTlsDowngrade rating-lowered at snmptrapd"
is "$(tvar "$line" "$NO.7.0")" 'STRING: "NCSC-NL 2025-05 sufficient -> phase-out, weakest cert_key"' \
    "the detail varbind names old, new and the component that fell"
is "$(tvar "$line" "$NO.1.0") $(tvar "$line" "$NO.2.0")" "INTEGER: 7 INTEGER: 7" \
    "TLS level unchanged in the notification (tls13 both)"
wait_for_log "$MOND_LOG" "SMD1850W TLS downgrade: event=rating-lowered target=127.0.0.1:$PORT index=$IDX .* old_rating=sufficient new_rating=phase-out component=cert_key" "$WAIT"
ok $? "SMD1850W line with old_rating, new_rating and component"
wait_until "$WAIT" 'grep -q "SMTPMON_EVENT=rating-lowered" "$T/alerts.out"'
a=$(grep "SMTPMON_EVENT=rating-lowered" "$T/alerts.out" | head -1)
like "$a" "SMTPMON_ALERT=downgrade .*SMTPMON_NEW_RATING=phase-out .*SMTPMON_OLD_RATING=sufficient .*SMTPMON_RATING_COMPONENT=cert_key " \
    "AlertCommand: SMTPMON_OLD_RATING, SMTPMON_NEW_RATING, SMTPMON_RATING_COMPONENT"
like "$a" "SMTPMON_DETAIL=NCSC-NL 2025-05 sufficient -> phase-out, weakest cert_key " \
    "AlertCommand: SMTPMON_DETAIL in words"
settle 3
is "$(ntraps "$N_DOWN" rating-lowered):$(grep -c "SMD1850W.*event=rating-lowered" "$MOND_LOG"):$(grep -c "SMTPMON_EVENT=rating-lowered" "$T/alerts.out")" \
    1:1:1 "still exactly one alert on each path after $(reprobes) classifications"
is "$(rated)" "phase-out cert_key / sufficient key_exchange / rating-lowered" \
    "baseline show: now phase-out (cert_key), baseline sufficient, rating-lowered in force"
is "$(ntraps "$N_DOWN" tls-version-lowered):$(ntraps "$N_DOWN" cipher-weakened)" 0:0 \
    "no other downgrade: the version and the suite did not change"
is "$(snmpget -v2c -c public -Oqv "127.0.0.1:$SNMPD_PORT" "$TE.$RATING_COL.$IDX" "$TE.40.$IDX" | tr '\n' ' ')" \
    '4 "rating-lowered" ' "SNMP: smtpmonTargetRatingOverall phaseOut(4), smtpmonTargetTlsDowngrades rating-lowered"

# ---- back to the ECDSA leaf: recovered ----
switch ec2 ec --groups X25519
line=$(wait_event "$N_REC" rating-lowered "$WAIT")
ok $? "smtpmonTlsRecovered rating-lowered"
is "$(tvar "$line" "$NO.7.0")" 'STRING: "NCSC-NL 2025-05 phase-out -> sufficient, cert_key recovered"' \
    "recovery detail: old the downgraded class, new the class now"
wait_for_log "$MOND_LOG" "SMD1851I TLS downgrade recovered: event=rating-lowered target=127.0.0.1:$PORT .* old_rating=phase-out new_rating=sufficient component=cert_key" "$WAIT"
ok $? "SMD1851I line"
wait_until "$WAIT" 'grep -q "SMTPMON_ALERT=recovery .*SMTPMON_EVENT=rating-lowered" "$T/alerts.out"'
ok $? "AlertCommand ran for the recovery"
like "$(grep "SMTPMON_ALERT=recovery .*SMTPMON_EVENT=rating-lowered" "$T/alerts.out" | head -1)" \
    "SMTPMON_NEW_RATING=sufficient .*SMTPMON_OLD_RATING=phase-out " "recovery environment: old phase-out, new sufficient"
is "$(rated)" "sufficient key_exchange / sufficient key_exchange / " "back at the baseline, nothing in force"

# ---- the exchange falls: ffdhe2048 is insufficient ----
switch ff ec --groups ffdhe2048
line=$(wait_event "$N_DOWN" rating-lowered "$WAIT" 2)
ok $? "a second fall is alerted again (the first had recovered)"
is "$(tvar "$line" "$NO.7.0")" 'STRING: "NCSC-NL 2025-05 sufficient -> insufficient, weakest key_exchange"' \
    "the component that fell: key_exchange"
wait_for_log "$MOND_LOG" "SMD1850W TLS downgrade: event=rating-lowered .* old_rating=sufficient new_rating=insufficient component=key_exchange" "$WAIT"
ok $? "SMD1850W for the exchange"
is "$(ctl status --json | jq -r '.[0] | "\(.tls_group) \(.rating.key_exchange) \(.rating.overall)"')" \
    "ffdhe2048 insufficient insufficient" "status --json: the group and its class"

# ---- persisted: a restart neither forgets the baseline's rating nor repeats the alert ----
mond_stop
is "$MOND_RC" 0 "smtpmond stops cleanly"
grep -q " rating=2 rpart=2 bad_rating=4 bad_rpart=2" "$T/state/baselines"
ok $? "the state file keeps the baseline's rating and the downgraded one"
mond_start "$T/smtpmon.conf" || bail "smtpmond did not restart"
wait_until "$WAIT" '[ "$(rows_where ".state == \"up\"")" = 1 ]' || bail "the target did not come up after the restart"
settle 2
is "$(rated)" "insufficient key_exchange / sufficient key_exchange / rating-lowered" \
    "after the restart: baseline sufficient, rating-lowered still in force"
is "$(ntraps "$N_DOWN" rating-lowered)" 2 "and no alert repeated by the restart"
