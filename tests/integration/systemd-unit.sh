#!/bin/bash
# The shipped systemd unit (issue 14, item 8), read by systemd itself
# (systemd-analyze security --offline): its exposure level, a live capture
# possible only with the passive drop-in (CAP_NET_RAW and AF_PACKET merged
# in), and comments that tell the truth about AlertCommand.
. "$srcdir/tests/lib/tap.sh"
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP systemd-analyze not installed"; exit 0; }
plan 7

UNIT=$srcdir/doc/smtpmond.service DROPIN=$srcdir/doc/smtpmond-passive.conf
mkdir -p "$T/root/etc/systemd/system/smtpmond.service.d"
cp "$UNIT" "$T/root/etc/systemd/system/"
sec() { systemd-analyze security --offline=true --root="$T/root" --no-pager smtpmond.service 2>&1; }
sec >"$T/plain.out"
score=$(sed -nE 's/.*Overall exposure level for smtpmond.service: ([0-9.]+).*/\1/p' "$T/plain.out")
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.6) }'; ok $? "exposure level $score (at most 2.6; 2.7 before PrivateMounts)"
grep -q '✓ CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)' "$T/plain.out"; ok $? "no CAP_NET_RAW without the drop-in"
grep -q '✓ RestrictAddressFamilies=~AF_PACKET' "$T/plain.out"; ok $? "no AF_PACKET without the drop-in"
cp "$DROPIN" "$T/root/etc/systemd/system/smtpmond.service.d/passive.conf"
sec >"$T/passive.out"
grep -q '✗ CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)' "$T/passive.out"; ok $? "the drop-in adds CAP_NET_RAW"
grep -q '✗ RestrictAddressFamilies=~AF_PACKET' "$T/passive.out"; ok $? "and AF_PACKET"
grep -q '✓ CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)' "$T/passive.out"; is "$?" 1 "and keeps the unit's own capabilities (merged, not replaced)"
grep -qi 'never runs another program' "$UNIT"; is "$?" 1 "the unit no longer says smtpmond never runs another program"
