#!/bin/bash
# smtpmond against three fixture servers (ESMTP+STARTTLS, plain ESMTP,
# SMTP-only): classification in status --json with the DESIGN keys, the
# status table, appldata (control socket and log, byte for byte), targets,
# NOOP round trips, -t, pidfile, SIGTERM -> QUIT on every connection, exit 0.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
plan 39

gen_cert mx.test
start_fixture tls --cert "$T/mx.test.crt" --key "$T/mx.test.key" --hostname mx.test \
    --caps "PIPELINING,SIZE 1000,AUTH PLAIN LOGIN,STARTTLS"
P_TLS=$FIX_PORT LOG_TLS=$FIX_LOG
start_fixture plain --caps "PIPELINING,AUTH LOGIN PLAIN"
P_PLAIN=$FIX_PORT LOG_PLAIN=$FIX_LOG
start_fixture old --ehlo-reply "502 5.5.2 Error: command not recognized"
P_OLD=$FIX_PORT LOG_OLD=$FIX_LOG

mond_conf "$T/smtpmon.conf" <<EOF
ExtWrtName  TESTW
Timeout {
    InitialMsg 5
    AnyCmd 5
    ConnectRetry 1
    Connect 2
}
Monitor {
    NoopInterval 500ms
    ReprobeInterval 0
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_TLS
    Secure Yes
    TlsServerName mx.test
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_PLAIN
    Secure No
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_OLD
}
CAFile $T/mx.test.crt
EOF

out=$("$SMTPMOND" -t -f "$T/smtpmon.conf"); rc=$?
is "$rc" 0 "smtpmond -t accepts the file"
like "$out" "3 TargetServer block\(s\), 3 address\(es\)" "smtpmond -t summarises the targets"

mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
ok 0 "smtpmond started and opened its control socket"
like "$(stat -c %a "$SOCK")" "^660$" "control socket has mode 0660"
is "$(cat "$T/smtpmond.pid")" "$MOND_PID" "pidfile holds the daemon's pid"

wait_until 100 '[ "$(rows_where .classified)" = 3 ]'
is "$(rows_where '.classified == true')" 3 "all three targets classified"
ctl status --json > "$T/st.json"
sel() { jq -r ".[] | select(.target == \"127.0.0.1:$1\") | $2" "$T/st.json"; }

is "$(sel "$P_TLS" '[.state, .server_type, .security_method, .tls_version] | join(" ")')" \
    "up ESMTP TLS TLSv1.3" "STARTTLS target: up ESMTP TLS TLSv1.3"
is "$(sel "$P_TLS" '.cipher_id')" 4866 "cipher as IANA id (0x1302)"
is "$(sel "$P_TLS" '.cipher')" "TLS_AES_256_GCM_SHA384" "cipher by IANA name"
like "$(sel "$P_TLS" '.cert_not_after')" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "cert_not_after in ISO 8601 UTC"
is "$(sel "$P_TLS" '.auth_offered_pretls | join(",")')" "PLAIN,LOGIN" "AUTH offered before TLS listed"
is "$(sel "$P_TLS" '.appldata')" "EZASMTPM TESTW    ET134X 1302           " "appldata of the TLS target"
is "$(sel "$P_PLAIN" '[.state, .server_type, .security_method, (.tls_version|tostring), (.starttls_offered|tostring)] | join(" ")')" \
    "up ESMTP basic null false" "plain target: ESMTP basic, no TLS (PH66548: AUTH offered, Secure No)"
is "$(grep -c STARTTLS "$LOG_PLAIN")" 0 "no STARTTLS sent to the plain target"
is "$(sel "$P_OLD" '[.state, .server_type, .security_method] | join(" ")')" "up SMTP basic" \
    "EHLO-refusing target: SMTP basic"
is "$(sel "$P_OLD" '.appldata')" "EZASMTPM TESTW    SB                    " "appldata of the SMTP-only target"
for k in target state server_type starttls_offered auth_offered_pretls security_method \
    tls_version cipher_id cipher cert_not_after last_reply appldata; do
    miss=$(jq -r "[.[] | select(has(\"$k\") | not)] | length" "$T/st.json")
    [ "$miss" = 0 ] || { echo "# key $k missing"; break; }
done
is "$miss" 0 "every row has every key of the DESIGN JSON contract"
is "$(jq -r '[.[].last_reply] | map(tostring) | unique | join(",")' "$T/st.json")" "null" \
    "last_reply null while targets are up"

# NOOPs every 500 ms with a round trip recorded
wait_until 50 '[ "$(rows_where ".counters.noops >= 3")" = 3 ]'
is "$(rows_where '.counters.noops >= 3')" 3 "NOOPs keep flowing on every monitor connection"
is "$(rows_where '.noop_rtt_us > 0 and .noop_rtt_us < 1000000')" 3 "NOOP round trip recorded (0 < rtt < 1 s)"
n_noop=$(grep -c 'recv NOOP' "$LOG_TLS")
[ "$n_noop" -ge 3 ]; ok $? "the fixture saw the NOOPs ($n_noop)"
is "$(grep -c ' accept ' "$LOG_TLS")" 1 "one monitor connection, kept open (no reconnects)"

# status table
ctl status > "$T/st.txt"; rc=$?
is "$rc" 0 "smtpmonctl status exits 0"
like "$(cat "$T/st.txt")" "3 target\(s\): 3 up, 0 down" "status header counts targets"
like "$(grep "127.0.0.1:$P_TLS " "$T/st.txt")" "up .* E +T +TLSv1.3 TLS_AES_256_GCM_SHA384 \(0x1302\)" \
    "status row of the TLS target"

# appldata: control socket and log, byte for byte
ctl appldata --json > "$T/ap.json"
is "$(jq length "$T/ap.json")" 3 "appldata lists the three open connections"
local_tls=$(jq -r ".[] | select(.remote == \"127.0.0.1:$P_TLS\") | .local" "$T/ap.json")
like "$local_tls" '^127\.0\.0\.1:[0-9]+$' "local address:port of the monitor connection"
peer=$(awk '/ accept /{print $4; exit}' "$LOG_TLS")
is "$local_tls" "$peer" "local port equals the peer the fixture saw"
line=$(grep " 127.0.0.1:$P_TLS monitor " "$ALOG")
like "$line" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z $local_tls 127\.0\.0\.1:$P_TLS monitor EZASMTPM TESTW    ET134X 1302           \$" \
    "appldata log line: time, local, remote, role, record"
is "$(printf '%s' "${line#* * * * }" | wc -c)" 40 "the record in the log is exactly 40 bytes"
is "$(wc -l < "$ALOG")" 3 "one log line per successful connection"
like "$(ctl appldata)" "$local_tls +127\.0\.0\.1:$P_TLS +monitor +EZASMTPM TESTW    ET134X 1302" "appldata table"

# targets
is "$(ctl targets --json | jq -r '[.[].secure|tostring] | join(",")')" "true,false,false" "targets lists Secure per target"

# unknown request and unreachable daemon
"$SMTPMONCTL" -s "$T/none.sock" status >/dev/null 2>&1; rc=$?
is "$rc" 2 "smtpmonctl exits 2 when no daemon answers"
ctl_all_ok "every other smtpmonctl run exited 0"

# SIGTERM: QUIT on every connection, exit 0, pidfile and socket gone
mond_stop
is "$MOND_RC" 0 "SIGTERM: smtpmond exits 0"
q=0
for l in "$LOG_TLS" "$LOG_PLAIN" "$LOG_OLD"; do grep -q 'recv QUIT' "$l" && q=$((q + 1)); done
is "$q" 3 "every fixture saw QUIT"
[ ! -e "$T/smtpmond.pid" ] && [ ! -e "$SOCK" ]; ok $? "pidfile and control socket removed"
grep -q 'SMD1817I target available: target=127.0.0.1:'"$P_TLS" "$MOND_LOG"; ok $? "SMD1817I logged for the TLS target"
