#!/bin/bash
# Server text that attacks its readers (issue 14, items 3 and 4): a greeting
# with perfdata after '|', terminal escapes (ESC, BEL), 8-bit octets, a bare
# CR, and a multi-line reply whose second line forges a log record. Checked
# where people read it: the monitoring-plugin line of `smtpmonctl check`,
# smtpmond's log (one record per event, printable), `smtpmonctl status`
# (printable), smtpmonTargetLastReply through a real snmpd (a DisplayString:
# printable ASCII, line breaks as CR LF); `status --json` keeps the exact
# text, JSON-escaped.
. "$srcdir/tests/lib/tap.sh"
for tool in jq snmpd snmpwalk; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/snmp.sh"
plan 18
export MIBS=

ESC=$'\x1b' BEL=$'\x07' CR=$'\r'
# smtpfix sends "\n" (backslash n) as a line break, everything else as given
PIPE_BANNER="554-denied | fake=1;;;;\\n554 ${ESC}[2J${ESC}]0;owned${BEL} caf"$'\xc3\xa9'
FORGE_BANNER="421-go away${CR}smtpmond: error: SMD1850W TLS downgrade: event=forged\\n421 smtpmond: error: SMD1850W TLS downgrade: event=forged2"
fix_at pipe 127.0.41.1:0 -- --banner "$PIPE_BANNER"
A_PIPE=$FIX_ADDRS
fix_at forge 127.0.41.2:0 -- --banner "$FORGE_BANNER"
A_FORGE=$FIX_ADDRS

# ---- the plugin line ----
"$SMTPMONCTL" check "$A_PIPE" >"$T/check.out" 2>&1
is "$?" 2 "check: a 554 greeting is CRITICAL"
first=$(head -n 1 "$T/check.out")
is "$(tr -cd '|' <<<"$first" | wc -c)" 1 "check: one '|' on the status line, the one before the perfdata"
like "$first" '^SMTP CRITICAL - greeting refused: 554-denied ! fake=1;;;; \| connect=' \
    "check: the server's '|' shown as '!' on the status line"
like "$(grep '^server reply:' "$T/check.out")" '^server reply: 554-denied ! fake=1;;;; 554 \?\[2J\?\]0;owned\? caf\?\?$' \
    "check: the whole reply on one line, escapes and 8-bit octets as '?'"
grep -q '| fake=1' "$T/check.out"; is "$?" 1 "check: no line of the output carries the injected perfdata"
LC_ALL=C grep -q "[$ESC$BEL]" "$T/check.out"; is "$?" 1 "check: no ESC or BEL reaches the terminal"

# ---- smtpmond's log and status ----
snmpd_start
{
    printf 'Timeout {\n    ConnectRetry 60\n    InitialMsg 5\n    AnyCmd 5\n}\n'
    for a in $A_PIPE $A_FORGE; do
        printf 'TargetServer {\n    TargetIP %s\n    ConnectPort %s\n}\n' "${a%:*}" "${a##*:}"
    done
    echo "AgentXSocket $AGENTX_SOCK"
} | mond_conf "$T/h.conf"
mond_start "$T/h.conf" || bail "smtpmond did not start"
wait_until 100 '[ "$(rows_where ".state == \"down\"")" = 2 ]'
is "$(rows_where '.state == "down"')" 2 "both hostile servers are down"
is "$(grep -c 'SMD1818E' "$MOND_LOG")" 2 "two SMD1818E records"
is "$(grep -c 'SMD1850W' "$MOND_LOG")" 1 "the forged SMD1850W text stands inside one SMD1818E record"
is "$(grep -c '^smtpmond: error: SMD1850W' "$MOND_LOG"; grep -c '^421 smtpmond' "$MOND_LOG")" "0
0" "no line of the log starts as a forged record"
LC_ALL=C grep -q "[$ESC$BEL$CR]" "$MOND_LOG"; is "$?" 1 "no ESC, BEL or CR in the log"
ctl status >"$T/status.out"
LC_ALL=C grep -q "[$ESC$BEL$CR]" "$T/status.out"; is "$?" 1 "smtpmonctl status: no ESC, BEL or CR"
like "$(grep "server said: 421-go away" "$T/status.out")" \
    'server said: 421-go away smtpmond: error: SMD1850W TLS downgrade: event=forged 421 smtpmond' \
    "smtpmonctl status: the forged reply on the row's own line"
is "$(ctl status --json | jq -r ".[] | select(.target == \"$A_PIPE\") | .last_reply")" \
    "$(printf '554-denied | fake=1;;;;\n554 %s[2J%s]0;owned%s caf\xc3\xa9' "$ESC" "$ESC" "$BEL")" \
    "status --json keeps the exact reply (escaped as JSON)"

# smtpmonTargetLastReply (column 33) of the pipe target, as snmpd serves it
idx=$(ctl status --json | jq -r ".[] | select(.target == \"$A_PIPE\") | .index")
wait_until 100 '[ -n "$(walk .1.3.6.1.3.5321.1.2.1.33 | rows_of .1.3.6.1.3.5321.1.2.1.33.$idx)" ]'
hex=$(walk .1.3.6.1.3.5321.1.2.1.33 | val_of ".1.3.6.1.3.5321.1.2.1.33.$idx" -)
bad=$(perl -e '$_ = pack("H*", $ARGV[0]); my $n = () = /[^\x20-\x7e\r\n]/g; print $n' "$hex")
is "$bad" 0 "smtpmonTargetLastReply over SNMP: printable ASCII and CR LF only"
is "$(unhex "$hex")" "$(printf '554-denied | fake=1;;;;\r\n554 ?[2J?]0;owned? caf??')" \
    "smtpmonTargetLastReply: the reply's two lines, escapes and 8-bit octets as '?'"
mond_stop_ok "smtpmond exits 0 on SIGTERM"
ctl_all_ok "every smtpmonctl run exited 0"
