#!/bin/bash
# Kept monitor connections against real Postfix instances that defend
# themselves, for 60 s, by two smtpmond at once: "fast" (NoopInterval 1 s,
# the default NoopBudget 8) and "slow" (NoopInterval 10 s, NoopBudget 0, so
# every limit of the server is met once). All over STARTTLS (Secure Yes).
#   pfidle  smtpd_timeout = 3s: "421 4.4.2 ... Error: timeout exceeded" after
#           3 s idle (Postfix's stress-mode default is 10 s)
#   pfjunk  smtpd_junk_command_limit 2, soft error limit 1, hard 3, error
#           sleep 1 s: the third NOOP's reply is delayed 1 s
#   pfhard  junk limit 1, soft 10, hard 2: the second NOOP is answered 250,
#           then at once "421 4.7.0 ... Error: too many errors"
# Met on the way: Postfix counts EHLO and HELO as junk commands too (the
# SMTPD_CMD_FLAG_LIMIT of its command table), so over STARTTLS (two EHLOs)
# a session reaches those limits one NOOP earlier than in plaintext, and
# every fresh connection costs two of smtpd_junk_command_limit's 100.
# Checks: every poll sees every target up, no SMD1818E (smtpmonTargetDown
# goes out only where SMD1818E is logged), each limit met at most once per
# daemon and then learned (the budget, the idle limit), the server's own log
# agrees; smtpd killed under the connection (a restart) teaches nothing;
# then a stopped Postfix is reported down within ConnectRetry + 5 s.
. "$srcdir/tests/lib/tap.sh"
for tool in postfix postconf ss jq openssl; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (postfix)"; exit 0; }
. "$srcdir/tests/lib/postfix.sh"
. "$srcdir/tests/lib/kept.sh"
plan 44

RUN=${KEPT_SECONDS:-60}
RETRY=2
P_IDLE=$(free_port) P_JUNK=$(free_port) P_HARD=$(free_port)
postfix_start pfidle.test "$P_IDLE"
postfix_set pfidle.test smtpd_timeout=3s
postfix_start pfjunk.test "$P_JUNK"
postfix_set pfjunk.test smtpd_junk_command_limit=2 smtpd_soft_error_limit=1 \
    smtpd_hard_error_limit=3 smtpd_error_sleep_time=1s
postfix_start pfhard.test "$P_HARD"
postfix_set pfhard.test smtpd_junk_command_limit=1 smtpd_soft_error_limit=10 \
    smtpd_hard_error_limit=2
cat "$T/pfidle.test.crt" "$T/pfjunk.test.crt" "$T/pfhard.test.crt" >"$T/ca.pem"
IDLE=127.0.0.1:$P_IDLE JUNK=127.0.0.1:$P_JUNK HARD=127.0.0.1:$P_HARD

targets() {
    echo "CAFile $T/ca.pem"
    local n p
    for n in "pfidle.test $P_IDLE" "pfjunk.test $P_JUNK" "pfhard.test $P_HARD"; do
        set -- $n
        printf 'TargetServer {\n    TargetIP 127.0.0.1\n    ConnectPort %s\n    Secure Yes\n    TlsServerName %s\n}\n' "$2" "$1"
    done
}
targets | kept_conf fast 1 "" "$RETRY"
targets | kept_conf slow 10 0 "$RETRY"
kept_start fast || bail "smtpmond (fast) did not start"
kept_start slow || bail "smtpmond (slow) did not start"
for d in fast slow; do
    wait_until() { local i; for i in $(seq 1 "$1"); do eval "$2" && return 0; sleep 0.1; done; return 1; }
    wait_until 100 "[ \"\$(kctl $d status --json | jq '[.[] | select(.state == \"up\" and .security_method == \"TLS\")] | length')\" = 3 ]"
    ok $? "$d: the three Postfix targets up over TLS"
done

kept_watch "$RUN" fast slow

for d in fast slow; do
    kept_polls_all_up "$d"; ok $? "$d: every target up at every one of $(wc -l <"$T/$d.polls") polls in ${RUN} s"
    n=$(grep -c 'SMD1818E' "$T/$d.log"); is "$n" 0 "$d: no target-unavailable event (SMD1818E)"
    is "$(jq '[.[] | .counters.connect_failures] | add' "$T/$d.json")" 0 "$d: no fresh connection failed"
done

# ---- pfidle ----
is "$(kept_sel fast "$IDLE" .server_closes)" 0 "fast/pfidle: a NOOP a second never meets the 3 s idle limit"
like "$(kept_sel fast "$IDLE" .recycles)" '^[1-9][0-9]*$' "fast/pfidle: recycled under the budget of 8 NOOPs ($(kept_sel fast "$IDLE" .recycles) times)"
is "$(kept_sel slow "$IDLE" .server_closes)" 1 "slow/pfidle: the idle limit met once"
is "$(kept_sel slow "$IDLE" .last_server_close.kind)" idle "slow/pfidle: read as an idle close"
like "$(kept_sel slow "$IDLE" .last_server_close.reply)" '^421 4\.4\.2 pfidle\.test Error: timeout exceeded' \
    "slow/pfidle: with Postfix's reply"
li=$(kept_sel slow "$IDLE" .learned_idle_s)
awk -v v="$li" 'BEGIN { exit !(v >= 2.9 && v <= 3.6) }'; ok $? "slow/pfidle: idle limit learned as ${li} s (Postfix: 3 s)"
ni=$(kept_sel slow "$IDLE" .noop_interval_s)
awk -v v="$ni" 'BEGIN { exit !(v >= 2.0 && v <= 2.9) }'; ok $? "slow/pfidle: NOOP every ${ni} s from then on (80 % of the limit)"

# ---- pfjunk: the error sleep is read as a throttle ----
for d in fast slow; do
    is "$(kept_sel "$d" "$JUNK" '"\(.throttles) \(.server_closes)"')" "1 0" "$d/pfjunk: one throttled reply, no server close"
    is "$(kept_sel "$d" "$JUNK" .noop_budget)" 2 "$d/pfjunk: budget learned: 2 NOOPs a connection"
done
like "$(kept_sel fast "$JUNK" .noop_rtt_us)" '^[0-9]{1,5}$' "fast/pfjunk: the throttled 1 s is not taken as the round trip ($(kept_sel fast "$JUNK" .noop_rtt_us) us)"

# ---- pfhard ----
for d in fast slow; do
    is "$(kept_sel "$d" "$HARD" '"\(.server_closes) \(.last_server_close.kind)"')" "1 command" \
        "$d/pfhard: the hard error limit met once, read as a command limit"
    is "$(kept_sel "$d" "$HARD" .noop_budget)" 1 "$d/pfhard: budget learned: 1 NOOP a connection (the classification's)"
done
like "$(kept_sel slow "$HARD" .last_server_close.reply)" '^421 4\.7\.0 pfhard\.test Error: too many errors' \
    "slow/pfhard: with Postfix's reply"

# ---- what Postfix itself logged ----
is "$(grep -c 'timeout after' "$(postfix_dir pfidle.test)/maillog")" 1 "pfidle maillog: one 'timeout after' (slow's first connection)"
is "$(grep -c 'too many errors after' "$(postfix_dir pfhard.test)/maillog")" 2 "pfhard maillog: one 'too many errors' per smtpmond"
is "$(grep -c 'too many errors after' "$(postfix_dir pfjunk.test)/maillog")" 0 "pfjunk maillog: the hard limit never reached"
grep -q 'SMD1826I server closed the monitor connection: target='"$HARD"' kind=command reply="421 4.7.0' "$T/slow.log"
ok $? "slow: the server close logged at info (SMD1826I) with its reply"
grep -q 'SMD1827I NOOP reply throttled: target='"$JUNK" "$T/fast.log"; ok $? "fast: the throttle logged (SMD1827I)"
like "$(kctl slow status)" "kept: server closes 1, recycles [0-9]+, throttles 0; last close \(idle\) after 3\.[0-9] s idle" \
    "smtpmonctl status shows server closes and recycles"

# ---- smtpd killed under the monitor connection (a restart, a crash): the
# master answers the fresh connection at once; nothing may be learned ----
# (pfidle: slow's connection there is never recycled, so the kill meets it
# established; fast's lives 8 s and is replaced in a few ms)
before_f=$(kept_sel fast "$IDLE" '"\(.noop_budget) \(.learned_idle_s)"')
before_s=$(kept_sel slow "$IDLE" '"\(.noop_budget) \(.learned_idle_s)"')
closes_s=$(kept_sel slow "$IDLE" .server_closes)
# only the smtpd processes that hold a connection: Postfix's master throttles
# a service for 60 s (service_throttle_time) when a process dies that never
# served a request ("bad command startup -- throttling"), and the listener
# then gives no greeting: a real outage, not the crash under test
pids=$(ss -Htnp state established "( sport = :$P_IDLE )" | grep -oE 'pid=[0-9]+' | cut -d= -f2 | sort -u)
[ -n "$pids" ] || bail "no smtpd holds a connection on port $P_IDLE"
# shellcheck disable=SC2086 # one pid per word
kill -KILL $pids
: >"$T/fast.polls"; : >"$T/slow.polls"
kept_watch 6 fast slow
for d in fast slow; do
    kept_polls_all_up "$d"; ok $? "$d: smtpd killed: every target up at every poll"
done
is "$(kept_sel slow "$IDLE" .server_closes)" "$((closes_s + 1))" "slow: the kill is a server close"
is "$(kept_sel slow "$IDLE" '"\(.noop_budget) \(.learned_idle_s)"')" "$before_s" "slow: and teaches no limit (one close without a word)"
is "$(kept_sel fast "$IDLE" '"\(.noop_budget) \(.learned_idle_s)"')" "$before_f" "fast: nor here"
for d in fast slow; do
    is "$(grep -c SMD1818E "$T/$d.log")" 0 "$d: still no SMD1818E"
done
wait_for_log "$(postfix_dir pfidle.test)/maillog" 'smtpd pid [0-9]+ killed by signal 9' 100 &&
    ! grep -q 'throttling' "$(postfix_dir pfidle.test)/maillog"
ok $? "Postfix saw its serving smtpd killed and did not throttle the service"

# ---- a real outage: Postfix stopped (the smtpd processes from the kill
# above are new, the master the same) ----
postfix_stop pfidle.test
t0=$(date +%s%N)   # from the moment Postfix is gone
down() { [ "$(kctl "$1" status --json | jq -r ".[] | select(.target == \"$IDLE\") | .state")" = down ]; }
for d in fast slow; do
    # a generous bound (the next NOOP or connect fails within NoopInterval +
    # ConnectRetry); the time taken is printed, not judged
    for i in $(seq 1 300); do down "$d" && break; sleep 0.1; done
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    down "$d"; ok $? "$d: stopped Postfix reported down (after ${ms} ms)"
    grep -q "SMD1818E target unavailable: target=$IDLE" "$T/$d.log"; ok $? "$d: SMD1818E for it"
done
rc=0
for d in fast slow; do kept_stop "$d"; [ "$KEPT_RC" -eq 0 ] || rc=$KEPT_RC; done
is "$rc" 0 "both smtpmond exit 0 on SIGTERM"
