#!/bin/bash
# The README's demo command: `smtpmonctl demo` starts a real smtpmond with an
# embedded configuration against its three built-in servers and prints
# `smtpmonctl status`, `smtpmonctl appldata` and the appldata log.
. "$srcdir/tests/lib/tap.sh"
# as root (CI, the README's command) the demo also runs the passive probe on lo
plan 15

out=$(SMTPMOND="$SMTPMOND" "$SMTPMONCTL" demo 2>&1); rc=$?
echo "$out" > "$T/demo.txt"
is "$rc" 0 "demo exits 0"
like "$out" $'\n\\$ [^ ]*smtpmond -F -f /tmp/smtpmon-demo\\.[A-Za-z0-9]+/smtpmon\\.conf\n' "it runs smtpmond on the embedded configuration"
like "$out" 'smtpmond: 3 target\(s\): 3 up, 0 down' "status: the three demo targets are up"
like "$out" $'\n127\\.0\\.0\\.1:[0-9]+ +up +[0-9]+s +E +T +TLSv1\\.3 TLS_AES_[0-9]+_GCM_SHA[0-9]+ \\(0x130[12]\\) +20[0-9-]+ +[0-9.]+ +EZASMTPM DEMO     ET134X 130[12]' \
    "status row: ESMTP, TLS 1.3, cipher with IANA id, certificate expiry, appldata"
like "$out" $'\n127\\.0\\.0\\.1:[0-9]+ +up .* E +B +- .*EZASMTPM DEMO     EB {20}\n' "status row: plain ESMTP, basic (PH66548: AUTH offered, no TLS)"
like "$out" $'\n127\\.0\\.0\\.1:[0-9]+ +up .* S +B +- .*EZASMTPM DEMO     SB {20}\n' "status row: SMTP-only"
is "$(grep -cE '^127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:[0-9]+ +monitor +EZASMTPM DEMO ' "$T/demo.txt")" 3 \
    "appldata: local and remote address:port and the record of each monitor connection"
is "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:[0-9]+ monitor EZASMTPM DEMO ' "$T/demo.txt")" 3 \
    "the appldata log has one line per connection"
like "$out" 'SMD1817I target available' "smtpmond's log shows the targets becoming available"
like "$out" 'exit 0\)' "smtpmond stopped by SIGTERM exits 0"
# the SNMP table through a private snmpd (installed by .ci/deps)
like "$out" 'snmpd on udp:127\.0\.0\.1:[0-9]+ as AgentX master' "the demo runs snmpd as AgentX master"
like "$out" $'(\n +ipv4 "7F 00 00 01 " [0-9]+ .*tls13 +4866 TLS_AES_(128|256)_GCM_SHA(256|384)|\n\\.1\\.3\\.6\\.1\\.3\\.5321\\.1\\.2\\.1\\.11\\.[0-9]+ = INTEGER: 7)' \
    "the SNMP target table shows the TLS 1.3 target (by name, or by OID without the MIB)"
# the passive probe on lo (as root: CI and the README's command run as root)
if [ "$(id -u)" = 0 ]; then
    like "$out" 'smtpmond passive probe on interface lo: [0-9]+ packets, [0-9]+ sessions \([1-9][0-9]* TLS, [1-9][0-9]* basic\), 3 servers' \
        "passive: the three servers seen on the wire"
    like "$out" $'\n127\\.0\\.0\\.1:[0-9]+ +E +T +yes +TLSv1\\.3 TLS_AES_[0-9]+_GCM_SHA[0-9]+ .*EZASMTPM DEMO     ET134X 130[12]' \
        "passive: the STARTTLS server as the wire shows it, the same record as the active probe's"
    is "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z 127\.0\.0\.1:[0-9]+ 127\.0\.0\.1:[0-9]+ passive EZASMTPM DEMO ' "$T/demo.txt")" 3 \
        "the appldata log also has a passive line per session"
else
    for i in 1 2 3; do skip "not root: the demo runs the passive probe only as root"; done
fi
