#!/bin/bash
# probes/httpsget against real HTTPS servers on loopback: nginx (files, a
# missing file, a `return 301`, an SSI location that nginx sends chunked,
# a file over the body limit) and openssl s_server -WWW with a certificate
# for another name; an untrusted CA; a server that accepts and never answers.
# Driven through tests/tools/httpsget-tool ($HTTPSGET_TOOL).
. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/postfix.sh"   # free_port
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "1..0 # SKIP nginx not installed (Debian package nginx-light, .ci/deps)"; exit 0; }
plan 28
HOST=mta-sts.example.test

# a CA and a server certificate it signs for $HOST; another CA nobody trusts
mkca() { # name
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.crt" \
        -days 30 -subj "/CN=$1" -addext basicConstraints=critical,CA:true \
        -addext keyUsage=critical,keyCertSign >/dev/null 2>&1 || bail "openssl: CA $1"
}
mkca ca
mkca otherca
openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" -subj "/CN=$HOST" \
    >/dev/null 2>&1 || bail "openssl: server key"
printf 'subjectAltName=DNS:%s\n' "$HOST" > "$T/srv.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
    -days 30 -extfile "$T/srv.ext" -out "$T/srv.crt" >/dev/null 2>&1 || bail "openssl: sign"

# what nginx serves
W=$T/www
mkdir -p "$W/.well-known" "$W/ssi"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 86400\r\n' \
    > "$W/.well-known/mta-sts.txt"
head -c 70000 /dev/urandom > "$W/big.bin"
head -c 65536 /dev/urandom > "$W/exact.bin"
# SSI output has no known length: nginx sends it chunked to HTTP/1.1 clients
{ for i in $(seq 1 300); do echo "line $i of a policy served in chunks"; done; } > "$W/ssi/policy.txt"
{ for i in $(seq 1 2000); do echo "line $i of a chunked body too big"; done; } > "$W/ssi/big.txt"

NPORT=$(free_port)
mkdir -p "$T/nginx"
cat > "$T/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
user root;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $T/nginx/access.log;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:$NPORT ssl;
        server_name $HOST;
        ssl_certificate $T/srv.crt;
        ssl_certificate_key $T/srv.key;
        root $W;
        location = /moved { return 301 https://elsewhere.example.test/.well-known/mta-sts.txt; }
        location /ssi/ { ssi on; ssi_types text/plain; }
    }
}
EOF
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" 2>"$T/nginx/stderr" &
track $!
for _ in $(seq 1 100); do
    ss -Htln "sport = :$NPORT" 2>/dev/null | grep -q . && break
    sleep 0.05
done
ss -Htln "sport = :$NPORT" | grep -q . || bail "nginx did not start: $(cat "$T/nginx/stderr" "$T/nginx/error.log" 2>/dev/null)"

get() { # name tool-options... ; sets OUT (the status line) and RC
    local name=$1; shift
    OUT=$("$HTTPSGET_TOOL" --out "$T/$name.body" "$@" 2>"$T/$name.err"); RC=$?
}
NGX=(--cafile "$T/ca.crt" --connect "127.0.0.1:$NPORT")

# 1-3: a policy file, byte for byte
get policy "${NGX[@]}" --host "$HOST" --path /.well-known/mta-sts.txt
is "$RC" 0 "200: exit 0"
like "$OUT" "^status=ok http=200 len=$(stat -c %s "$W/.well-known/mta-sts.txt") " "200: status ok, length of the file"
cmp -s "$T/policy.body" "$W/.well-known/mta-sts.txt"; ok $? "200: body equals the file byte for byte"

# 4-5: a body of exactly max_body is fine
get exact "${NGX[@]}" --host "$HOST" --path /exact.bin --max-body 65536
like "$OUT" "^status=ok http=200 len=65536 " "65536-byte file with max 65536: ok"
cmp -s "$T/exact.body" "$W/exact.bin"; ok $? "65536-byte body equals the file"

# 6-7: missing file
get missing "${NGX[@]}" --host "$HOST" --path /.well-known/nothing.txt
is "$RC" 2 "404: exit 2"
like "$OUT" "^status=http_status http=404 len=0 detail=HTTP 404" "404: http_status 404"

# 8-10: a redirect is not followed
get moved "${NGX[@]}" --host "$HOST" --path /moved
is "$RC" 2 "301: exit 2"
like "$OUT" "^status=http_status http=301 len=0 detail=HTTP 301 \(redirects are not followed\)" "301: http_status 301, not followed"
n=$(grep -c . "$T/nginx/access.log")
is "$(grep -c ' /moved ' "$T/nginx/access.log")" 1 "301: one request for /moved, nothing else fetched ($n requests in all)"

# 11-12: a body over the limit
get big "${NGX[@]}" --host "$HOST" --path /big.bin --max-body 65536
is "$RC" 2 "70000-byte file with max 65536: exit 2"
like "$OUT" "^status=too_big http=200 len=0 detail=body larger than 65536 bytes" "70000-byte file: too_big"

# 13-15: chunked
get chunked "${NGX[@]}" --host "$HOST" --path /ssi/policy.txt
like "$OUT" "^status=ok http=200 len=$(stat -c %s "$W/ssi/policy.txt") " "SSI response: ok, full length"
cmp -s "$T/chunked.body" "$W/ssi/policy.txt"; ok $? "SSI response: body equals the file"
# proof that nginx did send it chunked (seen from outside the tool)
printf 'GET /ssi/policy.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" |
    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$NPORT" -servername "$HOST" \
    -CAfile "$T/ca.crt" 2>/dev/null > "$T/chunked.raw"
grep -aqi '^Transfer-Encoding: chunked' "$T/chunked.raw"; ok $? "nginx sends /ssi/ chunked (Transfer-Encoding: chunked seen by s_client)"

# a chunked body over the limit: no length announced, the limit stops the read
get chunkbig "${NGX[@]}" --host "$HOST" --path /ssi/big.txt --max-body 65536
like "$OUT" "^status=too_big http=200 len=0 detail=body larger than 65536 bytes$" "$(stat -c %s "$W/ssi/big.txt")-byte chunked body with max 65536: too_big"

# 16-17: a name the certificate does not cover
get wrongname "${NGX[@]}" --host other.example.test --path /.well-known/mta-sts.txt
is "$RC" 2 "wrong name: exit 2"
like "$OUT" "^status=cert http=0 len=0 detail=certificate not valid for other.example.test" "wrong name: cert, names the host"

# 18-19: a CA we do not trust
get untrusted --cafile "$T/otherca.crt" --connect "127.0.0.1:$NPORT" --host "$HOST" --path /.well-known/mta-sts.txt
is "$RC" 2 "untrusted CA: exit 2"
like "$OUT" "^status=cert http=0 len=0 detail=certificate verify failed: unable to get local issuer certificate" "untrusted CA: cert, OpenSSL's verify text"

# 20-21: openssl s_server -WWW with a self-signed certificate for another name
gen_cert wrong.example.test
SPORT=$(free_port)
(cd "$W" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$SPORT" \
    -cert "$T/wrong.example.test.crt" -key "$T/wrong.example.test.key") >"$T/s_server.log" 2>&1 &
track $!
for _ in $(seq 1 100); do
    ss -Htln "sport = :$SPORT" 2>/dev/null | grep -q . && break
    sleep 0.05
done
get selfsigned --cafile "$T/ca.crt" --connect "127.0.0.1:$SPORT" --host "$HOST" --path /.well-known/mta-sts.txt
like "$OUT" "^status=cert http=0 len=0 detail=certificate verify failed: self-signed certificate" "s_server self-signed: cert, self-signed"
get selfname --cafile "$T/wrong.example.test.crt" --connect "127.0.0.1:$SPORT" --host "$HOST" --path /.well-known/mta-sts.txt
like "$OUT" "^status=cert http=0 len=0 detail=certificate not valid for $HOST" "s_server trusted but for another name: cert"

# 22-24: a server that accepts and never answers
QPORT=$(free_port)
perl -MIO::Socket::INET -e '
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
    Listen => 8, ReuseAddr => 1) or die "listen: $!";
my @held; while (my $c = $s->accept) { push @held, $c }
' "$QPORT" &
track $!
for _ in $(seq 1 100); do
    ss -Htln "sport = :$QPORT" 2>/dev/null | grep -q . && break
    sleep 0.05
done
t0=$(date +%s%N)
get silent --cafile "$T/ca.crt" --connect "127.0.0.1:$QPORT" --host "$HOST" --path / --timeout-ms 1500
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$RC" 2 "silent server: exit 2"
like "$OUT" "^status=timeout http=0 len=0 detail=timed out after 1500 ms" "silent server: timeout"
[ "$ms" -ge 1400 ] && [ "$ms" -lt 3500 ]; ok $? "silent server: gave up after ${ms} ms (limit 1500 ms, under limit + 2 s)"

# cancelled in flight: no callback, and nothing of it left in the loop (the
# loop ends long before the request's own 5 s timeout)
t0=$(date +%s%N)
get cancel --cafile "$T/ca.crt" --connect "127.0.0.1:$QPORT" --host "$HOST" --path / --timeout-ms 5000 --cancel-after-ms 300
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$OUT/$RC" "cancelled calls=0/0" "cancelled after 300 ms: no callback"
[ "$ms" -lt 2500 ]; ok $? "cancelled: the loop emptied at once (${ms} ms, request timeout 5000 ms)"

# nothing listening
get refused --cafile "$T/ca.crt" --connect "127.0.0.1:$(free_port)" --host "$HOST" --path /
like "$OUT" "^status=connect http=0 len=0 detail=connect: Connection refused" "closed port: connect, Connection refused"
