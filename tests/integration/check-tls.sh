#!/bin/bash
# smtpmonctl check: TLS levels and ciphers as negotiated (OpenSSL on both
# ends), old servers observed, certificate verdicts and expiry thresholds.
# Every check's exit status is asserted.
. "$srcdir/tests/lib/tap.sh"
plan 27

gen_cert fixture.test
CERT=(--cert "$T/fixture.test.crt" --key "$T/fixture.test.key")
TRUST=(--cafile "$T/fixture.test.crt" --servername fixture.test)

probe() { # name fixture-options... ; leaves $T/name.json; one test: exit 0
    local name=$1; shift
    start_fixture "$name" "${CERT[@]}" "$@"
    "$SMTPMONCTL" check --json --secure yes "${TRUST[@]}" "127.0.0.1:$FIX_PORT" > "$T/$name.json"
    is "$?" 0 "$name: check exits 0 (OK: trusted, no threshold crossed)"
}

probe t12 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384
is "$(json "$T/t12.json" .tls_version)" TLSv1.2 "TLS 1.2 server: TLSv1.2"
is "$(json "$T/t12.json" .cipher_id)" 49200 "TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 is IANA 0xC030"
is "$(json "$T/t12.json" .cipher)" TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 "IANA standard name"
is "$(json "$T/t12.json" .appldata)" "EZASMTPM SMTPMON  ET124X C030           " "appldata ET12 4X C030"
like "$(json "$T/t12.json" .tls_group)" '^(x25519|X25519|secp256r1|prime256v1|P-256)$' "key-exchange group recorded"

probe t12rsa --tls-max 1.2 --ciphers AES128-SHA
is "$(json "$T/t12rsa.json" .cipher_id)" 47 "static RSA AES128-SHA is IANA 0x002F"
is "$(json "$T/t12rsa.json" .appldata)" "EZASMTPM SMTPMON  ET122F 002F           " "appldata cipher below 0x100: 2F and 002F"

probe t11 --tls-min 1.1 --tls-max 1.1
is "$(json "$T/t11.json" .tls_version)" TLSv1.1 "old server: TLS 1.1 observed"
like "$(json "$T/t11.json" .appldata)" "^EZASMTPM SMTPMON  ET11" "appldata level 11"

probe t10 --tls-min 1.0 --tls-max 1.0 --ciphers AES256-SHA
is "$(json "$T/t10.json" .tls_version)" TLSv1 "old server: TLS 1.0 observed"
is "$(json "$T/t10.json" .appldata)" "EZASMTPM SMTPMON  ETT135 0035           " "appldata T1 35 0035"

probe t13 --tls-min 1.3 --ciphersuites TLS_CHACHA20_POLY1305_SHA256
is "$(json "$T/t13.json" .cipher_id)" 4867 "TLS 1.3 chosen suite: CHACHA20 0x1303"
is "$(json "$T/t13.json" .appldata)" "EZASMTPM SMTPMON  ET134X 1303           " "appldata ET13 4X 1303"

# certificate verdicts
start_fixture untrusted "${CERT[@]}"
out=$("$SMTPMONCTL" check --secure yes --servername fixture.test "127.0.0.1:$FIX_PORT"); rc=$?
is "$rc" 1 "self-signed certificate without --cafile: WARNING"
like "$(echo "$out" | head -1)" "certificate not trusted" "status line says not trusted"
out=$("$SMTPMONCTL" check --secure yes --cafile "$T/fixture.test.crt" --servername other.test "127.0.0.1:$FIX_PORT"); rc=$?
is "$rc" 1 "name mismatch: WARNING"
like "$(echo "$out" | head -1)" "does not match other.test" "status line names the mismatch"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/short.key" -out "$T/short.crt" -days 5 \
    -subj /CN=fixture.test -addext subjectAltName=DNS:fixture.test >/dev/null 2>&1
start_fixture short --cert "$T/short.crt" --key "$T/short.key"
"$SMTPMONCTL" check --secure yes --cafile "$T/short.crt" --servername fixture.test -D 30,10 "127.0.0.1:$FIX_PORT" >/dev/null; rc=$?
is "$rc" 2 "certificate expiring in 5 days with -D 30,10: CRITICAL"
"$SMTPMONCTL" check --secure yes --cafile "$T/short.crt" --servername fixture.test -D 30,2 "127.0.0.1:$FIX_PORT" >/dev/null; rc=$?
is "$rc" 1 "certificate expiring in 5 days with -D 30,2: WARNING"
"$SMTPMONCTL" check --secure yes --cafile "$T/short.crt" --servername fixture.test -D 3,2 "127.0.0.1:$FIX_PORT" >/dev/null; rc=$?
is "$rc" 0 "certificate expiring in 5 days with -D 3,2: OK"

# time thresholds: a 300 ms greeting delay
start_fixture slow --banner-delay 300
"$SMTPMONCTL" check -w 100 -c 5000 "127.0.0.1:$FIX_PORT" >/dev/null; rc=$?
is "$rc" 1 "check slower than -w: WARNING"
"$SMTPMONCTL" check -w 50 -c 100 "127.0.0.1:$FIX_PORT" >/dev/null; rc=$?
is "$rc" 2 "check slower than -c: CRITICAL"
