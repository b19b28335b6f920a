#!/bin/bash
# smtpmond watches published TLS policies: TargetMx in a DNSSEC-signed zone
# (NSD, tests/lib/dnssec.sh) with Dane Yes and, by default for TargetMx, the
# domain's MTA-STS policy (nginx on 127.0.0.1:443). status --json carries the
# same dane and mta_sts keys as check --json. A certificate roll that breaks
# the TLSA record gives one tlsa-invalid alert within a ReprobeInterval on
# every path (SMD1880W in the log, smtpmonTlsDowngrade at a real snmptrapd,
# AlertCommand), while the MTA-STS verdict stays enforce-ok (the new
# certificate is still WebPKI-valid); rolling back recovers (SMD1881I,
# smtpmonTlsRecovered). A self-signed roll breaks MTA-STS too
# (certificate-not-trusted); a server that refuses STARTTLS fails both
# (starttls-not-supported). Configuration errors: Dane without TLS.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/dnssec.sh"
r=$(stsweb_unusable) && { echo "1..0 # SKIP $r"; exit 0; }
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/snmp.sh"
. "$srcdir/tests/lib/postfix.sh"   # free_port
plan 30

ROOT=.1.3.6.1.3.5321
N_DOWN=$ROOT.0.4 N_REC=$ROOT.0.5 NO=$ROOT.1.4
WAIT=${WAIT:-300}
export MIBS=


ca_issue mx.pol.dane.test a
ca_issue mx.pol.dane.test b
gen_cert mx.pol.dane.test
PORT=$(free_port)
serve() { # CERTFILE KEYFILE [smtpfix options]: (re)start the fixture on PORT
	[ -n "${FIX_PID:-}" ] && { kill "$FIX_PID" 2>/dev/null; wait "$FIX_PID" 2>/dev/null; }
	fix_at "fx$RANDOM" "127.0.0.1:$PORT" -- --cert "$1" --key "$2" --hostname mx.pol.dane.test \
		"${@:3}"
}
serve "$T/a.crt" "$T/a.key"

dnssec_zone pol.dane.test secure <<EOF
@ IN MX 10 mx
mx IN A 127.0.0.1
_$PORT._tcp.mx IN TLSA $(tlsa_rdata "$T/a.leaf" 3 1 1)
_mta-sts IN TXT "v=STSv1; id=pol1;"
mta-sts IN A 127.0.0.1
EOF
dnssec_start
stsweb_host pol.dane.test
stsweb_policy pol.dane.test <<EOF
version: STSv1
mode: enforce
mx: mx.pol.dane.test
max_age: 86400
EOF
stsweb_start

snmptrapd_start
snmpd_start
cat > "$T/alert.sh" <<'EOF'
#!/bin/sh
echo "$SMTPMON_ALERT $SMTPMON_EVENT $SMTPMON_TARGET" >> "$ALERTS_OUT"
EOF
sed -i "s|\$ALERTS_OUT|$T/alerts.out|" "$T/alert.sh"
chmod +x "$T/alert.sh"

# ---- configuration errors first
mond_conf "$T/bad.conf" <<EOF
TargetServer {
    TargetMx pol.dane.test
    ConnectPort $PORT
    Dane Yes
}
TargetServer {
    TargetIP 127.0.0.1
    Secure Yes
    MtaSts pol.dane.test
}
EOF
out=$("$SMTPMOND" -t -f "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "smtpmond -t refuses Dane without TLS and MtaSts on a bare address"
like "$out" "bad.conf:4: Dane: needs Secure Yes or an AuthEntity" "... Dane: file:line: what is wrong"
like "$out" "bad.conf:9: MtaSts: needs the MX host name" "... MtaSts on TargetIP: needs the MX host name"

mond_conf "$T/smtpmon.conf" <<EOF
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval 1
    ReprobeInterval 2
}
TargetServer {
    TargetMx pol.dane.test
    ConnectPort $PORT
    Secure Yes
    Dane Yes
}
NameServer $DNS_SERVERS
DnssecTrustAnchor $DNSSEC_ANCHOR
CAFile $STS_CA
AgentXSocket $AGENTX_SOCK
AlertCommand $T/alert.sh
EOF
out=$("$SMTPMOND" -t -f "$T/smtpmon.conf" 2>&1)
is "$?" 0 "smtpmond -t accepts Dane Yes with Secure Yes ($out)"
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
row() { ctl status --json | jq -r ".[] | select(.target == \"127.0.0.1:$PORT\") | $1"; }
wait_until "$WAIT" '[ "$(row .dane.status)" = valid ]'
ok $? "status --json: dane valid (3 1 1 of the served key)"
is "$(row .dane.matched)" "$(tlsa_rdata "$T/a.leaf" 3 1 1)" "dane.matched: the record"
wait_until "$WAIT" '[ "$(row .mta_sts.status)" = enforce-ok ]'
ok $? "status --json: mta_sts enforce-ok (TargetMx: its domain's policy by default)"
is "$(row .mta_sts.mode)/$(row .mta_sts.id)/$(row '.mta_sts.mx | join(",")')/$(row .mta_sts.mx_match)" \
	"enforce/pol1/mx.pol.dane.test/true" "mta_sts: mode, id, mx, mx_match"
is "$(row .state)" up "the target is up"
is "$(ntraps "$N_DOWN" tlsa-invalid)$(grep -c SMD1880W "$MOND_LOG")" 00 "nothing alerted while the policy holds"
policy_fetches=$(wc -l < "$STSWEB_DIR/access.log")

# ---- certificate roll that breaks the TLSA record: one alert per path
serve "$T/b.crt" "$T/b.key"
t0=$(date +%s)
wait_until "$WAIT" '[ "$(ntraps "$N_DOWN" tlsa-invalid)" -ge 1 ]'
ok $? "smtpmonTlsDowngrade tlsa-invalid at snmptrapd after the roll ($(( $(date +%s) - t0 )) s, ReprobeInterval 2 s)"
wait_for_log "$MOND_LOG" "SMD1880W TLS policy failure: target=127.0.0.1:$PORT name=pol.dane.test event=tlsa-invalid dane=mismatch mta_sts=enforce-ok" 100
ok $? "SMD1880W log line: tlsa-invalid, dane mismatch, MTA-STS still enforce-ok"
wait_until 100 'grep -q "downgrade tlsa-invalid 127.0.0.1:$PORT" "$T/alerts.out"'
ok $? "AlertCommand ran: downgrade tlsa-invalid"
is "$(row .dane.status)/$(row .mta_sts.status)" mismatch/enforce-ok "status: dane mismatch, mta_sts enforce-ok"
# several more classifications of the rolled server: still one alert
r0=$(row .counters.reprobes)
wait_until "$WAIT" '[ "$(row .counters.reprobes)" -ge $((r0 + 3)) ]'
is "$(ntraps "$N_DOWN" tlsa-invalid)/$(grep -c 'SMD1880W.*event=tlsa-invalid' "$MOND_LOG")/$(grep -c 'tlsa-invalid' "$T/alerts.out")" \
	1/1/1 "one alert for the roll on each path, after 3 more reprobes"

# ---- roll back: recovered
serve "$T/a.crt" "$T/a.key"
wait_until "$WAIT" '[ "$(ntraps "$N_REC" tlsa-invalid)" -ge 1 ]'
ok $? "smtpmonTlsRecovered tlsa-invalid after the roll back"
wait_for_log "$MOND_LOG" "SMD1881I TLS policy failure cleared: target=127.0.0.1:$PORT name=pol.dane.test event=tlsa-invalid dane=valid" 100
ok $? "SMD1881I log line"
wait_until 100 'grep -q "recovery tlsa-invalid 127.0.0.1:$PORT" "$T/alerts.out"'
ok $? "AlertCommand ran: recovery tlsa-invalid"
is "$(row .dane.status)" valid "status: dane valid again"

# ---- a self-signed roll: DANE mismatch and MTA-STS enforce-violation
serve "$T/mx.pol.dane.test.crt" "$T/mx.pol.dane.test.key"
wait_until "$WAIT" '[ "$(ntraps "$N_DOWN" certificate-not-trusted)" -ge 1 ]'
ok $? "smtpmonTlsDowngrade certificate-not-trusted (MTA-STS) for a self-signed certificate"
is "$(row .mta_sts.status)" enforce-violation "status: mta_sts enforce-violation"
like "$(row .mta_sts.violation)" "not trusted" "status: the violation says why"
is "$(ntraps "$N_DOWN" tlsa-invalid)" 2 "and tlsa-invalid once more (a second failure, after the recovery)"

is "$(row .mta_sts.failure)/$(row .dane.failure)" certificate-not-trusted/tlsa-invalid \
	"status --json: each failure named (RFC 8460)"

# ---- STARTTLS refused: a connection without TLS fails both policies
serve "$T/a.crt" "$T/a.key" --starttls-reply "454 4.7.0 TLS not available due to local problem"
wait_until "$WAIT" '[ "$(ntraps "$N_DOWN" starttls-not-supported)" -ge 2 ]'
ok $? "smtpmonTlsDowngrade starttls-not-supported, for DANE and for MTA-STS"
is "$(row .dane.status)/$(row .mta_sts.status)" mismatch/enforce-violation \
	"status: dane mismatch, mta_sts enforce-violation while STARTTLS is refused"

# the SNMP columns from a real snmpd (AgentX), against the facts above
TE=$ROOT.1.2.1
IDX=$(row .index)
is "$(snmpget -v2c -c public -Oqv "127.0.0.1:$SNMPD_PORT" "$TE.55.$IDX" "$TE.56.$IDX" "$TE.57.$IDX" \
	"$TE.58.$IDX" "$TE.59.$IDX" | tr '\n' '|')" \
	'3|3|"enforce"|"pol1"|"starttls-not-supported starttls-not-supported"|' \
	"smtpmonTargetDaneStatus mismatch(3), MtaStsStatus enforceViolation(3), mode, id, failures"

# ---- the cached policy is not fetched again while its id stands
is "$(( $(wc -l < "$STSWEB_DIR/access.log") - policy_fetches ))" 0 \
	"the MTA-STS policy was not fetched again (same TXT id, max_age 86400)"

# ---- SNMP: the trap carries the event name; the daemon stops cleanly
line=$(grep -E "$(_snmp_trap_re "$N_DOWN")" "$TRAP_LOG" | grep "tlsa-invalid" | head -1)
like "$line" "$NO.5.0 = STRING: \"tlsa-invalid\"" "the notification's reason varbind is the RFC 8460 name"
mond_stop_ok "smtpmond stopped cleanly"
