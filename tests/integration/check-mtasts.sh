#!/bin/bash
# smtpmonctl check --mta-sts against real peers: the policy's TXT record and
# the names in a DNSSEC-signed NSD zone (tests/lib/dnssec.sh), the policies
# served by nginx on 127.0.0.1:443 with a test CA (per-SNI virtual hosts),
# the SMTP servers the fixture with a CA-issued and with a self-signed
# certificate. Cases: enforce with a matching MX, enforce with a self-signed
# SMTP certificate, an MX outside the patterns, testing mode, mode none, an
# invalid body, a redirect, a 404, a policy host whose certificate names
# another host, a body over 64 KiB, no TXT record, CRLF line ends with a TXT
# record lacking its final ';', and --dane with --mta-sts together.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/dnssec.sh"
r=$(stsweb_unusable) && { echo "1..0 # SKIP $r"; exit 0; }
plan 43


ca_issue mx.enf.ok.dane.test
gen_cert self.enf.ok.dane.test
start_fixture good --cert "$T/mx.enf.ok.dane.test.crt" --key "$T/mx.enf.ok.dane.test.key"
P_GOOD=$FIX_PORT
start_fixture self --cert "$T/self.enf.ok.dane.test.crt" --key "$T/self.enf.ok.dane.test.key"
P_SELF=$FIX_PORT

# one policy domain per case, all in the signed zone ok.dane.test
zone=""
domain() { # LABEL TXT: _mta-sts.LABEL TXT (none when TXT is "-"), mta-sts.LABEL A
	[ "$2" = - ] || zone+="_mta-sts.$1 IN TXT \"$2\""$'\n'
	zone+="mta-sts.$1 IN A 127.0.0.1"$'\n'
}
domain enf "v=STSv1; id=enf1;"
domain tst "v=STSv1; id=tst1;"
domain mnone "v=STSv1; id=none1;"
domain inv "v=STSv1; id=inv1;"
domain red "v=STSv1; id=red1;"
domain nf "v=STSv1; id=nf1;"
domain wn "v=STSv1; id=wn1;"
domain big "v=STSv1; id=big1;"
domain crlf "v=STSv1; id=crlf1"
domain nope -
domain two "v=STSv1; id=a1;"
zone+="_mta-sts.two IN TXT \"v=STSv1; id=b2;\""$'\n'
zone+="mx.enf IN A 127.0.0.1"$'\n'"self.enf IN A 127.0.0.1"$'\n'"elsewhere IN A 127.0.0.1"$'\n'
zone+="mx.enf IN AAAA ::1"$'\n'
zone+="_$P_GOOD._tcp.mx.enf IN TLSA $(tlsa_rdata "$T/mx.enf.ok.dane.test.leaf" 3 1 1)"$'\n'
dnssec_zone ok.dane.test <<<"$zone"
dnssec_start

for d in enf tst mnone inv red nf big crlf two; do stsweb_host "$d.ok.dane.test"; done
stsweb_host wn.ok.dane.test wrongname
stsweb_policy enf.ok.dane.test <<EOF
version: STSv1
mode: enforce
mx: mx.enf.ok.dane.test
mx: *.enf.ok.dane.test
max_age: 86400
EOF
stsweb_policy tst.ok.dane.test <<EOF
version: STSv1
mode: testing
mx: mx.enf.ok.dane.test
max_age: 604800
EOF
stsweb_policy mnone.ok.dane.test <<EOF
version: STSv1
mode: none
max_age: 3600
EOF
stsweb_policy inv.ok.dane.test <<EOF
version: STSv1
mode: enforce
mx: mx.enf.ok.dane.test
EOF
stsweb_redirect red.ok.dane.test https://mta-sts.enf.ok.dane.test/.well-known/mta-sts.txt
stsweb_404 nf.ok.dane.test
stsweb_policy wn.ok.dane.test <<EOF
version: STSv1
mode: enforce
mx: mx.enf.ok.dane.test
max_age: 86400
EOF
{ printf 'version: STSv1\nmode: testing\nmax_age: 60\n'; head -c 70000 /dev/zero | tr '\0' 'x' | fold -w 60 | sed 's/^/x-pad: /'; } |
	stsweb_policy big.ok.dane.test
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx.enf.ok.dane.test\r\nmax_age: 86400\r\n' |
	stsweb_policy crlf.ok.dane.test
stsweb_policy two.ok.dane.test <<EOF
version: STSv1
mode: enforce
mx: mx.enf.ok.dane.test
max_age: 86400
EOF
stsweb_start

NS=(--name-server "$DNS_SERVERS" --trust-anchor "$DNSSEC_ANCHOR" --cafile "$STS_CA" --timeout 10)
sts() { # NAME DOMAIN HOST PORT [options]: $T/NAME.json and $T/NAME.rc
	local name=$1 dom=$2 host=$3 port=$4
	shift 4
	"$SMTPMONCTL" check --json --mta-sts "$dom" "${NS[@]}" "$@" "$host:$port" > "$T/$name.json" 2> "$T/$name.err"
	echo $? > "$T/$name.rc"
}
st() { json "$T/$1.json" ".mta_sts.$2"; }

reqs() { wc -l < "$STSWEB_DIR/access.log" 2>/dev/null || echo 0; }
n0=$(reqs)
sts ok enf.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st ok status)" enforce-ok "enforce, MX in the patterns, WebPKI-valid certificate: enforce-ok"
is "$(st ok mode)/$(st ok id)/$(st ok max_age)" enforce/enf1/86400 "mode, id (from the TXT record), max_age"
is "$(st ok 'mx | join(",")')" "mx.enf.ok.dane.test,*.enf.ok.dane.test" "mx patterns in policy order"
is "$(st ok mx_match)/$(st ok violation)" true/null "mx_match true, no violation"
is "$(cat "$T/ok.rc")" 0 "enforce-ok: OK"
is "$(( $(reqs) - n0 ))/$(tail -1 "$STSWEB_DIR/access.log" | cut -d'"' -f2)" \
	"1/GET /.well-known/mta-sts.txt HTTP/1.1" "the policy was fetched once, from its well-known path"

sts self enf.ok.dane.test self.enf.ok.dane.test "$P_SELF"
is "$(st self status)" enforce-violation "enforce, self-signed SMTP certificate: enforce-violation"
is "$(st self mx_match)" true "... the MX matched *.enf.ok.dane.test"
like "$(st self violation)" "not trusted" "violation: the certificate is not trusted"
is "$(cat "$T/self.rc")" 2 "enforce-violation: CRITICAL"

sts out enf.ok.dane.test elsewhere.ok.dane.test "$P_GOOD"
is "$(st out status)" enforce-violation "an MX outside the patterns: enforce-violation"
is "$(st out mx_match)" false "mx_match false"
like "$(st out violation)" "elsewhere.ok.dane.test.*not in (the )?policy" "violation names the MX"

sts tst tst.ok.dane.test self.enf.ok.dane.test "$P_SELF"
is "$(st tst status)" testing "testing mode: testing, whatever fails"
is "$(st tst mx_match)" false "testing: mx_match still reported"
isnt_crit=$(cat "$T/tst.rc")
is "$isnt_crit" 1 "testing mode is not CRITICAL (WARNING: the self-signed certificate)"

sts mnone mnone.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st mnone status)/$(st mnone mode)/$(st mnone max_age)" none/none/3600 "mode none: none, with the policy's values"
is "$(st mnone mx_match)" null "mode none: mx_match null"

sts inv inv.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st inv status)" invalid "a 200 whose body lacks max_age: invalid"
is "$(st inv mode)/$(st inv max_age)/$(st inv mx_match)/$(st inv violation)" null/null/null/null \
	"invalid: mode, max_age, mx_match, violation null"
is "$(st inv 'mx | length')" 0 "invalid: mx []"
is "$(cat "$T/inv.rc")" 0 "invalid: not CRITICAL"

n0=$(reqs)
sts red red.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st red status)" error "a redirect (301): error"
is "$(st red mode)/$(st red 'mx | length')" null/0 "error: mode null, mx []"
is "$(cat "$T/red.rc")" 0 "a policy fetch error is not UNKNOWN (nor CRITICAL)"
is "$(( $(reqs) - n0 ))/$(tail -1 "$STSWEB_DIR/access.log" | awk '{print $9}')" 1/301 \
	"the redirect was not followed: one request, answered 301"

sts nf nf.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st nf status)" error "a 404: error"

sts wn wn.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st wn status)" error "policy host's certificate for another name: error"

sts big big.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st big status)" error "a body over 65,536 bytes: error"

n0=$(reqs)
sts nope nope.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st nope status)/$(st nope id)/$(st nope mode)" none/null/null "no TXT record: none, nothing fetched"
is "$(( $(reqs) - n0 ))" 0 "... and no HTTPS request made"

sts crlf crlf.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st crlf status)/$(st crlf id)" enforce-ok/crlf1 "CRLF line ends and a TXT without its final ';': enforce-ok"

sts two two.ok.dane.test mx.enf.ok.dane.test "$P_GOOD"
is "$(st two status)" invalid "two v=STSv1 TXT records: invalid (RFC 8461 3.1)"

# both checks in one run
sts both enf.ok.dane.test mx.enf.ok.dane.test "$P_GOOD" --dane
is "$(json "$T/both.json" .dane.status)/$(st both status)" valid/enforce-ok "--dane with --mta-sts: both valid"
is "$(cat "$T/both.rc")" 0 "both: OK"
sts bothbad enf.ok.dane.test self.enf.ok.dane.test "$P_SELF" --dane
is "$(json "$T/bothbad.json" .dane.status)/$(st bothbad status)" no-tlsa/enforce-violation \
	"--dane with --mta-sts, self-signed MX without TLSA: no-tlsa, enforce-violation"

# text output
"$SMTPMONCTL" check --mta-sts enf.ok.dane.test "${NS[@]}" "self.enf.ok.dane.test:$P_SELF" > "$T/self.txt"
is "$?" 2 "text: CRITICAL"
like "$(head -1 "$T/self.txt")" "^SMTP CRITICAL - .*MTA-STS enforce-violation" "text: the status line names the MTA-STS verdict"
like "$(cat "$T/self.txt")" "mta-sts mx: \\*\\.enf\\.ok\\.dane\\.test" "text: the patterns listed"

# a policy server that accepts and never answers: error within the timeout
stsweb_stop
perl -MIO::Socket::INET -e '$| = 1; $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
	LocalPort => 443, Listen => 5, ReuseAddr => 1) or die "listen: $!"; print "ready\n";
	while ($c = $s->accept) { push @c, $c }' > "$T/silent.out" 2>&1 &
track $!
for i in $(seq 1 50); do grep -q ready "$T/silent.out" && break; sleep 0.1; done
t0=$(date +%s%N)
"$SMTPMONCTL" check --json --mta-sts enf.ok.dane.test --name-server "$DNS_SERVERS" \
	--trust-anchor "$DNSSEC_ANCHOR" --cafile "$STS_CA" --timeout 2 "mx.enf.ok.dane.test:$P_GOOD" > "$T/silent.json"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(st silent status)" error "a policy server that never answers: error"
[ "$ms" -lt 4500 ]; ok $? "... within the timeout (2 s limit, took $ms ms)"
is "$rc" 0 "... not UNKNOWN"
is "$(json "$T/silent.json" .tls_version)" TLSv1.3 "... and the SMTP check itself ran"
