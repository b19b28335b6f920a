#!/bin/sh
# probes/gen-cipher-table.sh: print the rows of the cipher-suite table in
# probes/cipher.c. This is how the table was made; the build does not run it.
#
# Usage: probes/gen-cipher-table.sh [tls-parameters-4.csv]
#
# Without an argument: every suite this machine's OpenSSL knows, from
#   openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'
# plus the five TLS 1.3 suites, as IANA id and standard (IANA) name.
# With the IANA registry's CSV (https://www.iana.org/assignments/
# tls-parameters/tls-parameters-4.csv): the IANA suites OpenSSL lacks are
# merged in, each marked /* IANA */. Left out on purpose: the GOST suites
# (0xC100-0xC106) and the AEGIS drafts (0x1306, 0x1307), whose properties the
# name grammar of cipher.c does not describe; GREASE and reserved ranges.
# Output is sorted by id, one "{ 0xHHHH, "NAME" }," row per suite.
set -eu

TLS13='TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'
TLS13="$TLS13:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "          0xC0,0x2F - TLS_ECDHE_RSA_... - ECDHE-RSA-... TLSv1.2 ..." -> "C02F TLS_..."
openssl ciphers -V -stdname -ciphersuites "$TLS13" 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' |
	awk '{ split($1, b, ","); printf "%s%s %s\n", substr(b[1], 3), substr(b[2], 3), $3 }' |
	sort -u > "$tmp/openssl"

if [ $# -ge 1 ]; then
	# "\"0xC0,0x2F\",TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,Y,Y,[RFC5289]";
	# ranges ("0x00,0x1C-1D") and non-suite rows (Reserved, Unassigned) skipped
	awk -F'"' '/^"0x[0-9A-Fa-f][0-9A-Fa-f],0x[0-9A-Fa-f][0-9A-Fa-f]"/ {
		split($3, f, ",")
		name = f[2]
		if (name !~ /^TLS_/ || name ~ /^TLS_GOSTR/ || name ~ /^TLS_AEGIS/)
			next
		split($2, b, ",")
		printf "%s%s %s\n", toupper(substr(b[1], 3)), toupper(substr(b[2], 3)), name
	}' "$1" | sort -u > "$tmp/iana"
	# ids OpenSSL knows keep OpenSSL's name; the unit test checks they agree
	awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen) { print $0 " iana" }' \
		"$tmp/openssl" "$tmp/iana" > "$tmp/extra"
	cat "$tmp/openssl" "$tmp/extra" | sort > "$tmp/all"
else
	cp "$tmp/openssl" "$tmp/all"
fi

awk '{
	row = sprintf("\t{ 0x%s, \"%s\" },", $1, $2)
	if ($3 == "iana")
		row = row " /* IANA */"
	print row
}' "$tmp/all"
