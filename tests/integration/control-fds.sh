#!/bin/bash
# Descriptor exhaustion at the control socket (issue 14, item 1): smtpmond
# with RLIMIT_NOFILE 48 and 100 clients that connect and say nothing. Before
# the fix libevent's listener spun on accept() failing with EMFILE (100 % of
# a core, "[warn] Error from accept() call" millions of times). Now the
# listener rests 100 ms after such an error, says so once a minute
# (SMD0010W), and smtpmonctl works again as soon as the clients are gone.
. "$srcdir/tests/lib/tap.sh"
command -v prlimit >/dev/null || { echo "1..0 # SKIP prlimit (util-linux) not installed"; exit 0; }
. "$srcdir/tests/lib/daemon.sh"
plan 7

fix_at plain 127.0.42.1:0 --
A=$FIX_ADDRS
printf 'TargetServer {\n    TargetIP %s\n    ConnectPort %s\n}\n' "${A%:*}" "${A##*:}" | mond_conf "$T/f.conf"
mond_start "$T/f.conf" || bail "smtpmond did not start"
wait_until 50 '[ "$(rows_where ".state == \"up\"")" = 1 ]'
prlimit --nofile=48:48 --pid "$MOND_PID"
is "$(awk '/^Max open files/ { print $4 }' "/proc/$MOND_PID/limits")" 48 "smtpmond's RLIMIT_NOFILE is 48"

# 100 idle clients, held 4 s (each connect waits at most 1 s: the backlog fills)
perl -MIO::Socket::UNIX -e '
    my @s;
    for (1 .. 100) { my $c = IO::Socket::UNIX->new(Peer => $ARGV[0], Timeout => 1) or last; push @s, $c }
    open(my $f, ">", $ARGV[1]); print $f scalar(@s), "\n"; close $f;
    sleep 4;' "$SOCK" "$T/held" &
HOLD=$!
track "$HOLD"
wait_until 60 '[ -s "$T/held" ]'
ticks() { sed 's/.*) //' "/proc/$MOND_PID/stat" | awk '{ print $12 + $13 }'; }
t0=$(ticks); sleep 2; t1=$(ticks)
pct=$(( (t1 - t0) * 100 / $(getconf CLK_TCK) / 2 ))
like "$(cat "$T/held")" '^[0-9]+$' "$(cat "$T/held") clients connected and silent"
[ "$pct" -lt 30 ]; ok $? "smtpmond does not spin while no descriptor is left (${pct} % of a core over 2 s)"
wait "$HOLD"
wait_until 50 'ctl status >/dev/null'
ctl status >/dev/null; ok $? "smtpmonctl answered again once the clients were gone"
is "$(grep -c 'SMD0010W control socket: accept: Too many open files' "$MOND_LOG")" 1 \
    "SMD0010W said once, not once per failed accept"
sz=$(wc -c <"$MOND_LOG")
[ "$sz" -lt 20000 ]; ok $? "the log stays small ($sz bytes)"
mond_stop_ok "smtpmond exits 0 on SIGTERM"
