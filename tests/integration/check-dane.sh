#!/bin/bash
# smtpmonctl check --dane against a real DNSSEC-signed zone (NSD, signed by
# the test; tests/lib/dnssec.sh) and real TLS servers (the fixture and a
# real Postfix), every lookup through --name-server and validated by smtpmonctl
# from the test's trust anchor: 3 1 1 matching and wrong, 3 0 1, 2 1 1 of a
# test CA with the right and the wrong name, only usage 0/1 records, no TLSA
# (a secure NXDOMAIN), an unsigned zone (insecure), a bogus signature. Each
# verdict is cross-checked with OpenSSL's own DANE code (openssl s_client
# -dane_tlsa_rrdata), an independent implementation, where it applies.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/dnssec.sh"
. "$srcdir/tests/lib/postfix.sh"
plan 47


gen_cert self.test
ca_issue mx-ca.ok.dane.test
start_fixture self --cert "$T/self.test.crt" --key "$T/self.test.key"
P_SELF=$FIX_PORT
start_fixture ca --cert "$T/mx-ca.ok.dane.test.crt" --key "$T/mx-ca.ok.dane.test.key"
P_CA=$FIX_PORT

R311=$(tlsa_rdata "$T/self.test.crt" 3 1 1)
R301=$(tlsa_rdata "$T/self.test.crt" 3 0 1)
RCA=$(tlsa_rdata "$STS_CA" 2 1 1)
WRONG="3 1 1 $(printf '%064d' 0 | tr 0 a)"
dnssec_zone ok.dane.test <<EOF
good    IN A 127.0.0.1
_$P_SELF._tcp.good IN TLSA $R311
cert    IN A 127.0.0.1
_$P_SELF._tcp.cert IN TLSA $R301
wrong   IN A 127.0.0.1
_$P_SELF._tcp.wrong IN TLSA $WRONG
mixed   IN A 127.0.0.1
_$P_SELF._tcp.mixed IN TLSA 1 1 1 $(printf '%064d' 0 | tr 0 b)
_$P_SELF._tcp.mixed IN TLSA $R311
pkix    IN A 127.0.0.1
_$P_SELF._tcp.pkix IN TLSA 1 1 1 ${R311#3 1 1 }
_$P_SELF._tcp.pkix IN TLSA 0 0 1 ${R301#3 0 1 }
notlsa  IN A 127.0.0.1
mx-ca   IN A 127.0.0.1
_$P_CA._tcp.mx-ca IN TLSA $RCA
other   IN A 127.0.0.1
_$P_CA._tcp.other IN TLSA $RCA
EOF
dnssec_zone unsigned.dane.test <<EOF
mx      IN A 127.0.0.1
_$P_SELF._tcp.mx IN TLSA $R311
EOF
dnssec_zone bogus.dane.test <<EOF
mx      IN A 127.0.0.1
_$P_SELF._tcp.mx IN TLSA $R311
EOF
dnssec_start

NS=(--name-server "$DNS_SERVERS" --trust-anchor "$DNSSEC_ANCHOR" --timeout 10)

# dane NAME HOST PORT [check options]: check --dane --json into $T/NAME.json,
# exit status in $T/NAME.rc
dane() {
	local name=$1 host=$2 port=$3
	shift 3
	"$SMTPMONCTL" check --json --dane "${NS[@]}" "$@" "$host:$port" > "$T/$name.json" 2> "$T/$name.err"
	echo $? > "$T/$name.rc"
}
# oracle HOST PORT RRDATA...: OpenSSL's DANE verdict, "ok" or "fail"
oracle() {
	local host=$1 port=$2 args=() r out
	shift 2
	for r in "$@"; do args+=(-dane_tlsa_rrdata "$r"); done
	out=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" -starttls smtp \
		-dane_tlsa_domain "$host" "${args[@]}" -dane_ee_no_namechecks \
		-servername "$host" </dev/null 2>&1)
	if grep -q '^Verification: OK' <<<"$out" && grep -Eq '^DANE TLSA .* matched' <<<"$out"; then
		echo ok
	else
		echo fail
	fi
}

dane good good.ok.dane.test "$P_SELF"
is "$(json "$T/good.json" .dane.status)" valid "3 1 1 of the server's key, secure: valid"
is "$(json "$T/good.json" '.dane.tlsa | join(",")')" "$R311" "tlsa: the record set as received"
is "$(json "$T/good.json" .dane.matched)" "$R311" "matched: that record"
is "$(cat "$T/good.rc")" 0 "valid DANE-EE: OK (the self-signed certificate is authenticated by DANE, no WebPKI warning)"
is "$(oracle good.ok.dane.test "$P_SELF" "$R311")" ok "oracle (openssl -dane_tlsa_rrdata) agrees: valid"

dane cert cert.ok.dane.test "$P_SELF"
is "$(json "$T/cert.json" .dane.status)" valid "3 0 1 (whole certificate, SHA-256): valid"
is "$(oracle cert.ok.dane.test "$P_SELF" "$R301")" ok "oracle agrees: valid"

dane wrong wrong.ok.dane.test "$P_SELF"
is "$(json "$T/wrong.json" .dane.status)" mismatch "3 1 1 of another key: mismatch"
is "$(json "$T/wrong.json" .dane.matched)" null "mismatch: matched is null"
is "$(cat "$T/wrong.rc")" 2 "mismatch: CRITICAL (2)"
like "$(head -c 300 "$T/wrong.json")" '"tls_version":"TLSv1' "the SMTP facts are still there"
is "$(oracle wrong.ok.dane.test "$P_SELF" "$WRONG")" fail "oracle agrees: no match"

dane mixed mixed.ok.dane.test "$P_SELF"
is "$(json "$T/mixed.json" .dane.status)" valid "a PKIX-EE (1) record before a matching 3 1 1: valid"
is "$(json "$T/mixed.json" '.dane.tlsa | length')" 2 "tlsa lists both records, usage 1 included"
is "$(json "$T/mixed.json" .dane.matched)" "$R311" "matched is the 3 1 1, not the usage-1 record"

dane pkix pkix.ok.dane.test "$P_SELF"
is "$(json "$T/pkix.json" .dane.status)" no-tlsa "only usages 0 and 1 (ignored for SMTP): no-tlsa"
is "$(json "$T/pkix.json" '.dane.tlsa | length')" 2 "... and tlsa still lists them"
is "$(cat "$T/pkix.rc")" 1 "no usable record: not CRITICAL (WARNING: the self-signed certificate is not trusted)"

dane notlsa notlsa.ok.dane.test "$P_SELF"
is "$(json "$T/notlsa.json" .dane.status)" no-tlsa "no TLSA record (secure NXDOMAIN): no-tlsa"
is "$(json "$T/notlsa.json" '.dane.tlsa | length')" 0 "tlsa is []"
is "$(json "$T/notlsa.json" .dane.matched)" null "matched null"

dane ta mx-ca.ok.dane.test "$P_CA" --cafile "$STS_CA"
is "$(json "$T/ta.json" .dane.status)" valid "2 1 1 of the test CA, presented, name matches: valid"
is "$(cat "$T/ta.rc")" 0 "valid DANE-TA with a trusted chain: OK"
is "$(oracle mx-ca.ok.dane.test "$P_CA" "$RCA")" ok "oracle agrees: valid"

dane taname other.ok.dane.test "$P_CA"
is "$(json "$T/taname.json" .dane.status)" mismatch "2 1 1, but the certificate is for another name: mismatch"
is "$(cat "$T/taname.rc")" 2 "DANE-TA name mismatch: CRITICAL"
is "$(oracle other.ok.dane.test "$P_CA" "$RCA")" fail "oracle agrees: the name check fails"

dane insecure mx.unsigned.dane.test "$P_SELF"
is "$(json "$T/insecure.json" .dane.status)" insecure "TLSA in an unsigned zone: insecure"
is "$(json "$T/insecure.json" '.dane.tlsa | length')" 1 "insecure: the record is still listed"
is "$(json "$T/insecure.json" .dane.matched)" null "insecure: nothing matched (nothing is tried)"

dane bogus mx.bogus.dane.test "$P_SELF"
is "$(json "$T/bogus.json" .dane.status)" bogus "a zone whose signatures expired: bogus"
is "$(cat "$T/bogus.rc")" 2 "bogus: CRITICAL (2)"
like "$(json "$T/bogus.json" .failure.reason)" "DNSSEC validation failed" "no connection to a bogus address: the failure says why"

# an address literal: the TLSA base domain is --servername; its TLSA set is
# bogus while the address needs no lookup
dane boguslit 127.0.0.1 "$P_SELF" --servername mx.bogus.dane.test
is "$(json "$T/boguslit.json" .dane.status)" bogus "address literal, --servername in the bogus zone: the TLSA set is bogus"
is "$(json "$T/boguslit.json" .server_type)" ESMTP "... and the server was probed"
is "$(cat "$T/boguslit.rc")" 2 "... CRITICAL"
dane goodlit 127.0.0.1 "$P_SELF" --servername good.ok.dane.test
is "$(json "$T/goodlit.json" .dane.status)" valid "address literal, --servername good.ok.dane.test: its TLSA set, valid"

# the name server only: nothing else is asked (no hosts file, no resolv.conf)
dane hosts localhost "$P_SELF"
is "$(cat "$T/hosts.rc")" 3 "--name-server: localhost is not taken from /etc/hosts nor made up (UNKNOWN)"

# the trust anchor matters: another zone's key makes everything bogus
printf 'dane.test. 300 IN DS 12345 13 2 %064d\n' 0 > "$T/other-anchor.txt"
"$SMTPMONCTL" check --json --dane --name-server "$DNS_SERVERS" --trust-anchor "$T/other-anchor.txt" \
	--timeout 10 "good.ok.dane.test:$P_SELF" > "$T/anchor.json" 2> "$T/anchor.err"
is "$?" 2 "a trust anchor that does not match: the address is bogus, CRITICAL"
is "$(json "$T/anchor.json" .dane.status)" bogus "... dane: bogus"

# text output
"$SMTPMONCTL" check --dane "${NS[@]}" "good.ok.dane.test:$P_SELF" > "$T/good.txt"
like "$(head -1 "$T/good.txt")" "DANE valid" "text: the status line names the DANE verdict"
like "$(cat "$T/good.txt")" "tlsa: $R311 \\(matched\\)" "text: the records, the matched one marked"

# a real Postfix (3.7, its default TLS settings) with a TLSA record of its key
command -v postfix >/dev/null || bail "postfix is needed"
PF_PORT=$(free_port)
postfix_start postfix.ok.dane.test "$PF_PORT"
RPF=$(tlsa_rdata "$T/postfix.ok.dane.test.crt" 3 1 1)
dnssec_zone ok.dane.test <<EOF
postfix IN A 127.0.0.1
_$PF_PORT._tcp.postfix IN TLSA $RPF
pfwrong IN A 127.0.0.1
_$PF_PORT._tcp.pfwrong IN TLSA $WRONG
EOF
dnssec_start
dane pf postfix.ok.dane.test "$PF_PORT"
is "$(json "$T/pf.json" .dane.status)" valid "Postfix, 3 1 1 of its key: valid"
is "$(json "$T/pf.json" .server_type)" ESMTP "Postfix: ESMTP"
is "$(oracle postfix.ok.dane.test "$PF_PORT" "$RPF")" ok "oracle agrees on Postfix"
dane pfw pfwrong.ok.dane.test "$PF_PORT"
is "$(json "$T/pfw.json" .dane.status)" mismatch "Postfix, a wrong record: mismatch"
is "$(oracle pfwrong.ok.dane.test "$PF_PORT" "$WRONG")" fail "oracle agrees: mismatch"
