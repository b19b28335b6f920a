# tests/lib/dns.sh: a private dnsmasq, and a relay that drops queries, for the
# resolver's integration tests.
#
# Source it after tap.sh:   . "$srcdir/tests/lib/tap.sh"; . "$srcdir/tests/lib/dns.sh"
# Needs /usr/sbin/dnsmasq (Debian dnsmasq-base, 2.90), perl, ss (iproute2). Do not replace
# the EXIT trap after sourcing this file (dns_start chains its cleanup in front of tap.sh's).
#
#   dns_start RECORD...
#         Start dnsmasq on 127.0.0.1 at a free port (UDP and TCP), answering from the
#         RECORDs only (no upstream, no /etc/hosts). A RECORD is a dnsmasq.conf line:
#           'mx-host=example.test,mx1.example.test,10'     MX record (domain,host,pref)
#           'host-record=mx1.example.test,192.0.2.1,2001:db8::1,37'
#                                    A and/or AAAA; the optional last field is the TTL
#           'dns-rr=null.example.test,15,000000'   any record as hex RDATA; here the
#                                    RFC 7505 null MX "0 ." (preference 0, root name)
#           'local-ttl=45'           TTL of every record above that has none of its own
#                                    (mx-host, dns-rr, host-record without a TTL);
#                                    dnsmasq's default is 0
#         A name under DNS_LOCAL (default example.test) without a record gets NXDOMAIN;
#         one with records but none of the type asked gets NOERROR/NODATA; a name
#         elsewhere gets REFUSED. Returns once dnsmasq listens; bails out with its
#         log otherwise. Sets:
#           DNS_PORT     the port
#           DNS_SERVERS  "127.0.0.1:PORT" (for resolve -s / resolver_new)
#           DNS_PID      dnsmasq's PID
#           DNS_CONF     the configuration file ($T/dnsmasq.conf)
#           DNS_LOG      dnsmasq's log ($T/dnsmasq.log): one "query[MX] NAME from
#                        127.0.0.1" line per query and one line per answer
#         Must not be called in a subshell ($(...)).
#   dns_set RECORD...
#         Replace the records; the next query sees the new ones. dnsmasq re-reads
#         only /etc/hosts, --addn-hosts, --hostsdir, --servers-file and its DHCP
#         files on SIGHUP (and --hostsdir by inotify); mx-host, host-record, dns-rr
#         and local-ttl are in the configuration file, which it reads at start only.
#         So dns_set rewrites DNS_CONF and restarts dnsmasq on the same port
#         (DNS_PORT and DNS_SERVERS stay, DNS_PID changes), which also empties its
#         cache. About 0.1 s.
#   dns_stop
#         Stop dnsmasq; returns once it is gone. The port is then silent (ICMP
#         port unreachable: c-ares reports ARES_ECONNREFUSED at once).
#   dns_dropper TYPE...
#         Start a UDP relay on a free 127.0.0.1 port that forwards queries to the
#         running dnsmasq and relays the answers, except queries whose type is one of
#         TYPE (A, AAAA, MX, or ALL for every query): those it reads and drops, never
#         answering (a server that swallows queries). Sets DROP_PORT, DROP_SERVERS
#         ("127.0.0.1:PORT"), DROP_PID, DROP_LOG (a file with one line
#         "drop TYPE NAME" per query dropped, TYPE numeric: 1 A, 28 AAAA, 15 MX).
#         Several relays may run; each lives until exit.
#
# dnsmasq and relays still running at exit are killed before tap.sh removes $T.

# shellcheck shell=bash
# SC2034: DNS_* and DROP_* are for the caller; SC2064: the EXIT trap is composed
# when it is installed, on purpose.
# shellcheck disable=SC2034,SC2064

DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
DNS_LOCAL=${DNS_LOCAL:-example.test}
DNS_PID='' DNS_PORT='' DNS_SERVERS='' DNS_CONF='' DNS_LOG=''
_dns_pids=()
_dns_trap_installed=

# _dns_install_trap: run _dns_cleanup_all before whatever EXIT trap is already set
# (tap.sh's _tap_cleanup deletes $T, where dnsmasq's files are).
_dns_install_trap() {
    [ -n "$_dns_trap_installed" ] && return 0
    local prev words
    prev=$(trap -p EXIT)
    if [ -n "$prev" ]; then
        eval "words=( $prev )"
        trap "_dns_cleanup_all; ${words[2]}" EXIT
    else
        trap _dns_cleanup_all EXIT
    fi
    _dns_trap_installed=1
}

_dns_cleanup_all() {
    local p
    for p in "${_dns_pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in "${_dns_pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    _dns_pids=()
}

# _dns_forget PID: drop PID from the list killed at exit (it has been waited for).
_dns_forget() {
    local p keep=()
    for p in "${_dns_pids[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    _dns_pids=("${keep[@]}")
}

# _dns_port_used PORT: true if PORT is bound on TCP or UDP.
_dns_port_used() {
    [ -n "$(ss -Hantu "sport = :$1" 2>/dev/null)" ]
}

# _dns_free_port: print a port unused on both TCP and UDP (20000-32767).
_dns_free_port() {
    local i p
    for i in $(seq 1 100); do
        p=$((20000 + RANDOM % 12768))
        _dns_port_used "$p" || { echo "$p"; return 0; }
    done
    return 1
}

_dns_write_conf() {
    local r
    {
        echo "# written by tests/lib/dns.sh"
        echo "local=/$DNS_LOCAL/"
        for r in "$@"; do
            echo "$r"
        done
    } > "$DNS_CONF"
}

# _dns_launch: start dnsmasq on DNS_PORT with DNS_CONF; wait until it listens.
_dns_launch() {
    local i user=()
    [ "$(id -u)" -eq 0 ] || user=(--user="$(id -un)" --group="$(id -gn)")
    "$DNSMASQ" --keep-in-foreground --pid-file= --no-resolv --no-hosts \
        --listen-address=127.0.0.1 --bind-interfaces --port="$DNS_PORT" \
        --conf-file="$DNS_CONF" --log-queries --log-facility="$DNS_LOG" "${user[@]}" \
        2>>"$T/dnsmasq.err" &
    DNS_PID=$!
    _dns_pids+=("$DNS_PID")
    for i in $(seq 1 100); do
        if ! kill -0 "$DNS_PID" 2>/dev/null; then
            bail "dnsmasq exited at start: $(cat "$T/dnsmasq.err" 2>/dev/null) $(tail -5 "$DNS_LOG" 2>/dev/null)"
        fi
        if [ -n "$(ss -Hlnu "sport = :$DNS_PORT" 2>/dev/null)" ] &&
           [ -n "$(ss -Hlnt "sport = :$DNS_PORT" 2>/dev/null)" ]; then
            return 0
        fi
        sleep 0.05
    done
    bail "dnsmasq did not listen on 127.0.0.1:$DNS_PORT: $(cat "$T/dnsmasq.err" 2>/dev/null)"
}

dns_start() {
    _dns_install_trap
    [ -x "$DNSMASQ" ] || bail "$DNSMASQ not found (Debian package dnsmasq-base)"
    DNS_CONF="$T/dnsmasq.conf"
    DNS_LOG="$T/dnsmasq.log"
    DNS_PORT=$(_dns_free_port) || bail "no free port for dnsmasq"
    DNS_SERVERS="127.0.0.1:$DNS_PORT"
    _dns_write_conf "$@"
    _dns_launch
}

dns_stop() {
    [ -n "$DNS_PID" ] || return 0
    kill -TERM "$DNS_PID" 2>/dev/null
    wait "$DNS_PID" 2>/dev/null
    _dns_forget "$DNS_PID"
    DNS_PID=
}

dns_set() {
    [ -n "$DNS_PORT" ] || bail "dns_set before dns_start"
    dns_stop
    _dns_write_conf "$@"
    _dns_launch
}

dns_dropper() {
    _dns_install_trap
    [ -n "$DNS_PORT" ] || bail "dns_dropper before dns_start"
    local ready i
    ready=$(mktemp "$T/dropper.XXXXXX")
    perl -e '
        use strict; use warnings; use IO::Socket::INET; use IO::Select;
        my ($upport, $ready, $log, @types) = @ARGV;
        my %code = (A => 1, AAAA => 28, MX => 15);
        my %drop = map { ($_ eq "ALL" ? "ALL" : ($code{$_} // die "type $_\n")) => 1 } @types;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
            Proto => "udp") or die "bind: $!\n";
        my $u = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $upport,
            Proto => "udp") or die "upstream: $!\n";
        open(my $lf, ">", $log) or die "$log: $!\n"; $lf->autoflush(1);
        open(my $fh, ">", $ready) or die; print $fh $s->sockport, "\n"; close($fh);
        my (%client, $buf);
        my $sel = IO::Select->new($s, $u);
        while (1) {
            for my $h ($sel->can_read) {
                if ($h == $s) {
                    my $from = $s->recv($buf, 65535);
                    next unless defined $from && length($buf) >= 12;
                    my $p = 12;               # skip the question name to its type
                    my @labels;
                    while ($p < length($buf)) {
                        my $l = ord(substr($buf, $p, 1));
                        last if $l == 0;
                        push @labels, substr($buf, $p + 1, $l);
                        $p += $l + 1;
                    }
                    next if $p + 3 > length($buf);
                    my $qtype = unpack("n", substr($buf, $p + 1, 2));
                    if ($drop{ALL} || $drop{$qtype}) {
                        print $lf "drop $qtype ", join(".", @labels), "\n";
                        next;
                    }
                    $client{substr($buf, 0, 2)} = $from;
                    $u->send($buf);
                } else {
                    next unless defined $u->recv($buf, 65535) && length($buf) >= 2;
                    my $to = delete $client{substr($buf, 0, 2)};
                    $s->send($buf, 0, $to) if defined $to;
                }
            }
        }' "$DNS_PORT" "$ready" "$ready.log" "$@" 2>>"$T/dropper.err" &
    DROP_PID=$!
    _dns_pids+=("$DROP_PID")
    for i in $(seq 1 100); do
        [ -s "$ready" ] && break
        kill -0 "$DROP_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -s "$ready" ] || bail "dropper did not start: $(cat "$T/dropper.err" 2>/dev/null)"
    DROP_PORT=$(head -1 "$ready")
    DROP_SERVERS="127.0.0.1:$DROP_PORT"
    DROP_LOG=$ready.log
}
