# tests/lib/postfix.sh: private Postfix instances and TLS probing for integration tests.
#
# Source it after tap.sh:   . "$srcdir/tests/lib/tap.sh"; . "$srcdir/tests/lib/postfix.sh"
# Needs root, postfix (3.7), openssl, ss (iproute2). Do not replace the EXIT trap after
# sourcing this file (postfix_start chains its cleanup in front of tap.sh's).
#
#   postfix_start NAME PORT [PROTOCOLS]
#         Create and start a throw-away Postfix that listens on 127.0.0.1:PORT, offers
#         STARTTLS with a self-signed certificate for CN=NAME (gen_cert NAME, so
#         $T/NAME.crt is the certificate to trust) and discards every message it
#         accepts (any recipient is accepted from 127.0.0.0/8). PROTOCOLS, if given,
#         becomes smtpd_tls_protocols, e.g. ">=TLSv1.3", "<=TLSv1.2", "TLSv1.2",
#         "!TLSv1.3", ">=TLSv1.2, <=TLSv1.2" (all accepted by Postfix 3.7).
#         Returns once the port answers "220 NAME ESMTP Postfix" and smtpd accepted
#         its TLS settings (about 0.5 s); bails out with the maillog otherwise (after
#         about 15 s at most). Sets, for the instance just started:
#           PF_DIR   $T/pf-NAME: maillog, queue/, data/, start.out (postfix command output)
#           PF_CONF  $T/pf-NAME/conf: main.cf, master.cf (postconf -c / postfix -c DIR)
#           PF_LOG   $T/pf-NAME/maillog
#           PF_PID   PID of the master
#         The maillog shows one or two probe connections ("connect from unknown
#         [127.0.0.1]" ... "quit=1 commands=1") made by postfix_start/postfix_set.
#         Must not be called in a subshell ($(...)): it records the instance for the
#         exit cleanup. Calling it again for a stopped NAME starts from a fresh
#         configuration.
#   postfix_set NAME KEY=VALUE...
#         postconf -e the settings into the instance's main.cf and, if it is running,
#         postfix reload; returns once every pre-reload process is gone, so the next
#         connection gets the new settings.
#   postfix_stop NAME
#         Stop the instance; returns once all of its processes are gone (~0.1 s).
#   postfix_dir NAME      print $T/pf-NAME       postfix_conf NAME   print $T/pf-NAME/conf
#   free_port             print a TCP port that is unused on 127.0.0.1 (20000-32767).
#   sclient_facts HOST PORT [openssl s_client options...]
#         STARTTLS handshake with openssl s_client; prints exactly two lines:
#             version TLSv1.3
#             cipher 0x13,0x02 TLS_AES_256_GCM_SHA384
#         (protocol, then IANA code point and IANA name). TLS 1.2 example:
#             version TLSv1.2
#             cipher 0xC0,0x30 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
#         Returns 1 and prints nothing if the handshake fails (e.g. -tls1_2 against
#         ">=TLSv1.3"). The certificate is not verified.
#
# Every instance still running at exit is stopped (postfix stop, SIGKILL as a last
# resort) before tap.sh removes $T; the master PIDs are also given to tap.sh's track.

# shellcheck shell=bash
# SC2016: bash -c scripts are single-quoted on purpose; SC2034: PF_* and loop
# counters; SC2064: the EXIT trap is composed when it is installed, on purpose.
# shellcheck disable=SC2016,SC2034,SC2064

# Instance name -> directory / port / master PID.
declare -A _pf_dir=() _pf_port=() _pf_pid=()
_pf_trap_installed=

# _pf_install_trap: run _pf_cleanup_all before whatever EXIT trap is already set
# (tap.sh's _tap_cleanup, which deletes $T, so Postfix must be stopped first).
_pf_install_trap() {
    [ -n "$_pf_trap_installed" ] && return 0
    local prev words
    prev=$(trap -p EXIT)                    # e.g.: trap -- '_tap_cleanup' EXIT
    if [ -n "$prev" ]; then
        eval "words=( $prev )"
        trap "_pf_cleanup_all; ${words[2]}" EXIT
    else
        trap _pf_cleanup_all EXIT
    fi
    _pf_trap_installed=1
}

# _pf_alive PID: true while PID exists and is not a zombie. PID 1 on the test
# machines reaps orphans late, so kill -0 alone would report dead daemons as alive.
_pf_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }                       # skip "pid (comm) "; the state comes next
    [ "${stat%% *}" != Z ]
}

# _pf_backdate FILE...: set the modification time 10 s into the past. Postfix
# refuses to read a main.cf/master.cf changed within the last second or two: it
# re-reads it every 0.3 s until it is old enough (dict_load_file_xt), so every
# postconf, postfix start/reload and each new smtpd would stall ~2 s after an edit.
_pf_backdate() {
    touch -d "@$(($(date +%s) - 10))" "$@"
}

# _pf_banner PORT: print the first line the server sends (within 2 s), then QUIT.
# Pure bash (/dev/tcp), so no client tool is needed.
_pf_banner() {
    timeout 3 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r -t 2 line <&3 || exit 1
        printf "QUIT\r\n" >&3
        printf "%s\n" "${line%$'"'\r'"'}"
    ' _ "$1" 2>/dev/null
}

free_port() {
    # Pick at random below the kernel's ephemeral range (so an outgoing connection
    # cannot hold the port as its source port), skip any port with a socket in any
    # state (listening, TIME-WAIT, ...), and skip ports this script already handed
    # out (remembered in $T because free_port runs in a $(...) subshell).
    local lo hi port i used
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
    hi=$((lo - 1)); lo=20000
    [ "$hi" -gt "$lo" ] || hi=29999
    used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
    for i in $(seq 1 200); do
        port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        grep -qx "$port" <<<"$used" && continue
        grep -qx "$port" "$T/.free_ports" 2>/dev/null && continue
        echo "$port" >>"$T/.free_ports"
        echo "$port"
        return 0
    done
    bail "free_port: no free port found"
}

postfix_dir() { echo "$T/pf-$1"; }
postfix_conf() { echo "$T/pf-$1/conf"; }

postfix_start() {
    local name=$1 port=$2 protocols=${3:-}
    local dir=$T/pf-$name conf=$T/pf-$name/conf
    [ -n "${_pf_pid[$name]:-}" ] && bail "postfix_start: instance $name is already running"
    command -v postfix >/dev/null || bail "postfix is not installed"
    if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$port" -gt 65535 ]; then
        bail "postfix_start $name: bad port '$port'"
    fi
    [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9.-]*$ ]] ||
        bail "postfix_start: NAME must be a valid host name: '$name'"
    # Postfix listens with SO_REUSEPORT, so a second listener on the same port
    # would start fine and silently share the connections: refuse instead.
    [ -z "$(ss -Htln "sport = :$port" 2>/dev/null)" ] ||
        bail "postfix_start $name: port $port is already in use"
    _pf_install_trap

    rm -rf "$dir"
    mkdir -p "$conf" "$dir/queue" "$dir/data" || bail "postfix_start: cannot create $dir"
    chown postfix: "$dir/data"
    # $T is mode 0700; Postfix daemons run as user postfix and open the data
    # directory by absolute path, so they must be able to traverse $T.
    chmod 711 "$T"
    gen_cert "$name"

    cat >"$conf/main.cf" <<EOF
# Private test instance "$name", generated by tests/lib/postfix.sh.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
# No syslog daemon here: log through postlogd (see master.cf) into a file.
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = $name
mydomain = localdomain
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
# Whatever is accepted is thrown away (master.cf maps every transport to discard too).
default_transport = discard
relay_transport = discard
local_transport = discard
virtual_transport = discard
smtpd_tls_cert_file = $T/$name.crt
smtpd_tls_key_file = $T/$name.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
biff = no
readme_directory = no
EOF
    [ -n "$protocols" ] && echo "smtpd_tls_protocols = $protocols" >>"$conf/main.cf"

    # chroot column ("n") off everywhere: Debian chroots by default.
    cat >"$conf/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n   -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# Every delivery transport is the discard daemon: nothing can leave this instance.
smtp      unix  -       -       n       -       -       discard
relay     unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       discard
virtual   unix  -       n       n       -       -       discard
lmtp      unix  -       -       n       -       -       discard
EOF

    _pf_backdate "$conf/main.cf" "$conf/master.cf"

    # Check the generated configuration (catches a bad PROTOCOLS value early).
    local warn
    warn=$(postconf -c "$conf" -n 2>&1 >/dev/null)
    [ -z "$warn" ] || bail "postfix_start $name: postconf complains: $warn"

    postfix -c "$conf" start >"$dir/start.out" 2>&1 ||
        bail "postfix_start $name: postfix start failed: $(cat "$dir/start.out" "$dir/maillog" 2>/dev/null)"

    local pid
    pid=$(awk 'NR == 1 { print $1 }' "$dir/queue/pid/master.pid" 2>/dev/null)
    [ -n "$pid" ] || bail "postfix_start $name: no master.pid: $(cat "$dir/maillog" 2>/dev/null)"
    _pf_dir[$name]=$dir _pf_port[$name]=$port _pf_pid[$name]=$pid
    track "$pid"
    PF_DIR=$dir PF_CONF=$conf PF_LOG=$dir/maillog PF_PID=$pid

    # Wait (about 15 s at most) for our greeting, "220 NAME ESMTP Postfix".
    local deadline=$((SECONDS + 15)) line=
    while [ "$SECONDS" -lt "$deadline" ]; do
        line=$(_pf_banner "$port")
        case $line in "220 $name "*) break ;; esac
        _pf_alive "$pid" || break
        sleep 0.2
    done
    case $line in
    "220 $name "*) _pf_check_tls "$name" 0 ;;
    *) bail "postfix_start $name: no 220 banner on 127.0.0.1:$port (got '$line'); maillog:
$(cat "$dir/maillog" 2>/dev/null)" ;;
    esac
}

# _pf_check_tls NAME SKIP: smtpd checks its TLS settings (protocol list, key and
# certificate) only when a process starts, and then just logs a warning and runs
# without STARTTLS. So make sure an smtpd has started (one banner probe), then bail
# if the maillog, after its first SKIP lines, says TLS was disabled.
_pf_check_tls() {
    local name=$1 skip=$2 dir=${_pf_dir[$1]} bad
    _pf_banner "${_pf_port[$name]}" >/dev/null
    sleep 0.1                               # let postlogd write the warning
    bad=$(tail -n "+$((skip + 1))" "$dir/maillog" 2>/dev/null |
        grep -E 'disabling TLS support|cannot load .* certificate|cannot load .* key')
    [ -z "$bad" ] || bail "postfix $name: TLS is broken: $bad"
}

# _pf_any_alive PID...: true if one of the PIDs is still running.
_pf_any_alive() {
    local p
    for p; do
        _pf_alive "$p" && return 0
    done
    return 1
}

postfix_set() {
    local name=$1 dir conf pid old skip i
    shift
    dir=$(postfix_dir "$name") conf=$(postfix_conf "$name")
    [ -f "$conf/main.cf" ] || bail "postfix_set: no instance $name"
    postconf -c "$conf" -e "$@" || bail "postfix_set $name: postconf -e $* failed"
    _pf_backdate "$conf/main.cf"
    pid=${_pf_pid[$name]:-}
    [ -n "$pid" ] || return 0               # not running: nothing to reload
    # The master answers SIGHUP by re-reading main.cf and restarting all of its
    # children, but postfix reload returns before that happens: wait until every
    # pre-reload child is gone, so no new connection can reach an old smtpd.
    old=$(ps -o pid= --ppid "$pid" 2>/dev/null)
    skip=$(wc -l <"$dir/maillog")
    postfix -c "$conf" reload >>"$dir/start.out" 2>&1 ||
        bail "postfix_set $name: reload failed: $(tail -5 "$dir/start.out")"
    for i in $(seq 1 50); do
        # shellcheck disable=SC2086 # word splitting wanted: a PID list
        if ! _pf_any_alive $old; then
            _pf_check_tls "$name" "$skip"
            return 0
        fi
        sleep 0.1
    done
    bail "postfix_set $name: old processes still running 5 s after reload"
}

# _pf_procs DIR: PIDs of live processes whose working directory is inside DIR. All
# Postfix daemons of an instance run in its queue directory, and so does the
# postsuper that "postfix reload" leaves running in the background.
_pf_procs() {
    find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$1" -o -lname "$1/*" \) 2>/dev/null |
        while IFS=/ read -r _ _ p _; do
            _pf_alive "$p" && echo "$p"
        done
}

postfix_stop() {
    local name=$1 dir pid i procs
    pid=${_pf_pid[$name]:-}
    [ -n "$pid" ] || return 0
    dir=${_pf_dir[$name]}
    unset "_pf_pid[$name]"
    # "postfix stop" sends SIGTERM to the master and waits up to 5 s for it to
    # release its pid-file lock (then SIGKILLs its process group); it exits 1 if
    # the master is not running.
    postfix -c "$(postfix_conf "$name")" stop >>"$dir/start.out" 2>&1
    for i in $(seq 1 30); do
        _pf_alive "$pid" || break
        sleep 0.1
    done
    _pf_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    # Children (smtpd, qmgr, ...) exit as soon as they notice the master is gone.
    for i in $(seq 1 30); do
        procs=$(_pf_procs "$dir")
        [ -z "$procs" ] && return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086 # word splitting wanted: a PID list
    kill -KILL $procs 2>/dev/null
    return 0
}

_pf_cleanup_all() {
    local name
    for name in "${!_pf_pid[@]}"; do
        postfix_stop "$name"
    done
}

# _pf_cipher_iana NAME: "0xHH,0xHH IANA_NAME" for an OpenSSL or IANA cipher name.
# `openssl ciphers -V -stdname` lines look like
#   0x13,0x02 - TLS_AES_256_GCM_SHA384 - TLS_AES_256_GCM_SHA384 TLSv1.3 Kx=any ...
#   0xC0,0x30 - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 - ECDHE-RSA-AES256-GCM-SHA384 TLSv1.2 ...
# i.e. code point, IANA name, OpenSSL name.
_pf_cipher_iana() {
    openssl ciphers -V -stdname \
        -ciphersuites 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256' \
        'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null |
        awk -v c="$1" '$1 ~ /^0x/ && ($3 == c || $5 == c) { print $1, $3; found = 1; exit }
                       END { exit !found }'
}

sclient_facts() {
    local host=$1 port=$2 out version cipher iana
    shift 2
    case $host in *:*) host="[$host]" ;; esac     # IPv6 literal
    # -brief prints "Protocol version: ..." and "Ciphersuite: ..." (OpenSSL name) on
    # stderr after the handshake; stdin at EOF makes s_client hang up right away.
    out=$(timeout 10 openssl s_client -starttls smtp -connect "$host:$port" -brief "$@" \
        </dev/null 2>&1)
    version=$(sed -n 's/^Protocol version: *//p' <<<"$out" | head -1)
    cipher=$(sed -n 's/^Ciphersuite: *//p' <<<"$out" | head -1)
    [ -n "$version" ] && [ -n "$cipher" ] || return 1
    iana=$(_pf_cipher_iana "$cipher") || iana="unknown $cipher"
    echo "version $version"
    echo "cipher $iana"
}
