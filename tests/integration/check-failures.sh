#!/bin/bash
# smtpmonctl check against misbehaving servers: the server's own reply is
# reported, every wait has a timeout, injection is caught, and bad input
# gives UNKNOWN with a reason.
. "$srcdir/tests/lib/tap.sh"
plan 40

gen_cert fixture.test
CERT=(--cert "$T/fixture.test.crt" --key "$T/fixture.test.key")
TRUST=(--cafile "$T/fixture.test.crt" --servername fixture.test)

# run NAME CHECK-OPTIONS...: check once with --json, once with the status line; leaves
# $T/NAME.json and $T/NAME.txt; sets rc to both exit statuses ("2,2") and ms_json,
# ms_txt to each run's wall-clock time in ms
run() {
    local name=$1 rc_json t0 t1 t2; shift
    t0=$(date +%s%N)
    "$SMTPMONCTL" check --json "$@" > "$T/$name.json"; rc_json=$?
    t1=$(date +%s%N)
    "$SMTPMONCTL" check "$@" > "$T/$name.txt"; rc="$rc_json,$?"
    t2=$(date +%s%N)
    ms_json=$(( (t1 - t0) / 1000000 )) ms_txt=$(( (t2 - t1) / 1000000 ))
}


start_fixture b421 --banner "421 4.3.2 Service not available, try later"
run b421 "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "421 greeting: CRITICAL"
is "$(json "$T/b421.json" .last_reply)" "421 4.3.2 Service not available, try later" "421 greeting: the server's reply is reported"
like "$(head -1 "$T/b421.txt")" "^SMTP CRITICAL - greeting refused: 421 4.3.2 Service not available" "421 greeting: status line quotes it"

start_fixture b554 --banner '554-no service for you\n554 5.7.1 go away'
run b554 "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "554 greeting: CRITICAL"
is "$(json "$T/b554.json" .last_reply)" $'554-no service for you\n554 5.7.1 go away' "multi-line 554 greeting reported whole"
wait_for_log "$FIX_LOG" "recv QUIT" 300
ok $? "554 greeting: QUIT sent politely"
is "$(json "$T/b554.json" .server_type)" null "554 greeting: server type undetermined"
is "$(json "$T/b554.json" .appldata)" "EZASMTPM SMTPMON                        " "554 greeting: appldata blanks"

start_fixture nostls --caps "PIPELINING,8BITMIME" "${CERT[@]}"
run nostls --secure yes "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "Secure Yes, STARTTLS not offered: CRITICAL"
like "$(head -1 "$T/nostls.txt")" "STARTTLS is not offered" "reason names the missing STARTTLS"
is "$(json "$T/nostls.json" .security_method)" basic "no STARTTLS: security method basic"
like "$(json "$T/nostls.json" .last_reply)" '^250-fixture.test' "no STARTTLS: last_reply is the EHLO reply, not the QUIT reply"

start_fixture s454 --starttls-reply "454 4.7.0 TLS not available due to local problem" "${CERT[@]}"
run s454 --secure yes "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "454 to STARTTLS: CRITICAL"
is "$(json "$T/s454.json" .last_reply)" "454 4.7.0 TLS not available due to local problem" "454 reply reported"
is "$(json "$T/s454.json" .failure.kind)" starttls "failure kind starttls"

start_fixture inject --inject '250-injected\n250 PIPELINING\n' "${CERT[@]}"
run inject --secure yes "${TRUST[@]}" "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "plaintext after STARTTLS 220: CRITICAL"
is "$(json "$T/inject.json" .failure.kind)" injection "failure kind injection"
is "$(json "$T/inject.json" .security_method)" null "injection: TLS not reported as negotiated"
# "close" is the fixture's last line for a session; run made two
log_lacks "$FIX_LOG" "^conn 2 close" " tls TLS" "injection: no TLS handshake was completed"

start_fixture mid --close-mid-reply
run mid "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "close in mid-reply: CRITICAL"
is "$(json "$T/mid.json" .failure.kind)" closed "close in mid-reply: failure kind closed"
like "$(json "$T/mid.json" .failure.reason)" "closed by server in state EHLO" "close in mid-reply: reason names the state"

# The fixture stalls for 60 s and the default timeout is 10 s: the reason quotes
# the limit that fired, and each run must end well before the default (5 s: a
# generous bound, not a measurement; timing belongs in bench/).
start_fixture stall --stall banner
run stall --timeout 1 "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "stalled greeting: CRITICAL"
is "$(json "$T/stall.json" .failure.kind)" timeout "stalled greeting: timeout"
like "$(json "$T/stall.json" .failure.reason)" "^no greeting within 1\.0 s" "stalled greeting: the 1 s limit fired"
ok $(( ms_json < 5000 && ms_txt < 5000 ? 0 : 1 )) \
    "stalled greeting: each run ends well before the 10 s default (${ms_json} ms, ${ms_txt} ms)"

start_fixture stallehlo --stall ehlo
run stallehlo --timeout 1 "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "stalled EHLO: CRITICAL"
like "$(json "$T/stallehlo.json" .failure.reason)" "no reply within" "stalled EHLO: timeout names the wait"

start_fixture stalltls --stall starttls "${CERT[@]}"
run stalltls --timeout 1 --secure yes "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "stalled STARTTLS: CRITICAL"
is "$(json "$T/stalltls.json" .failure.in_state)" STARTTLS "stalled STARTTLS: timeout in state STARTTLS"

# Silent for 60 s after QUIT: the wait for the 221 is at most 5 s
# (probes/smtp_session.c QUIT_WAIT_MAX_MS), less when --timeout is shorter. With
# --timeout 1 the check must end before those 5 s (4 s: generous, not a measurement).
start_fixture stallquit --stall quit
t0=$(date +%s%N)
"$SMTPMONCTL" check --timeout 1 "127.0.0.1:$FIX_PORT" > "$T/stallquit.txt"; rc=$?
t1=$(date +%s%N)
is "$rc" 0 "server silent after QUIT: classification stands, OK"
ms=$(( (t1 - t0) / 1000000 ))
ok $(( ms < 4000 ? 0 : 1 )) "server silent after QUIT: the 1 s timeout ends the wait for 221, not the 5 s cap (${ms} ms)"

start_fixture e421 --ehlo-reply "421 4.7.0 too many connections"
run e421 "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "421 to EHLO: CRITICAL"
is "$(json "$T/e421.json" .last_reply)" "421 4.7.0 too many connections" "421 to EHLO: reply reported, no HELO fallback"

# nothing listening
kill "$FIX_PID"; wait "$FIX_PID" 2>/dev/null
run refused "127.0.0.1:$FIX_PORT"
is "$rc" 2,2 "connection refused: CRITICAL"
like "$(head -1 "$T/refused.txt")" "connect: Connection refused" "connection refused: reason"

# bad input: UNKNOWN with a reason
"$SMTPMONCTL" check no-such-host.invalid > "$T/u1.txt"; rc=$?
is "$rc" 3 "unresolvable name: UNKNOWN"
"$SMTPMONCTL" check --secure maybe 127.0.0.1 > "$T/u2.txt"; rc=$?
like "$rc:$(cat "$T/u2.txt")" "^3:SMTP UNKNOWN - --secure: expected yes or no" "bad --secure value: UNKNOWN with reason"
"$SMTPMONCTL" check --writer TOO-LONG-NAME 127.0.0.1 > "$T/u3.txt"; rc=$?
like "$rc:$(cat "$T/u3.txt")" "^3:SMTP UNKNOWN - --writer" "bad writer name: UNKNOWN"
"$SMTPMONCTL" check '[::1' > "$T/u4.txt"; rc=$?
is "$rc" 3 "malformed target: UNKNOWN"
