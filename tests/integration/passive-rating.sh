#!/bin/bash
# The passive probe rates what it sees by the NCSC-NL 2025-05 guideline, and
# says the same as the active probe where both can see it. tcpdump on the
# loopback interface records `smtpmonctl check` sessions (a real OpenSSL
# client) with OpenSSL servers (the fixture) and a real Postfix;
# `smtpmonctl pcap --json` (the rows `status --passive --json` shows) rates
# each capture. The expected classes are written here from the guideline's
# tables (doc/ciphers.md): TLS 1.2 ECDHE-RSA AES-128-GCM with an RSA 2048
# SHA-256 leaf is phase-out (the key); ECDSA P-256 over x25519 sufficient;
# DHE over ffdhe3072 phase-out, over ffdhe2048 insufficient (RFC 7919 groups
# recognised by their prime); a SHA-1-signed leaf insufficient; TLS 1.3
# hides the certificate: cert_key and cert_signature null, overall over the
# rest.
# SC2154: srcdir comes from the environment.
# shellcheck disable=SC2154
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/capture.sh"
. "$srcdir/tests/lib/postfix.sh"
plan 27

command -v tcpdump >/dev/null || bail "tcpdump is needed"

self_cert r2048 rsa:2048
self_cert r4096 rsa:4096
self_cert sha1 rsa:2048 sha1
self_cert ec ec

RJQ='.rating | "\(.overall) \(.tls_version) \(.cipher) \(.key_exchange) \(.cert_key) \(.cert_signature)"'

# case NAME CERT [fixture options]: one check --json of a fixture, captured;
# pcap --json of the capture. "overall tls cipher kx key sig" of the passive
# row in $T/NAME.p, of the active check in $T/NAME.a; exit statuses in
# $T/NAME.rc ("check,pcap,rows").
case_run() {
    local name=$1 cert=$2
    shift 2
    start_fixture "$name" --cert "$T/$cert.crt" --key "$T/$cert.key" "$@"
    capture_start "$FIX_PORT" "$T/$name.pcap"
    "$SMTPMONCTL" check --json --secure yes --cafile "$T/$cert.crt" --servername "$cert" \
        "127.0.0.1:$FIX_PORT" > "$T/$name.check.json"
    local crc=$?
    capture_stop "$T/$name.pcap"
    "$SMTPMONCTL" pcap --json --ports "$FIX_PORT" "$T/$name.pcap" > "$T/$name.json" 2> "$T/$name.err"
    echo "$crc,$?,$(json "$T/$name.json" length)" > "$T/$name.rc"
    jq -r ".[0] | $RJQ" "$T/$name.json" > "$T/$name.p"
    jq -r "$RJQ" "$T/$name.check.json" > "$T/$name.a"
}
p() { cat "$T/$1.p"; }
a() { cat "$T/$1.a"; }
# components 2-4 (tls_version cipher key_exchange)
mid() { awk '{ print $2, $3, $4 }' "$T/$1.$2"; }

# ---- TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, RSA 2048 signed with SHA-256 ----
case_run t12rsa r2048 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
is "$(cat "$T/t12rsa.rc")" "0,0,1" "t12rsa: check and pcap exit 0, one server"
is "$(p t12rsa)" "phase-out sufficient sufficient sufficient phase-out good" \
    "t12rsa: RSA 2048 leaf phase-out, overall phase-out"
is "$(p t12rsa)" "$(a t12rsa)" "t12rsa: the passive rating equals the active probe's"
is "$(json "$T/t12rsa.json" '.[0].rating.guideline')" "NCSC-NL 2025-05" "t12rsa: the guideline is named"
is "$(json "$T/t12rsa.json" '.[0].rating|keys|join(",")')" \
    "$(json "$T/t12rsa.check.json" '.rating|keys|join(",")')" \
    "t12rsa: the passive rating object has the active one's keys"

# ---- TLS 1.2 ECDHE-ECDSA over x25519, ECDSA P-256 ----
case_run t12ec ec --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --groups X25519
is "$(p t12ec)" "sufficient sufficient sufficient sufficient sufficient good" \
    "t12ec: ECDSA P-256 over x25519: sufficient"
is "$(p t12ec)" "$(a t12ec)" "t12ec: equals the active probe's"
like "$(json "$T/t12ec.check.json" .tls_group)" "^(x25519|X25519)$" "t12ec: the active probe saw x25519"

# ---- TLS 1.2 ECDHE over secp384r1 ----
case_run t12p384 r4096 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 --groups secp384r1
is "$(p t12p384)" "sufficient sufficient sufficient sufficient sufficient good" \
    "t12p384: secp384r1 from the ServerKeyExchange, RSA 4096: sufficient"
is "$(p t12p384)" "$(a t12p384)" "t12p384: equals the active probe's"

# ---- DHE over the RFC 7919 groups (recognised by their prime), and over
# OpenSSL's automatic choice (RFC 3526 MODP: no RFC 7919 group) ----
case_run dhe3072 r4096 --tls-max 1.2 --ciphers DHE-RSA-AES128-GCM-SHA256 --dh-group ffdhe3072
is "$(json "$T/dhe3072.check.json" .tls_group)" ffdhe3072 "dhe3072: the active probe saw ffdhe3072"
is "$(p dhe3072)" "phase-out sufficient phase-out phase-out sufficient good" \
    "dhe3072: DHE suite and ffdhe3072 phase-out"
is "$(p dhe3072)" "$(a dhe3072)" "dhe3072: equals the active probe's"
case_run dhe2048 r2048 --tls-max 1.2 --ciphers DHE-RSA-AES256-GCM-SHA384 --dh-group ffdhe2048
is "$(json "$T/dhe2048.check.json" .tls_group)" ffdhe2048 "dhe2048: the active probe saw ffdhe2048"
is "$(p dhe2048)" "insufficient sufficient phase-out insufficient phase-out good" \
    "dhe2048: ffdhe2048 insufficient"
is "$(p dhe2048)" "$(a dhe2048)" "dhe2048: equals the active probe's"
case_run modp r4096 --tls-max 1.2 --ciphers DHE-RSA-AES256-GCM-SHA384
is "$(json "$T/modp.check.json" .tls_group),$(p modp)" \
    "modp_4096,insufficient sufficient phase-out insufficient sufficient good" \
    "modp: RFC 3526 MODP 4096 (no RFC 7919 group): key exchange insufficient"
is "$(p modp)" "$(a modp)" "modp: equals the active probe's"

# ---- a SHA-1-signed leaf ----
case_run sha1 sha1 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384
is "$(p sha1)" "insufficient sufficient sufficient sufficient phase-out insufficient" \
    "sha1: cert_signature insufficient, overall insufficient"
is "$(p sha1)" "$(a sha1)" "sha1: equals the active probe's"

# ---- static RSA key exchange ----
case_run rsakx r4096 --tls-max 1.2 --ciphers AES256-GCM-SHA384
is "$(p rsakx)" "insufficient sufficient insufficient insufficient sufficient good" \
    "rsakx: no ServerKeyExchange, key exchange insufficient"
is "$(p rsakx)" "$(a rsakx)" "rsakx: equals the active probe's"

# ---- TLS 1.3: the certificate is encrypted ----
case_run t13 r2048 --tls-min 1.3 --ciphersuites TLS_AES_256_GCM_SHA384 --groups X25519
is "$(p t13)" "sufficient good good sufficient null null" \
    "t13: cert_key and cert_signature null, overall over the rest"
is "$(mid t13 p)" "$(mid t13 a)" \
    "t13: version, cipher, key exchange equal the active probe's (which says $(a t13))"

# ---- the text output: the overall in the RATING column ----
"$SMTPMONCTL" pcap --ports "$(json "$T/t12rsa.json" '.[0].port')" "$T/t12rsa.pcap" \
    > "$T/t12rsa.txt" 2>/dev/null
is "$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "RATING") c = i } NR == 2 { print $c }' \
    "$T/t12rsa.txt")" phase-out "text: the RATING column shows the overall"

# ---- a real Postfix, TLS 1.2 with its RSA certificate ----
port=$(free_port)
postfix_start pfrate "$port" "<=TLSv1.2"
capture_start "$port" "$T/pf.pcap"
"$SMTPMONCTL" check --json --secure yes --cafile "$T/pfrate.crt" --servername pfrate \
    "127.0.0.1:$port" > "$T/pf.check.json"
crc=$?
capture_stop "$T/pf.pcap"
"$SMTPMONCTL" pcap --json --ports "$port" "$T/pf.pcap" > "$T/pf.json" 2> "$T/pf.err"
is "$crc,$?,$(json "$T/pf.json" '.[0].tls_version')" "0,0,TLSv1.2" "Postfix: TLS 1.2 seen passively"
is "$(jq -r ".[0] | $RJQ" "$T/pf.json")" "$(jq -r "$RJQ" "$T/pf.check.json")" \
    "Postfix: the passive rating equals the active probe's ($(jq -r "$RJQ" "$T/pf.check.json"))"
