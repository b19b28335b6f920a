# tests/lib/mibs.sh: where the test suite gets the IETF base MIB modules.
#
# Debian ships none of the IETF MIB modules (SNMPv2-SMI, SNMPv2-TC, ...), so
# smilint and the net-snmp tools cannot load SMTPMON-MIB by name on a fresh
# machine. The npm registry package `net-snmp` carries SNMPv2-SMI, SNMPv2-TC,
# SNMPv2-CONF and SNMPv2-MIB as text (lib/mibs/*.mib). mibs_dir fetches that
# package once, pinned, with `npm pack` and keeps the four modules, without
# the .mib ending, in a cache directory that nothing else writes:
#
#     $SMTPMON_MIB_CACHE                  if set, else
#     ${XDG_CACHE_HOME:-$HOME/.cache}/smtpmon   if it can be written, else
#     $PWD/.smtpmon-cache                 (the build directory under make check)
#
# INET-ADDRESS-MIB is in no npm package (checked: net-snmp, snmp-native,
# node-red-node-snmp, iobroker.snmp), so SMTPMON-MIB defines equivalent
# textual conventions itself and needs only these four.
#
# Use:
#   . "$srcdir/tests/lib/mibs.sh"
#   if MIBDIR=$(mibs_dir); then ... names ...; else ... numeric OIDs only ...; fi
#
#   mibs_dir   print the directory (one line) and return 0; print nothing and
#              return 1 when it is not cached and npm is missing or fails
#              (offline machine): the tests then stay meaningful with
#              numeric OIDs.
#
# Run as a script (`bash tests/lib/mibs.sh`) it fetches into the cache and
# prints the directory: .ci/deps does that so the suite finds it ready.

# shellcheck shell=bash

SMTPMON_MIBS_NPM_VERSION=3.29.2
SMTPMON_MIBS_MODULES="SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB"

_mibs_cache_root() {
    if [ -n "${SMTPMON_MIB_CACHE:-}" ]; then
        echo "$SMTPMON_MIB_CACHE"
        return
    fi
    local c="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/smtpmon"
    if mkdir -p "$c" 2>/dev/null && [ -w "$c" ]; then
        echo "$c"
    else
        echo "$PWD/.smtpmon-cache"
    fi
}

# _mibs_complete DIR: every module is there and is a MIB module.
_mibs_complete() {
    local m
    for m in $SMTPMON_MIBS_MODULES; do
        grep -q "^$m DEFINITIONS ::= BEGIN" "$1/$m" 2>/dev/null || return 1
    done
}

mibs_dir() {
    local root dir tmp m
    root=$(_mibs_cache_root)
    dir="$root/net-snmp-$SMTPMON_MIBS_NPM_VERSION/mibs"
    if _mibs_complete "$dir"; then
        echo "$dir"
        return 0
    fi
    command -v npm >/dev/null 2>&1 || return 1
    mkdir -p "$root/net-snmp-$SMTPMON_MIBS_NPM_VERSION" 2>/dev/null || return 1
    # Fetch into a private directory and rename it into place, so two test
    # scripts running at once never see a half-written cache.
    tmp=$(mktemp -d "$root/net-snmp-$SMTPMON_MIBS_NPM_VERSION/fetch.XXXXXX") || return 1
    if ! (cd "$tmp" && timeout 180 npm pack --silent --fetch-retries=1 --fetch-timeout=30000 \
            "net-snmp@$SMTPMON_MIBS_NPM_VERSION" >npm.out 2>npm.err) ||
        ! tar -xzf "$tmp/net-snmp-$SMTPMON_MIBS_NPM_VERSION.tgz" -C "$tmp" 2>/dev/null; then
        rm -rf "$tmp"
        return 1
    fi
    mkdir "$tmp/mibs"
    for m in $SMTPMON_MIBS_MODULES; do
        cp "$tmp/package/lib/mibs/$m.mib" "$tmp/mibs/$m" 2>/dev/null || { rm -rf "$tmp"; return 1; }
    done
    _mibs_complete "$tmp/mibs" || { rm -rf "$tmp"; return 1; }
    # Loses the race harmlessly when another script renamed its copy first.
    mv -T "$tmp/mibs" "$dir" 2>/dev/null
    rm -rf "$tmp"
    _mibs_complete "$dir" || return 1
    echo "$dir"
}

# Run as a script: fetch now (for .ci/deps) and print where.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    mibs_dir
fi
