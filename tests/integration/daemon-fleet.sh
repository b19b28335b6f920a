#!/bin/bash
# 50 targets of mixed behaviour on 127.0.x.y addresses: ESMTP+STARTTLS
# (Secure Yes), plain ESMTP, SMTP-only, a slow trickling banner, and one
# single target that is killed and restarted. Checks: every target is
# classified; the killed one is reported unavailable within one NoopInterval
# (by smtpmond's own figures) with its reason, and available again after the
# restart on the same port; a target that stalls on NOOP does not delay the
# NOOPs of the others. Every smtpmonctl run and both daemon stops exit 0.
# Waits are for events, bounded at 30 s; no wall-clock thresholds.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
plan 21

gen_cert fleet.test
addrs() { local base=$1 n=$2 i; for i in $(seq 1 "$n"); do echo "127.0.$base.$i:0"; done; }

fix_at tls $(addrs 11 13) -- --cert "$T/fleet.test.crt" --key "$T/fleet.test.key" --hostname fleet.test
A_TLS=$FIX_ADDRS
fix_at plain $(addrs 12 13) -- --caps "PIPELINING,SIZE 1000"
A_PLAIN=$FIX_ADDRS
fix_at old $(addrs 13 12) -- --ehlo-reply "502 5.5.2 Error: command not recognized"
A_OLD=$FIX_ADDRS
fix_at slow $(addrs 14 11) -- --banner-delay 300 --trickle 2
A_SLOW=$FIX_ADDRS
fix_at victim 127.0.15.1:0 --
A_VICTIM=$FIX_ADDRS VICTIM_PID=$FIX_PID
is "$(printf '%s\n' $A_TLS $A_PLAIN $A_OLD $A_SLOW $A_VICTIM | sort -u | wc -l)" 50 "50 distinct fixture targets listening"

block() {  # ADDR:PORT SECURE
    local a=${1%:*} p=${1##*:}
    printf 'TargetServer {\n    TargetIP %s\n    ConnectPort %s\n    Secure %s\n    TlsServerName fleet.test\n}\n' "$a" "$p" "$2"
}
{
    echo "Timeout {"; echo "    InitialMsg 5"; echo "    AnyCmd 3"; echo "    ConnectRetry 1"; echo "    Connect 2"; echo "}"
    echo "Monitor {"; echo "    NoopInterval 1"; echo "    ReprobeInterval 0"; echo "}"
    echo "CAFile $T/fleet.test.crt"
    for a in $A_TLS; do block "$a" Yes; done
    for a in $A_PLAIN $A_OLD $A_SLOW $A_VICTIM; do block "$a" No; done
} | mond_conf "$T/fleet.conf"

mond_start "$T/fleet.conf" || bail "smtpmond did not start"
up() { rows_where '.state == "up"'; }
wait_until 300 '[ "$(up)" = 50 ]'
is "$(rows_where '.state == "up"')" 50 "all 50 targets up"
is "$(rows_where '.security_method == "TLS" and .tls_version == "TLSv1.3"')" 13 "13 TLS 1.3 targets"
is "$(rows_where '.server_type == "SMTP"')" 12 "12 SMTP-only targets"
is "$(rows_where '.server_type == "ESMTP" and .security_method == "basic"')" 25 "25 plain ESMTP targets (incl. slow and victim)"

# ---- kill one target: unavailable within one NoopInterval (1 s) ----
victim=$(echo $A_VICTIM)
sel_v() { ctl status --json | jq -r ".[] | select(.target == \"$victim\") | $1"; }
closes0=$(sel_v .server_closes)
kill -KILL "$VICTIM_PID"; wait "$VICTIM_PID" 2>/dev/null
wait_until 300 '[ "$(sel_v .state)" = down ]'
is "$(sel_v .state)" down "killed target reported down"
# when, by smtpmond's figures (not the test's clock): the kill closed the
# monitor connection (one more server close), noticed idle_s after the last
# reply; within one NoopInterval of the kill means idle_s < 2 x NoopInterval
# (a close seen only at an AnyCmd timeout would be idle 1 + 3 s)
idle=$(sel_v '.last_server_close.idle_s') ival=$(sel_v .noop_interval_s)
is "$(sel_v .server_closes),$(awk -v i="$idle" -v n="$ival" 'BEGIN { print (i != "null" && i + 0 < 2 * n) ? "early" : "late" }')" \
    "$((closes0 + 1)),early" "reported within one NoopInterval (close noticed ${idle} s after the last reply, NoopInterval ${ival} s)"
like "$(sel_v '.last_failure.reason // empty')" "." "the failure reason is recorded ($(sel_v '.last_failure.reason'))"
grep -q "SMD1818E target unavailable: target=$victim" "$MOND_LOG"; ok $? "SMD1818E logged for the killed target"
is "$(rows_where '.state == "up"')" 49 "the 49 others stay up"

# ---- restart it on the same address and port ----
fix_at victim2 "$victim" --
wait_until 300 '[ "$(sel_v .state)" = up ]'
is "$(sel_v .state)" up "restarted target available again"
is "$(grep -c "SMD1817I target available: target=$victim" "$MOND_LOG")" 2 "SMD1817I logged again (at start and after the restart)"
ctl_all_ok "fleet: every smtpmonctl run exits 0"
mond_stop_ok "fleet: smtpmond stops cleanly"

# ---- a target that stalls on NOOP, and one that floods, do not delay the others ----
# AnyCmd 60 s: the stalled one times out long after the others' NOOPs are due
fix_at stall 127.0.16.1:0 -- --stall noop
A_STALL=$FIX_ADDRS
# a flooding server: after EHLO it sends 250- continuation lines without end
perl -MIO::Socket::INET -e '
    my $l = IO::Socket::INET->new(LocalAddr => "127.0.16.2", LocalPort => 0, Listen => 16, ReuseAddr => 1) or die;
    open(my $r, ">", "$ARGV[0].tmp"); print $r $l->sockport, "\n"; close $r; rename("$ARGV[0].tmp", $ARGV[0]);
    $SIG{CHLD} = "IGNORE"; $SIG{PIPE} = "IGNORE";
    while (my $c = $l->accept) {
        next if fork;
        $c->autoflush(1); print $c "220 flood ESMTP\r\n"; my $x = <$c>;
        my $line = "250-" . ("X" x 400) . "\r\n"; 1 while print $c $line;
        exit 0;
    }' "$T/flood.port" &
track $!
wait_until 300 '[ -s "$T/flood.port" ]'
A_FLOOD=127.0.16.2:$(cat "$T/flood.port")
{
    echo "Timeout {"; echo "    InitialMsg 5"; echo "    AnyCmd 60"; echo "    ConnectRetry 1"; echo "}"
    echo "Monitor {"; echo "    NoopInterval 1"; echo "    ReprobeInterval 0"; echo "}"
    for a in $A_STALL $A_FLOOD $A_PLAIN; do block "$a" No; done
} | mond_conf "$T/stall.conf"
rm -f "$T/smtpmond.pid"
mond_start "$T/stall.conf" || bail "smtpmond did not start (stall)"
wait_until 300 '[ "$(up)" = 13 ]'
is "$(rows_where '.state == "up"')" 13 "the 13 healthy targets are up while one stalls"
noops_min() { ctl status --json | jq '[.[] | select(.state == "up") | .counters.noops] | min'; }
before=$(noops_min)
# the order, not the time: every healthy target gets three more NOOPs while
# the stalled one still waits for its reply (AnyCmd 60 s)
wait_until 300 '[ $(($(noops_min) - before)) -ge 3 ]'
after=$(noops_min)
[ $((after - before)) -ge 3 ]; ok $? "every healthy target got >= 3 more NOOPs while one stalls and one floods (min went $before -> $after)"
is "$(ctl status --json | jq -r ".[] | select(.target == \"$(echo $A_STALL)\") | .state")" starting \
    "the stalled target is still waiting for its NOOP reply (AnyCmd 60 s)"
flood_reason() { ctl status --json | jq -r ".[] | select(.target == \"$A_FLOOD\") | .last_failure.reason // empty"; }
wait_until 300 '[ -n "$(flood_reason)" ]'
like "$(flood_reason)" "." "the flooding target is cut off with a reason ($(flood_reason))"
# smtpmond's own figure, against its own clock: each NOOP answered before the next is due
maxrtt=$(ctl status --json | jq '[.[] | select(.state == "up") | .noop_rtt_us] | max')
[ "$maxrtt" -lt 1000000 ]; ok $? "healthy NOOP round trips stay below the NoopInterval (max ${maxrtt} us < 1 s)"
ctl_all_ok "stall and flood: every smtpmonctl run exits 0"
mond_stop_ok "stall and flood: smtpmond stops cleanly"
