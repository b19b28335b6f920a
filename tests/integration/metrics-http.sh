#!/bin/bash
# MetricsListen (issue 16): smtpmond's HTTP server against real clients.
# GET /metrics in both formats (Accept), checked by promtool and equal to
# status --json; 404, 405, 406, 413, HEAD; the status page at / read by
# headless Chromium; hostile clients (huge headers, a silent one, 1,000 at
# once) while the monitor's NOOPs and the control socket go on; and a real
# Prometheus scraping the daemon every second, its HTTP API answering the
# same version, cipher and up values as status --json, with the shipped
# alerting rules loaded.
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/daemon.sh"
. "$srcdir/tests/lib/postfix.sh"
for tool in promtool prometheus curl; do
    command -v "$tool" >/dev/null ||
        { echo "1..0 # SKIP $tool not installed (Debian packages prometheus, curl)"; exit 0; }
done
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
    { echo "1..0 # SKIP chromium not installed"; exit 0; }
plan 50

gen_cert mx.test
start_fixture tls --cert "$T/mx.test.crt" --key "$T/mx.test.key" --hostname mx.test \
    --caps "PIPELINING,STARTTLS"
P_TLS=$FIX_PORT
start_fixture plain --caps "PIPELINING"
P_PLAIN=$FIX_PORT
P_DOWN=$(free_port)
HP=$(free_port)
V6=no
python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null && V6=yes

mond_conf "$T/smtpmon.conf" <<CONF
Timeout {
    Connect 2
    ConnectRetry 1
}
Monitor {
    NoopInterval 300ms
    ReprobeInterval 0
}
MetricsListen 127.0.0.1:$HP
$([ "$V6" = yes ] && echo "MetricsListen [::1]:$HP")
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_TLS
    Secure Yes
    TlsServerName mx.test
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_PLAIN
}
TargetServer {
    TargetIP 127.0.0.1
    ConnectPort $P_DOWN
}
CAFile $T/mx.test.crt
CONF

# ---- configuration ----
printf 'MetricsListen localhost:9125\nMetricsListen 127.0.0.1:0\nMetricsListen 127.0.0.1:9125\nMetricsListen 127.0.0.1:9125\n' \
    > "$T/bad.conf"
out=$("$SMTPMOND" -t -f "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "smtpmond -t refuses bad MetricsListen statements"
is "$(grep -c 'MetricsListen' <<<"$out")" 3 "... each reported: a name, port 0, the same address twice"
like "$out" "bad.conf:1: MetricsListen: \"localhost:9125\" is not ADDR:PORT" "... with file, line and what is wrong"
like "$out" "bad.conf:4: MetricsListen: 127.0.0.1:9125 is already listened on \(line 3\)" \
    "... a repeated address names the first line"

mond_start "$T/smtpmon.conf" || bail "smtpmond did not start"
ok 0 "smtpmond started with MetricsListen"
like "$(cat "$MOND_LOG")" "SMD1870I serving /metrics and / on http://127.0.0.1:$HP/" "SMD1870I names the address"
wait_until 150 '[ "$(rows_where ".classified")" = 2 ]' || diag "status:" "$(ctl status)"
ctl status --json > "$T/st.json"
sel() { jq -r ".[] | select(.target == \"127.0.0.1:$1\") | $2" "$T/st.json"; }
URL="http://127.0.0.1:$HP"

# ---- /metrics, text format ----
code=$(curl -s -o "$T/m.txt" -D "$T/m.hdr" -w '%{http_code}' "$URL/metrics")
is "$code" 200 "GET /metrics: 200"
like "$(cat "$T/m.hdr")" "Content-Type: text/plain; version=0.0.4; charset=utf-8" \
    "... as Prometheus text format 0.0.4"
out=$(promtool check metrics < "$T/m.txt" 2>&1); rc=$?
is "$rc:$out" "0:" "promtool check metrics: clean (exit 0, nothing said)"
m() { grep -F "$1" "$T/m.txt" | awk '{print $NF}'; }
is "$(m "smtpmon_target_up{target=\"127.0.0.1:$P_TLS\"}")" 1 "target_up 1 for the TLS target"
is "$(m "smtpmon_target_up{target=\"127.0.0.1:$P_DOWN\"}")" 0 "target_up 0 for the closed port"
v=$(sel "$P_TLS" .tls_version)
is "$(m "smtpmon_tls_version_info{target=\"127.0.0.1:$P_TLS\",version=\"$v\"}")" 1 \
    "tls_version_info carries status --json's version ($v)"
c=$(sel "$P_TLS" .cipher); cid=$(printf '0x%04X' "$(sel "$P_TLS" .cipher_id)")
is "$(m "smtpmon_tls_cipher_info{target=\"127.0.0.1:$P_TLS\",cipher=\"$c\",cipher_id=\"$cid\"}")" 1 \
    "tls_cipher_info carries status --json's cipher ($c, $cid)"
is "$(grep -c "^smtpmon_tls_version_info{target=\"127.0.0.1:$P_PLAIN\"" "$T/m.txt")" 0 \
    "no TLS version series for the plain target"
is "$(m "smtpmon_starttls_offered{target=\"127.0.0.1:$P_PLAIN\"}")" 0 "starttls_offered 0 for the plain target"
like "$(grep "^smtpmon_target_info{target=\"127.0.0.1:$P_PLAIN\"" "$T/m.txt")" \
    'server_type="ESMTP",security_method="basic"} 1' "target_info: the plain target is ESMTP basic"

# ---- OpenMetrics, HEAD, errors ----
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
curl -s -o "$T/om.txt" -D "$T/om.hdr" -H "Accept: $PROM_ACCEPT" "$URL/metrics"
like "$(cat "$T/om.hdr")" "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8" \
    "Prometheus's Accept header gets OpenMetrics 1.0.0"
is "$(tail -n 1 "$T/om.txt")" "# EOF" "... ending in # EOF"
like "$(grep '^# TYPE smtpmon_probes ' "$T/om.txt")" "counter" "... counters typed without _total"
hdr=$(curl -s -o /dev/null -D - -H 'Accept: text/plain;version=0.0.4' "$URL/metrics")
like "$hdr" "version=0.0.4" "Accept text/plain keeps the text format"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "$URL/metrics")" 406 \
    "an Accept that takes neither format: 406"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nothing")" 404 "another path: 404"
hdr=$(curl -s -o /dev/null -D - -X DELETE "$URL/metrics")
like "$hdr" "405 Method Not Allowed" "DELETE: 405 ..."
like "$hdr" "Allow: GET, HEAD" "... with Allow: GET, HEAD"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'x=1' "$URL/metrics")" 413 "a request with a body: 413"
is "$(curl -s -I -o /dev/null -w '%{http_code}:%{size_download}' "$URL/metrics")" "200:0" "HEAD: 200, no body"
if [ "$V6" = yes ]; then
    is "$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$HP/metrics")" 200 "the IPv6 listener serves too"
else
    skip "no IPv6 loopback on this machine"
fi

# ---- the status page ----
hdr=$(curl -s -o "$T/page.html" -D - "$URL/")
like "$hdr" "Content-Type: text/html; charset=utf-8" "GET /: the status page, HTML"
like "$hdr" "Content-Security-Policy: default-src 'none'" "... under a policy that allows no script"
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" \
    --dump-dom "$URL/" >"$T/dom.html" 2>"$T/chromium.err"
is "$?" 0 "headless Chromium loads it from the daemon"
is "$(grep -o '<tr data-target="[^"]*"' "$T/dom.html" | cut -d'"' -f2 | sort | paste -sd' ')" \
    "$(jq -r '.[].target' "$T/st.json" | sort | paste -sd' ')" "one row per target, the targets of status --json"
like "$(grep "data-target=\"127.0.0.1:$P_TLS\"" "$T/dom.html")" \
    "<td class=\"state\">up</td>.*<td class=\"tls\">$v</td><td class=\"cipher\">$c" \
    "the TLS target's row: up, its version and cipher"

# ---- hostile clients ----
noops() { ctl status --json | jq "[.[] | .counters.noops] | add"; }
base_fds=$(ls /proc/$MOND_PID/fd | wc -l)
big=$(head -c 20000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/metrics")
like "$code" "^(400|413|431|000)$" "20 KB of headers: refused ($code)"
python3 - "$HP" "$MOND_PID" "$SMTPMONCTL" "$SOCK" > "$T/flood.out" <<'PY' &
import socket, subprocess, sys, time, os
port, pid, ctl, sock = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
slow = socket.create_connection(("127.0.0.1", port)); slow.sendall(b"GET /metr")
socks = []
for i in range(1000):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    socks.append(s)
time.sleep(1)
print("fds", len(os.listdir(f"/proc/{pid}/fd")), flush=True)
t = time.time(); r = subprocess.run([ctl, "-s", sock, "status"], capture_output=True)
print("status", r.returncode, round(time.time() - t, 3), flush=True)
slow.settimeout(15); t = time.time()
try: data = slow.recv(100)
except OSError: data = None
print("slow", repr(data), round(time.time() - t, 1), flush=True)
for s in socks: s.close()
PY
FLOOD=$!
n0=$(noops); sleep 3; n1=$(noops)
ok "$([ "$n1" -gt "$n0" ]; echo $?)" "NOOPs go on while 1,000 clients hold the HTTP server ($n0 -> $n1)"
wait "$FLOOD"
fds=$(awk '/^fds/ {print $2}' "$T/flood.out")
ok "$([ "${fds:-999}" -le $((base_fds + 64 + 4)) ]; echo $?)" \
    "at most 64 HTTP connections open at once ($base_fds descriptors before, $fds during)"
like "$(grep '^status' "$T/flood.out")" "^status 0 " "the control socket answers during the flood"
like "$(grep '^slow' "$T/flood.out")" "^slow b'' ([5-9]|1[0-3])\." "a client silent mid-request is cut at its 10 s deadline"
wait_until 150 '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL/metrics")" = 200 ]'
ok $? "/metrics answers again once the flood is gone"
kill -0 "$MOND_PID"
ok $? "smtpmond is still running"

# ---- a real Prometheus ----
PP=$(free_port)
mkdir -p "$T/prom"
cp "$srcdir/doc/prometheus/smtpmon-rules.yml" "$T/prom/"
cat > "$T/prom/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [smtpmon-rules.yml]
scrape_configs:
  - job_name: smtpmon
    static_configs:
      - targets: ['127.0.0.1:$HP']
CONF
prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
    --web.listen-address="127.0.0.1:$PP" --log.level=warn 2>"$T/prom.log" &
track $!
q() { curl -s --data-urlencode "query=$1" "http://127.0.0.1:$PP/api/v1/query"; }
wait_until 300 '[ "$(q smtpmon_target_up | jq ".data.result | length")" = 3 ]'
ok $? "Prometheus scrapes smtpmond: three smtpmon_target_up series"
[ $? = 0 ] || diag "prometheus:" "$(tail -5 "$T/prom.log")"
is "$(q 'up{job="smtpmon"}' | jq -r '.data.result[0].value[1]')" 1 "the scrape itself is up"
ctl status --json > "$T/st.json"
for p in "$P_TLS" "$P_PLAIN" "$P_DOWN"; do
    want=$([ "$(sel "$p" .state)" = up ] && echo 1 || echo 0)
    got=$(q "smtpmon_target_up{target=\"127.0.0.1:$p\"}" | jq -r '.data.result[0].value[1]')
    is "$got" "$want" "Prometheus's up for 127.0.0.1:$p equals status --json ($(sel "$p" .state))"
done
is "$(q "smtpmon_tls_version_info{target=\"127.0.0.1:$P_TLS\"}" | jq -r '.data.result[0].metric.version')" \
    "$v" "Prometheus's TLS version equals status --json's"
is "$(q "smtpmon_tls_cipher_info{target=\"127.0.0.1:$P_TLS\"}" | jq -r '.data.result[0].metric | "\(.cipher) \(.cipher_id)"')" \
    "$c $cid" "Prometheus's cipher and its id equal status --json's"
is "$(curl -s "http://127.0.0.1:$PP/api/v1/rules" | jq '[.data.groups[].rules[]] | length')" 6 \
    "the shipped rules are loaded: six alerts"
wait_until 100 "curl -s http://127.0.0.1:$PP/api/v1/alerts | jq -e '.data.alerts[] | select(.labels.alertname == \"SmtpmonTargetDown\" and .labels.target == \"127.0.0.1:$P_DOWN\")'"
ok $? "SmtpmonTargetDown is pending for the closed port ..."
is "$(curl -s "http://127.0.0.1:$PP/api/v1/alerts" | jq '[.data.alerts[] | select(.labels.alertname == "SmtpmonTargetDown")] | length')" 1 \
    "... and only for it"

mond_stop_ok "smtpmond stops cleanly (exit 0)"
