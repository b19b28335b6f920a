#!/bin/bash
# smtpmonctl check against the fixture server: classification, capabilities,
# STARTTLS wherever it stands, SMTP-only servers, IPv6, AUTH over TLS only,
# fragmented replies, and the JSON keys users rely on.
. "$srcdir/tests/lib/tap.sh"
plan 43


gen_cert fixture.test
CERT=(--cert "$T/fixture.test.crt" --key "$T/fixture.test.key")
TRUST=(--cafile "$T/fixture.test.crt" --servername fixture.test)

# 1. ESMTP with STARTTLS offered, Secure No: basic, no STARTTLS sent
start_fixture plain "${CERT[@]}"
out=$("$SMTPMONCTL" check --json --secure no "127.0.0.1:$FIX_PORT"); rc=$?
echo "$out" > "$T/plain.json"
is "$rc" 0 "secure no: exit 0"
is "$(json "$T/plain.json" .server_type)" ESMTP "secure no: server type ESMTP"
is "$(json "$T/plain.json" .starttls_offered)" true "secure no: STARTTLS seen as offered"
is "$(json "$T/plain.json" .security_method)" basic "secure no: security method basic"
is "$(json "$T/plain.json" .tls_version)" null "secure no: no TLS version"
is "$(json "$T/plain.json" .appldata)" "EZASMTPM SMTPMON  EB                    " "secure no: appldata byte-exact"
wait_for_log "$FIX_LOG" "recv QUIT" 300
ok $? "secure no: QUIT sent"
# "close" is the fixture's last line for a session
log_lacks "$FIX_LOG" "^conn 1 close" "recv STARTTLS" "secure no: STARTTLS never sent"

# 2. Same server, Secure Yes: TLS 1.3, EHLO again after TLS
: > "$FIX_LOG"
"$SMTPMONCTL" check --json --secure yes "${TRUST[@]}" "127.0.0.1:$FIX_PORT" > "$T/tls.json"; rc=$?
is "$rc" 0 "secure yes: exit 0 (trusted via --cafile)"
is "$(json "$T/tls.json" .security_method)" TLS "secure yes: security method TLS"
is "$(json "$T/tls.json" .tls_version)" TLSv1.3 "secure yes: TLSv1.3"
like "$(json "$T/tls.json" .cipher_id)" '^(4865|4866|4867)$' "secure yes: TLS 1.3 IANA cipher id"
like "$(json "$T/tls.json" .appldata)" '^EZASMTPM SMTPMON  ET134X 130[123]           $' "secure yes: appldata ET13 4X 130x"
wait_for_log "$FIX_LOG" "recv QUIT" 300
is "$(grep -oE 'recv (EHLO|STARTTLS|NOOP|QUIT)|tls TLSv1.3' "$FIX_LOG" | tr '\n' ',' )" \
   "recv EHLO,recv STARTTLS,tls TLSv1.3,recv EHLO,recv NOOP,recv QUIT," "secure yes: dialogue EHLO STARTTLS tls EHLO NOOP QUIT"
is "$(json "$T/tls.json" '.capabilities_tls | if length > 0 then index("STARTTLS") else "none" end')" null \
    "secure yes: post-TLS capabilities listed, STARTTLS gone from them"
is "$(json "$T/tls.json" .cert_verified)" true "secure yes: certificate verified with --cafile"
is "$(json "$T/tls.json" .cert_host_match)" true "secure yes: certificate name matches"
like "$(json "$T/tls.json" .cert_not_after)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "secure yes: cert_not_after ISO 8601 UTC"

# 3. the JSON keys of the design, always present
keys=$(jq -r '[has("target","state","server_type","starttls_offered","auth_offered_pretls","security_method","tls_version","cipher_id","cipher","cert_not_after","last_reply","appldata")] | all' "$T/plain.json")
is "$keys" true "JSON has every documented key"
is "$(json "$T/plain.json" .target)" "127.0.0.1:$FIX_PORT" "JSON target is ADDR:PORT"

# 4. STARTTLS as the last line, in lower case; multi-line trickled banner
start_fixture last "${CERT[@]}" --caps "PIPELINING,8BITMIME,starttls" \
    --banner '220-fixture.test first\n220-second\n220 third' --trickle 1
"$SMTPMONCTL" check --json --secure yes "${TRUST[@]}" "127.0.0.1:$FIX_PORT" > "$T/last.json"; rc=$?
is "$rc" 0 "'250 starttls' last and lower-case: exit 0"
is "$(json "$T/last.json" .security_method)" TLS "'250 starttls' last and lower-case: TLS negotiated"
is "$(json "$T/last.json" .banner)" "220-fixture.test first" "trickled multi-line banner read whole"
is "$(json "$T/last.json" '.capabilities_pretls|join(" ")')" "STARTTLS PIPELINING 8BITMIME" "trickled EHLO reply parsed"

# 5. SMTP-only server: EHLO refused, HELO accepted
start_fixture smtponly --ehlo-reply "502 5.5.2 Error: command not recognized"
"$SMTPMONCTL" check --json "127.0.0.1:$FIX_PORT" > "$T/smtp.json"; rc=$?
is "$rc" 0 "SMTP-only: exit 0"
is "$(json "$T/smtp.json" .server_type)" SMTP "SMTP-only: server type SMTP"
is "$(json "$T/smtp.json" .starttls_offered)" false "SMTP-only: starttls_offered false"
is "$(json "$T/smtp.json" .appldata)" "EZASMTPM SMTPMON  SB                    " "SMTP-only: appldata SB"
wait_for_log "$FIX_LOG" "recv HELO" 300
ok $? "SMTP-only: HELO sent after the 502"

# 6. IPv6
rm -f "$T/v6.ready"
"$SMTPFIX" --listen '[::1]:0' --ready "$T/v6.ready" --log "$T/v6.log" "${CERT[@]}" 2>/dev/null &
track $!
for i in $(seq 100); do [ -s "$T/v6.ready" ] && break; sleep 0.05; done
[ -s "$T/v6.ready" ] || bail "IPv6 fixture did not start"
p6=$(awk '{print $2}' "$T/v6.ready")
"$SMTPMONCTL" check --json --secure yes "${TRUST[@]}" "[::1]:$p6" > "$T/v6.json"; rc=$?
is "$rc" 0 "IPv6: exit 0"
is "$(json "$T/v6.json" .target)" "[::1]:$p6" "IPv6: target [::1]:PORT"
is "$(json "$T/v6.json" .tls_version)" TLSv1.3 "IPv6: TLS"

# 7. AUTH: only after TLS, with the AuthEntity credentials
start_fixture auth "${CERT[@]}" --caps "AUTH PLAIN LOGIN,STARTTLS" --auth-user probe --auth-pass s3cret
printf 's3cret\n' > "$T/pw"; printf 'wrong\n' > "$T/badpw"
"$SMTPMONCTL" check --json "${TRUST[@]}" --auth-user probe --auth-password-file "$T/pw" "127.0.0.1:$FIX_PORT" > "$T/auth.json"; rc=$?
is "$rc" 0 "AUTH: exit 0"
is "$(json "$T/auth.json" .auth_done)" true "AUTH: authenticated"
is "$(json "$T/auth.json" .security_method)" TLS "AUTH entity implies TLS even with Secure No"
wait_for_log "$FIX_LOG" "recv QUIT" 300
first_auth=$(grep -n "recv AUTH" "$FIX_LOG" | head -1 | cut -d: -f1)
first_tls=$(grep -n " tls TLS" "$FIX_LOG" | head -1 | cut -d: -f1)
ok $(( ${first_auth:-0} > ${first_tls:-999999} ? 0 : 1 )) "AUTH sent only after the TLS handshake"
"$SMTPMONCTL" check --json "${TRUST[@]}" --auth-user probe --auth-password-file "$T/badpw" "127.0.0.1:$FIX_PORT" > "$T/badauth.json"; rc=$?
is "$rc" 2 "AUTH refused: CRITICAL"
like "$(json "$T/badauth.json" .last_reply)" "^535 5.7.8" "AUTH refused: the server's 535 reply reported"

# AUTH LOGIN only
start_fixture authlogin "${CERT[@]}" --caps "AUTH LOGIN,STARTTLS" --auth-user probe --auth-pass s3cret
"$SMTPMONCTL" check --json "${TRUST[@]}" --auth-user probe --auth-password-file "$T/pw" "127.0.0.1:$FIX_PORT" > "$T/login.json"; rc=$?
is "$rc" 0 "AUTH LOGIN: exit 0"
is "$(json "$T/login.json" .auth_done)" true "AUTH LOGIN exchange succeeds"

# 8. the status line form
out=$("$SMTPMONCTL" check --secure yes "${TRUST[@]}" -D 30,7 "127.0.0.1:$FIX_PORT"); rc=$?
is "$rc" 0 "status line form: exit 0 (certificate valid beyond 30 days)"
like "$(echo "$out" | head -1)" '^SMTP OK - ESMTP, STARTTLS TLSv1\.3 TLS_[A-Z0-9_]+ \(0x130[123]\), certificate expires in [0-9]+ days \| connect=[0-9.]+s;;;0 .*time=[0-9.]+s;;;0$' "status line in monitoring-plugins form"
like "$(echo "$out" | grep '^appldata:')" '^appldata: "EZASMTPM SMTPMON  ET134X 130[123]           "$' "long output carries the appldata record"
