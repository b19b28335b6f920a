#!/bin/bash
# TargetMx and TargetName against a real DNS server (dnsmasq on loopback):
# two MX hosts of different preference are monitored in preference order;
# when the records change, smtpmond follows them at the TTL (a host that left
# gets QUIT, a new one is connected, the one that stayed keeps its
# connection); a domain that does not resolve shows as a row that is down
# with the resolver's error. Every smtpmonctl run and the daemon stop exit 0.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/dns.sh"
plan 16

fix_at mx1 127.0.20.1:0 --
P=${FIX_ADDRS##*:} LOG1=$FIX_LOG
fix_at mx2 127.0.20.2:$P --
LOG2=$FIX_LOG
fix_at name 127.0.20.3:$P --
fix_at mx3 127.0.20.4:$P --
LOG3=$FIX_LOG

dns_start 'local-ttl=5' \
    'mx-host=example.test,mx2.example.test,20' \
    'mx-host=example.test,mx1.example.test,10' \
    'host-record=mx1.example.test,127.0.20.1' \
    'host-record=mx2.example.test,127.0.20.2' \
    'host-record=name.example.test,127.0.20.3' \
    'host-record=mx3.example.test,127.0.20.4'

mond_conf "$T/mx.conf" <<EOF
NameServer $DNS_SERVERS
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval 1
    ReprobeInterval 0
}
TargetServer {
    TargetMx example.test
    ConnectPort $P
}
TargetServer {
    TargetName name.example.test
    ConnectPort $P
    MinTlsLevel 12
}
TargetServer {
    TargetMx nxdomain.example.test
    ConnectPort $P
}
EOF
mond_start "$T/mx.conf" || bail "smtpmond did not start"
up() { rows_where '.state == "up"'; }
wait_until 300 '[ "$(up)" = 3 ]'
is "$(up)" 3 "the two MX hosts and the named host are up"
ctl status --json > "$T/st.json"
is "$(jq -r '[.[] | select(.kind == "mx" and .state == "up") | "\(.mx_preference) \(.mx_host) \(.target)"] | join(", ")' "$T/st.json")" \
    "10 mx1.example.test 127.0.20.1:$P, 20 mx2.example.test 127.0.20.2:$P" \
    "MX hosts in preference order, each with its address and the ConnectPort"
is "$(jq -r '[.[] | select(.kind == "mx") | .name] | unique | join(",")' "$T/st.json")" \
    "example.test,nxdomain.example.test" "rows carry the MX domain as their name"
is "$(jq -r '.[] | select(.kind == "name") | .target' "$T/st.json")" "127.0.20.3:$P" "TargetName resolved to its address"
is "$(ctl targets --json | jq -r '.[] | select(.kind == "name") | .min_tls')" TLSv1.2 \
    "targets --json: the resolved address keeps its block's MinTlsLevel by name"
is "$(jq -r '.[] | select(.name == "nxdomain.example.test") | .state' "$T/st.json")" down \
    "a domain that does not resolve shows as down"
like "$(jq -r '.[] | select(.name == "nxdomain.example.test") | .last_failure.reason' "$T/st.json")" \
    "^resolution failed: " "with the resolver's error as its reason"
grep -q 'SMD1822W name resolution failed: mx=nxdomain.example.test' "$MOND_LOG"; ok $? "SMD1822W logged"
grep -q 'query\[MX\] example.test' "$DNS_LOG"; ok $? "the MX query went to the DNS server on loopback"

local1=$(ctl appldata --json | jq -r ".[] | select(.remote == \"127.0.20.1:$P\") | .local")

# ---- the records change: mx2 leaves, mx3 arrives with preference 5 ----
dns_set 'local-ttl=5' \
    'mx-host=example.test,mx1.example.test,10' \
    'mx-host=example.test,mx3.example.test,5' \
    'host-record=mx1.example.test,127.0.20.1' \
    'host-record=mx3.example.test,127.0.20.4' \
    'host-record=name.example.test,127.0.20.3'
hosts() { ctl status --json | jq -r '[.[] | select(.kind == "mx" and .state == "up") | .mx_host] | sort | join(" ")'; }
wait_until 300 '[ "$(hosts)" = "mx1.example.test mx3.example.test" ]'
is "$(hosts)" "mx1.example.test mx3.example.test" "after the change: mx1 and mx3 monitored, mx2 gone"
# at the TTL, not before: smtpmond's MX queries for example.test, as dnsmasq
# logged them (to the second), are at least TTL - 1 s apart
mxq=$(grep -F 'query[MX] example.test from' "$DNS_LOG" | cut -c1-15 | while read -r ts; do date -d "$ts" +%s; done)
gaps=$(awk 'NR > 1 { printf "%s%d", (NR > 2 ? " " : ""), $1 - p } { p = $1 }' <<<"$mxq")
awk 'NR > 1 && $1 - p < 4 { bad = 1 } { p = $1 } END { exit !(NR >= 2 && !bad) }' <<<"$mxq"
ok $? "followed by a new MX query at the TTL, not before (gaps between queries: ${gaps:-none} s; TTL 5 s)"
wait_for_log "$LOG2" 'recv QUIT' 300; ok $? "the host that left the MX set got QUIT"
is "$(ctl appldata --json | jq -r ".[] | select(.remote == \"127.0.20.1:$P\") | .local")" "${local1:-(none before the change)}" \
    "mx1, still in the set, kept its connection"
is "$(ctl status --json | jq -r '.[] | select(.mx_host == "mx3.example.test") | .mx_preference')" 5 \
    "mx3 has its preference 5"
ctl_all_ok "every smtpmonctl run exits 0"
mond_stop_ok "smtpmond stops cleanly"
