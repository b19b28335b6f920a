#!/bin/bash
# TLS downgrade detection against a real Postfix: smtpmond watches a Postfix
# that offers TLS 1.3 (the baseline, set at first sight without any alert);
# smtpd_tls_protocols is then changed to TLS 1.2 only and Postfix reloaded, and
# smtpmond's next reprobe sends exactly one smtpmonTlsDowngrade
# (tls-version-lowered, tls13(7) -> tls12(6)) through snmpd (AgentX master) to
# snmptrapd and logs SMD1850W, while the baseline stays TLSv1.3. Restoring
# TLS 1.3 and reloading again brings smtpmonTlsRecovered.
#
# Postfix note: `postfix reload` leaves an smtpd that is in a session running
# until the client leaves, and smtpmond's monitor connection never leaves (it
# sends NOOP every second), so tests/lib/postfix.sh's postfix_set, which waits
# for every pre-reload process to be gone, cannot be used while smtpmond is
# connected. pf_reload below edits main.cf the same way (postconf -e, then the
# mtime backdated, see _pf_backdate) and runs `postfix -c DIR reload`; new
# connections (smtpmond's reprobes) get new smtpd processes with the new
# settings, the monitor connection stays on its old process.
. "$srcdir/tests/lib/tap.sh"
for tool in postfix postconf snmpd snmptrapd ss jq openssl; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (postfix)"; exit 0; }
. "$srcdir/tests/lib/postfix.sh"
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/snmp.sh"
plan 23

ROOT=.1.3.6.1.3.5321                      # agent/output/snmp_mib.h SMTPMON_OID_ROOT
N_DOWN=$ROOT.0.4 N_REC=$ROOT.0.5 NO=$ROOT.1.4
REPROBE=2                                 # ReprobeInterval, seconds
# seconds from `postfix reload` to the notification: one reprobe interval
# (+10 % jitter) + 2 s, plus an allowance for the reload itself (the master
# restarts its children; an old idle smtpd may still take one more connection)
DOWN_LIMIT=10
REC_LIMIT=12                              # recovery takes two good reprobes
NAME=pfdg.test
export MIBS=

# wait_event OID EVENT SECONDS: wait, at most until SECONDS after the last
# `postfix reload` began (wall clock), for the first trap of kind OID with
# reason EVENT; print its line
wait_event() {
    local oid=$1 ev=$2 limit=$3 late
    while :; do
        late=$(awk -v a="$RELOADED" -v b="$(date +%s.%N)" -v l="$limit" 'BEGIN { print (b - a > l) }')
        if [ "$(ntraps "$oid" "$ev")" -ge 1 ]; then
            grep -E "$(_snmp_trap_re "$oid")" "$TRAP_LOG" | grep "$NO.5.0 = STRING: \"$ev\"" | head -1
            return 0
        fi
        [ "$late" = 1 ] && return 1
        sleep 0.1
    done
}
reprobes() { ctl status --json | jq ".[] | select(.index == $IDX) | .counters.reprobes"; }
# wait for N more classifications by reprobe than now
settle() {
    local want=$(($(reprobes) + ${1:-2}))
    wait_until 150 '[ "$(reprobes)" -ge '"$want"' ]'
}
bjson() { ctl baseline show "127.0.0.1:$PORT" --json; }
# pf_reload KEY=VALUE...: postconf -e into the instance's main.cf, backdate it
# (Postfix stalls ~2 s on a main.cf younger than a second or two) and reload.
# RELOADED: when `postfix reload` began.
pf_reload() {
    local t1
    postconf -c "$PF_CONF" -e "$@" || bail "postconf -e $* failed"
    touch -d "@$(($(date +%s) - 10))" "$PF_CONF/main.cf"
    RELOAD_LINE=$(wc -l <"$PF_LOG")
    RELOADED=$(date +%s.%N)
    postfix -c "$PF_CONF" reload >>"$PF_DIR/start.out" 2>&1 ||
        bail "postfix reload failed: $(tail -5 "$PF_DIR/start.out")"
    t1=$(date +%s.%N)
    echo "# $*: postfix reload took $(awk -v a="$RELOADED" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
}
elapsed() { awk -v a="$RELOADED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# maillog lines since the last reload
since_reload() { tail -n "+$((RELOAD_LINE + 1))" "$PF_LOG"; }

snmptrapd_start
snmpd_start
PORT=$(free_port)
postfix_start "$NAME" "$PORT" ">=TLSv1.2"
echo "# Postfix $(postconf -c "$PF_CONF" -h mail_version) on 127.0.0.1:$PORT, smtpd_tls_protocols = $(postconf -c "$PF_CONF" -h smtpd_tls_protocols)"

mond_conf "$T/smtpmon.conf" <<EOF
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval 1
    ReprobeInterval $REPROBE
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $PORT
    Secure Yes
    TlsServerName $NAME
}
CAFile $T/$NAME.crt
AgentXSocket $AGENTX_SOCK
EOF
mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
wait_until 100 '[ "$(rows_where ".state == \"up\"")" = 1 ]' || bail "the Postfix target did not come up"
IDX=$(ctl status --json | jq -r ".[] | select(.target == \"127.0.0.1:$PORT\") | .index")

# ---- first sight: TLS 1.3 is the baseline, nothing is alerted ----
settle 2 || bail "no reprobes of the Postfix target"
b=$(bjson)
is "$(jq -r '.[0].baseline.tls_version' <<<"$b")" TLSv1.3 "first sight sets the baseline: TLSv1.3 ($(jq -r '.[0].baseline.cipher' <<<"$b"))"
is "$(jq -c '.[0].tls_downgrades' <<<"$b")" '[]' "nothing downgraded at first sight"
is "$(grep -c "SMD1850W" "$MOND_LOG")" 0 "first sight alerts nothing (no SMD1850W)"
is "$(trap_count "$N_DOWN")" 0 "no smtpmonTlsDowngrade at first sight"

# ---- smtpd_tls_protocols without TLS 1.3, postfix reload ----
pf_reload "smtpd_tls_protocols = >=TLSv1.2, <=TLSv1.2"
line=$(wait_event "$N_DOWN" tls-version-lowered "$DOWN_LIMIT")
rc=$? took=$(elapsed)
ok "$rc" "smtpmonTlsDowngrade tls-version-lowered at snmptrapd within $DOWN_LIMIT s of the reload (after $took s)"
is "$(tvar "$line" "$NO.1.0")" "INTEGER: 7" "old level tls13(7)"
is "$(tvar "$line" "$NO.2.0")" "INTEGER: 6" "new level tls12(6)"
like "$(tvar "$line" "$NO.3.0")" '^INTEGER: 486[5-7]$' "old cipher a TLS 1.3 suite ($(tvar "$line" "$NO.3.0"))"
new_cipher=$(tvar "$line" "$NO.4.0")
grep -q "SMD1850W TLS downgrade: event=tls-version-lowered target=127.0.0.1:$PORT index=$IDX old_tls=TLSv1.3 new_tls=TLSv1.2" "$MOND_LOG"
ok $? "SMD1850W line in smtpmond's log"
grep -q "TLS connection established from .*: TLSv1.2 with cipher" <(since_reload)
ok $? "Postfix's maillog: a TLSv1.2 session after the reload (smtpmond's reprobe)"
facts=$(sclient_facts 127.0.0.1 "$PORT")
is "$(awk '$1 == "version" { print $2 }' <<<"$facts")" TLSv1.2 "openssl s_client against the reloaded Postfix: TLSv1.2"
sc=$(awk '$1 == "cipher" { print $2 }' <<<"$facts" | tr -d ',' | sed 's/0x//g')
is "$new_cipher" "INTEGER: $((16#${sc:-0}))" "new cipher id is the one s_client negotiates (0x$sc $(awk '$1 == "cipher" { print $3 }' <<<"$facts"))"
b=$(bjson)
is "$(jq -r '.[0].baseline.tls_version' <<<"$b")" TLSv1.3 "baseline show: the baseline is still TLSv1.3"
is "$(jq -c '.[0].tls_downgrades' <<<"$b")" '["tls-version-lowered"]' "baseline show: tls_downgrades [\"tls-version-lowered\"]"
settle 3
ok $? "3 more reprobes of the TLS 1.2 Postfix"
is "$(trap_count "$N_DOWN") $(ntraps "$N_DOWN" tls-version-lowered)" "1 1" \
    "still exactly one smtpmonTlsDowngrade after $(reprobes) reprobes"
is "$(grep -c "SMD1850W" "$MOND_LOG")" 1 "and exactly one SMD1850W line"

# ---- TLS 1.3 back, postfix reload ----
pf_reload "smtpd_tls_protocols = >=TLSv1.2"
line=$(wait_event "$N_REC" tls-version-lowered "$REC_LIMIT")
rc=$? took=$(elapsed)
ok "$rc" "smtpmonTlsRecovered for tls-version-lowered within $REC_LIMIT s of the reload (after $took s; 2 good reprobes needed)"
is "$(tvar "$line" "$NO.1.0") $(tvar "$line" "$NO.2.0")" "INTEGER: 6 INTEGER: 7" "recovery: old level 6, new level 7"
grep -q "SMD1851I TLS downgrade recovered: event=tls-version-lowered target=127.0.0.1:$PORT" "$MOND_LOG"
ok $? "SMD1851I line in smtpmond's log"
b=$(bjson)
is "$(jq -r '.[0].baseline.tls_version + " " + (.[0].tls_downgrades | tojson)' <<<"$b")" "TLSv1.3 []" \
    "baseline show after recovery: TLSv1.3, nothing downgraded"
is "$(trap_count "$N_DOWN") $(trap_count "$N_REC")" "1 1" "one downgrade and one recovery notification in all"

mond_stop
is "$MOND_RC" 0 "smtpmond stops cleanly"
