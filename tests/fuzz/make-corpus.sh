#!/bin/bash
# tests/fuzz/make-corpus.sh: regenerate the fuzz seed corpus kept in
# tests/fuzz/corpus/<target>/ (one directory per libFuzzer target of
# tests/fuzz/run.sh) from real sources. A maintainer tool, not run by CI.
#
# Usage (as root):  tests/fuzz/make-corpus.sh [SRCDIR [BUILDDIR]]
#   SRCDIR defaults to this script's tree, BUILDDIR to SRCDIR/_build (a
#   configured and built tree: smtpmond, smtpmonctl, smtpfix and the unit test
#   test_smtp_wire are run from it). Every directory of the corpus is replaced.
#
# Needs: root (tcpdump on lo, Postfix), postfix, tcpdump, openssl, perl,
# dnsmasq, dig (bind9-dnsutils), unshare, ss, posttls-finger, apt-get (it
# downloads, into its scratch directory only, the Debian packages exim4-daemon-light,
# exim4-base, libidn12, sendmail-bin, sendmail-cf and libnss-wrapper, and runs
# Exim and sendmail from there: nothing is installed and /etc is not touched;
# libnss_wrapper gives Exim its Debian-exim user, unshare -u gives sendmail a
# qualified host name).
#
# Where every seed comes from:
#   Real servers on loopback, each session captured with tcpdump -i lo
#   (Ethernet frames), some also on -i any as Linux cooked v1 and v2, one with
#   a snap length of 96 (cut frames):
#     postfix-*   Postfix 3.7 (tests/lib/postfix.sh's throw-away instance
#                 "mx.example.net" on 127.0.0.1:25, plus :587 with
#                 smtpd_tls_security_level=encrypt and :465 with
#                 smtpd_tls_wrappermode=yes; later smtpd_timeout=3s and
#                 smtpd_hard_error_limit=3 for its 421 replies)
#     exim-*      Exim 4.96 (Debian, GnuTLS) run per connection with -bs on
#                 127.0.0.2:25, smtp_accept_max_nonmail 5, smtp_receive_timeout 3s,
#                 a PLAIN/LOGIN authenticator, its own self-signed certificate
#     sendmail-*  sendmail 8.17 (Debian) run per connection with -bs on 127.0.0.3:25
#     smtpfix-*   tests/fixture/smtpfix: the hostile greetings of
#                 tests/integration/hostile-text.sh (127.0.0.4/5:25) and a TLS 1.3
#                 server on [::1]:25 (the IPv6 capture)
#     tls-*       openssl s_server / s_client on 127.0.0.6:465 (TLS 1.0 to 1.3,
#                 HelloRetryRequest, RSA and ECDSA certificates, RSA key
#                 exchange, protocol_version and inappropriate_fallback alerts)
#   The clients: talk.pl below (plain SMTP, one command at a time or pipelined),
#   openssl s_client -starttls smtp, posttls-finger, smtpmonctl check.
#   Conversions, all by pc.pl below: fuzz_packet / fuzz_passive frame records
#   (the frames as captured; "raw", "null", "loop" seeds are the same frames
#   with the link header replaced by none or a BSD loopback header; pure ACKs
#   are left out to stay within 4096 bytes; the time step of each record is the
#   capture time since the frame before), the compact segment form of those
#   targets (mode bit 7 / mode 15) made from the same segments, fuzz_smtp_wire
#   operations (one per captured segment), fuzz_reply (server bytes before TLS
#   after a chunk-size octet), fuzz_caps (the EHLO reply), fuzz_tls_wire (a
#   cut-point octet, then the TLS bytes of one direction), certificates (DER)
#   of the servers for tls_wire_cert_validity().
#   fuzz_smtp_wire also gets the seeds of tests/unit/test_smtp_wire
#   (SMTP_WIRE_SEEDS): real OpenSSL handshakes through memory BIOs after a
#   scripted dialogue (names without a server prefix).
#   fuzz_dnsttl: dnsmasq (tests/lib/dns.sh) answering dig; the UDP payloads
#   captured on lo, after the two octets of the type asked.
#   fuzz_config: doc/smtpmon.conf.example, the examples of smtpmon.conf(5) and
#   README, the CSSMTP file of tests/unit/test_config.c, the configuration
#   smtpmond ran with below, and every configuration that
#   tests/integration/{passive-daemon,daemon-mx}.sh hand to smtpmond (taken by
#   a wrapper given to them as SMTPMOND).
#   fuzz_baseline: lines of StateDir/baselines written by a real smtpmond
#   watching the servers above (Postfix before, during and after a downgrade
#   to TLS 1.2, its submission port with MinTlsLevel 13, Exim, sendmail), and
#   the file's header line.
#   fuzz_mlimit: the 421/554 replies and silent ends captured above, each as
#   a record with the state, silence and NOOP count it came with; the codes
#   are the nearest the target can express (it takes code = octet * 3).
#   fuzz_json / fuzz_safetext: server bytes as captured (hostile greetings with
#   ESC, BEL, a bare CR, 8-bit octets and '|'; Postfix echoing UTF-8; sendmail
#   quoting; a TLS flight), safetext with its size and flags octets.
#
# Not deterministic: TLS randoms and keys, certificates, dates in greetings,
# ports and timing differ from run to run; names, counts and shapes do not.

# SC2016: wait_until's code is single-quoted on purpose (evaluated each time);
# SC2059: printf formats built from octal escapes on purpose.
# shellcheck disable=SC2016,SC2059
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd) || exit 1
build=$(cd "${2:-$src/_build}" && pwd) || exit 1
[ "$(id -u)" -eq 0 ] || { echo "make-corpus.sh: needs root (tcpdump, postfix)" >&2; exit 1; }
for tool in postfix postconf tcpdump openssl perl dnsmasq dig unshare ss posttls-finger apt-get; do
    command -v "$tool" >/dev/null || { echo "make-corpus.sh: $tool not found" >&2; exit 1; }
done
srcdir=$src
export srcdir
SMTPMOND=$build/agent/smtpmond SMTPMONCTL=$build/agent/smtpmonctl SMTPFIX=$build/tests/fixture/smtpfix
for f in "$SMTPMOND" "$SMTPMONCTL" "$SMTPFIX"; do
    [ -x "$f" ] || { echo "make-corpus.sh: $f not built" >&2; exit 1; }
done
make -s -C "$build" tests/unit/test_smtp_wire >/dev/null || exit 1
. "$src/tests/lib/tap.sh"
. "$src/tests/lib/postfix.sh"
. "$src/tests/lib/dns.sh"
. "$src/tests/lib/daemon.sh"
export LC_ALL=C

OUT=$T/out CAP=$T/cap
TARGETS="fuzz_reply fuzz_caps fuzz_json fuzz_dnsttl fuzz_config fuzz_baseline fuzz_tls_wire fuzz_packet fuzz_smtp_wire fuzz_passive fuzz_mlimit fuzz_safetext fuzz_httpneg"
for t in $TARGETS; do mkdir -p "$OUT/$t"; done
mkdir -p "$CAP"
say() { echo "# $*"; }

# ---------------------------------------------------------------- helpers ----

cat >"$T/pc.pl" <<'PERL'
#!/usr/bin/perl
# pcap -> fuzz seed converters for tests/fuzz/make-corpus.sh. Reads classic
# pcap files (as tcpdump -w writes them) of link types Ethernet (1), Linux
# cooked v1 (113) and v2 (276); writes seeds in the formats of the fuzz
# targets' header comments. Every seed is cut to at most 4096 bytes (whole
# frames, segments or operations only).
#
#   pc.pl frames  PCAP OUT MODE CONV [acks]  fuzz_packet / fuzz_passive frame records
#         MODE: the leading mode octet (decimal or 0x..); CONV: how each captured
#         frame becomes the record body: asis (the frame as captured), raw (its IP
#         packet), null (4-byte AF in little-endian order + IP), loop (4-byte AF in
#         network order + IP). Pure ACKs are left out unless "acks" is given.
#   pc.pl compact PCAP OUT KIND MODE   the same session as compact segment records:
#         KIND passive (fuzz_passive mode bit 7) or packet (fuzz_packet mode 15)
#   pc.pl wire    PCAP OUT [CONN]     fuzz_smtp_wire operations, one per segment
#   pc.pl stream  PCAP OUT DIR PART [CONN]  the bytes of one direction (c or s):
#         PART all, plain (before the first segment that starts a TLS record),
#         tls (from that segment on)
#   pc.pl udp     PCAP SPORT PREFIX   every UDP payload from SPORT to PREFIX.N
use strict;
use warnings;

my $MAX = 4096;

sub rd_pcap {
	my ($file) = @_;
	open(my $fh, '<:raw', $file) or die "$file: $!";
	local $/;
	my $d = <$fh>;
	close $fh;
	die "$file: not a pcap file\n" if length($d) < 24;
	my $m = unpack('V', substr($d, 0, 4));
	my ($e, $nano);
	if ($m == 0xa1b2c3d4) { ($e, $nano) = ('V', 0) }
	elsif ($m == 0xa1b23c4d) { ($e, $nano) = ('V', 1) }
	elsif (unpack('N', substr($d, 0, 4)) == 0xa1b2c3d4) { ($e, $nano) = ('N', 0) }
	elsif (unpack('N', substr($d, 0, 4)) == 0xa1b23c4d) { ($e, $nano) = ('N', 1) }
	else { die "$file: bad pcap magic\n" }
	my $lt = unpack($e, substr($d, 20, 4));
	my @fr;
	my $off = 24;
	while ($off + 16 <= length $d) {
		my ($s, $us, $incl, $orig) = unpack("$e$e$e$e", substr($d, $off, 16));
		$off += 16;
		my $b = substr($d, $off, $incl);
		$off += $incl;
		my $t = $s + $us / ($nano ? 1e9 : 1e6);
		my $f = { t => $t, frame => $b, incl => $incl, orig => $orig, lt => $lt };
		decode($f);
		push @fr, $f;
	}
	return @fr;
}

# Fills ip (the IP packet), v (4/6), src, dst, proto, sport, dport, seq, ack,
# flags, payload for TCP/UDP frames.
sub decode {
	my ($f) = @_;
	my ($b, $lt) = ($f->{frame}, $f->{lt});
	my ($et, $l2);
	if ($lt == 1) { $et = unpack('n', substr($b, 12, 2)); $l2 = 14 }
	elsif ($lt == 113) { $et = unpack('n', substr($b, 14, 2)); $l2 = 16 }
	elsif ($lt == 276) { $et = unpack('n', substr($b, 0, 2)); $l2 = 20 }
	else { die "link type $lt not handled\n" }
	return unless $et == 0x0800 || $et == 0x86dd;
	my $ip = substr($b, $l2);
	$f->{ip} = $ip;
	my ($l4, $proto);
	if ($et == 0x0800) {
		my $ihl = (ord(substr($ip, 0, 1)) & 15) * 4;
		$proto = ord(substr($ip, 9, 1));
		$f->{v} = 4;
		$f->{src} = join('.', unpack('C4', substr($ip, 12, 4)));
		$f->{dst} = join('.', unpack('C4', substr($ip, 16, 4)));
		my $tot = unpack('n', substr($ip, 2, 2));
		$l4 = substr($ip, $ihl, $tot - $ihl);
	} else {
		$proto = ord(substr($ip, 6, 1));
		$f->{v} = 6;
		$f->{src} = unpack('H*', substr($ip, 8, 16));
		$f->{dst} = unpack('H*', substr($ip, 24, 16));
		$l4 = substr($ip, 40, unpack('n', substr($ip, 4, 2)));
	}
	$f->{proto} = $proto;
	if ($proto == 6) {
		my ($sp, $dp, $seq, $ack, $offfl) = unpack('nnNNn', $l4);
		my $doff = ($offfl >> 12) * 4;
		@$f{qw(sport dport seq ack flags)} = ($sp, $dp, $seq, $ack, $offfl & 0xff);
		$f->{payload} = length($l4) > $doff ? substr($l4, $doff) : '';
	} elsif ($proto == 17) {
		my ($sp, $dp, $len) = unpack('nnn', $l4);
		@$f{qw(sport dport)} = ($sp, $dp);
		$f->{payload} = substr($l4, 8, $len - 8);
	}
}

# TCP connections in order of their SYN: each { c => "addr:port", s => ...,
# isn => {c, s}, segs => [frames with dir] }
sub conns {
	my @fr = grep { defined $_->{proto} && $_->{proto} == 6 } @_;
	my (%by, @list);
	for my $f (@fr) {
		my $a = "$f->{src}:$f->{sport}", my $b = "$f->{dst}:$f->{dport}";
		my $k = join('|', sort($a, $b));
		my $c = $by{$k};
		if (!$c) {
			next unless ($f->{flags} & 0x12) == 0x02;    # starts with a SYN
			$c = $by{$k} = { c => $a, s => $b, segs => [], isn => {} };
			push @list, $c;
		}
		$f->{dir} = $a eq $c->{c} ? 'c' : 's';
		$c->{isn}{$f->{dir}} //= $f->{seq} if $f->{flags} & 0x02;
		push @{$c->{segs}}, $f;
	}
	return @list;
}

# the data segments of a connection, each once (a capture on "any" sees the
# loopback segments twice)
sub data_segs {
	my ($c) = @_;
	my (%seen, @out);
	for my $f (@{$c->{segs}}) {
		next unless length $f->{payload};
		next if $seen{"$f->{dir}/$f->{seq}/" . length $f->{payload}}++;
		push @out, $f;
	}
	return @out;
}

sub wr {
	my ($file, $data) = @_;
	open(my $fh, '>:raw', $file) or die "$file: $!";
	print $fh $data;
	close $fh or die "$file: $!";
}

sub step {
	my ($prev, $t) = @_;
	return 0 unless defined $prev;
	my $s = int(($t - $prev) / 0.5);
	return $s > 7 ? 7 : $s < 0 ? 0 : $s;
}

my $cmd = shift @ARGV // '';
if ($cmd eq 'frames') {
	my ($in, $out, $mode, $conv, $acks) = @ARGV;
	my @fr = grep { defined $_->{proto} } rd_pcap($in);
	my $seed = chr($mode =~ /^0x/i ? hex($mode) : $mode);
	my $prev;
	for my $f (@fr) {
		next if !$acks && $f->{proto} == 6 && !length($f->{payload}) && $f->{flags} == 0x10;
		my $body = $conv eq 'asis' ? $f->{frame}
		    : $conv eq 'raw' ? $f->{ip}
		    : $conv eq 'null' ? pack('V', $f->{v} == 4 ? 2 : 24) . $f->{ip}
		    : $conv eq 'loop' ? pack('N', $f->{v} == 4 ? 2 : 24) . $f->{ip}
		    : die "bad CONV $conv\n";
		# a frame cut by the snap length: the IP packet is what was captured
		$body = substr($body, 0, $f->{incl} - (length($f->{frame}) - length($body)))
		    if $conv ne 'asis';
		my $h = length($body) | step($prev, $f->{t}) << 12 | ($f->{incl} < $f->{orig} ? 0x8000 : 0);
		last if length($body) > 0xfff || length($seed) + 2 + length($body) > $MAX;
		$seed .= pack('n', $h) . $body;
		$prev = $f->{t};
	}
	wr($out, $seed);
} elsif ($cmd eq 'compact') {
	my ($in, $out, $kind, $mode) = @ARGV;
	my @c = conns(rd_pcap($in));
	my %flow;
	my $n = 0;
	$flow{$_} = $n++ for @c;
	my @all = sort { $a->[1]{t} <=> $b->[1]{t} } map { my $c = $_; map { [$c, $_] } @{$c->{segs}} } @c[0 .. ($#c < 3 ? $#c : 3)];
	my $seed = chr($mode =~ /^0x/i ? hex($mode) : $mode);
	my ($prev, %seen);
	for my $x (@all) {
		my ($c, $f) = @$x;
		next if $seen{"$f->{dir}/$f->{seq}/$f->{flags}/" . length $f->{payload}}++;
		next if !length($f->{payload}) && $f->{flags} == 0x10;
		my $d = $f->{dir} eq 's' ? 1 : 0;
		my $o = $f->{dir} eq 's' ? 'c' : 's';
		my $so = ($f->{seq} - ($c->{isn}{$f->{dir}} // $f->{seq})) & 0xffff;
		my $body;
		if ($kind eq 'passive') {
			$body = pack('CCn', $flow{$c} | $d << 2, $f->{flags}, $so) . $f->{payload};
		} else {
			my $ao = ($f->{ack} - ($c->{isn}{$o} // $f->{ack})) & 0xffff;
			$body = pack('CCnn', $flow{$c} | $d << 2 | ($f->{v} == 6 ? 8 : 0), $f->{flags}, $so, $ao)
			    . $f->{payload};
		}
		last if length($body) > 0xfff || length($seed) + 2 + length($body) > $MAX;
		$seed .= pack('n', length($body) | step($prev, $f->{t}) << 12) . $body;
		$prev = $f->{t};
	}
	wr($out, $seed);
} elsif ($cmd eq 'wire') {
	my ($in, $out, $ci) = @ARGV;
	my $c = (conns(rd_pcap($in)))[$ci // 0] or die "$in: no such connection\n";
	my $seed = '';
	for my $f (data_segs($c)) {
		my $d = $f->{dir} eq 's' ? 1 : 0;
		my $p = $f->{payload};
		my $op = length($p) <= 256 ? pack('CC', $d, length($p) - 1)
		    : pack('Cn', $d | 5 << 1, length($p) - 1);
		last if length($seed) + length($op) + length($p) > $MAX;
		$seed .= $op . $p;
	}
	wr($out, $seed);
} elsif ($cmd eq 'stream') {
	my ($in, $out, $dir, $part, $ci) = @ARGV;
	my $c = (conns(rd_pcap($in)))[$ci // 0] or die "$in: no such connection\n";
	my ($plain, $tls, $in_tls) = ('', '', 0);
	for my $f (grep { $_->{dir} eq $dir } data_segs($c)) {
		$in_tls ||= $f->{payload} =~ /^[\x15\x16][\x03]/;
		if ($in_tls) { $tls .= $f->{payload} } else { $plain .= $f->{payload} }
	}
	wr($out, $part eq 'plain' ? $plain : $part eq 'tls' ? $tls : $plain . $tls);
} elsif ($cmd eq 'udp') {
	my ($in, $sport, $prefix) = @ARGV;
	my $n = 0;
	for my $f (rd_pcap($in)) {
		next unless defined $f->{proto} && $f->{proto} == 17 && $f->{sport} == $sport;
		wr($prefix . '.' . $n++, $f->{payload});
	}
} else {
	die "usage: pc.pl frames|compact|wire|stream|udp ...\n";
}
PERL

cat >"$T/talk.pl" <<'PERL'
#!/usr/bin/perl
# talk.pl HOST PORT STEP...: a plain SMTP client for tests/fuzz/make-corpus.sh.
# Reads the greeting, then does each STEP: "C:text" send text CR LF and read
# the reply; "P:text" send it without waiting (pipelining); "R" read a reply;
# "W:secs" wait; "E" read until the server closes (or is silent for 8 s).
# Prints what it read.
use strict;
use warnings;
use IO::Select;
use IO::Socket::IP;
use Time::HiRes qw(sleep);

my ($host, $port, @steps) = @ARGV;
my $s = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port, Timeout => 10)
    or die "connect $host:$port: $@\n";
$s->autoflush(1);

sub reply {
	while (defined(my $l = <$s>)) {
		print $l;
		return if $l =~ /^\d{3}(?: |\r?\n)/;
	}
}
reply();
for (@steps) {
	if (/^C:(.*)$/s) { print $s "$1\r\n"; reply() }
	elsif (/^P:(.*)$/s) { print $s "$1\r\n" }
	elsif ($_ eq 'R') { reply() }
	elsif (/^W:(.*)$/) { sleep($1) }
	elsif ($_ eq 'E') {
		my $sel = IO::Select->new($s);
		while ($sel->can_read(8)) {
			my $n = sysread($s, my $b, 4096);
			last unless $n;
			print $b;
		}
	}
	else { die "bad step $_\n" }
}
close $s;
PERL

cat >"$T/inetd.pl" <<'PERL'
#!/usr/bin/perl
# inetd.pl ADDR PORT PIDFILE CMD ARGS...: accept connections on ADDR:PORT and
# run CMD for each with the connection as its standard input and output (as
# inetd runs a mail server with -bs). Writes PIDFILE once listening.
use strict;
use warnings;
use IO::Socket::IP;
use POSIX ();
my ($addr, $port, $pidfile, @cmd) = @ARGV;
my $l = IO::Socket::IP->new(LocalHost => $addr, LocalPort => $port, Listen => 5, ReuseAddr => 1)
    or die "listen $addr:$port: $@\n";
$SIG{CHLD} = 'IGNORE';
open(my $fh, '>', $pidfile) or die; print $fh "$$\n"; close $fh;
while (my $c = $l->accept) {
	my $pid = fork;
	if (defined $pid && $pid == 0) {
		close $l;
		POSIX::dup2(fileno($c), 0); POSIX::dup2(fileno($c), 1);
		exec @cmd or POSIX::_exit(127);
	}
	close $c;
}
PERL

pc() { perl "$T/pc.pl" "$@" || bail "pc.pl $*"; }
talk() { perl "$T/talk.pl" "$@"; }

# cap_start NAME FILTER [IFACE LINKTYPE SNAPLEN]: tcpdump into $CAP/NAME.pcap
declare -A _cap=()
cap_start() {
    local name=$1 filter=$2 iface=${3:-lo} lt=${4:-} snap=${5:-0} i
    local file=$CAP/$name.pcap
    # shellcheck disable=SC2086 # ${lt:+...} is empty or two words
    tcpdump -i "$iface" ${lt:+-y $lt} -n -s "$snap" -U --immediate-mode -Z root -w "$file" \
        "$filter" 2>"$file.log" &
    _cap[$name]=$!
    track $!
    for i in $(seq 1 100); do
        grep -q 'listening on' "$file.log" 2>/dev/null && return 0
        sleep 0.05
    done
    bail "tcpdump $name did not start: $(cat "$file.log")"
}
cap_stop() {
    local name pid i
    sleep 0.3
    for name in "${!_cap[@]}"; do
        pid=${_cap[$name]}
        kill -INT "$pid" 2>/dev/null
        for i in $(seq 1 50); do _pf_alive "$pid" || break; sleep 0.05; done
        wait "$pid" 2>/dev/null
        unset "_cap[$name]"
    done
}
# session NAME FILTER COMMAND...: run COMMAND (its output to $CAP/NAME.out)
# while capturing FILTER on lo
session() {
    local name=$1 filter=$2
    shift 2
    cap_start "$name" "$filter"
    "$@" >"$CAP/$name.out" 2>&1
    cap_stop
}
# sclient ARGS...: s_client fed "EHLO, QUIT" once the handshake is done
sclient() {
    { sleep 1; printf 'EHLO client.example.org\r\n'; sleep 0.5; printf 'QUIT\r\n'; sleep 0.5; } |
        timeout 10 openssl s_client -ign_eof "$@"
}
seed() { cp "$2" "$OUT/$1/$3" || bail "seed $1/$3"; }
# with_octet OCTETS FILE OUT: OCTETS (printf escapes) then FILE
with_octets() { { printf "$1"; cat "$2"; } >"$3"; }
# ehlo_reply FILE: the 250 reply that follows the greeting
ehlo_reply() { perl -0ne 'print $1 if /\r\n(250[- ].*?\r\n(?:250-.*?\r\n)*(?:250 .*?\r\n)?)/s' "$1"; }

# ------------------------------------------------------------- the servers ----

say "Postfix on 127.0.0.1:25, :587 (encrypt), :465 (wrapper mode)"
postfix_start mx.example.net 25
cat >>"$PF_CONF/master.cf" <<EOF
127.0.0.1:587 inet n    -       n       -       -       smtpd -o smtpd_tls_security_level=encrypt
127.0.0.1:465 inet n    -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes
EOF
postfix_set mx.example.net "smtpd_tls_loglevel=1"
for i in $(seq 1 50); do
    [ -n "$(ss -Htln 'sport = :587')" ] && [ -n "$(ss -Htln 'sport = :465')" ] && break
    sleep 0.1
done
openssl x509 -in "$T/mx.example.net.crt" -outform DER -out "$T/postfix-rsa.der"

say "Exim and sendmail from their Debian packages (unpacked, not installed)"
PKG=$T/pkg
mkdir -p "$PKG/root" "$PKG/spool" "$PKG/mq"
( cd "$PKG" && apt-get download exim4-daemon-light exim4-base libidn12 sendmail-bin sendmail-cf \
    libnss-wrapper >/dev/null 2>&1 ) || bail "apt-get download failed"
for d in "$PKG"/*.deb; do dpkg-deb -x "$d" "$PKG/root" || bail "dpkg-deb $d"; done
LIBS=$PKG/root/usr/lib/x86_64-linux-gnu
{ cat /etc/passwd; echo 'Debian-exim:x:64999:64999::/nonexistent:/bin/false'; } >"$PKG/passwd"
{ cat /etc/group; echo 'Debian-exim:x:64999:'; } >"$PKG/group"
chmod 777 "$PKG/spool"
NSSW=(env LD_LIBRARY_PATH="$LIBS" LD_PRELOAD="$LIBS/libnss_wrapper.so"
    NSS_WRAPPER_PASSWD="$PKG/passwd" NSS_WRAPPER_GROUP="$PKG/group")
cat >"$PKG/exim.conf" <<EOF
primary_hostname = exim.example.net
spool_directory = $PKG/spool
log_file_path = $PKG/spool/%slog
keep_environment =
queue_only = true
acl_smtp_rcpt = accept
smtp_accept_max_nonmail = 5
smtp_receive_timeout = 3s
auth_advertise_hosts = *
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if eq{\$auth2}{probe}}
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if eq{\$auth1}{probe}}
EOF
"${NSSW[@]}" perl "$T/inetd.pl" 127.0.0.2 25 "$T/exim.pid" \
    "$PKG/root/usr/sbin/exim4" -C "$PKG/exim.conf" -bs 2>"$T/exim.err" &
track $!
cat >"$PKG/sendmail.mc" <<EOF
divert(0)dnl
include(\`$PKG/root/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`smtpmon make-corpus')dnl
OSTYPE(\`linux')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$PKG/mq')dnl
FEATURE(\`nocanonify')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
m4 "$PKG/sendmail.mc" >"$PKG/sendmail.cf" || bail "m4 sendmail.mc"
unshare -u sh -c 'hostname sendmail.example.net; exec "$@"' sh "${NSSW[@]}" perl "$T/inetd.pl" \
    127.0.0.3 25 "$T/sendmail.pid" "$PKG/root/usr/libexec/sendmail/sendmail" -C "$PKG/sendmail.cf" -bs \
    2>"$T/sendmail.err" &
track $!

say "smtpfix: hostile greetings (tests/integration/hostile-text.sh), TLS 1.3 on [::1]:25"
ESC=$'\x1b' BEL=$'\x07' CR=$'\r'
PIPE_BANNER="554-denied | fake=1;;;;\\n554 ${ESC}[2J${ESC}]0;owned${BEL} caf"$'\xc3\xa9'
FORGE_BANNER="421-go away${CR}smtpmond: error: SMD1850W TLS downgrade: event=forged\\n421 smtpmond: error: SMD1850W TLS downgrade: event=forged2"
"$SMTPFIX" --listen 127.0.0.4:25 --banner "$PIPE_BANNER" >/dev/null 2>>"$T/fix.err" & track $!
"$SMTPFIX" --listen 127.0.0.5:25 --banner "$FORGE_BANNER" >/dev/null 2>>"$T/fix.err" & track $!
"$SMTPFIX" --listen '[::1]:25' --hostname fix6.example.net --cert "$T/mx.example.net.crt" \
    --key "$T/mx.example.net.key" >/dev/null 2>>"$T/fix.err" & track $!
for i in $(seq 1 100); do
    n=0
    for a in 127.0.0.2:25 127.0.0.3:25 127.0.0.4:25 127.0.0.5:25 '[::1]:25'; do
        [ -n "$(ss -Htln "src $a")" ] && n=$((n + 1))
    done
    [ "$n" -eq 5 ] && break
    sleep 0.1
done
[ "$n" -eq 5 ] || bail "not every server listens: $(cat "$T"/*.err)"

# --------------------------------------------------------- the sessions ----

H1='host 127.0.0.1 and tcp port 25' H587='host 127.0.0.1 and tcp port 587'
H465='host 127.0.0.1 and tcp port 465'
say "capturing Postfix sessions"
# the STARTTLS session three ways at once: lo (Ethernet), any (cooked v1, v2)
cap_start postfix-starttls-tls13 "$H1"
cap_start postfix-starttls-tls13.sll "$H1" any LINUX_SLL
cap_start postfix-starttls-tls13.sll2 "$H1" any LINUX_SLL2
sclient -starttls smtp -name client.example.org -connect 127.0.0.1:25 -servername mx.example.net \
    >"$CAP/postfix-starttls-tls13.out" 2>&1
cap_stop
session postfix-starttls-tls12 "$H1" sclient -starttls smtp -connect 127.0.0.1:25 -tls1_2
cap_start postfix-starttls-snap96 "$H1" lo "" 96
sclient -starttls smtp -connect 127.0.0.1:25 >/dev/null 2>&1
cap_stop
session postfix-implicit-tls "$H465" sclient -connect 127.0.0.1:465
session postfix-submission-530 "$H587" talk 127.0.0.1 587 "C:EHLO client.example.org" \
    "C:MAIL FROM:<probe@example.org>" "C:QUIT"
session postfix-mail-data "$H1" talk 127.0.0.1 25 "C:EHLO client.example.org" \
    "C:MAIL FROM:<probe@example.org>" "C:RCPT TO:<postmaster@example.net>" "C:DATA" \
    "P:Subject: corpus" "P:" "P:hello" "C:." "C:VRFY jos"$'\xc3\xa9'"@example.net" \
    "C:VRFY ${ESC}[31mroot${BEL}" "C:NOOP" "C:RSET" "C:QUIT"
session postfix-pipelined "$H1" talk 127.0.0.1 25 "C:EHLO client.example.org" \
    "P:MAIL FROM:<probe@example.org>" "P:RCPT TO:<a@example.net>" "C:DATA" R R \
    "P:Subject: pipelined" "P:" "C:." "C:QUIT"
session postfix-helo "$H1" talk 127.0.0.1 25 "C:HELO client.example.org" "C:EHLO" "C:STARTTLS x" \
    "C:QUIT"
session postfix-posttls-finger "$H1" env MAIL_CONFIG="$PF_CONF" timeout 20 posttls-finger -c \
    -l may "[127.0.0.1]:25"
session postfix-smtpmonctl-check "$H1" "$SMTPMONCTL" check --secure yes --helo probe.example.org \
    127.0.0.1:25
postfix_set mx.example.net smtpd_timeout=3s smtpd_hard_error_limit=3 smtpd_soft_error_limit=2
session postfix-421-idle "$H1" talk 127.0.0.1 25 "C:EHLO client.example.org" "C:NOOP" W:4 E
session postfix-421-errors "$H1" talk 127.0.0.1 25 "C:EHLO client.example.org" C:NOOP \
    C:XYZZY "C:MAIL FROM:<x" C:FOO E

say "capturing Exim, sendmail, smtpfix sessions"
H2='host 127.0.0.2 and tcp port 25' H3='host 127.0.0.3 and tcp port 25'
session exim-starttls "$H2" sclient -starttls smtp -connect 127.0.0.2:25 -showcerts
session exim-554-nonmail "$H2" talk 127.0.0.2 25 "C:EHLO client.example.org" C:NOOP C:NOOP \
    C:NOOP C:NOOP C:NOOP C:NOOP E
session exim-421-idle "$H2" talk 127.0.0.2 25 "C:EHLO client.example.org" W:4 E
session exim-auth-mail "$H2" talk 127.0.0.2 25 "C:EHLO client.example.org" "C:AUTH LOGIN" \
    C:cHJvYmU= C:c2VjcmV0 "C:AUTH PLAIN AHdyb25nAHNlY3JldA==" "C:MAIL FROM:<probe@example.org>" \
    "C:RCPT TO:<a@exim.example.net>" C:DATA "P:Subject: corpus" "P:" "C:." C:XYZZY C:QUIT
session sendmail-plain "$H3" talk 127.0.0.3 25 "C:EHLO client.example.org" C:NOOP "C:VRFY root" \
    "C:MAIL FROM:<probe@sendmail.example.net>" "C:RCPT TO:<root>" C:XYZZY "C:VRFY \"${ESC}[1m\"" \
    C:QUIT
session sendmail-helo "$H3" talk 127.0.0.3 25 "C:HELO client.example.org" "C:EHLO" "C:STARTTLS" \
    "C:MAIL FROM:<>" C:QUIT
session smtpfix-hostile-pipe 'host 127.0.0.4 and tcp port 25' talk 127.0.0.4 25 C:QUIT
session smtpfix-hostile-forge 'host 127.0.0.5 and tcp port 25' talk 127.0.0.5 25 C:QUIT
session smtpfix-ipv6-tls13 'ip6 and tcp port 25' sclient -starttls smtp -connect '[::1]:25'
openssl x509 -in <(sed -n '/BEGIN CERT/,/END CERT/p' "$CAP/exim-starttls.out" | head -100) \
    -outform DER -out "$T/exim-gnutls.der" || bail "no Exim certificate"

say "capturing openssl s_server / s_client handshakes"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ec.key" \
    -out "$T/ec.crt" -days 400 -subj /CN=ec.example.net -addext subjectAltName=DNS:ec.example.net \
    >/dev/null 2>&1 || bail "EC certificate"
openssl x509 -in "$T/ec.crt" -outform DER -out "$T/ec.der"
# tls NAME "SERVER OPTIONS" CLIENT OPTIONS...
tls() {
    local name=$1 sopts=$2 spid i
    shift 2
    # shellcheck disable=SC2086 # sopts is a word list
    openssl s_server -accept 127.0.0.6:465 -naccept 1 -quiet $sopts </dev/null \
        >"$CAP/$name.server" 2>&1 &
    spid=$!
    track "$spid"
    for i in $(seq 1 50); do [ -n "$(ss -Htln 'src 127.0.0.6:465')" ] && break; sleep 0.05; done
    cap_start "$name" 'host 127.0.0.6 and tcp port 465'
    timeout 10 openssl s_client -connect 127.0.0.6:465 "$@" </dev/null >"$CAP/$name.out" 2>&1
    cap_stop
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
}
RSA="-cert $T/mx.example.net.crt -key $T/mx.example.net.key"
EC="-cert $T/ec.crt -key $T/ec.key"
tls tls13-sni-alpn "$RSA -alpn smtp" -servername tls.example.net -alpn smtp
tls tls13-hrr "$RSA -groups P-256" -groups X25519:P-256
tls tls12-ecdhe-rsa "$RSA" -tls1_2
tls tls12-ecdhe-ecdsa "$EC" -tls1_2
tls tls12-rsa-kx "$RSA" -tls1_2 -cipher AES128-SHA
tls tls11 "$RSA -cipher DEFAULT:@SECLEVEL=0" -tls1_1 -cipher DEFAULT:@SECLEVEL=0
tls tls10 "$EC -cipher DEFAULT:@SECLEVEL=0" -tls1 -cipher DEFAULT:@SECLEVEL=0
tls tls-alert-protocol-version "$RSA -tls1_3" -tls1_2
tls tls-alert-fallback "$RSA" -tls1_2 -fallback_scsv

say "DNS answers from dnsmasq"
dns_start 'local-ttl=300' 'mx-host=example.test,mx1.example.test,10' \
    'mx-host=example.test,mx2.example.test,20' 'mx-host=example.test,mx3.example.test,20' \
    'host-record=mx1.example.test,192.0.2.1,2001:db8::1,3600' \
    'host-record=mx2.example.test,192.0.2.2,60' 'host-record=mx3.example.test,192.0.2.3' \
    'cname=alias.example.test,mx1.example.test' 'dns-rr=null.example.test,15,000000'
cap_start dns "udp port $DNS_PORT"
dnsq() { dig @127.0.0.1 -p "$DNS_PORT" +tries=1 +time=2 "$@" >/dev/null; }
# type number, type, name, dig option (- none), seed name
DNSQ=(
    "15 mx example.test - mx-three-records" "1 a mx1.example.test - a-ttl3600"
    "28 aaaa mx1.example.test - aaaa-ttl3600" "1 a alias.example.test - a-via-cname"
    "5 cname alias.example.test - cname" "1 a nope.example.test - a-nxdomain"
    "28 aaaa mx2.example.test - aaaa-nodata" "15 mx null.example.test - mx-null-rfc7505"
    "1 a www.example.org - a-refused" "15 mx example.test +noedns mx-without-edns"
    "28 aaaa alias.example.test +dnssec aaaa-via-cname-do"
)
for q in "${DNSQ[@]}"; do
    read -r _ type name opt _ <<<"$q"
    [ "$opt" = - ] && opt=
    # shellcheck disable=SC2086 # opt is empty or one word
    dnsq "$type" "$name" $opt
done
cap_stop
dns_stop

# ------------------------------------------------------------- the seeds ----

say "converting captures"
wire_seed() { pc wire "$CAP/$1.pcap" "$OUT/fuzz_smtp_wire/${2:-$1}"; }
for s in postfix-starttls-tls13 postfix-starttls-tls12 postfix-implicit-tls postfix-submission-530 \
    postfix-mail-data postfix-421-idle postfix-posttls-finger postfix-smtpmonctl-check exim-starttls \
    exim-auth-mail sendmail-plain smtpfix-hostile-forge; do
    wire_seed "$s"
done

# fuzz_reply: a chunk-size octet (byte % 64 + 1), then the server's plain bytes
i=0
for s in postfix-starttls-tls13 postfix-submission-530 postfix-mail-data postfix-pipelined \
    postfix-helo postfix-421-idle postfix-421-errors exim-554-nonmail exim-421-idle exim-auth-mail \
    sendmail-plain sendmail-helo smtpfix-hostile-pipe smtpfix-hostile-forge; do
    pc stream "$CAP/$s.pcap" "$T/$s.s" s plain
    pc stream "$CAP/$s.pcap" "$T/$s.c" c plain
    chunk=$(( (i * 37 + 63) % 256 ))   # 64, then other chunk sizes, 1 among them
    with_octets "\\$(printf '%03o' "$chunk")" "$T/$s.s" "$OUT/fuzz_reply/$s"
    i=$((i + 1))
done

# fuzz_caps: the EHLO replies
ehlo_reply "$T/postfix-starttls-tls13.s" >"$OUT/fuzz_caps/postfix-ehlo"
ehlo_reply "$T/postfix-submission-530.s" >"$OUT/fuzz_caps/postfix-submission-ehlo"
ehlo_reply "$T/exim-auth-mail.s" >"$OUT/fuzz_caps/exim-ehlo-auth"
ehlo_reply "$T/sendmail-plain.s" >"$OUT/fuzz_caps/sendmail-ehlo-auth-pretls"
ehlo_reply "$T/postfix-helo.s" >"$OUT/fuzz_caps/postfix-helo-reply"
# the EHLO reply after STARTTLS, as s_client printed it (the last multi-line 250)
tls_ehlo() {
    perl -ne 's/\r?\n$//; next unless /^250[- ]/; $cur .= "$_\r\n";
        if (/^250 /) { $last = $cur if $cur =~ /^250-/; $cur = "" } END { print $last // "" }' "$1"
}
tls_ehlo "$CAP/postfix-starttls-tls13.out" >"$OUT/fuzz_caps/postfix-ehlo-after-tls"
tls_ehlo "$CAP/exim-starttls.out" >"$OUT/fuzz_caps/exim-ehlo-after-tls"
tls_ehlo "$CAP/smtpfix-ipv6-tls13.out" >"$OUT/fuzz_caps/smtpfix-ehlo-after-tls"
printf '250 %s\r\n' "$(head -c 200 "$T/smtpfix-hostile-pipe.s" | tr -d '\r\n')" \
    >"$OUT/fuzz_caps/smtpfix-hostile-as-ehlo"

# fuzz_tls_wire: a cut-point octet, then one direction's TLS bytes
tlsw() {    # tlsw PCAP DIR CUT NAME
    pc stream "$CAP/$1.pcap" "$T/tlsw" "$2" tls
    [ -s "$T/tlsw" ] || bail "no TLS bytes in $1 ($2)"
    head -c 4095 "$T/tlsw" >"$T/tlsw.4095"
    with_octets "\\$(printf '%03o' "$3")" "$T/tlsw.4095" "$OUT/fuzz_tls_wire/$4"
}
tlsw tls13-sni-alpn c 128 tls13-clienthello-sni-alpn
tlsw tls13-sni-alpn s 40 tls13-server-flight
tlsw tls13-hrr s 255 tls13-hello-retry-request
tlsw tls13-hrr c 100 tls13-two-clienthellos
tlsw tls12-ecdhe-rsa s 7 tls12-server-ecdhe-rsa
tlsw tls12-ecdhe-ecdsa s 200 tls12-server-ecdhe-ecdsa
tlsw tls12-rsa-kx c 60 tls12-client-rsa-kx
tlsw tls12-rsa-kx s 255 tls12-server-rsa-kx
tlsw tls11 s 30 tls11-server-flight
tlsw tls10 c 0 tls10-clienthello
tlsw tls10 s 90 tls10-server-flight
tlsw tls-alert-protocol-version s 255 tls-alert-protocol-version
tlsw tls-alert-fallback c 50 tls12-clienthello-fallback-scsv
tlsw tls-alert-fallback s 255 tls-alert-inappropriate-fallback
tlsw postfix-starttls-tls12 s 128 postfix-tls12-server-flight
tlsw postfix-posttls-finger c 128 posttls-finger-clienthello
tlsw postfix-smtpmonctl-check c 20 smtpmonctl-clienthello
tlsw exim-starttls s 128 exim-gnutls-server-flight
for c in postfix-rsa exim-gnutls ec; do
    with_octets '\200' "$T/$c.der" "$OUT/fuzz_tls_wire/cert-$c-der"
done

# fuzz_packet: mode (bits 0-3 link type: 0 Ethernet, 1 raw, 2 cooked v1,
# 3 cooked v2, 4 null, 5 loop, 7 IPv6, 8/9 raw as 12/14, 15 compact; bit 7
# expire at the end), then records
P=$OUT/fuzz_packet
pc frames "$CAP/postfix-starttls-tls13.pcap" "$P/postfix-starttls-tls13-ethernet" 0 asis
pc frames "$CAP/postfix-starttls-tls13.sll.pcap" "$P/postfix-starttls-tls13-sll" 2 asis
pc frames "$CAP/postfix-starttls-tls13.sll2.pcap" "$P/postfix-starttls-tls13-sll2" 3 asis
pc frames "$CAP/postfix-starttls-snap96.pcap" "$P/postfix-starttls-snap96-ethernet" 0 asis acks
pc frames "$CAP/postfix-mail-data.pcap" "$P/postfix-mail-data-raw" 1 raw acks
pc frames "$CAP/postfix-421-idle.pcap" "$P/postfix-421-idle-null" 4 null acks
pc frames "$CAP/postfix-421-errors.pcap" "$P/postfix-421-errors-loop" 5 loop
pc frames "$CAP/smtpfix-ipv6-tls13.pcap" "$P/smtpfix-ipv6-tls13-ipv6" 7 raw
pc frames "$CAP/exim-554-nonmail.pcap" "$P/exim-554-nonmail-raw12" 8 raw acks
pc frames "$CAP/sendmail-plain.pcap" "$P/sendmail-plain-raw14-expire" 0x89 raw
pc frames "$CAP/postfix-submission-530.pcap" "$P/postfix-submission-ethernet-expire" 0x80 asis acks
pc compact "$CAP/postfix-starttls-tls12.pcap" "$P/postfix-starttls-tls12-compact" packet 15
pc compact "$CAP/smtpfix-ipv6-tls13.pcap" "$P/smtpfix-ipv6-tls13-compact" packet 15
pc compact "$CAP/exim-421-idle.pcap" "$P/exim-421-idle-compact-expire" packet 0x8f

# fuzz_passive: mode (bits 0-1: 0 raw, 1 Ethernet, 2 cooked v1; bit 7 compact)
P=$OUT/fuzz_passive
pc frames "$CAP/postfix-starttls-tls13.pcap" "$P/postfix-starttls-tls13-ethernet" 1 asis
pc frames "$CAP/postfix-starttls-tls13.sll.pcap" "$P/postfix-starttls-tls13-sll" 2 asis
pc frames "$CAP/postfix-implicit-tls.pcap" "$P/postfix-implicit-tls-raw" 0 raw
pc frames "$CAP/postfix-submission-530.pcap" "$P/postfix-submission-530-raw" 0 raw acks
pc frames "$CAP/postfix-helo.pcap" "$P/postfix-helo-raw" 3 raw
pc frames "$CAP/sendmail-helo.pcap" "$P/sendmail-helo-ethernet" 1 asis
pc frames "$CAP/smtpfix-hostile-pipe.pcap" "$P/smtpfix-hostile-pipe-raw" 0 raw acks
pc compact "$CAP/postfix-starttls-tls12.pcap" "$P/postfix-starttls-tls12-compact" passive 0x80
pc compact "$CAP/postfix-421-idle.pcap" "$P/postfix-421-idle-compact" passive 0x80
pc compact "$CAP/exim-starttls.pcap" "$P/exim-starttls-compact" passive 0x80
pc compact "$CAP/exim-554-nonmail.pcap" "$P/exim-554-nonmail-compact" passive 0x80
pc compact "$CAP/sendmail-plain.pcap" "$P/sendmail-plain-compact" passive 0x80

# fuzz_dnsttl: the type asked (2 octets), then the answer as dnsmasq sent it
pc udp "$CAP/dns.pcap" "$DNS_PORT" "$T/dns"
n=0
for q in "${DNSQ[@]}"; do
    read -r type _ _ _ f <<<"$q"
    [ -s "$T/dns.$n" ] || bail "no DNS answer $n ($q)"
    f=dnsmasq-$f
    with_octets "\\$(printf '%03o' $((type >> 8)))\\$(printf '%03o' $((type & 255)))" "$T/dns.$n" \
        "$OUT/fuzz_dnsttl/$f"
    n=$((n + 1))
done
# the MX answer asked as A (answers of another type only) and as AAAA
with_octets '\000\001' "$T/dns.0" "$OUT/fuzz_dnsttl/dnsmasq-mx-three-records-asked-as-a"
with_octets '\000\034' "$T/dns.0" "$OUT/fuzz_dnsttl/dnsmasq-mx-three-records-asked-as-aaaa"

# fuzz_json and fuzz_safetext: server bytes
J=$OUT/fuzz_json S=$OUT/fuzz_safetext
cp "$T/smtpfix-hostile-pipe.s" "$J/smtpfix-hostile-pipe"
cp "$T/smtpfix-hostile-forge.s" "$J/smtpfix-hostile-forge"
cp "$T/postfix-mail-data.s" "$J/postfix-mail-data-utf8"
cp "$T/sendmail-plain.s" "$J/sendmail-quotes"
cp "$T/exim-auth-mail.s" "$J/exim-auth-mail"
pc stream "$CAP/exim-starttls.pcap" "$T/exim.tls" s tls
head -c 4096 "$T/exim.tls" >"$J/exim-gnutls-server-flight"
pc stream "$CAP/smtpfix-ipv6-tls13.pcap" "$T/fix6.s" s all
head -c 600 "$T/fix6.s" >"$J/smtpfix-starttls-then-tls"
# safetext: output size octet (% 600 + 1), flags octet (1 SAFE_LINES, 2 SAFE_PLUGIN)
with_octets '\377\002' "$T/smtpfix-hostile-pipe.s" "$S/smtpfix-hostile-pipe-plugin"
with_octets '\377\001' "$T/smtpfix-hostile-forge.s" "$S/smtpfix-hostile-forge-lines"
with_octets '\040\003' "$T/smtpfix-hostile-pipe.s" "$S/smtpfix-hostile-pipe-short-both"
with_octets '\377\000' "$T/postfix-mail-data.s" "$S/postfix-mail-data-utf8"
with_octets '\017\001' "$T/sendmail-plain.s" "$S/sendmail-quotes-16"
with_octets '\377\003' "$T/exim-auth-mail.s" "$S/exim-auth-mail-both"
head -c 600 "$T/fix6.s" >"$T/fix6.600"
with_octets '\200\002' "$T/fix6.600" "$S/smtpfix-starttls-then-tls-plugin"

# fuzz_httpneg: the offer count octet (% 5), then an Accept header as real
# clients send it: Prometheus 2.42's scrape, curl, Chromium; and wildcards
H=$OUT/fuzz_httpneg
printf '\002application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' >"$H/prometheus-2.42"
printf '\002*/*' >"$H/curl"
printf '\003text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7' >"$H/chromium"
printf '\004text/plain;q=0, application/*;q="0.5", */*;q=0.1' >"$H/wildcards"

# fuzz_mlimit: the server's last reply of a captured session, as its end
# came. Record: fail, state, code/3, silence (2 octets of 16 * 256 us), NOOPs,
# NoopInterval/100 ms - 1, NoopBudget % 12, then the reply (up to 599 octets,
# NUL-padded to 599 when another record follows; an empty reply ends the input)
lastreply() { perl -0ne 'my @r = /((?:\d{3}-[^\n]*\n)*\d{3} [^\n]*\n)/g; print $r[-1] if @r' "$1"; }
# rec FAIL STATE CODE SILENCE_MS NOOPS INTERVAL_S BUDGET REPLYFILE|- [pad]
rec() {
    local us=$(($4 * 1000 / 16)) iv=$(($6 * 10 - 1))
    [ "$iv" -gt 255 ] && iv=255     # the longest NoopInterval the record holds: 25.6 s
    printf "\\$(printf '%03o' "$1")\\$(printf '%03o' "$2")\\$(printf '%03o' $(($3 / 3)))"
    printf "\\$(printf '%03o' $(((us >> 16) & 255)))\\$(printf '%03o' $(((us >> 8) & 255)))"
    printf "\\$(printf '%03o' "$5")\\$(printf '%03o' "$iv")\\$(printf '%03o' "$7")"
    if [ "$8" != - ]; then head -c 599 "$8"; fi
    if [ "${9:-}" = pad ]; then
        local n=0
        [ "$8" != - ] && n=$(head -c 599 "$8" | wc -c)
        head -c $((599 - n)) /dev/zero
    fi
}
F_CLOSED=3 F_NOOP=13 S_NOOP=11 S_IDLE=12 S_THROTTLE=$((11 | 128))
M=$OUT/fuzz_mlimit
lastreply "$T/postfix-421-idle.s" >"$T/r.pf-idle"
lastreply "$T/postfix-421-errors.s" >"$T/r.pf-err"
lastreply "$T/exim-554-nonmail.s" >"$T/r.ex-nonmail"
lastreply "$T/exim-421-idle.s" >"$T/r.ex-idle"
lastreply "$T/sendmail-plain.s" >"$T/r.sm-quit"
rec $F_CLOSED $S_IDLE 420 3000 1 1 8 "$T/r.pf-idle" >"$M/postfix-421-idle-timeout"
rec $F_CLOSED $S_NOOP 420 0 2 1 0 "$T/r.pf-err" >"$M/postfix-421-too-many-errors"
rec $F_NOOP $S_NOOP 555 0 5 1 8 "$T/r.ex-nonmail" >"$M/exim-554-nonmail"
{ rec $F_CLOSED $S_IDLE 420 3000 1 60 0 "$T/r.ex-idle" pad
  rec $F_CLOSED $S_IDLE 420 2000 1 60 0 "$T/r.ex-idle"; } >"$M/exim-421-idle-twice"
{ rec $F_NOOP $S_NOOP 555 0 5 1 8 "$T/r.ex-nonmail" pad
  rec $F_CLOSED $S_IDLE 420 3000 0 1 8 "$T/r.ex-idle"; } >"$M/exim-nonmail-then-idle"
# sendmail slows NOOP replies (MaxNOOPCommands) rather than refusing: a throttle,
# then its QUIT reply as an end in NOOP state
{ rec $F_NOOP $S_THROTTLE 249 1500 20 1 0 "$T/r.sm-quit" pad
  rec $F_CLOSED $S_NOOP 219 0 21 1 0 "$T/r.sm-quit"; } >"$M/sendmail-throttle-then-close"
# Exchange drops an idle client without a word (the longest silence the
# record holds, about 268 s, for its 300 s), twice to be believed
{ rec $F_CLOSED $S_IDLE 0 268000 1 60 0 - pad
  rec $F_CLOSED $S_IDLE 0 268000 1 60 0 -; } >"$M/exchange-silent-idle-drop-twice"
{ rec $F_CLOSED $S_NOOP 0 0 9 60 0 - pad
  rec $F_CLOSED $S_NOOP 0 0 9 60 0 - pad
  rec $F_CLOSED $S_IDLE 0 1000 3 60 11 "$T/r.pf-idle"; } >"$M/silent-command-closes-then-postfix"

say "configurations"
C=$OUT/fuzz_config
cp "$src/doc/smtpmon.conf.example" "$C/doc-smtpmon.conf.example"
# the examples and synopses of smtpmon.conf(5): its .nf/.fi blocks, fonts removed
C=$C perl -ne '
    my @name = (undef, "man-example-targetip", "man-example-timeout-one-line", "man-synopsis-timeout",
        "man-synopsis-monitor", "man-synopsis-targetserver", "man-synopsis-authentity",
        "man-synopsis-passive", undef, "man-example-full");
    if (/^\.nf/) { $n++; $p = 1; next } if (/^\.fi/) { $p = 0; next }
    next unless $p && defined $name[$n]; next if /^\.(RS|RE)/;
    s/\\f[BIRP]//g; s/\\-/-/g; $b{$n} .= $_;
    END { for (keys %b) { open(my $f, ">", "$ENV{C}/$name[$_]") or die; print $f $b{$_} } }' \
    "$src/doc/smtpmon.conf.5"
sed -n '/^    ExtWrtName SMTPMON/,/^    AppldataLog/s/^    //p' "$src/README" >"$C/readme-example"
# the CSSMTP configuration of tests/unit/test_config.c (its C string literals joined)
perl -0ne 'if (/sample CSSMTPCF.*?text\[\] =(.*?);\n/s) { my ($s, $o) = ($1, "");
    while ($s =~ /"((?:[^"\\]|\\.)*)"/g) { $o .= $1 }
    $o =~ s/\\n/\n/g; $o =~ s/\\t/\t/g; $o =~ s/\\"/"/g; $o =~ s/\\\\/\\/g; print $o }' \
    "$src/tests/unit/test_config.c" >"$C/cssmtp-unit-test"
# what the integration tests give smtpmond: a wrapper copies each -f FILE
mkdir -p "$T/confs"
cat >"$T/smtpmond-wrap" <<EOF
#!/bin/bash
prev=
for a in "\$@"; do
    [ "\$prev" = -f ] && cp "\$a" "$T/confs/\$(date +%s%N)-\$(basename "\$a")"
    prev=\$a
done
exec "$SMTPMOND" "\$@"
EOF
chmod +x "$T/smtpmond-wrap"
for t in passive-daemon daemon-mx; do
    SMTPMOND=$T/smtpmond-wrap SMTPMONCTL=$SMTPMONCTL SMTPFIX=$SMTPFIX RESOLVE=$build/tests/tools/resolve \
        PCAPGEN=$build/tests/tools/pcapgen TMPDIR=$T timeout 300 bash "$src/tests/integration/$t.sh" \
        >"$T/$t.tap" 2>&1
    for f in "$T"/confs/*; do
        [ -f "$f" ] || continue
        b=$(basename "$f" .conf)
        # the test's scratch directory name varies: make it fixed
        sed "s|$T/smtpmon-test\.[A-Za-z0-9]*|/tmp/smtpmon-test|g" "$f" >"$C/integration-$t-${b#*-}"
        rm -f "$f"
    done
done

say "baselines: smtpmond watching Postfix, Exim, sendmail; Postfix downgraded and restored"
mkdir -p "$T/state"
mond_conf "$T/mond.conf" <<EOF
ExtWrtName CORPUS
HeloName   probe.example.org
Timeout {
    ConnectRetry 1
}
Monitor {
    NoopInterval    1
    ReprobeInterval 2
}
TargetServer {
    TargetIP    127.0.0.1
    ConnectPort 25
    Secure      Yes
}
TargetServer {
    TargetIP    127.0.0.1
    ConnectPort 587
    Secure      Yes
    MinTlsLevel 13
}
TargetServer {
    TargetIP    127.0.0.2
    Secure      Yes
}
TargetServer {
    TargetIP    127.0.0.3
    Secure      No
}
EOF
cp "$T/mond.conf" "$C/smtpmond-corpus-run"
sed -i "s|$T|/tmp/smtpmon-corpus|g" "$C/smtpmond-corpus-run"
mond_start "$T/mond.conf" || bail "smtpmond did not start"
B=$T/state/baselines
wait_until 200 '[ "$(grep -c "^127" "$B" 2>/dev/null)" -ge 4 ]' || bail "no baselines: $(cat "$MOND_LOG")"
# pf_reload KEY=VALUE: as tests/integration/downgrade-postfix.sh does it (the
# monitor connection keeps its old smtpd; reprobes get the new settings)
pf_reload() {
    postconf -c "$PF_CONF" -e "$@"
    _pf_backdate "$PF_CONF/main.cf"
    postfix -c "$PF_CONF" reload >/dev/null 2>&1
}
bl() { grep "^$1 " "$B"; }
bl 127.0.0.1:25 >"$T/b.first"
bl 127.0.0.2:25 >"$OUT/fuzz_baseline/exim-gnutls"
bl 127.0.0.3:25 >"$OUT/fuzz_baseline/sendmail-plaintext"
bl 127.0.0.1:587 >"$OUT/fuzz_baseline/postfix-submission-min-tls13"
head -1 "$B" >"$OUT/fuzz_baseline/file-header"
pf_reload 'smtpd_tls_protocols=<=TLSv1.2'
wait_until 300 '[ -n "$(bl 127.0.0.1:25 | grep -v "active=0x0 ")" ]' || bail "no downgrade seen"
bl 127.0.0.1:25 >"$T/b.down"
pf_reload 'smtpd_tls_protocols='
wait_until 300 '[ -n "$(bl 127.0.0.1:25 | grep "last_rec=1")" ]' || bail "no recovery seen"
bl 127.0.0.1:25 >"$T/b.rec"
mond_stop
for f in first:postfix-tls13 down:postfix-downgraded-tls12 rec:postfix-recovered; do
    cp "$T/b.${f%%:*}" "$OUT/fuzz_baseline/${f#*:}"
done
# the target's lines as the fuzzer reads them: no line end
for f in "$OUT"/fuzz_baseline/*; do
    printf '%s' "$(head -1 "$f")" >"$f.tmp" && mv "$f.tmp" "$f"
done

say "fuzz_smtp_wire: the seeds of tests/unit/test_smtp_wire"
SMTP_WIRE_SEEDS=$OUT/fuzz_smtp_wire "$build/tests/unit/test_smtp_wire" >"$T/unit.out" 2>&1 ||
    bail "test_smtp_wire failed: $(tail -20 "$T/unit.out")"

# ------------------------------------------------------------- checks ----

say "checking sizes"
total=0
for t in $TARGETS; do
    find "$OUT/$t" -type f -empty -print -delete | sed 's/^/# empty, left out: /'
    n=$(find "$OUT/$t" -type f | wc -l)
    if [ "$n" -lt 3 ] || [ "$n" -gt 30 ]; then bail "$t: $n seeds (want 3-30)"; fi
    big=$(find "$OUT/$t" -type f -size +4096c)
    [ -z "$big" ] || bail "over 4096 bytes: $big"
    total=$((total + $(du -sb "$OUT/$t" | cut -f1)))
    say "$t: $n seeds"
done
[ "$total" -lt 1000000 ] || bail "corpus is $total bytes (want under 1 MB)"
for t in $TARGETS; do
    rm -rf "${src:?}/tests/fuzz/corpus/$t"
    mkdir -p "$src/tests/fuzz/corpus/$t"
    cp "$OUT/$t"/* "$src/tests/fuzz/corpus/$t/"
done
say "corpus written: $total bytes of seeds"
