#!/bin/bash
# Links planted where root writes (issue 14, item 2). smtpmond is started by
# root and runs as User; where its files live, its user (or anyone who could
# write the directory) could plant a symbolic link for root to follow at the
# next start: the PidFile would truncate and rewrite the link's target, the
# AppldataLog would be appended to and handed to User. Now: both are opened
# without following a link (the start fails with a clear error, the target
# untouched and still root's), and the directories smtpmond creates stay
# root's, not writable by User.
. "$srcdir/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (the start as root is what is tested)"; exit 0; }
id nobody >/dev/null 2>&1 || { echo "1..0 # SKIP no user nobody"; exit 0; }
. "$srcdir/tests/lib/daemon.sh"
plan 10

chmod 755 "$T"
fix_at plain 127.0.43.1:0 --
A=$FIX_ADDRS
target() { printf 'TargetServer {\n    TargetIP %s\n    ConnectPort %s\n}\nUser nobody\n' "${A%:*}" "${A##*:}"; }
printf 'precious\n' >"$T/victim"; chmod 600 "$T/victim"
printf 'precious\n' >"$T/victim2"; chmod 600 "$T/victim2"

# ---- a link at the PidFile ----
mkdir -p "$T/run"; chown nobody "$T/run"       # as an older smtpmond left it
ln -s "$T/victim" "$T/run/smtpmond.pid"
{ target; echo "PidFile $T/run/smtpmond.pid"; } | mond_conf "$T/p.conf"
"$SMTPMOND" -F -f "$T/p.conf" 2>"$T/p.err"
is "$?" 1 "PidFile is a symbolic link: the start fails (exit 1)"
like "$(cat "$T/p.err")" "SMD0006E PidFile $T/run/smtpmond.pid.*symbolic link" "with a clear error"
is "$(cat "$T/victim") $(stat -c %U "$T/victim")" "precious root" "the link's target is untouched and still root's"

# ---- a link at the AppldataLog ----
mkdir -p "$T/log"; chown nobody "$T/log"
ln -s "$T/victim2" "$T/log/appldata.log"
{ target; echo "PidFile $T/p2.pid"; echo "AppldataLog $T/log/appldata.log"; } | mond_conf "$T/a.conf"
"$SMTPMOND" -F -f "$T/a.conf" 2>"$T/a.err"
is "$?" 1 "AppldataLog is a symbolic link: the start fails (exit 1)"
like "$(cat "$T/a.err")" "AppldataLog $T/log/appldata.log: Too many levels of symbolic links" "with a clear error"
is "$(cat "$T/victim2") $(stat -c %U "$T/victim2")" "precious root" "the link's target is untouched and still root's"

# ---- directories smtpmond creates stay root's ----
{ target; echo "PidFile $T/newrun/smtpmond.pid"; echo "AppldataLog $T/newlog/appldata.log"
  echo "ControlSocket $T/newctl/ctl.sock"; } | mond_conf "$T/d.conf"
SOCK=$T/newctl/ctl.sock
mond_start "$T/d.conf" || bail "smtpmond did not start"
wait_until 50 '[ "$(rows_where ".state == \"up\"")" = 1 ]'
is "$(rows_where '.state == "up"')" 1 "smtpmond as nobody monitors"
is "$(stat -c '%U %a' "$T/newrun" "$T/newlog" "$T/newctl" | sort -u)" "root 755" \
    "the directories it made are root's, mode 755 (not writable by nobody)"
is "$(stat -c %U "$T/newlog/appldata.log") $(grep -c EZASMTPM "$T/newlog/appldata.log")" "nobody 1" \
    "the log file itself is nobody's, and written"
mond_stop
is "$MOND_RC" 0 "and stops with exit 0"
