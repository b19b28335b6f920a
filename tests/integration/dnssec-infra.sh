#!/bin/bash
# tests/lib/dnssec.sh's peers proven with independent tools only: NSD's signed
# zones read with kdig and validated by unbound-host from the trust anchor
# (secure, insecure, bogus, secure NXDOMAIN; a wrong anchor makes the secure
# zone bogus), tlsa_rdata against openssl's own digests, and nginx's MTA-STS
# hosts fetched with curl --resolve --cacert and openssl s_client. Both
# servers are stopped at the end and their ports checked closed.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/dnssec.sh"
plan 41

for tool in kdig unbound-host curl; do
	command -v "$tool" >/dev/null || bail "$tool not found (Debian knot-dnsutils, unbound-host, curl)"
done

# --- tlsa_rdata, against digests computed another way (openssl x509 -fingerprint)
gen_cert mx.ok.dane.test
CRT=$T/mx.ok.dane.test.crt
fp() { openssl x509 -in "$CRT" -noout -fingerprint "-$1" | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
is "$(tlsa_rdata "$CRT" 3 0 1)" "3 0 1 $(fp sha256)" "tlsa_rdata 3 0 1: SHA-256 of the certificate (openssl -fingerprint)"
is "$(tlsa_rdata "$CRT" 2 0 2)" "2 0 2 $(fp sha512)" "tlsa_rdata 2 0 2: SHA-512 of the certificate"
spki=$(openssl x509 -in "$CRT" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
is "$(tlsa_rdata "$CRT" 3 1 1)" "3 1 1 $spki" "tlsa_rdata 3 1 1: SHA-256 of the SubjectPublicKeyInfo"
is "$(tlsa_rdata "$CRT" 3 0 0)" "3 0 0 $(openssl x509 -in "$CRT" -outform DER | perl -0777 -ne 'print unpack("H*", $_)')" \
	"tlsa_rdata 3 0 0: the whole DER certificate in hex (perl unpack)"

# --- zones
TLSA=$(tlsa_rdata "$CRT" 3 1 1)
dnssec_zone ok.dane.test <<EOF
@ IN MX 10 mx
mx IN A 127.0.0.1
_25._tcp.mx IN TLSA $TLSA
_mta-sts IN TXT "v=STSv1; id=abc1"
EOF
dnssec_zone unsigned.dane.test <<EOF
mx IN A 127.0.0.2
_25._tcp.mx IN TLSA $TLSA
EOF
dnssec_zone bogus.dane.test <<EOF
mx IN A 127.0.0.3
_25._tcp.mx IN TLSA $TLSA
EOF
t0=$(date +%s%N)
dnssec_start
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# about 0.5 s idle, 1.2-1.6 s on a loaded 2-core machine; the bound leaves room
ok "$([ "$ms" -lt 5000 ]; echo $?)" "dnssec_start: 4 zones signed and served in under 5 s ($ms ms)"
like "$(cat "$DNSSEC_ANCHOR")" "^dane\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9a-f]{64}$" \
	"anchor: one DS line for dane.test. (algorithm 13, SHA-256)"

# kdig: the raw answers, authoritative, signed or not
kd() { kdig @127.0.0.1 -p "$DNS_PORT" +dnssec +norec "$@" 2>&1; }
out=$(kd +tcp TLSA _25._tcp.mx.ok.dane.test)
like "$out" "status: NOERROR" "kdig TCP: TLSA in ok.dane.test answered"
like "$out" "_25\._tcp\.mx\.ok\.dane\.test\..*RRSIG[[:space:]]+TLSA 13 " "kdig: the TLSA set has an RRSIG (algorithm 13)"
out=$(kd DNSKEY dane.test)
like "$out" "DNSKEY[[:space:]]+257 3 13 " "kdig UDP: dane.test has a KSK (flags 257, algorithm 13)"
out=$(kd DS ok.dane.test)
like "$out" "ok\.dane\.test\..*DS[[:space:]]+[0-9]+ 13 2 " "kdig: the parent holds DS ok.dane.test"
out=$(kd DS unsigned.dane.test)
like "$out" "status: NOERROR;.*ANSWER: 0;" "kdig: no DS for unsigned.dane.test (NOERROR, empty answer)"
like "$out" "unsigned\.dane\.test\..*NSEC[[:space:]].* NS " "kdig: an NSEC at unsigned.dane.test proves the DS absent (NS only)"
out=$(kd +short TXT _mta-sts.ok.dane.test)
is "$(echo "$out" | grep -v RRSIG | head -1)" '"v=STSv1; id=abc1"' "kdig: TXT _mta-sts.ok.dane.test readable"
like "$(kd -t TLSA _25._tcp.mx.bogus.dane.test)" "RRSIG[[:space:]]+TLSA 13 [0-9]+ [0-9]+ 20200201000000 20200101000000 " \
	"kdig: bogus.dane.test's signatures expired on 2020-02-01"

# unbound-host: validates from the anchor, every query forwarded to NSD
cat > "$T/unbound.conf" <<EOF
server:
	do-not-query-localhost: no
	local-zone: "test." nodefault
	verbosity: 0
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$DNS_PORT
EOF
uh() { # ANCHOR TYPE NAME
	timeout 30 unbound-host -C "$T/unbound.conf" -f "$1" -v -t "$2" "$3" 2>&1
}
out=$(uh "$DNSSEC_ANCHOR" A mx.ok.dane.test)
is "$out" "mx.ok.dane.test has address 127.0.0.1 (secure)" "unbound-host: A in ok.dane.test is secure"
out=$(uh "$DNSSEC_ANCHOR" TLSA _25._tcp.mx.ok.dane.test)
like "$out" "has TLSA record .* \(secure\)$" "unbound-host: TLSA in ok.dane.test is secure"
got=$(echo "$out" | sed -nE 's/.* has TLSA record (.*) \(secure\)$/\1/p' | tr 'A-F' 'a-f')
is "$got" "$TLSA" "unbound-host: its RDATA is tlsa_rdata of the certificate"
out=$(uh "$DNSSEC_ANCHOR" TLSA _25._tcp.missing.ok.dane.test)
is "$out" "Host _25._tcp.missing.ok.dane.test not found: 3(NXDOMAIN). (secure)" \
	"unbound-host: a missing TLSA name in ok.dane.test is a secure NXDOMAIN"
out=$(uh "$DNSSEC_ANCHOR" TXT _mta-sts.ok.dane.test)
is "$out" '_mta-sts.ok.dane.test has TXT record "v=STSv1; id=abc1" (secure)' "unbound-host: the MTA-STS TXT is secure"
out=$(uh "$DNSSEC_ANCHOR" A mx.unsigned.dane.test)
is "$out" "mx.unsigned.dane.test has address 127.0.0.2 (insecure)" "unbound-host: a name in unsigned.dane.test is insecure"
out=$(uh "$DNSSEC_ANCHOR" TLSA _25._tcp.mx.bogus.dane.test)
like "$(echo "$out" | head -1)" "has TLSA record .*\(BOGUS " "unbound-host: TLSA in bogus.dane.test is bogus"
like "$out" "signature expired" "unbound-host: bogus because the signatures expired"
# the chain really hangs on the anchor: another key's DS makes everything bogus
(cd "$T" && ldns-keygen -a ECDSAP256SHA256 -k dane.test. >"$T/other.base") || bail "ldns-keygen"
ldns-key2ds -n -2 "$T/$(cat "$T/other.base").key" > "$T/other-anchor.txt"
out=$(uh "$T/other-anchor.txt" A mx.ok.dane.test)
like "$out" "\(BOGUS " "unbound-host: with another key's DS as anchor, ok.dane.test is bogus"

# dnssec_start again: records added, same port, same anchor, still secure
port=$DNS_PORT anchor=$(cat "$DNSSEC_ANCHOR")
TLSA2=$(tlsa_rdata "$CRT" 3 0 1)
dnssec_zone ok.dane.test <<<"_25._tcp.mx2 IN TLSA $TLSA2"
dnssec_start
is "$DNS_PORT:$(cat "$DNSSEC_ANCHOR")" "$port:$anchor" "dnssec_start again: same port, same trust anchor"
out=$(uh "$DNSSEC_ANCHOR" TLSA _25._tcp.mx2.ok.dane.test)
is "${out,,}" "_25._tcp.mx2.ok.dane.test has tlsa record $TLSA2 (secure)" \
	"dnssec_start again: the added TLSA is served and secure"

# --- MTA-STS web server
if reason=$(stsweb_unusable); then
	for _ in $(seq 1 14); do skip "$reason"; done
else
	stsweb_host ok.dane.test
	stsweb_policy ok.dane.test <<-'EOF'
	version: STSv1
	mode: enforce
	mx: mx.ok.dane.test
	max_age: 86400
	EOF
	stsweb_host moved.dane.test
	stsweb_redirect moved.dane.test https://mta-sts.ok.dane.test/.well-known/mta-sts.txt
	stsweb_host gone.dane.test
	stsweb_404 gone.dane.test
	stsweb_host wrong.dane.test wrongname
	stsweb_policy wrong.dane.test <<<"version: STSv1"
	stsweb_host self.dane.test selfsigned
	stsweb_policy self.dane.test <<<"version: STSv1"
	stsweb_host old.dane.test expired
	stsweb_policy old.dane.test <<<"version: STSv1"
	stsweb_start

	get() { # DOMAIN [curl options]: sets CODE (or curl's exit status "exitN") and BODY in $T/body
		local d=$1; shift
		CODE=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 10 \
			--resolve "mta-sts.$d:443:127.0.0.1" --cacert "$STS_CA" "$@" \
			"https://mta-sts.$d/.well-known/mta-sts.txt" 2>"$T/curl.err") || CODE=exit$?
	}
	get ok.dane.test
	is "$CODE" 200 "curl: the policy is served with 200, the certificate trusted by STS_CA"
	is "$(cat "$T/body")" "$(printf 'version: STSv1\nmode: enforce\nmx: mx.ok.dane.test\nmax_age: 86400')" \
		"curl: the body is the policy byte for byte"
	like "$(tr -d '\r' < "$T/headers")" $'\n[Cc]ontent-[Tt]ype: text/plain\n' "curl: Content-Type text/plain"
	get moved.dane.test
	is "$CODE" 301 "curl: the redirect host answers 301"
	like "$(tr -d '\r' < "$T/headers")" $'\n[Ll]ocation: https://mta-sts\\.ok\\.dane\\.test/\\.well-known/mta-sts\\.txt('$'\n''|$)' \
		"curl: with the Location given"
	get gone.dane.test
	is "$CODE" 404 "curl: the 404 host answers 404"
	get wrong.dane.test
	is "$CODE" exit60 "curl: the wrong-name certificate fails verification (exit 60)"
	like "$(cat "$T/curl.err")" "mta-sts\.wrong\.dane\.test|subject|name" "curl: because the name does not match"
	get wrong.dane.test -k
	is "$CODE" 200 "curl -k: the wrong-name host does serve (only its name is wrong)"
	get self.dane.test
	is "$CODE" exit60 "curl: the self-signed certificate is not trusted"
	get old.dane.test
	is "$CODE" exit60 "curl: the expired certificate is refused"
	out=$(openssl s_client -connect 127.0.0.1:443 -servername mta-sts.ok.dane.test -CAfile "$STS_CA" \
		-verify_hostname mta-sts.ok.dane.test -verify_return_error </dev/null 2>&1)
	like "$out" "Verify return code: 0 \(ok\)" "s_client: mta-sts.ok.dane.test verifies against STS_CA by name"
	out=$(openssl s_client -connect 127.0.0.1:443 -servername mta-sts.old.dane.test -CAfile "$STS_CA" </dev/null 2>&1)
	like "$out" "Verify return code: 10 \(certificate has expired\)" "s_client: the expired host's certificate has expired"
	out=$(openssl s_client -connect 127.0.0.1:443 -servername unknown.dane.test </dev/null 2>&1)
	unlike "$out" "BEGIN CERTIFICATE" "s_client: an unknown SNI gets no certificate (handshake refused)"
fi

# --- stop: nothing left listening
port=$DNS_PORT
dnssec_stop
is "$(ss -Hantu "sport = :$port" | wc -l)" 0 "dnssec_stop: nothing left on the DNS port $port"
if [ -n "$STSWEB_PID" ]; then
	stsweb_stop
	is "$(ss -Hlnt "sport = :443" | wc -l)" 0 "stsweb_stop: nothing left listening on 443"
else
	skip "${reason:-nginx not started}"
fi
