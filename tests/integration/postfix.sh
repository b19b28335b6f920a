#!/bin/bash
# End to end against a real Postfix on loopback: smtpmon's classification,
# TLS version and IANA cipher equal what `openssl s_client -starttls smtp`
# reports for the same server, for TLS 1.3 and for a TLS 1.2-only Postfix.
# Also records the median wall time of 10 checks (a figure, not asserted).
# Every check's exit status is asserted.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/postfix.sh"
plan 15

command -v postfix >/dev/null || bail "postfix is needed"
P13=$(free_port)
postfix_start pf13.test "$P13"
out=$("$SMTPMONCTL" check --json --secure yes --cafile "$T/pf13.test.crt" --servername pf13.test "127.0.0.1:$P13")
rc=$?
echo "$out" > "$T/p13.json"
facts=$(sclient_facts 127.0.0.1 "$P13")
sv=$(echo "$facts" | awk '$1=="version" {print $2}')
sc=$(echo "$facts" | awk '$1=="cipher" {print $2}' | tr -d ',' | sed 's/0x//g')
sn=$(echo "$facts" | awk '$1=="cipher" {print $3}')
mine_id=$(printf '%04X' "$(json "$T/p13.json" .cipher_id)")
echo "# smtpmon:        $(json "$T/p13.json" .server_type) $(json "$T/p13.json" .tls_version) 0x$mine_id $(json "$T/p13.json" .cipher)"
echo "# openssl s_client: $sv 0x$sc $sn"
is "$rc" 0 "Postfix TLS 1.3: exit 0"
is "$(json "$T/p13.json" .server_type)" ESMTP "Postfix is ESMTP"
is "$(json "$T/p13.json" .tls_version)" "$sv" "TLS version equals s_client's ($sv)"
is "$mine_id" "$sc" "IANA cipher id equals s_client's (0x$sc)"
is "$(json "$T/p13.json" .cipher)" "$sn" "IANA cipher name equals s_client's"
like "$(json "$T/p13.json" .banner)" "^220 pf13.test ESMTP" "Postfix banner read"
is "$(json "$T/p13.json" .cert_verified)" true "certificate verified against --cafile"

P12=$(free_port)
postfix_start pf12.test "$P12" "<=TLSv1.2"
"$SMTPMONCTL" check --json --secure yes --cafile "$T/pf12.test.crt" --servername pf12.test "127.0.0.1:$P12" > "$T/p12.json"
rc=$?
facts=$(sclient_facts 127.0.0.1 "$P12")
sv=$(echo "$facts" | awk '$1=="version" {print $2}')
sc=$(echo "$facts" | awk '$1=="cipher" {print $2}' | tr -d ',' | sed 's/0x//g')
echo "# smtpmon:        $(json "$T/p12.json" .tls_version) 0x$(printf '%04X' "$(json "$T/p12.json" .cipher_id)") $(json "$T/p12.json" .cipher)"
echo "# openssl s_client: $sv 0x$sc"
is "$rc" 0 "Postfix TLS 1.2: exit 0"
is "$(json "$T/p12.json" .tls_version)" TLSv1.2 "Postfix <=TLSv1.2: TLSv1.2"
is "$(json "$T/p12.json" .tls_version)" "$sv" "TLS 1.2 version equals s_client's"
is "$(printf '%04X' "$(json "$T/p12.json" .cipher_id)")" "$sc" "TLS 1.2 IANA cipher equals s_client's"
like "$(json "$T/p12.json" .appldata)" "^EZASMTPM SMTPMON  ET124X $sc           $" "TLS 1.2 appldata carries level 12 and the cipher"

# Secure No against the same Postfix: no TLS, and Postfix saw no STARTTLS from us
"$SMTPMONCTL" check --json --secure no "127.0.0.1:$P13" > "$T/pno.json"
is "$?" 0 "Secure No against Postfix: exit 0"
is "$(json "$T/pno.json" .security_method)" basic "Secure No against Postfix: basic"

# median wall time of 10 checks --secure yes (reported, never asserted)
times=()
fails=0
for i in $(seq 10); do
    t0=$(date +%s%N)
    "$SMTPMONCTL" check --secure yes --cafile "$T/pf13.test.crt" --servername pf13.test "127.0.0.1:$P13" >/dev/null || fails=$((fails + 1))
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (a[5]+a[6])/2}')
echo "# median wall time of 10 'smtpmonctl check --secure yes' against Postfix: ${median} us"
is "$fails" 0 "10 checks in a row all OK (median ${median} us)"
