#!/bin/bash
# smtpmonCertExpiring: a target whose certificate ends within 30 days is
# announced at a real snmptrapd (through snmpd as AgentX master) with its
# notAfter and days left, once per certificate although it is reclassified
# every second; a certificate far from its end announces nothing. Every
# smtpmonctl run and the daemon stop exit 0.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/snmp.sh"
plan 12

ROOT=.1.3.6.1.3.5321                      # agent/output/snmp_mib.h SMTPMON_OID_ROOT
N_CERT=$ROOT.0.3 TE=$ROOT.1.2.1
export MIBS=
trap_lines() { grep -F "$N_CERT" "$TRAP_LOG" | grep -F "$TE.15.$1 = " ; }

snmptrapd_start
snmpd_start
gen_cert soon.test 10
gen_cert later.test 400
start_fixture soon --cert "$T/soon.test.crt" --key "$T/soon.test.key" --hostname soon.test
P_SOON=$FIX_PORT
start_fixture later --cert "$T/later.test.crt" --key "$T/later.test.key" --hostname later.test
P_LATER=$FIX_PORT
cat "$T/soon.test.crt" "$T/later.test.crt" > "$T/ca.pem"

mond_conf "$T/smtpmon.conf" <<EOF
Monitor {
    NoopInterval 1
    ReprobeInterval 1
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_SOON
    Secure Yes
    TlsServerName soon.test
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_LATER
    Secure Yes
    TlsServerName later.test
}
CAFile $T/ca.pem
AgentXSocket $AGENTX_SOCK
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until 300 '[ "$(rows_where ".state == \"up\"")" = 2 ]'
idx_soon=$(ctl status --json | jq -r ".[] | select(.target == \"127.0.0.1:$P_SOON\") | .index")
idx_later=$(ctl status --json | jq -r ".[] | select(.target == \"127.0.0.1:$P_LATER\") | .index")

wait_until 300 '[ -n "$(trap_lines "$idx_soon")" ]'
line=$(trap_lines "$idx_soon" | head -1)
[ -n "$line" ]; ok $? "smtpmonCertExpiring ($N_CERT) arrived at snmptrapd for the 10-day certificate"
like "$(tvar "$line" "$TE.16.$idx_soon")" '^INTEGER: (9|10)$' "certDaysLeft varbind is 9 or 10 ($(tvar "$line" "$TE.16.$idx_soon"))"
like "$(tvar "$line" "$TE.15.$idx_soon")" '^Hex-STRING: ([0-9A-F]{2} ){10}[0-9A-F]{2}' "certNotAfter varbind is an 11-octet DateAndTime"
is "$(tvar "$line" "$TE.4.$idx_soon")" "Gauge32: $P_SOON" "port varbind"
is "$(tvar "$line" "$TE.3.$idx_soon")" 'Hex-STRING: 7F 00 00 01 ' "address varbind (127.0.0.1)"
grep -q "SMD1825W certificate expiring: target=127.0.0.1:$P_SOON days_left=" "$MOND_LOG"; ok $? "SMD1825W in the log"

# several reprobes later: still one notification for this certificate
wait_until 300 '[ "$(ctl status --json | jq ".[] | select(.index == $idx_soon) | .counters.reprobes")" -ge 3 ]'
n=$(ctl status --json | jq ".[] | select(.index == $idx_soon) | .counters.reprobes")
[ "$n" -ge 3 ]; ok $? "the target was reclassified $n times"
is "$(trap_lines "$idx_soon" | wc -l)" 1 "one notification per certificate, not one per classification"
[[ "$idx_later" =~ ^[0-9]+$ ]]; ok $? "the 400-day target has a row index ($idx_later)"
# a notification of our own after the reprobes: anything snmpd sent before is logged by then
trap_mark "snmp-cert: reprobes done" >/dev/null || bail "snmptrapd did not log the marker"
is "$(grep -F "$N_CERT" "$TRAP_LOG" | grep -cF "$TE.15.$idx_later = ")" 0 "no notification for the 400-day certificate"
ctl_all_ok "every smtpmonctl run exits 0"
mond_stop_ok "smtpmond stops cleanly with the subagent running"
