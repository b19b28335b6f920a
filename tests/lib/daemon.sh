# tests/lib/daemon.sh: run a real smtpmond in a test (source after tap.sh).
#
# Environment from `make check`: SMTPMOND, SMTPMONCTL, SMTPFIX.
#
#   mond_conf FILE            write a configuration: the statements read from
#                             stdin plus ControlSocket, PidFile, StateDir,
#                             AppldataLog under $T (unless stdin sets them)
#   mond_start FILE [ARGS]    start `smtpmond -F -f FILE ARGS`, wait for its
#                             control socket; sets MOND_PID MOND_LOG SOCK
#   mond_stop                 SIGTERM and wait; sets MOND_RC
#   mond_stop_ok DESC         mond_stop, and one test: MOND_RC is 0 (a sanitizer
#                             finding makes it non-zero)
#   ctl ARGS...               smtpmonctl -s $SOCK ARGS...; returns its status and
#                             appends "STATUS ARGS" to $T/ctl.rc (also from $(...))
#   ctl_all_ok DESC           one test: every ctl run since the last ctl_all_ok
#                             exited 0, and there was one; names those that did not
#   wait_until TENTHS 'SHELL CODE'  eval the code every 0.1 s until it succeeds
#                             (quote it: substitutions must run each time)
#   fix_at NAME LISTEN... -- OPTS   smtpfix on the given ADDR:PORT listeners;
#                             sets FIX_PID FIX_LOG, FIX_ADDRS ("ADDR:PORT" lines)
#   alert_env_command         write $T/alert.sh, an AlertCommand that appends its
#                             environment, sorted, as one line to $T/alerts.out

SOCK="$T/ctl.sock"
MOND_LOG="$T/smtpmond.log"
ALOG="$T/appldata.log"

mond_conf() {
    local file=$1 body
    body=$(cat)
    {
        printf '%s\n' "$body"
        grep -qi '^ *ControlSocket' <<<"$body" || echo "ControlSocket $SOCK"
        grep -qi '^ *PidFile' <<<"$body" || echo "PidFile $T/smtpmond.pid"
        grep -qi '^ *StateDir' <<<"$body" || echo "StateDir $T/state"
        grep -qi '^ *AppldataLog' <<<"$body" || echo "AppldataLog $ALOG"
        grep -qi '^ *AgentXSocket' <<<"$body" || echo "AgentXSocket off"
    } > "$file"
}

mond_start() {
    local conf=$1
    shift
    rm -f "$SOCK"
    # started = its SMD0001I line, the last step of a start; the control
    # socket comes earlier, before the passive probe and the subagent
    local before
    before=$(grep -c "SMD0001I" "$MOND_LOG" 2>/dev/null)
    "$SMTPMOND" -F -f "$conf" "$@" 2>>"$MOND_LOG" &
    MOND_PID=$!
    track "$MOND_PID"
    local i
    for i in $(seq 1 600); do
        [ -S "$SOCK" ] && [ "$(grep -c "SMD0001I" "$MOND_LOG")" -gt "${before:-0}" ] && return 0
        kill -0 "$MOND_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "# smtpmond did not start; its log:"
    sed 's/^/#   /' "$MOND_LOG"
    return 1
}

mond_stop() {
    kill -TERM "$MOND_PID" 2>/dev/null
    wait "$MOND_PID"
    MOND_RC=$?
}

mond_stop_ok() {
    mond_stop
    is "$MOND_RC" 0 "$1"
}

ctl() {
    local rc
    "$SMTPMONCTL" -s "$SOCK" "$@"
    rc=$?
    echo "$rc $*" >> "$T/ctl.rc"
    return "$rc"
}

ctl_all_ok() {
    local runs bad
    runs=$(cat "$T/ctl.rc" 2>/dev/null | wc -l)
    bad=$(awk '$1 != 0 { n["exit " $1 ": smtpmonctl " substr($0, index($0, " ") + 1)]++ }
        END { for (k in n) print k " (" n[k] "x)" }' "$T/ctl.rc" 2>/dev/null | head -5)
    rm -f "$T/ctl.rc"
    if [ "$runs" -gt 0 ] && [ -z "$bad" ]; then
        ok 0 "$1 ($runs smtpmonctl runs, all exit 0)"
    else
        ok 1 "$1"
        [ "$runs" -gt 0 ] || echo "#   no smtpmonctl run recorded"
        [ -z "$bad" ] || printf '%s\n' "$bad" | sed 's/^/#   /'
    fi
}

wait_until() {
    local tenths=$1 i
    shift
    for i in $(seq 1 "$tenths"); do
        eval "$*" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

fix_at() {
    local name=$1 args=()
    shift
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        args+=(--listen "$1")
        shift
    done
    [ $# -gt 0 ] && shift
    rm -f "$T/$name.ready"
    FIX_LOG="$T/$name.log"
    "$SMTPFIX" "${args[@]}" --ready "$T/$name.ready" --log "$FIX_LOG" "$@" 2>>"$T/$name.err" &
    FIX_PID=$!
    track "$FIX_PID"
    local i
    for i in $(seq 1 100); do
        [ -s "$T/$name.ready" ] && break
        sleep 0.05
    done
    [ -s "$T/$name.ready" ] || bail "fixture $name did not start: $(cat "$T/$name.err")"
    FIX_ADDRS=$(awk '{ if ($1 ~ /:/) printf "[%s]:%s\n", $1, $2; else printf "%s:%s\n", $1, $2 }' \
        "$T/$name.ready")
}

# count of rows in `status --json` matching a jq condition
rows_where() { ctl status --json | jq "[.[] | select($1)] | length"; }

alert_env_command() {
    cat > "$T/alert.sh" <<EOF
#!/bin/sh
# one write per alert: commands may run side by side (up to 4)
e=\$(env | sort | tr '\\n' ' '); printf '%s\\n' "\$e" >> "$T/alerts.out"
EOF
    chmod +x "$T/alert.sh"
}
