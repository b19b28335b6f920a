# tests/lib/tap.sh: shared helpers for smtpmon's integration tests (bash, TAP output).
#
# Source it first thing in a test script:   . "$srcdir/tests/lib/tap.sh"
# Environment given by `make check` (Makefile.am AM_TESTS_ENVIRONMENT):
#   SMTPMONCTL  path of the built smtpmonctl
#   SMTPFIX     path of the built fixture SMTP server
#   srcdir      top source directory
# Every helper that starts a process records it; all are killed on exit, and the
# scratch directory $T is removed (kept when the script fails, for inspection).

set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/smtpmon-test.XXXXXX")
_tap_n=0
_tap_failed=0
_tap_pids=()

# _tap_alive PID: running (a zombie, ended but not yet reaped, is not)
_tap_alive() {
    local st
    st=$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st%% *}" != Z ]
}

_tap_cleanup() {
    local p
    for p in "${_tap_pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    # up to 5 s to end on their own: a sanitizer build checks for leaks at
    # exit, and a report it writes then fails the test (tests/lib/runtest.sh)
    for _ in $(seq 1 50); do
        for p in "${_tap_pids[@]}"; do
            _tap_alive "$p" && break
            p=
        done
        [ -z "${p:-}" ] && break
        sleep 0.1
    done
    for p in "${_tap_pids[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [ "$_tap_failed" -eq 0 ]; then
        rm -rf "$T"
    else
        echo "# scratch directory kept: $T"
    fi
}
trap _tap_cleanup EXIT

# plan N: announce the number of tests.
plan() { echo "1..$1"; }

# ok STATUS DESC: STATUS 0 means pass.
ok() {
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $_tap_n - $2"
    else
        _tap_failed=$((_tap_failed + 1))
        echo "not ok $_tap_n - $2"
    fi
}

# is GOT EXPECTED DESC: string equality.
is() {
    if [ "$1" = "$2" ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "got:     " "'$1'"
        diag "expected:" "'$2'"
    fi
}

# like GOT REGEX DESC: extended-regex match.
like() {
    if [[ "$1" =~ $2 ]]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "got:     " "'$1'"
        diag "expected to match:" "'$2'"
    fi
}

# unlike GOT REGEX DESC: must not match.
unlike() {
    if [[ "$1" =~ $2 ]]; then
        ok 1 "$3"
        diag "got:     " "'$1'"
        diag "expected not to match:" "'$2'"
    else
        ok 0 "$3"
    fi
}

# skip REASON: a test that cannot run here (TAP "# SKIP"), counted and named
# by tests/run.
skip() {
    _tap_n=$((_tap_n + 1))
    echo "ok $_tap_n # SKIP $1"
}

# diag LABEL TEXT: TEXT as TAP comment lines, the first one labelled
# (a multi-line value stays inside the TAP stream).
diag() {
    local label=$1 text=$2 line first=1
    while IFS= read -r line; do
        if [ "$first" = 1 ]; then echo "#   $label $line"; first=0; else echo "#             $line"; fi
    done <<<"$text"
}

# bail REASON: abort the whole script (TAP Bail out!).
bail() {
    echo "Bail out! $*"
    _tap_failed=$((_tap_failed + 1))
    exit 99
}

# track PID: kill it at exit.
track() { _tap_pids+=("$1"); }

# gen_cert NAME [DAYS]: self-signed RSA-2048 certificate for CN=NAME with a SAN.
# Writes $T/NAME.crt and $T/NAME.key.
gen_cert() {
    local name=$1 days=${2:-825}
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$name.key" -out "$T/$name.crt" \
        -days "$days" -subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
        >/dev/null 2>&1 || bail "openssl req failed"
}

# self_cert NAME KEY [HASH] [CN]: a self-signed certificate $T/NAME.crt and its
# key $T/NAME.key, valid 60 days, for CN (default NAME; also its
# subjectAltName DNS name); KEY "ec" (P-256) or as openssl -newkey takes it
# ("rsa:2048"); HASH the signature's digest (default sha256).
self_cert() {
    local name=$1 key=$2 hash=${3:-sha256} cn=${4:-$1} opts=()
    if [ "$key" = ec ]; then
        opts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    else
        opts=(-newkey "$key")
    fi
    openssl req -x509 "${opts[@]}" -nodes -keyout "$T/$name.key" -out "$T/$name.crt" -days 60 \
        -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" "-$hash" >/dev/null 2>&1 ||
        bail "openssl req $name"
}

# start_fixture NAME [smtpfix options...]: start the fixture server listening on an
# ephemeral loopback port; sets FIX_PORT and FIX_LOG (its event log, $T/NAME.log).
start_fixture() {
    local name=$1
    shift
    rm -f "$T/$name.ready"
    FIX_LOG="$T/$name.log"
    "$SMTPFIX" --listen 127.0.0.1:0 --ready "$T/$name.ready" --log "$FIX_LOG" "$@" \
        2>>"$T/$name.err" &
    local pid=$!
    track "$pid"
    local i
    for i in $(seq 1 100); do
        [ -s "$T/$name.ready" ] && break
        sleep 0.05
    done
    [ -s "$T/$name.ready" ] || bail "fixture $name did not start: $(cat "$T/$name.err")"
    FIX_PORT=$(awk 'NR==1 {print $2}' "$T/$name.ready")
    FIX_PID=$pid
}

# json FILE FILTER: run jq -r on a file.
json() { jq -r "$2" "$1"; }

# wait_for_log FILE REGEX [TENTHS]: wait until a line matching REGEX appears.
wait_for_log() {
    local i
    for i in $(seq 1 "${3:-50}"); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# log_lacks FILE PROOF REGEX DESC: FILE holds a line matching PROOF (waited for,
# up to 30 s: the log was written) and no line matching REGEX (extended, any
# case). A missing or empty log fails, so the negative check can fail.
log_lacks() {
    if ! wait_for_log "$1" "$2" 300; then
        ok 1 "$4"
        echo "#   no line matching '$2' in $1"
    elif grep -Ei "$3" "$1" >/dev/null; then
        ok 1 "$4"
        grep -Ei "$3" "$1" | sed 's/^/#   found: /'
    else
        ok 0 "$4"
    fi
}
