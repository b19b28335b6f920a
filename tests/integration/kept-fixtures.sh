#!/bin/bash
# Kept monitor connections against servers that behave like Exim, sendmail
# and Exchange defend themselves (tests/fixture/smtpfix modes), three
# smtpmond at once for KEPT_SECONDS (75 s):
#   soak     NoopInterval 1 s, the default NoopBudget (8), against the field
#            defaults with time compressed 60 times (an hour and a quarter of
#            NoopInterval 60): Exim smtp_accept_max_nonmail 10 (554, and the
#            older 421) with smtp_receive_timeout 5 min -> 5 s, sendmail
#            MaxNOOPCommands 20, Postfix's junk/soft/hard limits 100/10/20
#            with smtpd_timeout 300 s -> 5 s, Exchange's 5 min idle drop -> 5 s.
#            Nothing may be met: no server close, no throttle.
#   learn1   NoopInterval 1 s, NoopBudget 0 (no budget), and
#   learn10  NoopInterval 10 s, NoopBudget 0, against small limits: every
#            limit is met once (a silent idle close twice: once it could be
#            a restart), learned, and not met again.
# Every poll must see every target up, no SMD1818E anywhere, no
# smtpmonTargetDown at a real snmptrapd (learn10 is an AgentX subagent of a
# real snmpd), and the fixtures' own logs must agree on how often a limit was
# met. Then a server killed for good is reported down within ConnectRetry +
# 5 s, and its smtpmonTargetDown arrives.
. "$srcdir/tests/lib/tap.sh"
for tool in jq snmpd snmptrapd ss; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/kept.sh"
. "$srcdir/tests/lib/snmp.sh"
plan 52
N_TDOWN=.1.3.6.1.3.5321.0.1               # smtpmonTargetDown (agent/output/snmp_mib.h)

RUN=${KEPT_SECONDS:-75}
RETRY=2

# ---- the field defaults (soak) ----
fix_at exim 127.0.31.1:0 -- --hostname exim.test --max-nonmail 10 --idle-timeout 5000 \
    --idle-reply "421 exim.test SMTP incoming data timeout - closing connection."
F_EXIM=$FIX_ADDRS
fix_at eximold 127.0.31.2:0 -- --hostname eximold.test --max-nonmail 10 \
    --nonmail-reply "421 eximold.test too many nonmail commands"
F_EXIMOLD=$FIX_ADDRS
fix_at sendmail 127.0.31.3:0 -- --hostname sendmail.test --noop-throttle 20
F_SENDMAIL=$FIX_ADDRS
fix_at postfix 127.0.31.4:0 -- --hostname postfix.test --noop-error-limit 10:20:100 --idle-timeout 5000
F_POSTFIX=$FIX_ADDRS
fix_at exchange 127.0.31.5:0 -- --hostname exchange.test --idle-timeout 5000 --idle-reply ""
F_EXCHANGE=$FIX_ADDRS
FIELD="$F_EXIM $F_EXIMOLD $F_SENDMAIL $F_POSTFIX $F_EXCHANGE"

# ---- small limits (learn1, learn10) ----
fix_at sexim 127.0.32.1:0 -- --hostname sexim.test --max-nonmail 4
S_EXIM=$FIX_ADDRS SEXIM_PID=$FIX_PID
fix_at seximold 127.0.32.2:0 -- --hostname seximold.test --max-nonmail 4 \
    --nonmail-reply "421 seximold.test too many nonmail commands"
S_EXIMOLD=$FIX_ADDRS
fix_at ssendmail 127.0.32.3:0 -- --hostname ssendmail.test --noop-throttle 3
S_SENDMAIL=$FIX_ADDRS
fix_at sidle 127.0.32.4:0 -- --hostname sidle.test --idle-timeout 3000 \
    --idle-reply "421 sidle.test SMTP incoming data timeout - closing connection."
S_IDLE=$FIX_ADDRS
fix_at sdrop 127.0.32.5:0 -- --hostname sdrop.test --idle-timeout 3000 --idle-reply ""
S_DROP=$FIX_ADDRS
fix_at sreset 127.0.32.6:0 -- --hostname sreset.test --idle-reset 3000
S_RESET=$FIX_ADDRS
SMALL="$S_EXIM $S_EXIMOLD $S_SENDMAIL $S_IDLE $S_DROP $S_RESET"

blocks() {
    local a
    for a in "$@"; do
        printf 'TargetServer {\n    TargetIP %s\n    ConnectPort %s\n}\n' "${a%:*}" "${a##*:}"
    done
}
# shellcheck disable=SC2086
blocks $FIELD | kept_conf soak 1 "" "$RETRY"
# shellcheck disable=SC2086
blocks $SMALL | kept_conf learn1 1 0 "$RETRY"
snmptrapd_start
snmpd_start
# shellcheck disable=SC2086
{ blocks $SMALL; echo "AgentXSocket $AGENTX_SOCK"; } | kept_conf learn10 10 0 "$RETRY"
for d in soak learn1 learn10; do
    kept_start "$d" || bail "smtpmond ($d) did not start"
done
for d in soak learn1 learn10; do
    wait_until 100 "[ \"\$(kctl $d status --json | jq '[.[] | select(.state == \"up\")] | length')\" -ge 5 ]"
    ok $? "$d: targets up"
done

kept_watch "$RUN" soak learn1 learn10
grep -q 'SMD1842I snmp: .* AgentX subagent connected' "$T/learn10.log"; ok $? "learn10: AgentX subagent of snmpd"
is "$(trap_count "$N_TDOWN")" 0 "no smtpmonTargetDown reached snmptrapd in ${RUN} s"

for d in soak learn1 learn10; do
    kept_polls_all_up "$d"; ok $? "$d: every target up at every one of $(wc -l <"$T/$d.polls") polls"
    is "$(grep -c SMD1818E "$T/$d.log")" 0 "$d: no target-unavailable event (SMD1818E)"
    is "$(jq '[.[] | .counters.connect_failures] | add' "$T/$d.json")" 0 "$d: no fresh connection failed"
done

# ---- soak: under every limit ----
is "$(jq '[.[] | .server_closes + .throttles] | add' "$T/soak.json")" 0 "soak: no server close, no throttle in ${RUN} NOOP intervals"
is "$(jq '[.[] | select(.recycles >= 3)] | length' "$T/soak.json")" 5 "soak: every target recycled (budget 8) at least 3 times"
is "$(jq '[.[] | .noop_budget] | unique | join(",")' "$T/soak.json")" '"8"' "soak: budget 8 in force everywhere"
for f in exim eximold sendmail postfix exchange; do
    n=$(grep -cE ' (idle-close|idle-reset|nonmail-limit|throttle|error-sleep|too-many-errors) ' "$T/$f.log")
    is "$n" 0 "soak: the $f fixture logged no limit met"
done
max=$(awk '$1 == "conn" && $3 == "recv" && $4 == "NOOP" { n[$2]++ } END { m = 0; for (k in n) if (n[k] > m) m = n[k]; print m }' "$T/exim.log")
c=$(grep -c ' accept ' "$T/exim.log")
is "$max" 8 "soak: at most 8 NOOPs on any connection, as the Exim fixture counted them ($c connections)"

# ---- learning ----
for d in learn1 learn10; do
    is "$(jq --arg a "$S_DROP" --arg b "$S_RESET" '[.[] | select(.target != $a and .target != $b and .server_closes + .throttles > 1)] | length' "$T/$d.json")" 0 "$d: no limit that says what it is met twice"
    is "$(kept_sel "$d" "$S_EXIM" '"\(.server_closes) \(.last_server_close.kind) \(.noop_budget) \(.learned_noop_budget)"')" \
        "1 command 4 4" "$d/exim: 554 to the fifth NOOP once; budget 4 learned"
    like "$(kept_sel "$d" "$S_EXIM" .last_server_close.reply)" "^554 Too many nonmail commands" "$d/exim: with its reply"
    is "$(kept_sel "$d" "$S_EXIMOLD" '"\(.server_closes) \(.last_server_close.kind) \(.noop_budget)"')" "1 command 4" \
        "$d/exim (older, 421): once; budget 4"
    is "$(kept_sel "$d" "$S_SENDMAIL" '"\(.throttles) \(.server_closes) \(.noop_budget)"')" "1 0 3" \
        "$d/sendmail: one throttled reply; budget 3"
done
# a 421 that speaks of a timeout is believed at once; a silent close or a
# reset (or a restart, a fail-over) only when a second one agrees.
# A race the test cannot rule out: the first NOOP lands at a random point of
# the 10 s interval; when it leaves within a few ms of the fixture's 3 s idle
# close, the close is met in state NOOP and read as a command limit
# (SMD1826I kind=command; these fixtures have none). That close teaches
# nothing about idleness, so one more idle close follows: counted here, and
# in the total below, as what it is (seen once in an ASan run of CI).
raced_all=0
for a in "$S_IDLE idle-421 1" "$S_DROP idle-drop 2" "$S_RESET idle-reset 2"; do
    set -- $a
    raced=$(grep -c "SMD1826I server closed the monitor connection: target=$1 kind=command " "$T/learn10.log")
    raced_all=$((raced_all + raced))
    [ "$raced" -eq 0 ] || echo "# learn10/$2: $raced close(s) met in state NOOP (the race above)"
    is "$(kept_sel learn1 "$1" .server_closes)" 0 "learn1/$2: a NOOP a second never meets a 3 s idle limit"
    is "$(kept_sel learn10 "$1" '"\(.server_closes) \(.last_server_close.kind)"')" "$(($3 + raced)) idle" \
        "learn10/$2: idle limit met $3 time(s), plus $raced raced"
    li=$(kept_sel learn10 "$1" .learned_idle_s)
    awk -v v="$li" 'BEGIN { exit !(v >= 2.9 && v <= 3.6) }'; ok $? "learn10/$2: idle limit learned as $li s (3 s)"
done
is "$(kept_sel learn10 "$S_DROP" .last_server_close.reply)" null "learn10/idle-drop: closed without a word"
is "$(kept_sel learn10 "$S_RESET" .last_server_close.reply)" null "learn10/idle-reset: reset without a word"
is "$(grep -c ' nonmail-limit ' "$T/sexim.log")" 2 "the Exim fixture met its limit twice in all (once per smtpmond)"
is "$(grep -c ' throttle ' "$T/ssendmail.log")" 2 "the sendmail fixture throttled twice in all (once per smtpmond)"
is "$(grep -cE ' idle-(close|reset) ' "$T/sidle.log" "$T/sdrop.log" "$T/sreset.log" | awk -F: '{ s += $2 } END { print s }')" $((5 + raced_all)) \
    "the idle fixtures closed 5 times in all (learn10: 421 once, silent ones twice), plus $raced_all raced"
grep -q "SMD1829I server limits learned: target=$S_IDLE idle_limit=3\.[0-9]s noop_interval=2\.[0-9]s" "$T/learn10.log"
ok $? "learn10: the lesson logged (SMD1829I)"

# ---- a real outage ----
t0=$(date +%s%N)
kill -KILL "$SEXIM_PID"; wait "$SEXIM_PID" 2>/dev/null
down() { [ "$(kctl "$1" status --json | jq -r ".[] | select(.target == \"$S_EXIM\") | .state")" = down ]; }
for d in learn1 learn10; do
    for i in $(seq 1 $(( (RETRY + 5) * 10 ))); do down "$d" && break; sleep 0.1; done
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    down "$d"; ok $? "$d: killed server reported down in ${ms} ms (limit $(( (RETRY + 5) * 1000 )) ms)"
done
v=$(wait_trap "$N_TDOWN" 50); like "$v" "${S_EXIM##*:}" "smtpmonTargetDown for the killed server at snmptrapd (port ${S_EXIM##*:})"
rc=0
for d in soak learn1 learn10; do kept_stop "$d"; [ "$KEPT_RC" -eq 0 ] || rc=$KEPT_RC; done
is "$rc" 0 "every smtpmond exits 0 on SIGTERM"
