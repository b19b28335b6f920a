#!/bin/bash
# Every DANE and MTA-STS case from smtpmond, not only from check: one
# TargetServer block per case (TargetName, Secure Yes, Dane Yes, MtaSts
# DOMAIN), each name on its own loopback address (127.0.0.2-.9) of two real
# TLS servers (the fixture: a self-signed certificate, and one issued by a
# test CA), the names and TLSA records in a DNSSEC-signed NSD zone with
# secure, insecure and bogus children, the policies served by nginx on
# 127.0.0.1:443. Each row's dane and mta_sts status is asserted against the
# case's expected verdict, then against `smtpmonctl check` on the same host.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/dnssec.sh"
r=$(stsweb_unusable) && { echo "1..0 # SKIP $r"; exit 0; }
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/postfix.sh"   # free_port
plan 18

WAIT=${WAIT:-400}

gen_cert self.test
ca_issue ta.ok.dane.test
PORT=$(free_port)
fix_at self 127.0.0.2:$PORT 127.0.0.3:$PORT 127.0.0.4:$PORT 127.0.0.5:$PORT 127.0.0.6:$PORT \
	127.0.0.7:$PORT -- --cert "$T/self.test.crt" --key "$T/self.test.key"
fix_at ca 127.0.0.8:$PORT 127.0.0.9:$PORT -- --cert "$T/ta.ok.dane.test.crt" \
	--key "$T/ta.ok.dane.test.key"

R311=$(tlsa_rdata "$T/self.test.crt" 3 1 1)
RCA=$(tlsa_rdata "$STS_CA" 2 1 1)
WRONG="3 1 1 $(printf '%064d' 0 | tr 0 a)"
dnssec_zone ok.dane.test <<EOF
good   IN A 127.0.0.2
_$PORT._tcp.good IN TLSA $R311
wrong  IN A 127.0.0.3
_$PORT._tcp.wrong IN TLSA $WRONG
pkix   IN A 127.0.0.4
_$PORT._tcp.pkix IN TLSA 1 1 1 ${R311#3 1 1 }
notlsa IN A 127.0.0.5
ta     IN A 127.0.0.8
_$PORT._tcp.ta IN TLSA $RCA
other  IN A 127.0.0.9
_$PORT._tcp.other IN TLSA $RCA
EOF
dnssec_zone unsigned.dane.test <<EOF
mx IN A 127.0.0.6
_$PORT._tcp.mx IN TLSA $R311
EOF
dnssec_zone bogus.dane.test <<EOF
mx IN A 127.0.0.7
_$PORT._tcp.mx IN TLSA $R311
EOF
sts_zone=""
for d in enf tst mnone inv red nf; do
	sts_zone+="_mta-sts.$d IN TXT \"v=STSv1; id=${d}1;\""$'\n'"mta-sts.$d IN A 127.0.0.1"$'\n'
	stsweb_host "$d.ok.dane.test"
done
dnssec_zone ok.dane.test <<<"$sts_zone"
dnssec_start
pol() { printf 'version: STSv1\nmode: %s\nmx: *.ok.dane.test\nmax_age: 86400\n' "$1"; }
pol enforce | stsweb_policy enf.ok.dane.test
pol testing | stsweb_policy tst.ok.dane.test
pol none | stsweb_policy mnone.ok.dane.test
printf 'version: STSv1\nmode: enforce\n' | stsweb_policy inv.ok.dane.test
stsweb_redirect red.ok.dane.test https://mta-sts.enf.ok.dane.test/.well-known/mta-sts.txt
stsweb_404 nf.ok.dane.test
stsweb_start

# case: NAME HOST MTASTS-DOMAIN EXPECTED-DANE EXPECTED-MTASTS
cases=(
	"good good.ok.dane.test enf.ok.dane.test valid enforce-violation"
	"wrong wrong.ok.dane.test tst.ok.dane.test mismatch testing"
	"pkix pkix.ok.dane.test mnone.ok.dane.test no-tlsa none"
	"notlsa notlsa.ok.dane.test inv.ok.dane.test no-tlsa invalid"
	"insecure mx.unsigned.dane.test red.ok.dane.test insecure error"
	"bogus mx.bogus.dane.test nf.ok.dane.test bogus error"
	"ta ta.ok.dane.test enf.ok.dane.test valid enforce-ok"
	"taname other.ok.dane.test nope.ok.dane.test mismatch none"
)
conf=""
for c in "${cases[@]}"; do
	read -r _ host dom _ _ <<<"$c"
	conf+="TargetServer {
    TargetName $host
    ConnectPort $PORT
    Secure Yes
    Dane Yes
    MtaSts $dom
}
"
done
mond_conf "$T/smtpmon.conf" <<EOF
$conf
NameServer $DNS_SERVERS
DnssecTrustAnchor $DNSSEC_ANCHOR
CAFile $STS_CA
Monitor {
    NoopInterval 5
    ReprobeInterval 60
}
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
decided() { ctl status --json | jq '[.[] | select(.dane.status != null and .mta_sts.status != null)] | length'; }
wait_until "$WAIT" '[ "$(decided)" = 8 ]'
ok $? "every target has its dane and mta_sts verdicts ($(decided) of 8)"
ctl status --json > "$T/status.json"
agree=0
for c in "${cases[@]}"; do
	read -r name host dom want_d want_s <<<"$c"
	got=$(jq -r --arg h "$host" '.[] | select(.name == $h) | "\(.dane.status) \(.mta_sts.status)"' "$T/status.json")
	is "$got" "$want_d $want_s" "smtpmond, $name ($host, MtaSts $dom): dane $want_d, mta_sts $want_s"
	"$SMTPMONCTL" check --json --dane --mta-sts "$dom" --name-server "$DNS_SERVERS" \
		--trust-anchor "$DNSSEC_ANCHOR" --cafile "$STS_CA" --timeout 10 "$host:$PORT" > "$T/$name.json" 2>/dev/null
	chk=$(jq -r '"\(.dane.status) \(.mta_sts.status)"' "$T/$name.json" 2>/dev/null)
	if [ "$chk" = "$got" ]; then
		agree=$((agree + 1))
	else
		diag "$name:" "check says '$chk', smtpmond '$got'"
	fi
done
is "$agree" 8 "smtpmonctl check agrees with smtpmond on every case"
# the failure names where something fails
f() { jq -r --arg h "$1" '.[] | select(.name == $h) | "\(.dane.failure) \(.mta_sts.failure)"' "$T/status.json"; }
is "$(f good.ok.dane.test)" "null certificate-not-trusted" "good: MTA-STS fails on the self-signed certificate"
is "$(f wrong.ok.dane.test)" "tlsa-invalid null" "wrong: tlsa-invalid (testing mode reports, never fails)"
is "$(f mx.bogus.dane.test)" "dnssec-invalid sts-policy-fetch-error" "bogus: dnssec-invalid; the 404 policy: sts-policy-fetch-error"
is "$(f notlsa.ok.dane.test)" "null sts-policy-invalid" "notlsa: no DANE failure; the invalid policy: sts-policy-invalid"
is "$(f other.ok.dane.test)" "tlsa-invalid null" "taname: DANE-TA with the wrong name: tlsa-invalid"
is "$(f ta.ok.dane.test)" "null null" "ta: nothing fails"
is "$(grep -c 'SMD1880W' "$MOND_LOG")" 7 "one SMD1880W per failure (7 failures in 8 targets)"
mond_stop_ok "smtpmond stopped cleanly"
