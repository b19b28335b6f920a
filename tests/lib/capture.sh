# tests/lib/capture.sh: packet captures on loopback for integration tests.
#
# Source it after tap.sh:   . "$srcdir/tests/lib/tap.sh"; . "$srcdir/tests/lib/capture.sh"
# Needs root (tcpdump on lo), tcpdump, tshark and perl.
#
#   capture_start PORT FILE
#         Capture loopback traffic to/from TCP port PORT into the pcap FILE. Returns once
#         tcpdump is really capturing. Must not be called in a subshell ($(...)).
#         Several captures may run at once (different FILEs).
#   capture_stop [FILE]
#         Stop the capture writing FILE (all running captures if no FILE), after letting
#         in-flight packets arrive; returns once FILE is complete and tcpdump has exited.
#   capture_count_clienthello FILE PORT
#         Print the number of TLS ClientHello messages in FILE, decoding PORT as SMTP so
#         that TLS after STARTTLS is seen (tshark). Prints e.g. "1". Exit 2 if tshark fails.
#   capture_has_string FILE STRING [DSTPORT]
#         Exit 0 if STRING occurs in the TCP payload of FILE (each direction of each
#         connection is reassembled first, so STRING may span segments), 1 if not,
#         2 if tshark fails. With DSTPORT, only data sent to that port is searched:
#         use the server port to look at what the client sent (a server's EHLO
#         reply "250-STARTTLS" contains "STARTTLS" even if the client never sent it).

# shellcheck shell=bash disable=SC2034 # unused loop counters

# FILE -> tcpdump PID for captures that are running.
declare -A _cap_pid=()

# _cap_alive PID: true while PID runs (a zombie counts as gone).
_cap_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

capture_start() {
    local port=$1 file=$2 pid i
    command -v tcpdump >/dev/null || bail "tcpdump is not installed"
    [ -z "${_cap_pid[$file]:-}" ] || bail "capture_start: $file is already being written"
    rm -f "$file" "$file.log"
    # --immediate-mode: hand every packet to tcpdump at once. Without it libpcap
    #   batches packets (up to a second) and tcpdump loses the batch on SIGINT:
    #   a short session captured and stopped at once gives an EMPTY file.
    # -U: flush the file after every packet.  -Z root: stay root (Debian's tcpdump
    #   otherwise switches to user tcpdump, which then owns FILE).
    tcpdump -i lo -n -s 0 -U --immediate-mode -Z root -w "$file" "tcp port $port" \
        2>"$file.log" &
    pid=$!
    _cap_pid[$file]=$pid
    track "$pid"
    # tcpdump prints "tcpdump: listening on lo, link-type ..." once the filter is
    # attached ("tcpdump: " prefix: stderr is not a terminal).
    for i in $(seq 1 100); do
        grep -q 'listening on lo' "$file.log" 2>/dev/null && return 0
        _cap_alive "$pid" || break
        sleep 0.1
    done
    bail "capture_start: tcpdump did not start: $(cat "$file.log" 2>/dev/null)"
}

# _cap_settle FILE: wait (at most 2 s) until FILE has stopped growing for 0.3 s, so
# the last packets of a session that just ended (FIN/ACK) are written.
_cap_settle() {
    local size last=-1 same=0 i
    for i in $(seq 1 20); do
        size=$(stat -c %s "$1" 2>/dev/null || echo 0)
        if [ "$size" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 3 ] && return 0
        else
            same=0 last=$size
        fi
        sleep 0.1
    done
}

capture_stop() {
    local files file pid i
    if [ $# -gt 0 ]; then files=("$1"); else files=("${!_cap_pid[@]}"); fi
    for file in "${files[@]}"; do
        pid=${_cap_pid[$file]:-}
        [ -n "$pid" ] || continue
        unset "_cap_pid[$file]"
        _cap_settle "$file"
        # SIGINT: tcpdump stops, flushes and closes the file, prints its statistics.
        kill -INT "$pid" 2>/dev/null
        for i in $(seq 1 50); do
            _cap_alive "$pid" || break
            sleep 0.1
        done
        _cap_alive "$pid" && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null             # our own child: reap it now
    done
    return 0
}

# _cap_tshark ARGS...: tshark without its "Running as user root" warning; on
# failure the error goes to stderr and the exit status is 2.
_cap_tshark() {
    local out err rc
    err=$(mktemp "$T/tshark.XXXXXX")
    out=$(tshark "$@" 2>"$err")
    rc=$?
    if [ "$rc" -ne 0 ]; then
        grep -v 'Running as user' "$err" >&2
        rm -f "$err"
        return 2
    fi
    rm -f "$err"
    printf '%s' "$out"
}

capture_count_clienthello() {
    local file=$1 port=$2 types
    # -d: the port is not 25, so tell tshark it is SMTP; its SMTP dissector then
    # follows STARTTLS and hands the rest of the connection to the TLS dissector.
    # One line per frame holding a ClientHello; a frame may carry several handshake
    # messages (comma-separated types), so count the 1s.
    types=$(_cap_tshark -r "$file" -n -d "tcp.port==$port,smtp" \
        -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.type) || return 2
    tr ',' '\n' <<<"$types" | grep -cx 1
    return 0
}

capture_has_string() {
    local file=$1 payload
    # One line per data segment: stream index, ports, payload as hex.
    payload=$(_cap_tshark -r "$file" -n -Y 'tcp.len > 0' -T fields \
        -e tcp.stream -e tcp.srcport -e tcp.dstport -e tcp.payload) || return 2
    # Concatenate each direction of each connection, then search it.
    CAP_NEEDLE=$2 CAP_DPORT=${3:-} perl -e '
        my %buf;
        while (<STDIN>) {
            chomp;
            my ($stream, $sport, $dport, $hex) = split /\t/;
            next unless defined $hex;
            next if $ENV{CAP_DPORT} ne "" && $dport ne $ENV{CAP_DPORT};
            $hex =~ s/[^0-9a-fA-F]//g;
            $buf{"$stream/$sport"} .= pack("H*", $hex);
        }
        for (values %buf) { exit 0 if index($_, $ENV{CAP_NEEDLE}) >= 0 }
        exit 1;
    ' <<<"$payload"
}
