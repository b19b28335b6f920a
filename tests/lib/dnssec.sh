# tests/lib/dnssec.sh: real peers for the DANE (RFC 7672) and MTA-STS (RFC 8461)
# integration tests: a DNSSEC-signed authoritative name server, a TLSA helper, and
# an HTTPS server for MTA-STS policies.
#
# Why these tools:
#   server: NSD runs unprivileged from a config in $T, serves many zones (parent and
#           children) from one process on one port, and answers DS from the parent.
#   signer: ldns-signzone/ldns-keygen sign a zone file in one fast call (ECDSA P-256),
#           take explicit inception/expiration dates (the bogus zone), no key store.
#   web:    nginx(-light) gives per-SNI virtual hosts, exact status codes and
#           content types from a config file, in one process (master_process off).
#
# Source it after tap.sh:  . "$srcdir/tests/lib/tap.sh"; . "$srcdir/tests/lib/dnssec.sh"
# Needs nsd, ldns-keygen/ldns-key2ds/ldns-signzone (ldnsutils), nginx (nginx-light),
# openssl, ss (iproute2). Missing tools bail out. Do not replace the EXIT trap after
# sourcing (the first start chains its cleanup in front of tap.sh's), and do not
# use tests/lib/dns.sh in the same test (both set DNS_PORT and DNS_SERVERS).
# None of these functions may be called in a subshell ($(...)), except tlsa_rdata.
#
# DNS
#   Zones, all under DNSSEC_APEX (default dane.test), all served by one NSD:
#     dane.test.           signed; its key (KSK, algorithm 13) is the trust anchor
#     ok.dane.test.        signed, DS in the parent: secure
#     unsigned.dane.test.  unsigned, delegated without DS: provably insecure
#     bogus.dane.test.     signed, DS in the parent, but every signature expired
#                          (2020-01-01..2020-02-01): bogus
#   Each zone has SOA, NS ns.ZONE and ns.ZONE A 127.0.0.1; each child is delegated
#   from the apex by NS + glue (same server).
#
#   dnssec_zone NAME [KIND] < LINES
#         Append zone-file LINES (any type: A, AAAA, MX, TLSA, TXT, CNAME ...) to zone
#         NAME (no trailing dot; $ORIGIN is NAME., $TTL 300, so relative owners such
#         as "_25._tcp.mx" or "@" work). NAME is the apex or one of the zones above,
#         or a new direct child of the apex, then delegated too; KIND (secure,
#         insecure, bogus) is needed for a new child and ignored for known ones.
#         Takes effect at the next dnssec_start.
#   dnssec_start
#         Sign the zones (keys made once per test and kept, so the anchor stays) and
#         start NSD on 127.0.0.1 at a free port, UDP and TCP; returns once it answers
#         (about 0.5 s). Called again (after more dnssec_zone), it re-signs and
#         restarts NSD on the same port. Sets:
#           DNS_PORT      the port
#           DNS_SERVERS   "127.0.0.1:PORT" (for --name-server)
#           DNSSEC_ANCHOR $T/dnssec/anchor.txt: the apex's DS record, one zone-file
#                         line (for ub_ctx_add_ta_file, unbound-host -f)
#           DNSSEC_DIR    $T/dnssec (zone files NAME.zone, NAME.zone.signed, keys,
#                         nsd.conf, nsd.log)
#           DNSSEC_PID    NSD's PID
#   dnssec_stop
#         Stop NSD; returns once its port is closed.
#   A validator must forward every query to DNS_SERVERS, trust DNSSEC_ANCHOR only,
#   and lift unbound's built-in empty zone for test. (RFC 6761), else every name
#   here is an insecure NXDOMAIN: unbound.conf `local-zone: "test." nodefault`;
#   libunbound 1.17 ub_ctx_set_option(ctx, "local-zone:", "test. transparent")
#   ("test. nodefault" given that way has no effect), plus "do-not-query-localhost:"
#   "no" and ub_ctx_set_fwd(ctx, "127.0.0.1@PORT"). Checked: secure, NXDOMAIN secure,
#   insecure and bogus ("signature expired") come out of ub_resolve as expected.
#
# TLSA
#   tlsa_rdata CERTFILE USAGE SELECTOR MTYPE
#         Print "USAGE SELECTOR MTYPE HEX" for the PEM certificate (selector 0: the
#         whole certificate's DER, 1: its SubjectPublicKeyInfo DER; mtype 0: the
#         bytes, 1: SHA-256, 2: SHA-512), HEX in lower case. openssl only.
#
# MTA-STS web server (nginx on 127.0.0.1:443, the port RFC 8461 fixes)
#   STS_CA      the test CA's certificate ($T/stsweb/ca.crt), for --cafile / curl
#               --cacert; made when this file is sourced (EC P-256, quick)
#   ca_issue NAME [FILE]
#         A certificate for DNS:NAME from STS_CA: $T/FILE.crt (leaf + CA),
#         $T/FILE.leaf, $T/FILE.key (FILE defaults to NAME).
#   stsweb_unusable
#         Print why the server cannot run here and return 0 (not root, port 443
#         taken, nginx missing); return 1 and print nothing when it can. For a
#         whole-program skip:  r=$(stsweb_unusable) && { echo "1..0 # SKIP $r"; exit 0; }
#   stsweb_host DOMAIN [KIND]
#         Add a virtual host for mta-sts.DOMAIN (SNI), certificate KIND:
#           ok          (default) issued by STS_CA for mta-sts.DOMAIN
#           wrongname   issued by STS_CA for mta-sts.wrong.test only
#           selfsigned  self-signed for mta-sts.DOMAIN
#           expired     issued by STS_CA for mta-sts.DOMAIN, valid 2020-01-01..2020-02-01
#         Without a rule below, every path answers 404.
#   stsweb_policy DOMAIN < BODY
#         GET /.well-known/mta-sts.txt answers 200, Content-Type text/plain, BODY
#         byte for byte.
#   stsweb_redirect DOMAIN URL
#         /.well-known/mta-sts.txt answers 301 with Location URL.
#   stsweb_404 DOMAIN
#         /.well-known/mta-sts.txt answers 404 (the rule before replaced).
#   stsweb_start
#         Write the configuration and start nginx; returns once 443 listens. An
#         unknown SNI (or none) has its handshake refused. Called again (after more
#         stsweb_* changes), it restarts nginx. Bails out if stsweb_unusable.
#         Sets STSWEB_PID; logs in $T/stsweb (error.log, access.log).
#   stsweb_stop
#         Stop nginx; returns once 443 is closed.
#
# NSD and nginx still running at exit are stopped before tap.sh removes $T.

# shellcheck shell=bash
# SC2034: DNS_*, DNSSEC_*, STS* are for the caller; SC2064: the EXIT trap is
# composed when it is installed, on purpose.
# shellcheck disable=SC2034,SC2064

DNSSEC_APEX=${DNSSEC_APEX:-dane.test}
DNSSEC_DIR=$T/dnssec
DNSSEC_ANCHOR=$DNSSEC_DIR/anchor.txt
DNSSEC_PID='' DNS_PORT='' DNS_SERVERS=''
STSWEB_DIR=$T/stsweb
STS_CA=$STSWEB_DIR/ca.crt
STSWEB_PID=''
declare -A _dnssec_kind=()
_dnssec_zones=()
_stsweb_hosts=()
_dnssec_trap_installed=

mkdir -p "$DNSSEC_DIR/keys" "$STSWEB_DIR" || bail "cannot make $DNSSEC_DIR"

# _dnssec_install_trap: stop NSD and nginx before whatever EXIT trap is set
# (tap.sh's _tap_cleanup removes $T, where their files are).
_dnssec_install_trap() {
	[ -n "$_dnssec_trap_installed" ] && return 0
	local prev words
	prev=$(trap -p EXIT)
	if [ -n "$prev" ]; then
		eval "words=( $prev )"
		trap "_dnssec_cleanup_all; ${words[2]}" EXIT
	else
		trap _dnssec_cleanup_all EXIT
	fi
	_dnssec_trap_installed=1
}

_dnssec_cleanup_all() {
	dnssec_stop
	stsweb_stop
}

# _dnssec_listening PROTO PORT: true if PORT listens on any address (PROTO u or t)
_dnssec_listening() {
	[ -n "$(ss -Hln"$1" "sport = :$2" 2>/dev/null)" ]
}

# _dnssec_free_port: a port unused on both TCP and UDP (20000-32767)
_dnssec_free_port() {
	local i p
	for i in $(seq 1 100); do
		p=$((20000 + RANDOM % 12768))
		[ -z "$(ss -Hantu "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	return 1
}

# _dnssec_stop_pid PID PORT PROTOS: TERM PID, wait for it, then for PORT to close
# (KILL after 5 s)
_dnssec_stop_pid() {
	local pid=$1 port=$2 protos=$3 i p proto
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		p=
		for proto in $protos; do
			_dnssec_listening "$proto" "$port" && p=1
		done
		[ -z "$p" ] && return 0
		sleep 0.1
	done
	return 1
}

dnssec_zone() {
	local name=${1%.} kind=${2:-}
	case "$name" in
	"$DNSSEC_APEX") kind=apex ;;
	*."$DNSSEC_APEX")
		[ "${name%."$DNSSEC_APEX"}" = "${name%%.*}" ] ||
			bail "dnssec_zone $name: not a direct child of $DNSSEC_APEX"
		if [ -n "${_dnssec_kind[$name]:-}" ]; then
			kind=${_dnssec_kind[$name]}
		fi
		case "$kind" in
		secure|insecure|bogus) ;;
		*) bail "dnssec_zone $name: KIND must be secure, insecure or bogus" ;;
		esac ;;
	*) bail "dnssec_zone $name: not in $DNSSEC_APEX" ;;
	esac
	_dnssec_add "$name" "$kind"
	cat >> "$DNSSEC_DIR/$name.extra" || bail "dnssec_zone $name: cannot write"
}

# _dnssec_add NAME KIND: register a zone (once)
_dnssec_add() {
	[ -n "${_dnssec_kind[$1]:-}" ] && return 0
	_dnssec_kind[$1]=$2
	_dnssec_zones+=("$1")
	: >> "$DNSSEC_DIR/$1.extra"
}

_dnssec_add "$DNSSEC_APEX" apex
_dnssec_add "ok.$DNSSEC_APEX" secure
_dnssec_add "unsigned.$DNSSEC_APEX" insecure
_dnssec_add "bogus.$DNSSEC_APEX" bogus

# _dnssec_key NAME: print the base name of NAME's key (made the first time)
_dnssec_key() {
	local k
	k=$(cat "$DNSSEC_DIR/keys/$1.base" 2>/dev/null)
	if [ -z "$k" ]; then
		k=$(cd "$DNSSEC_DIR/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$1." 2>&1) ||
			bail "ldns-keygen $1: $k"
		echo "$k" > "$DNSSEC_DIR/keys/$1.base"
	fi
	echo "$DNSSEC_DIR/keys/$k"
}

# _dnssec_write_zone NAME: the unsigned zone file NAME.zone (SOA, NS, glue,
# delegations with DS for the apex, then the test's lines)
_dnssec_write_zone() {
	local name=$1 z kind key
	{
		echo "\$ORIGIN $name."
		echo "\$TTL 300"
		echo "@ IN SOA ns.$name. hostmaster.$name. $(date +%s) 3600 600 86400 60"
		echo "@ IN NS ns.$name."
		echo "ns.$name. IN A 127.0.0.1"
		if [ "$name" = "$DNSSEC_APEX" ]; then
			for z in "${_dnssec_zones[@]}"; do
				kind=${_dnssec_kind[$z]}
				[ "$kind" = apex ] && continue
				echo "$z. IN NS ns.$z."
				echo "ns.$z. IN A 127.0.0.1"
				if [ "$kind" != insecure ]; then
					key=$(_dnssec_key "$z")
					ldns-key2ds -n -2 "$key.key" ||
						bail "ldns-key2ds $z failed"
				fi
			done
		fi
		echo "\$ORIGIN $name."
		cat "$DNSSEC_DIR/$name.extra"
		echo
	} > "$DNSSEC_DIR/$name.zone"
}

# _dnssec_sign NAME: NAME.zone.signed (or a copy of NAME.zone if insecure)
_dnssec_sign() {
	local name=$1 kind=${_dnssec_kind[$1]} key out dates=()
	local zf=$DNSSEC_DIR/$name.zone
	if [ "$kind" = insecure ]; then
		cp "$zf" "$zf.signed"
		return 0
	fi
	key=$(_dnssec_key "$name")
	# inception a day back: a validator's clock a little behind still accepts
	dates=(-i "$(date -u -d '1 day ago' +%Y%m%d%H%M%S)")
	[ "$kind" = bogus ] && dates=(-i 20200101000000 -e 20200201000000)
	out=$(ldns-signzone "${dates[@]}" -o "$name." -f "$zf.signed" "$zf" "$key" 2>&1) ||
		bail "ldns-signzone $name: $out"
}

dnssec_start() {
	_dnssec_install_trap
	local z i ok
	for z in nsd ldns-keygen ldns-key2ds ldns-signzone ss; do
		command -v "$z" >/dev/null || bail "$z not found (Debian packages nsd, ldnsutils, iproute2)"
	done
	# children first: the apex carries their DS
	for z in "${_dnssec_zones[@]}"; do
		[ "${_dnssec_kind[$z]}" = apex ] && continue
		_dnssec_write_zone "$z"
		_dnssec_sign "$z"
	done
	_dnssec_write_zone "$DNSSEC_APEX"
	_dnssec_sign "$DNSSEC_APEX"
	ldns-key2ds -n -2 "$(_dnssec_key "$DNSSEC_APEX").key" > "$DNSSEC_ANCHOR" ||
		bail "ldns-key2ds $DNSSEC_APEX failed"

	if [ -n "$DNSSEC_PID" ]; then
		dnssec_stop
	else
		DNS_PORT=$(_dnssec_free_port) || bail "no free port for nsd"
	fi
	DNS_SERVERS=127.0.0.1:$DNS_PORT
	{
		echo "server:"
		echo "	ip-address: 127.0.0.1@$DNS_PORT"
		echo "	port: $DNS_PORT"
		echo "	do-ip6: no"
		echo "	username: \"\""
		echo "	chroot: \"\""
		echo "	server-count: 1"
		echo "	database: \"\""
		echo "	zonesdir: \"$DNSSEC_DIR\""
		echo "	zonelistfile: \"$DNSSEC_DIR/zone.list\""
		echo "	xfrdfile: \"$DNSSEC_DIR/xfrd.state\""
		echo "	xfrdir: \"$DNSSEC_DIR\""
		echo "	pidfile: \"$DNSSEC_DIR/nsd.pid\""
		echo "	logfile: \"$DNSSEC_DIR/nsd.log\""
		echo "	verbosity: 1"
		echo "remote-control:"
		echo "	control-enable: no"
		for z in "${_dnssec_zones[@]}"; do
			echo "zone:"
			echo "	name: \"$z.\""
			echo "	zonefile: \"$DNSSEC_DIR/$z.zone.signed\""
		done
	} > "$DNSSEC_DIR/nsd.conf"
	nsd-checkconf "$DNSSEC_DIR/nsd.conf" >"$DNSSEC_DIR/nsd.err" 2>&1 ||
		bail "nsd.conf rejected: $(cat "$DNSSEC_DIR/nsd.err")"
	: > "$DNSSEC_DIR/nsd.log"
	nsd -d -c "$DNSSEC_DIR/nsd.conf" >>"$DNSSEC_DIR/nsd.err" 2>&1 &
	DNSSEC_PID=$!
	track "$DNSSEC_PID"
	for i in $(seq 1 100); do
		kill -0 "$DNSSEC_PID" 2>/dev/null ||
			bail "nsd exited at start: $(cat "$DNSSEC_DIR/nsd.err" "$DNSSEC_DIR/nsd.log" 2>/dev/null | tail -5)"
		ok=
		_dnssec_listening u "$DNS_PORT" && _dnssec_listening t "$DNS_PORT" &&
			grep -q 'nsd started' "$DNSSEC_DIR/nsd.log" 2>/dev/null &&
			ok=1
		[ -n "$ok" ] && return 0
		sleep 0.05
	done
	bail "nsd did not start on 127.0.0.1:$DNS_PORT: $(tail -5 "$DNSSEC_DIR/nsd.log" 2>/dev/null)"
}

dnssec_stop() {
	[ -n "$DNSSEC_PID" ] || return 0
	_dnssec_stop_pid "$DNSSEC_PID" "$DNS_PORT" "u t" ||
		echo "# nsd's port $DNS_PORT still open after it stopped"
	DNSSEC_PID=
}

# _tlsa_der CERTFILE SELECTOR: the selected DER bytes on stdout
_tlsa_der() {
	case "$2" in
	0) openssl x509 -in "$1" -outform DER ;;
	1) openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER ;;
	*) echo "tlsa_rdata: selector $2" >&2; return 1 ;;
	esac
}

tlsa_rdata() {
	local cert=$1 usage=$2 sel=$3 mtype=$4 hash hex
	case "$mtype" in
	0) hash=(cat) ;;
	1) hash=(openssl dgst -sha256 -binary) ;;
	2) hash=(openssl dgst -sha512 -binary) ;;
	*) echo "tlsa_rdata: matching type $mtype" >&2; return 1 ;;
	esac
	hex=$(set -o pipefail; _tlsa_der "$cert" "$sel" | "${hash[@]}" | od -An -v -tx1 | tr -d ' \n') ||
		return 1
	[ -n "$hex" ] || return 1
	echo "$usage $sel $mtype $hex"
}

# ca_issue NAME [FILE]: $T/FILE.crt (the leaf, then the test CA: the chain a
# server presents), $T/FILE.leaf (the leaf alone) and $T/FILE.key, an EC
# P-256 certificate for DNS:NAME issued by STS_CA, valid 60 days. FILE
# defaults to NAME.
ca_issue() {
	local name=$1 f=${2:-$1}
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$f.key" \
		-subj "/CN=$name" -out "$T/$f.csr" >/dev/null 2>&1 || bail "openssl req $f"
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$name" > "$T/$f.ext"
	openssl x509 -req -in "$T/$f.csr" -CA "$STS_CA" -CAkey "$STSWEB_DIR/ca.key" -CAcreateserial \
		-days 60 -extfile "$T/$f.ext" -out "$T/$f.leaf" >/dev/null 2>&1 || bail "openssl x509 $f"
	cat "$T/$f.leaf" "$STS_CA" > "$T/$f.crt"
}

# The test CA (EC P-256: quick to make)
_stsweb_ca() {
	[ -s "$STS_CA" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$STSWEB_DIR/ca.key" -out "$STS_CA" -days 3650 \
		-subj "/CN=smtpmon test MTA-STS CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		>/dev/null 2>&1 || bail "openssl: cannot make the MTA-STS test CA"
}
_stsweb_ca

stsweb_unusable() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: nginx cannot listen on port 443"
	elif ! command -v nginx >/dev/null; then
		echo "nginx not found (Debian package nginx-light)"
	elif [ -z "$STSWEB_PID" ] && _dnssec_listening t 443; then
		echo "port 443 is taken"
	else
		return 1
	fi
	return 0
}

stsweb_host() {
	local d=$1 kind=${2:-ok} host=mta-sts.$1 dir=$STSWEB_DIR/$1 cn ext
	mkdir -p "$dir"
	cn=$host
	[ "$kind" = wrongname ] && cn=mta-sts.wrong.test
	case "$kind" in
	ok|wrongname|expired|selfsigned) ;;
	*) bail "stsweb_host $d: KIND $kind" ;;
	esac
	ext="subjectAltName=DNS:$cn"
	if [ "$kind" = selfsigned ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/host.key" -out "$dir/host.crt" -days 825 -subj "/CN=$cn" \
			-addext "$ext" >/dev/null 2>&1 || bail "openssl: cert for $host"
	else
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/host.key" -out "$dir/host.csr" -subj "/CN=$cn" \
			>/dev/null 2>&1 || bail "openssl: key for $host"
		if [ "$kind" = expired ]; then
			# openssl x509 of OpenSSL 3.0 has no -not_before: use ca
			_stsweb_ca_sign "$dir" "$ext" || bail "openssl ca: expired cert for $host"
		else
			printf '%s\n' "$ext" "extendedKeyUsage=serverAuth" > "$dir/ext.cnf"
			openssl x509 -req -in "$dir/host.csr" -CA "$STS_CA" -CAkey "$STSWEB_DIR/ca.key" \
				-CAcreateserial -days 825 -extfile "$dir/ext.cnf" -out "$dir/host.crt" \
				>/dev/null 2>&1 || bail "openssl: cert for $host"
		fi
	fi
	: > "$dir/rule"
	local h found=
	for h in "${_stsweb_hosts[@]}"; do
		[ "$h" = "$d" ] && found=1
	done
	[ -n "$found" ] || _stsweb_hosts+=("$d")
}

# _stsweb_ca_sign DIR EXT: DIR/host.crt from DIR/host.csr, valid 2020-01-01..02-01
_stsweb_ca_sign() {
	local dir=$1 ext=$2
	mkdir -p "$dir/ca" && : > "$dir/ca/index.txt" && echo 01 > "$dir/ca/serial"
	cat > "$dir/ca/ca.cnf" <<-EOF
	[ca]
	default_ca = test
	[test]
	database = $dir/ca/index.txt
	serial = $dir/ca/serial
	new_certs_dir = $dir/ca
	default_md = sha256
	policy = any
	copy_extensions = none
	x509_extensions = ext
	[any]
	commonName = supplied
	[ext]
	$ext
	extendedKeyUsage = serverAuth
	EOF
	openssl ca -batch -config "$dir/ca/ca.cnf" -cert "$STS_CA" -keyfile "$STSWEB_DIR/ca.key" \
		-startdate 20200101000000Z -enddate 20200201000000Z -notext \
		-in "$dir/host.csr" -out "$dir/host.crt" >"$dir/ca/log" 2>&1
}

# _stsweb_known DOMAIN: bail out unless stsweb_host made it
_stsweb_known() {
	[ -f "$STSWEB_DIR/$1/rule" ] || bail "stsweb: no host $1 (stsweb_host first)"
}

stsweb_policy() {
	_stsweb_known "$1"
	cat > "$STSWEB_DIR/$1/policy.txt" || bail "stsweb_policy $1: cannot write"
	echo "policy" > "$STSWEB_DIR/$1/rule"
}

stsweb_redirect() {
	_stsweb_known "$1"
	case "$2" in
	*[[:space:]]*|*[\;\"\'\\{}]*) bail "stsweb_redirect: URL with a space, quote, brace or ;" ;;
	esac
	printf 'redirect %s\n' "$2" > "$STSWEB_DIR/$1/rule"
}

stsweb_404() {
	_stsweb_known "$1"
	echo "404" > "$STSWEB_DIR/$1/rule"
}

_stsweb_conf() {
	local d dir rule
	echo "worker_processes 1;"
	echo "master_process off;"
	echo "daemon off;"
	echo "pid $STSWEB_DIR/nginx.pid;"
	echo "error_log $STSWEB_DIR/error.log info;"
	echo "events { worker_connections 64; }"
	echo "http {"
	echo "	access_log $STSWEB_DIR/access.log;"
	echo "	client_body_temp_path $STSWEB_DIR/tmp-body;"
	echo "	proxy_temp_path $STSWEB_DIR/tmp-proxy;"
	echo "	fastcgi_temp_path $STSWEB_DIR/tmp-fastcgi;"
	echo "	uwsgi_temp_path $STSWEB_DIR/tmp-uwsgi;"
	echo "	scgi_temp_path $STSWEB_DIR/tmp-scgi;"
	echo "	server_tokens off;"
	echo "	types { }"
	echo "	default_type application/octet-stream;"
	echo "	server {"
	echo "		listen 127.0.0.1:443 ssl default_server;"
	echo "		server_name _;"
	echo "		ssl_reject_handshake on;"
	echo "	}"
	for d in "${_stsweb_hosts[@]}"; do
		dir=$STSWEB_DIR/$d
		read -r rule < "$dir/rule" || rule=
		echo "	server {"
		echo "		listen 127.0.0.1:443 ssl;"
		echo "		server_name mta-sts.$d;"
		echo "		ssl_certificate $dir/host.crt;"
		echo "		ssl_certificate_key $dir/host.key;"
		echo "		location / { return 404; }"
		case "$rule" in
		policy)
			echo "		location = /.well-known/mta-sts.txt {"
			echo "			default_type text/plain;"
			echo "			alias $dir/policy.txt;"
			echo "		}" ;;
		redirect\ *)
			echo "		location = /.well-known/mta-sts.txt { return 301 ${rule#redirect }; }" ;;
		esac
		echo "	}"
	done
	echo "}"
}

stsweb_start() {
	_dnssec_install_trap
	local r i
	r=$(stsweb_unusable) && bail "stsweb_start: $r"
	[ -n "$STSWEB_PID" ] && stsweb_stop
	_stsweb_conf > "$STSWEB_DIR/nginx.conf"
	nginx -t -q -p "$STSWEB_DIR" -c "$STSWEB_DIR/nginx.conf" >"$STSWEB_DIR/nginx.err" 2>&1 ||
		bail "nginx.conf rejected: $(cat "$STSWEB_DIR/nginx.err")"
	nginx -p "$STSWEB_DIR" -c "$STSWEB_DIR/nginx.conf" >>"$STSWEB_DIR/nginx.err" 2>&1 &
	STSWEB_PID=$!
	track "$STSWEB_PID"
	for i in $(seq 1 100); do
		kill -0 "$STSWEB_PID" 2>/dev/null ||
			bail "nginx exited at start: $(tail -5 "$STSWEB_DIR/nginx.err" "$STSWEB_DIR/error.log" 2>/dev/null)"
		_dnssec_listening t 443 && return 0
		sleep 0.05
	done
	bail "nginx did not listen on 127.0.0.1:443: $(tail -5 "$STSWEB_DIR/error.log" 2>/dev/null)"
}

stsweb_stop() {
	[ -n "$STSWEB_PID" ] || return 0
	_dnssec_stop_pid "$STSWEB_PID" 443 t ||
		echo "# port 443 still open after nginx stopped"
	STSWEB_PID=
}
