# tests/lib/kept.sh: several smtpmond at once, polled second by second, for
# the tests of kept monitor connections against servers that defend
# themselves (idle limits, command limits, throttles). Source after tap.sh.
#
# Environment from `make check`: SMTPMOND, SMTPMONCTL.
#
#   kept_conf NAME NOOP BUDGET RETRY   write $T/NAME.conf: Monitor NoopInterval NOOP,
#                         NoopBudget BUDGET ("" = the default), ReprobeInterval 0,
#                         Timeout ConnectRetry RETRY, InitialMsg/AnyCmd 5, Connect 2;
#                         the target blocks from stdin; its own socket, state, logs;
#                         AgentXSocket off unless stdin sets it
#   kept_start NAME       smtpmond -F -f $T/NAME.conf; waits for its socket;
#                         log $T/NAME.log, pid in KEPT_PID[NAME]
#   kctl NAME ARGS...     smtpmonctl -s $T/NAME.sock ARGS...
#   kept_watch SECS NAME...  poll `status --json` of each daemon once a second for
#                         SECS seconds; one line per poll in $T/NAME.polls:
#                         "SECOND ROWS UP NOT-UP-TARGETS..." (a failed poll: "SECOND error");
#                         the last answer in $T/NAME.json
#   kept_polls_all_up NAME   true when every poll saw every row up
#   kept_stop NAME        SIGTERM and wait; exit status in KEPT_RC
#   kept_sel NAME TARGET JQ  jq -r JQ on the row of TARGET in $T/NAME.json

declare -A KEPT_PID=()

kept_conf() {
    local name=$1 noop=$2 budget=$3 retry=$4 body
    body=$(cat)
    {
        printf 'Timeout {\n    InitialMsg 5\n    AnyCmd 5\n    Connect 2\n    ConnectRetry %s\n}\n' "$retry"
        printf 'Monitor {\n    NoopInterval %s\n    ReprobeInterval 0\n' "$noop"
        [ -n "$budget" ] && printf '    NoopBudget %s\n' "$budget"
        printf '}\n'
        printf '%s\n' "$body"
        printf 'ControlSocket %s\nPidFile %s\nStateDir %s\nAppldataLog %s\n' \
            "$T/$name.sock" "$T/$name.pid" "$T/$name.state" "$T/$name.appldata"
        grep -qi '^ *AgentXSocket' <<<"$body" || echo "AgentXSocket off"
    } >"$T/$name.conf"
}

kept_start() {
    local name=$1 i
    local before
    rm -f "$T/$name.sock"
    before=$(grep -c "SMD0001I" "$T/$name.log" 2>/dev/null)   # started: its SMD0001I line
    "$SMTPMOND" -F -f "$T/$name.conf" 2>>"$T/$name.log" &
    KEPT_PID[$name]=$!
    track "$!"
    for i in $(seq 1 600); do
        [ -S "$T/$name.sock" ] && [ "$(grep -c "SMD0001I" "$T/$name.log")" -gt "${before:-0}" ] &&
            return 0
        kill -0 "${KEPT_PID[$name]}" 2>/dev/null || break
        sleep 0.05
    done
    sed 's/^/#   /' "$T/$name.log"
    return 1
}

kctl() { local name=$1; shift; "$SMTPMONCTL" -s "$T/$name.sock" "$@"; }

kept_watch() {
    local secs=$1 s name out
    shift
    for s in $(seq 1 "$secs"); do
        for name in "$@"; do
            if out=$(kctl "$name" status --json 2>/dev/null) && [ -n "$out" ]; then
                printf '%s\n' "$out" >"$T/$name.json"
                printf '%s %s\n' "$s" "$(jq -r '"\(length) \([.[] | select(.state == "up")] | length) \([.[] | select(.state != "up") | .target + "=" + .state] | join(" "))"' <<<"$out")" \
                    >>"$T/$name.polls"
            else
                echo "$s error" >>"$T/$name.polls"
            fi
        done
        sleep 1
    done
}

kept_polls_all_up() {
    [ -s "$T/$1.polls" ] && awk '$2 == "error" || $2 != $3 { bad = 1 } END { exit bad }' "$T/$1.polls"
}

kept_stop() {
    kill -TERM "${KEPT_PID[$1]}" 2>/dev/null
    wait "${KEPT_PID[$1]}"
    KEPT_RC=$?
}

kept_sel() { jq -r ".[] | select(.target == \"$2\") | $3" "$T/$1.json"; }
