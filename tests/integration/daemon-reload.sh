#!/bin/bash
# Reload (SIGHUP and smtpmonctl reload): unchanged targets keep their
# connections (same local ports), new ones start, removed ones get QUIT; a
# policy change restarts only that target; a bad file is refused with its
# errors and the running configuration stays; SIGHUP reopens the appldata
# log (logrotate); -t reports errors as FILE:LINE: KEYWORD: ...; started as
# root with User nobody, the daemon runs as nobody.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
plan 34

for n in a b c d e; do
    start_fixture "$n"
    eval "P_$n=$FIX_PORT LOG_$n=$FIX_LOG"
done

conf() {  # the targets to configure, e.g. "a b c"; extra statements on stdin
    local extra n p
    extra=$(cat)
    {
        printf 'Timeout {\n    ConnectRetry 1\n    AnyCmd 5\n    InitialMsg 5\n}\n'
        printf 'Monitor {\n    NoopInterval 1\n    ReprobeInterval 0\n}\n'
        for n in $1; do
            eval "p=\$P_$n"
            printf 'TargetServer {\n    TargetIP 127.0.0.1\n    ConnectPort %s\n    Secure No\n%s}\n' \
                "$p" "$(grep "^$n " <<<"$extra" | cut -d' ' -f2-)"
        done
    } | mond_conf "$T/smtpmon.conf"
}
port_of() { eval "echo \$P_$1"; }
local_of() { ctl appldata --json | jq -r ".[] | select(.remote == \"127.0.0.1:$(port_of "$1")\" and .role == \"monitor\") | .local"; }
up() { rows_where '.state == "up"'; }

conf "a b c" </dev/null
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until 100 '[ "$(up)" = 3 ]'
is "$(up)" 3 "a, b, c up"
la=$(local_of a) lc=$(local_of c)
idx_a=$(ctl targets --json | jq ".[] | select(.target == \"127.0.0.1:$P_a\") | .index")

# ---- SIGHUP: b removed, d added, a and c unchanged ----
conf "c a d" </dev/null
kill -HUP "$MOND_PID"
wait_until 100 '[ "$(up)" = 3 ] && [ -n "$(local_of d)" ] && [ -z "$(local_of b)" ]'
is "$(ctl targets --json | jq -r '[.[].target] | sort | join(" ")')" \
    "$(printf '127.0.0.1:%s\n' "$P_a" "$P_c" "$P_d" | sort | tr '\n' ' ' | sed 's/ $//')" "after SIGHUP: a, c, d configured"
is "$(local_of a)" "$la" "a kept its connection (local $la)"
is "$(local_of c)" "$lc" "c kept its connection (local $lc)"
is "$(ctl targets --json | jq ".[] | select(.target == \"127.0.0.1:$P_a\") | .index")" "$idx_a" "a kept its row index"
is "$(grep -c ' accept ' "$LOG_a")" 1 "a's server saw no new connection"
wait_for_log "$LOG_b" 'recv QUIT'; ok $? "removed target b got QUIT"
[ -n "$(local_of d)" ]; ok $? "new target d connected"
grep -q "SMD0002I configuration reloaded: targets added=1 removed=1 kept=2" "$MOND_LOG"; ok $? "SMD0002I reload summary logged"

# ---- smtpmonctl reload with a bad file: refused, errors shown, nothing changes ----
cp "$T/smtpmon.conf" "$T/good.conf"
n=$(wc -l < "$T/good.conf")
printf 'TargetServer {\n    TargetIP 999.1.1.1\n    ConnectPort 70000\n}\nBogusKeyword 1\n' >> "$T/smtpmon.conf"
out=$(ctl reload 2>&1); rc=$?
is "$rc" 1 "smtpmonctl reload of a bad file exits 1"
like "$out" "$T/smtpmon.conf:$((n + 2)): TargetIP: \"999.1.1.1\" is not an IPv4 or IPv6 address" \
    "the error names file:line: TargetIP: what is wrong"
like "$out" "$T/smtpmon.conf:$((n + 3)): ConnectPort: \"70000\" is not a port \(1-65535\)" \
    "and the ConnectPort error in the same run"
like "$out" "$T/smtpmon.conf:$((n + 5)): BogusKeyword: unknown keyword" "and the unknown keyword"
is "$(local_of a)" "$la" "the running configuration stays (a untouched)"
"$SMTPMOND" -t -f "$T/smtpmon.conf" >/dev/null 2>"$T/t.err"; rc=$?
is "$rc" 1 "smtpmond -t exits 1 on the bad file"
is "$(wc -l < "$T/t.err")" 3 "smtpmond -t reports all three errors"

# ---- policy change on c restarts c only; logrotate via SIGHUP ----
mv "$ALOG" "$ALOG.1"
conf "a c d e" <<<"c     TlsServerName other.test"
out=$(ctl reload); rc=$?
is "$rc" 0 "smtpmonctl reload of a good file exits 0"
wait_until 100 '[ -n "$(local_of e)" ] && [ -n "$(local_of c)" ] && [ "$(local_of c)" != "$lc" ]'
[ -n "$(local_of c)" ] && [ "$(local_of c)" != "$lc" ]; ok $? "c reconnected under its new policy"
is "$(local_of a)" "$la" "a still on its first connection"
wait_until 30 'grep -q " 127.0.0.1:$P_e monitor " "$ALOG"'
grep -q " 127.0.0.1:$P_e monitor " "$ALOG"; ok $? "after the reload the appldata log was reopened: e's line is in the new file"
grep -q " 127.0.0.1:$P_a monitor " "$ALOG.1"; ok $? "the rotated file keeps the older lines"
mond_stop
is "$MOND_RC" 0 "stopped cleanly"

# ---- reloads free what they replace: 100 with a new CAFile and HeloName ----
# (each CAFile load is a new TLS context, about 0.9 MB with the system bundle;
# before they were counted, smtpmond grew by 86 MB over these 100 reloads)
gen_cert t.test
start_fixture t --cert "$T/t.test.crt" --key "$T/t.test.key"
P_t=$FIX_PORT
cp /etc/ssl/certs/ca-certificates.crt "$T/ca1.pem"
cat "$T/t.test.crt" >> "$T/ca1.pem"
cp "$T/ca1.pem" "$T/ca2.pem"
reconf() {  # reconf N: target t over TLS, CA file 1 or 2 by N's parity, HELO rN
    conf "t" </dev/null
    sed -i -e 's/^    Secure No$/    Secure Yes\n    TlsServerName t.test/' \
        -e 's/^    NoopInterval 1$/&\n    NoopBudget 0/' "$T/smtpmon.conf"
    printf 'CAFile %s\nHeloName r%s\n' "$T/ca$(( $1 % 2 + 1 )).pem" "$1" >> "$T/smtpmon.conf"
}
reconf 0
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until 100 '[ "$(up)" = 1 ]'
lt=$(local_of t)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$MOND_PID/status"; }
rcs=
for i in $(seq 1 20); do reconf "$i"; ctl reload >/dev/null; rcs+=$?; done
r0=$(rss)
for i in $(seq 21 120); do reconf "$i"; ctl reload >/dev/null; rcs+=$?; done
r1=$(rss)
is "$rcs" "$(printf '0%.0s' $(seq 1 120))" "120 reloads, each exit 0"
ok $(( r1 - r0 > 8192 )) "100 reloads with a new TLS context each: RSS ${r0} -> ${r1} KiB (at most +8 MiB)"
is "$(up),$(local_of t)" "1,$lt" "the TLS target stays up on its first connection, whose context went long ago"
mond_stop_ok "stopped cleanly after the reloads"

# ---- in the background: the shell learns the outcome; a relative -f works ----
conf "a" </dev/null
cp "$T/smtpmon.conf" "$T/rel.conf"
rm -f "$T/smtpmond.pid"
(cd "$T" && "$SMTPMOND" -f rel.conf 2>"$T/bg.err"); rc=$?
is "$rc" 0 "smtpmond without -F exits 0 once the daemon is ready"
bgpid=$(cat "$T/smtpmond.pid" 2>/dev/null)
kill -0 "${bgpid:-0}" 2>/dev/null; ok $? "the daemon runs in the background (pid ${bgpid:-none})"
track "${bgpid:-0}"
out=$(ctl reload 2>&1); rc=$?
is "$rc" 0 "reload reads the relatively named file again after chdir / ($out)"
kill -TERM "${bgpid:-0}" 2>/dev/null
wait_until 50 '! kill -0 "${bgpid:-0}" 2>/dev/null'
sed 's|^ControlSocket .*|ControlSocket /nonexistent-smtpmon-dir/sub/ctl.sock|' "$T/rel.conf" > "$T/bad.conf"
"$SMTPMOND" -f "$T/bad.conf" 2>"$T/bg.err"; rc=$?
is "$rc" 1 "a start-up failure after detaching is the exit status (1)"
like "$(cat "$T/bg.err")" "not started: ControlSocket /nonexistent-smtpmon-dir/sub/ctl.sock: bind" \
    "and its reason is printed on stderr"

# ---- privilege drop ----
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chmod 755 "$T"
    conf "a" <<<"" 
    echo "User nobody" >> "$T/smtpmon.conf"
    rm -f "$T/smtpmond.pid"
    mond_start "$T/smtpmon.conf" || bail "smtpmond did not start as root with User nobody"
    wait_until 50 '[ "$(up)" = 1 ]'
    is "$(awk '/^Uid:/ {print $2}' "/proc/$MOND_PID/status")" "$(id -u nobody)" \
        "started as root with User nobody: runs as nobody and still monitors"
    is "$(awk '/^Groups:/ { $1 = ""; print NF - 1 }' "/proc/$MOND_PID/status")" 0 \
        "no supplementary group kept (initgroups would have kept nobody's own)"
    mond_stop_ok "smtpmond running as nobody exits 0 on SIGTERM"
else
    skip "not root: privilege drop not tested"
    skip "not root: privilege drop not tested"
    skip "not root: privilege drop not tested"
fi
