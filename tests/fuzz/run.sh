#!/bin/bash
# Build every libFuzzer target with clang (ASan + UBSan) and run each for a
# while; prints TAP. Usage: tests/fuzz/run.sh SRCDIR BUILDDIR [SECONDS]
# BUILDDIR is a configured build tree (for buildconf.h). With FUZZ_RUNS=N
# in the environment each target runs N inputs instead (`make fuzz-long`:
# 10 million each, the corpora kept in
# BUILDDIR/fuzz-corpus), and the time limit is off. FUZZ_TARGETS="NAME ..."
# runs only those targets; FUZZ_MAX_LEN the longest input (default 4096).
# Each target starts from the seeds kept in SRCDIR/tests/fuzz/corpus/TARGET
# (real replies, handshakes, captures, configurations; read-only here) and
# first replays every input kept in SRCDIR/tests/fuzz/regress/TARGET (inputs
# that once crashed it). A crash, timeout or leak found now is written to
# BUILDDIR/fuzz-crashes/TARGET-*: copy it into tests/fuzz/regress/TARGET/
# with the fix. Prints TAP: 3 results per target.
set -u
src=$1 build=$2 secs=${3:-30}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CC=${FUZZ_CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I$build -I$src/probes -I$src/agent/config -I$src/agent/schedule -I$src/agent/verdict -I$src/agent/registry -I$src/agent/output -I$src/agent/daemon -I$src/agent/cli -D_GNU_SOURCE"
declare -A deps=(
    [fuzz_reply]="probes/smtp_reply.c"
    [fuzz_caps]="probes/smtp_caps.c"
    [fuzz_json]="agent/output/json.c"
    [fuzz_config]="agent/config/config.c agent/config/confparse.c agent/config/conferr.c agent/config/confdup.c agent/config/conftarget.c agent/config/confpassive.c probes/util.c probes/tlsver.c probes/appldata.c probes/appltype.c probes/portset.c"
    [fuzz_dnsttl]="agent/schedule/dnsttl.c"
    [fuzz_mlimit]="agent/verdict/mlimit.c"
    [fuzz_safetext]="probes/safetext.c"
    [fuzz_httpneg]="agent/output/httpneg.c"
    [fuzz_httpsget]="probes/httpsget.c probes/util.c probes/log.c probes/safetext.c"
    [fuzz_baseline]="agent/verdict/downgrade.c probes/rating.c probes/cipher.c probes/appltype.c probes/tlsver.c probes/util.c probes/log.c probes/safetext.c"
    [fuzz_tls_wire]="probes/tls_wire.c probes/cipher.c probes/rating.c probes/tlsver.c"
    [fuzz_packet]="probes/pktdecode.c probes/tcp_reasm.c probes/util.c probes/log.c probes/safetext.c"
    [fuzz_smtp_wire]="probes/smtp_wire.c probes/smtp_reply.c probes/smtp_caps.c probes/tls_wire.c probes/cipher.c"
    [fuzz_dane]="probes/dane.c"
    [fuzz_passive]="probes/pktdecode.c probes/tcp_reasm.c probes/smtp_wire.c probes/smtp_reply.c probes/smtp_caps.c probes/tls_wire.c probes/passive.c probes/portset.c probes/smtpsniff.c probes/appldata.c probes/appltype.c probes/tlsver.c probes/util.c probes/log.c probes/safetext.c agent/verdict/pserver.c probes/cipher.c probes/rating.c"
    [fuzz_mtasts]="probes/mtasts.c probes/safetext.c"
    [fuzz_portset]="probes/portset.c probes/smtpsniff.c"
)
# libraries a target needs beyond libc (passive.c is linked for its helpers)
declare -A libs=(
    [fuzz_passive]="-lpcap -lssl -lcrypto"
    [fuzz_httpsget]="-levent_openssl -levent_core -lssl -lcrypto"
    [fuzz_dane]="-lcrypto"
)
targets=(fuzz_reply fuzz_caps fuzz_json fuzz_dnsttl fuzz_config fuzz_baseline fuzz_tls_wire fuzz_packet fuzz_smtp_wire fuzz_passive fuzz_mlimit fuzz_safetext fuzz_httpneg fuzz_httpsget fuzz_mtasts fuzz_dane fuzz_portset)
# FUZZ_TARGETS="fuzz_reply fuzz_caps": only these
[ -n "${FUZZ_TARGETS:-}" ] && read -r -a targets <<<"$FUZZ_TARGETS"
echo "1..$(( ${#targets[@]} * 3 ))"
crashes=$build/fuzz-crashes
mkdir -p "$crashes"
n=0
for t in "${targets[@]}"; do
    n=$((n + 1))
    srcs=("$src/tests/fuzz/$t.c")
    for d in ${deps[$t]}; do srcs+=("$src/$d"); done
    # shellcheck disable=SC2086 # word splitting of the library list is wanted
    if $CC $CFLAGS -o "$out/$t" "${srcs[@]}" ${libs[$t]:-} 2> "$out/$t.build"; then
        echo "ok $n - $t builds with clang -fsanitize=fuzzer,address,undefined"
    else
        echo "not ok $n - $t builds"; sed 's/^/# /' "$out/$t.build"
        n=$((n + 1)); echo "not ok $n - $t regression inputs (not built)"
        n=$((n + 1)); echo "not ok $n - $t runs (not built)"; continue
    fi
    # the inputs that once crashed it, each run once
    n=$((n + 1))
    regress=()
    [ -d "$src/tests/fuzz/regress/$t" ] &&
        mapfile -t regress < <(find "$src/tests/fuzz/regress/$t" -type f | sort)
    if [ "${#regress[@]}" -eq 0 ]; then
        echo "ok $n - $t: no regression inputs kept"
    elif "$out/$t" "${regress[@]}" > "$out/$t.regress" 2>&1; then
        echo "ok $n - $t: ${#regress[@]} regression inputs run clean"
    else
        echo "not ok $n - $t: a regression input fails again"; tail -40 "$out/$t.regress" | sed 's/^/# /'
    fi
    n=$((n + 1))
    corpus=$out/$t.corpus limit=(-max_total_time="$secs")
    if [ -n "${FUZZ_RUNS:-}" ]; then
        corpus=$build/fuzz-corpus/$t limit=(-runs="$FUZZ_RUNS")
    fi
    mkdir -p "$corpus"
    rm -f "$crashes/$t"-*   # what a failure names is this run's
    t0=$(date +%s)
    seeds=()
    [ -d "$src/tests/fuzz/corpus/$t" ] && seeds=("$src/tests/fuzz/corpus/$t")
    nseeds=0
    [ ${#seeds[@]} -gt 0 ] && nseeds=$(find "${seeds[@]}" -type f | wc -l)
    if "$out/$t" "${limit[@]}" -artifact_prefix="$crashes/$t-" -max_len="${FUZZ_MAX_LEN:-4096}" -print_final_stats=1 "$corpus" "${seeds[@]}" \
        > "$out/$t.log" 2>&1; then
        runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out/$t.log" | grep -oE '[0-9]+$')
        echo "ok $n - $t ran $(( $(date +%s) - t0 ))s without a crash (${runs:-?} inputs, from $nseeds seeds)"
    else
        echo "not ok $n - $t found a crash: $(ls "$crashes" | grep "^$t-" | tr '\n' ' ')"; tail -40 "$out/$t.log" | sed 's/^/# /'
    fi
done
