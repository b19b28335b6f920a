#!/bin/bash
# agent/resolver against a real dnsmasq (tests/lib/dns.sh), through the
# tests/tools/resolve CLI ($RESOLVE): MX ordering, addresses and ports, IPv4 +
# IPv6, TTLs (address and MX records), implicit MX, null MX, NXDOMAIN, an
# exchange without address, the host limit, servers that refuse or swallow
# queries (bounded time), records changed between lookups, IP literals and
# bad names (answered from the loop), and cancellation.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/dns.sh"
plan 44

: "${RESOLVE:?RESOLVE must name the built tests/tools/resolve}"

# resolve ARGS...: run the tool (killed after 60 s: a hang fails, exit 124); sets OUT
# (stdout), ERR (stderr), RC, MS (elapsed ms)
resolve() {
    local t0 t1
    t0=$(date +%s%N)
    OUT=$(timeout 60 "$RESOLVE" "$@" 2>"$T/resolve.err"); RC=$?
    t1=$(date +%s%N)
    ERR=$(cat "$T/resolve.err")
    MS=$(( (t1 - t0) / 1000000 ))
}
# lines REGEX: the lines of OUT matching REGEX, joined with '|'
lines() { echo "$OUT" | grep -E "$1" | paste -sd '|'; }
# wait_count FILE REGEX N: wait (up to 30 s) until FILE has N lines matching REGEX
wait_count() {
    local i
    for i in $(seq 1 300); do
        [ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

BIG=()
for i in $(seq -w 1 20); do
    # preferences 1..20 in an order unrelated to the names
    BIG+=("mx-host=big.example.test,m$i.example.test,$(( (10#$i * 7) % 20 + 1 ))")
    BIG+=("host-record=m$i.example.test,127.0.1.$((10#$i))")
done

RECORDS=(
    'local-ttl=45'
    'mx-host=example.test,mx2.example.test,20'
    'mx-host=example.test,mx1.example.test,10'
    'host-record=mx1.example.test,127.0.0.11,37'
    'host-record=mx2.example.test,127.0.0.12,::12,600'
    'host-record=dual.example.test,192.0.2.7,2001:db8::7,37'
    'host-record=nomx.example.test,192.0.2.5'
    'mx-host=slow.example.test,mx2.example.test,5'
    'mx-host=ghost.example.test,mx1.example.test,10'
    'mx-host=ghost.example.test,nohost.example.test,20'
    'dns-rr=nullmx.example.test,15,000000'
    "${BIG[@]}"
)
dns_start "${RECORDS[@]}"
S=(-s "$DNS_SERVERS" -t 500 -r 2)

# 1. two MX hosts of different preference, listed in the other order in dnsmasq
resolve "${S[@]}" mx example.test 2525
is "$RC" 0 "mx: exit 0"
is "$(lines '^host ')" "host 10 mx1.example.test|host 20 mx2.example.test" \
    "mx: hosts ordered by preference (10 before 20)"
is "$(echo "$OUT" | grep -v '^status=' | paste -sd '|')" \
   "host 10 mx1.example.test|addr 127.0.0.11:2525|host 20 mx2.example.test|addr 127.0.0.12:2525|addr [::12]:2525" \
   "mx: each host followed by its addresses, with the port asked"
is "$(lines '^status=')" "status=0 ttl=37" "mx: TTL is the smallest (address TTL 37 < MX 45 < 600)"

# 2. MX TTL smaller than the addresses' TTL: read from the raw answer (dnsttl)
resolve "${S[@]}" mx slow.example.test
is "$RC:$(lines '^status=')" "0:status=0 ttl=45" "mx: TTL of the MX records themselves (45 < address 600)"
is "$(lines '^addr ')" "addr 127.0.0.12:25|addr [::12]:25" "mx: default port 25"

# 3. IPv4 + IPv6 of one name, TTL
resolve "${S[@]}" host dual.example.test 587
is "$RC" 0 "host: exit 0"
is "$(echo "$OUT" | grep '^addr ' | sort | paste -sd '|')" "addr 192.0.2.7:587|addr [2001:db8::7]:587" \
    "host: IPv4 and IPv6 addresses with the port"
is "$(lines '^status=')" "status=0 ttl=37" "host: TTL 37 from the records"
is "$(lines '^host ')" "host 0 dual.example.test" "host: one host, preference 0, the name asked"

# 4. no MX record: implicit MX, the domain's own address
resolve "${S[@]}" mx nomx.example.test
is "$RC" 0 "implicit MX: exit 0"
is "$(echo "$OUT" | grep -v '^status=' | paste -sd '|')" "host 0 nomx.example.test|addr 192.0.2.5:25" \
    "implicit MX: the domain itself, preference 0, with its A record"
grep -q 'query\[MX\] nomx.example.test' "$DNS_LOG"
ok $? "implicit MX: the MX query was asked first"

# 5. null MX (RFC 7505): no hosts, no error
resolve "${S[@]}" mx nullmx.example.test
is "$RC" 0 "null MX: exit 0"
is "$OUT" "status=0 ttl=45" "null MX: status 0, MX TTL, no host"
log_lacks "$DNS_LOG" 'query\[MX\] nullmx\.example\.test' 'query\[(A|AAAA)\] nullmx\.example\.test' \
    "null MX: MX asked, no address lookup of the domain"

# 6. NXDOMAIN
resolve "${S[@]}" mx nx.example.test
is "$RC" 2 "NXDOMAIN: exit 2"
is "$OUT" "status=4 ttl=0" "NXDOMAIN: ARES_ENOTFOUND, no host"
like "$ERR" "not found" "NXDOMAIN: error text given"

# 7. an exchange that does not exist stays listed without addresses, status 0
resolve "${S[@]}" mx ghost.example.test
is "$RC:$(echo "$OUT" | paste -sd '|')" \
   "0:status=0 ttl=37|host 10 mx1.example.test|addr 127.0.0.11:25|host 20 nohost.example.test" \
   "exchange without address: listed with no address, status 0"

# 8. more exchanges than RESOLVER_MAX_HOSTS (16): the 16 best, in order (a TCP answer)
resolve "${S[@]}" mx big.example.test
prefs=$(echo "$OUT" | awk '/^host /{print $2}' | paste -sd ' ')
is "$RC:$prefs" "0:$(seq 1 16 | paste -sd ' ')" "20 MX records: the 16 of lowest preference, sorted"
is "$(echo "$OUT" | grep -c '^addr ')" 16 "20 MX records: one address per kept host"
n=$(grep -c 'query\[MX\] big.example.test' "$DNS_LOG")
ok $(( n >= 2 ? 0 : 1 )) "20 MX records: truncated over UDP, asked again over TCP ($n queries)"

# 9. records changed in dnsmasq are seen by the next lookup
CHANGED=("${RECORDS[@]/mx-host=example.test,mx2.example.test,20/mx-host=example.test,mx2.example.test,5}")
CHANGED=("${CHANGED[@]/host-record=mx1.example.test,127.0.0.11,37/host-record=mx1.example.test,127.0.0.21,37}")
dns_set "${CHANGED[@]}"
resolve "${S[@]}" mx example.test
is "$RC:$(echo "$OUT" | grep -v '^status=' | paste -sd '|')" \
   "0:host 5 mx2.example.test|addr 127.0.0.12:25|addr [::12]:25|host 10 mx1.example.test|addr 127.0.0.21:25" \
   "changed records: new preference and new address seen"
dns_set "${RECORDS[@]}"

# 10. a server that swallows every query: ARES_ETIMEOUT after the tries asked for.
# The relay logs each query it swallows. ms= in the -v "done" line is the
# resolver's own figure: at least the 200 + 400 ms of the two tries (timers do not
# fire early). The upper bound (10 s) only shows it gave up instead of hanging;
# how long it takes belongs in bench/.
dns_dropper ALL
resolve -v -s "$DROP_SERVERS" -t 200 -r 2 mx example.test
is "$OUT" "status=12 ttl=0" "silent server: ARES_ETIMEOUT"
wait_count "$DROP_LOG" '^drop 15 example\.test$' 2
is "$(grep -c '^drop ' "$DROP_LOG")" 2 "silent server: the MX query tried twice (-r 2), nothing else"
done_ms=$(sed -n 's/.* done kind=mx name=example\.test status=12 .* ms=\([0-9][0-9]*\)$/\1/p' <<<"$ERR")
ok $(( ${done_ms:-0} >= 500 && MS < 10000 ? 0 : 1 )) \
    "silent server: waited out both tries (resolver: ${done_ms:-no figure} ms), then gave up (${MS} ms)"
is "$RC" 2 "silent server: exit 2"

# 11. a port where nothing listens: error at once. With 20 s per try, waiting for the
# timeout would take at least 20 s; 10 s is a generous bound that still tells.
port=$(_dns_free_port)
resolve -s "127.0.0.1:$port" -t 20000 -r 2 host dual.example.test
ok $(( RC == 2 && MS < 10000 ? 0 : 1 )) "nothing listening: error without waiting for the timeout (${MS} ms, rc $RC)"
like "$OUT" '^status=(11|12) ' "nothing listening: connection refused reported"

# 12. answered at once, still through the loop (exit 3 if the callback ran inside the call)
resolve "${S[@]}" host 127.0.0.1 2525
is "$RC:$(echo "$OUT" | paste -sd '|')" "0:status=0 ttl=0|host 0 127.0.0.1|addr 127.0.0.1:2525" \
    "IPv4 literal: one address, from the loop"
resolve "${S[@]}" host ::1 2525
is "$RC:$(lines '^addr ')" "0:addr [::1]:2525" "IPv6 literal: one address, from the loop"
resolve "${S[@]}" host localhost
is "$RC" 0 "localhost: c-ares answers it synchronously; callback still from the loop"
resolve "${S[@]}" mx 'a..example.test'
is "$RC:$OUT" "2:status=8 ttl=0" "empty label: ARES_EBADNAME, from the loop"
a59=$(printf 'a%.0s' $(seq 1 59))
name253="$a59.$a59.$a59.${a59}b.example.test"                     # 253 characters
name254="$a59.$a59.$a59.${a59}bc.example.test"                    # 254 characters
resolve "${S[@]}" host "$name253"
is "${#name253}:$RC:$OUT" "253:2:status=4 ttl=0" "253-character name: asked (NXDOMAIN)"
resolve "${S[@]}" host "$name254"
is "${#name254}:$RC:$OUT" "254:2:status=8 ttl=0" "254-character name: ARES_EBADNAME"
n0=$(grep -c 'query\[' "$DNS_LOG")
resolve "${S[@]}" host 'bad name.example.test'
bad="$RC:$OUT"
# then a lookup that reaches dnsmasq: once its query is logged, one for the bad name
# (asked before it) would be too
resolve "${S[@]}" host control.example.test
wait_for_log "$DNS_LOG" 'query\[A+\] control\.example\.test' 300; seen=$?
n1=$(grep 'query\[' "$DNS_LOG" | grep -vc ' control\.example\.test ')
is "$bad:$seen:$((n1 - n0))" "2:status=8 ttl=0:0:0" \
    "name with a space: rejected without a query (a later lookup's query is logged)"

# 13. cancel: no callback after resolver_cancel() or resolver_free()
resolve "${S[@]}" cancel mx example.test
is "$RC" 0 "cancel against dnsmasq: no callback from a cancelled or freed lookup"
like "$OUT" 'stray_callbacks=0 .*control_calls=1 control_status=0' "cancel: the control lookup still works"
like "$OUT" 'freed_in_callback=1 ' "cancel: resolver freed in a callback, the other lookup never calls back"
resolve "${S[@]}" cancel host 127.0.0.1
is "$RC" 0 "cancel a lookup answered at once, before its delivery ran"

# 14. cancel while the MX answer is in and the A/AAAA queries hang (relay drops them)
dns_dropper A AAAA
resolve -v -s "$DROP_SERVERS" -t 100 -r 2 cancel mx example.test
is "$RC" 0 "cancel with hanging address queries: no callback (${OUT##*$'\n'})"
grep -q 'state MX -> CANCELLED' "$T/resolve.err" && grep -q 'state ADDRS -> CANCELLED' "$T/resolve.err"
ok $? "cancel: lookups were cancelled both before and after the MX answer"
like "$OUT" 'control_status=12$' "exchange lookups timing out: whole MX result is ARES_ETIMEOUT"
