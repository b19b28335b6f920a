#!/bin/bash
# smtpmonctl does not link libpcap (issue 19): every `smtpmonctl check` would
# otherwise load libpcap and what it pulls in (libdbus, libsystemd,
# libgcrypt, liblzma, libzstd, liblz4) for a command that never captures.
# `smtpmonctl pcap` runs the program smtpmonctl-pcap instead: the one next to
# smtpmonctl (a build tree), else the installed one; its output and exit
# status are smtpmonctl's (tests/integration/passive-pcap.sh covers them).
# libunbound and libevent_openssl are opened only by the checks that use them
# (agent/cli/lazylibs.c).
. "$srcdir/tests/lib/tap.sh"
plan 10

helper="$(dirname "$SMTPMONCTL")/smtpmonctl-pcap"
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

needed "$SMTPMONCTL" > "$T/ctl.needed"
diag needed "$(tr '\n' ' ' < "$T/ctl.needed")"
ok "$([ -s "$T/ctl.needed" ] && echo 0 || echo 1)" "readelf -d lists smtpmonctl's libraries"
ok "$(grep -q libpcap "$T/ctl.needed" && echo 1 || echo 0)" "smtpmonctl does not link libpcap"
ldd "$SMTPMONCTL" > "$T/ctl.ldd" 2>&1
ok "$(grep -Eq 'libpcap|libdbus|libsystemd|libgcrypt' "$T/ctl.ldd" && echo 1 || echo 0)" \
    "nor loads it or its dependencies (ldd: no libpcap, libdbus, libsystemd, libgcrypt)"
ok "$(grep -Eq 'libunbound|libevent_openssl' "$T/ctl.needed" && echo 1 || echo 0)" \
    "nor libunbound and libevent_openssl (opened by --dane/--mta-sts: check-dane.sh, check-mtasts.sh)"
ok "$([ -x "$helper" ] && needed "$helper" | grep -q libpcap && echo 0 || echo 1)" \
    "smtpmonctl-pcap, next to it, links libpcap"

# smtpmonctl pcap runs the helper next to it, with its arguments
mkdir "$T/bin"
cp "$SMTPMONCTL" "$T/bin/smtpmonctl"
cp "$helper" "$T/bin/smtpmonctl-pcap"
"$T/bin/smtpmonctl" pcap --help > "$T/help" 2>&1; rc=$?
is "$rc" 0 "smtpmonctl pcap --help through the helper: exit 0"
like "$(cat "$T/help")" "usage: smtpmonctl pcap \[--json\]" "the helper's usage"
"$T/bin/smtpmonctl" -s /nonexistent pcap --ports 0 x.pcap > /dev/null 2> "$T/e1"; rc=$?
is "$rc" 3 "-s SOCKET pcap --ports 0: the helper's exit status 3"
like "$(cat "$T/e1")" "smtpmonctl pcap: --ports: \"0\" is not a port" "and its message"

# without the helper next to it and none installed: UNKNOWN-style exit 3
rm "$T/bin/smtpmonctl-pcap"
installed=$(strings "$SMTPMONCTL" | grep -m1 '^/.*/smtpmonctl-pcap$')
if [ -n "$installed" ] && [ ! -e "$installed" ]; then
    "$T/bin/smtpmonctl" pcap --help > /dev/null 2> "$T/e2"; rc=$?
    ok "$([ "$rc" = 3 ] && grep -q "smtpmonctl pcap: cannot run $installed" "$T/e2" && echo 0 || echo 1)" \
        "no helper: exit 3, 'cannot run $installed'"
else
    skip "the helper is installed at $installed"
fi
