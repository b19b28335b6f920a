#!/bin/bash
# probes/dane against an independent oracle: OpenSSL's own DANE verifier
# (openssl s_client -dane_tlsa_domain/-dane_tlsa_rrdata) and dane_match (by
# tests/tools/danecheck, over the chain probes/tls saw) judge the same TLSA
# record against the same openssl s_server on loopback. Each case is
# asserted both ways: the oracle gives the expected verdict, and so does
# dane_match. Certificates: a CA, an intermediate, a leaf for mx.dane.test
# (EC P-256), and a self-signed RSA certificate (gen_cert).
. "$srcdir/tests/lib/tap.sh"
plan 28

command -v openssl >/dev/null || bail "openssl not found"
[ -x "${DANECHECK:-}" ] || bail "DANECHECK not built: ${DANECHECK:-unset}"

ossl() { openssl "$@" >>"$T/openssl.log" 2>&1 || bail "openssl $1 failed: $(tail -5 "$T/openssl.log")"; }
ec_req() { # NAME SUBJECT: a P-256 key and a request
    ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$T/$1.key" -out "$T/$1.csr" -subj "$2"
}
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$T/ca.ext"
printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:mx.dane.test\n' >"$T/leaf.ext"
ec_req ca "/CN=DANE Oracle CA"
ossl x509 -req -in "$T/ca.csr" -key "$T/ca.key" -out "$T/ca.crt" -days 30 -set_serial 1 \
    -extfile "$T/ca.ext"
ec_req inter "/CN=DANE Oracle Intermediate"
ossl x509 -req -in "$T/inter.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -out "$T/inter.crt" \
    -days 30 -set_serial 2 -extfile "$T/ca.ext"
ec_req leaf "/CN=mx.dane.test"
ossl x509 -req -in "$T/leaf.csr" -CA "$T/inter.crt" -CAkey "$T/inter.key" -out "$T/leaf.crt" \
    -days 30 -set_serial 3 -extfile "$T/leaf.ext"
gen_cert self.dane.test
cat "$T/inter.crt" "$T/ca.crt" >"$T/chain-full.pem"
cp "$T/inter.crt" "$T/chain-noca.pem"

# SHA-256 / SHA-512 of a certificate's DER (sel 0) or SPKI (sel 1)
digest() { # FILE SEL ALG
    if [ "$2" = 0 ]; then
        openssl x509 -in "$1" -outform DER
    else
        openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER
    fi | openssl dgst "-$3" -r | cut -d' ' -f1
}

# start_server NAME s_server-options...: sets PORT_<NAME>
start_server() {
    local name=$1 i port=
    shift
    openssl s_server -accept 127.0.0.1:0 -www "$@" </dev/null >"$T/$name.srv" 2>&1 &
    track $!
    for i in $(seq 1 100); do
        port=$(awk '/^ACCEPT/ { n = split($2, a, ":"); print a[n]; exit }' "$T/$name.srv")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || bail "s_server $name did not start: $(cat "$T/$name.srv")"
    printf -v "PORT_$name" '%s' "$port"
}
start_server self -cert "$T/self.dane.test.crt" -key "$T/self.dane.test.key"
start_server full -cert "$T/leaf.crt" -key "$T/leaf.key" -cert_chain "$T/chain-full.pem"
start_server noca -cert "$T/leaf.crt" -key "$T/leaf.key" -cert_chain "$T/chain-noca.pem"

# check DESC SERVER NAME RRDATA EXPECTED(matched|mismatch) [EPOCH]: two
# results. s_client as an SMTP client per RFC 7672 3.1.1: no name checks for
# DANE-EE (-dane_ee_no_namechecks); EPOCH: judge at that time (-attime).
check() {
    local desc=$1 srv=$2 name=$3 rr=$4 want=$5 port out verdict attime=()
    port=PORT_$srv
    port=${!port}
    [ -n "${6:-}" ] && attime=(-attime "$6")
    out=$(openssl s_client -connect "127.0.0.1:$port" -servername "$name" \
        -dane_tlsa_domain "$name" -dane_tlsa_rrdata "$rr" -dane_ee_no_namechecks \
        "${attime[@]}" </dev/null 2>&1)
    verdict=mismatch
    if grep -q '^Verification: OK' <<<"$out" && grep -Eq '^DANE TLSA .* matched' <<<"$out"; then
        verdict=matched
    fi
    is "$verdict" "$want" "$desc: OpenSSL's DANE says $want"
    [ "$verdict" = "$want" ] || diag "s_client:" "$(grep -Ei 'verif|dane' <<<"$out")"
    [ -n "${6:-}" ] && attime=(-t "$6")
    out=$("$DANECHECK" "${attime[@]}" 127.0.0.1 "$port" "$name" "$rr" 2>&1)
    verdict=${out%% *}
    is "$verdict" "dane=$want" "$desc: dane_match says $want"
}

self_spki=$(digest "$T/self.dane.test.crt" 1 sha256)
wrong=$(tr 0-9a-f 1-9a-f0 <<<"$self_spki")
check "3 1 1 of the self-signed leaf" self self.dane.test "3 1 1 $self_spki" matched
check "3 1 1, a wrong digest" self self.dane.test "3 1 1 $wrong" mismatch
check "3 0 1 of the self-signed leaf" self self.dane.test \
    "3 0 1 $(digest "$T/self.dane.test.crt" 0 sha256)" matched
check "3 1 2 of the self-signed leaf" self self.dane.test \
    "3 1 2 $(digest "$T/self.dane.test.crt" 1 sha512)" matched
check "3 1 1 of a chained leaf, another name (no name checks)" full other.dane.test \
    "3 1 1 $(digest "$T/leaf.crt" 1 sha256)" matched
ca_spki=$(digest "$T/ca.crt" 1 sha256)
check "2 1 1 of the presented CA, the leaf's name" full mx.dane.test "2 1 1 $ca_spki" matched
check "2 1 1 of the presented CA, a wrong name" full other.dane.test "2 1 1 $ca_spki" mismatch
check "2 0 1 of the presented CA" full mx.dane.test \
    "2 0 1 $(digest "$T/ca.crt" 0 sha256)" matched
check "2 1 1 of a CA the server does not present" noca mx.dane.test "2 1 1 $ca_spki" mismatch
check "2 0 1 of the intermediate" noca mx.dane.test \
    "2 0 1 $(digest "$T/inter.crt" 0 sha256)" matched
check "2 1 1 of the self-signed certificate, not in this chain" full mx.dane.test \
    "2 1 1 $self_spki" mismatch
check "2 0 1 of the self-signed leaf (a TA record never matches the leaf)" self self.dane.test \
    "2 0 1 $(digest "$T/self.dane.test.crt" 0 sha256)" mismatch
# 40 days on, the certificates (30 days) have expired: DANE-TA fails,
# DANE-EE does not look at the dates (RFC 7672 3.1.1)
later=$(( $(date +%s) + 40 * 86400 ))
check "2 1 1 of the presented CA, 40 days on (expired)" full mx.dane.test "2 1 1 $ca_spki" \
    mismatch "$later"
check "3 1 1 of a chained leaf, 40 days on (expired)" full mx.dane.test \
    "3 1 1 $(digest "$T/leaf.crt" 1 sha256)" matched "$later"
