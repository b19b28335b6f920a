#!/bin/bash
# bench/check-cpu.sh BUILDDIR [N]
# CPU per probe against one loopback Postfix with STARTTLS (TLS 1.3), side by
# side in one run:
#   - the probe engine in-process (bench/probe_cpu: what smtpmond pays per probe),
#     with its verification cache as smtpmond has it; also against a second
#     Postfix presenting a CA-issued chain (leaf + intermediate, the root in
#     the CA file: what most servers present) with and without the cache,
#     and the same dialogue without STARTTLS (the TCP and SMTP part alone)
#   - `smtpmonctl check --secure yes`, one process per probe (process start included)
#   - `check_smtp -S` (monitoring-plugins-standard), one process per probe
#   - `openssl s_client -starttls smtp`, one process per probe
# CPU is the user+sys time of the child processes (bash `times`), divided by N.
set -u
build=$(cd "${1:?usage: check-cpu.sh BUILDDIR [N]}" && pwd)
N=${2:-200}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/postfix.sh"
exec 3>&1 1>&2   # tap helpers print to stdout; keep the table on fd 3

PORT=$(free_port)
postfix_start bench.test "$PORT" ">=TLSv1.3"
CA="$T/bench.test.crt"
# the second server: RSA-2048 root (trusted) -> intermediate -> leaf
PORT2=$(free_port)
postfix_start chain.test "$PORT2" ">=TLSv1.3"
(
    cd "$T" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -days 3650 \
        -subj "/CN=bench root" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -new -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=bench intermediate"
    printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.ext
    openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -days 3000 \
        -extfile int.ext -out int.crt
    openssl req -new -newkey rsa:2048 -nodes -keyout chain.test.key -out leaf.csr -subj "/CN=chain.test"
    printf 'subjectAltName=DNS:chain.test\nextendedKeyUsage=serverAuth\n' > leaf.ext
    openssl x509 -req -in leaf.csr -CA int.crt -CAkey int.key -CAcreateserial -days 90 \
        -extfile leaf.ext -out leaf.crt
    cat leaf.crt int.crt > chain.test.crt
) >/dev/null 2>&1 || bail "openssl: cannot make the chain"
postfix_set chain.test smtpd_tls_cert_file="$T/chain.test.crt" smtpd_tls_key_file="$T/chain.test.key"
make -s -C "$build" bench/probe_cpu agent/smtpmonctl >/dev/null

child_cpu() { # sets CPU to the children's user+sys seconds so far
    times > "$T/times"   # not in $(...): a subshell would report its own children
    CPU=$(tail -1 "$T/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } print s }')
}
measure() { # label command... : runs it N times, prints ms CPU per run
    local label=$1; shift
    local c0 c1 fails=0 i
    child_cpu; c0=$CPU
    for i in $(seq "$N"); do "$@" >/dev/null 2>&1 </dev/null || fails=$((fails + 1)); done
    child_cpu; c1=$CPU
    printf '| %-44s | %8.3f | %5d |\n' "$label" "$(awk -v a="$c0" -v b="$c1" -v n="$N" 'BEGIN { print (b - a) * 1000 / n }')" "$fails" >&3
}

{
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "target:  Postfix $(postconf -d mail_version | cut -d' ' -f3) on 127.0.0.1:$PORT, smtpd_tls_protocols >=TLSv1.3, RSA-2048 certificate"
echo "probes:  $N per tool"
echo
echo "| tool | CPU ms/probe | failed |"
echo "|---|---:|---:|"
} >&3
engine() { # label env probe_cpu-args...
    local label=$1 env=$2 out; shift 2
    out=$(env $env "$build/bench/probe_cpu" "$@")
    printf '| %-44s | %8.3f | %5s |\n' "$label" \
        "$(echo "$out" | sed -nE 's/.*cpu_per_probe_ms=([0-9.]+).*/\1/p')" \
        "$(echo "$out" | sed -nE 's/.*failed=([0-9]+).*/\1/p')" >&3
}
engine "smtpmon engine, in-process (daemon cost)" "" 127.0.0.1 "$PORT" "$N" 1 "$CA" bench.test
engine "engine, CA-issued chain" "" 127.0.0.1 "$PORT2" "$N" 1 "$T/root.crt" chain.test
engine "engine, CA-issued chain, no verify cache" PROBE_CPU_NO_VCACHE=1 \
    127.0.0.1 "$PORT2" "$N" 1 "$T/root.crt" chain.test
engine "engine, same dialogue without STARTTLS" "" 127.0.0.1 "$PORT" "$N" 1 - bench.test
measure "smtpmonctl check --secure yes" "$build/agent/smtpmonctl" check --secure yes --cafile "$CA" --servername bench.test "127.0.0.1:$PORT"
if [ -x /usr/lib/nagios/plugins/check_smtp ]; then
    measure "check_smtp -S" /usr/lib/nagios/plugins/check_smtp -H 127.0.0.1 -p "$PORT" -S
fi
measure "openssl s_client -starttls smtp" bash -c "echo QUIT | openssl s_client -quiet -starttls smtp -connect 127.0.0.1:$PORT -verify_return_error -CAfile $CA -servername bench.test"
