#!/bin/bash
# tests/integration/snmp-mib.sh: SMTPMON-MIB against its C twin agent/output/snmp_mib.h,
# checked with the real tools (smilint, snmptranslate), and the SNMP test
# harness (tests/lib/snmp.sh) checked against a real snmpd and snmptrapd.
#
#   srcdir=/path/to/smtpmon bash tests/integration/snmp-mib.sh
#
# The header is parsed (awk below) for every OID, column, enumeration, BITS
# position, syntax and index it states; each is resolved through snmptranslate
# and compared, so a drift between the header and the MIB fails here. Names
# follow from the header's identifiers:
#   SMTPMON_SC_X  -> smtpmonX            (ROOT.1.1.N, instance .0)
#   SMTPMON_T_X   -> smtpmonTargetX      (ROOT.1.2.1.N)
#   SMTPMON_C_X   -> smtpmonConnectionX  (ROOT.1.3.1.N; ADDRESS is spelled Addr
#                                         to keep descriptors within 32 characters)
#   SMTPMON_N_X   -> smtpmonX            (ROOT.0.N)
#   SMTPMON_NO_X  -> smtpmonNotifyX      (ROOT.1.4.N)
#   SMTPMON_PS_X  -> smtpmonPassiveX     (ROOT.1.5.1.N, instance .0)
#   SMTPMON_P_X   -> smtpmonPassiveServerX (ROOT.1.5.2.1.N)
# where X is the rest of the identifier in CamelCase (CERT_NOT_AFTER ->
# CertNotAfter), plus the node names of the header's comment tree.
#
# The IETF base modules come from tests/lib/mibs.sh (npm package net-snmp).
# Without them (no npm, offline) the name checks are skipped and the harness
# checks run with numeric OIDs only.

# SC2154: srcdir comes from the environment; SC2001: sed prefixes multi-line diagnostics.
# shellcheck disable=SC2154,SC2001

. "$srcdir/tests/lib/tap.sh"
. "$srcdir/tests/lib/mibs.sh"
. "$srcdir/tests/lib/snmp.sh"

HDR="$srcdir/agent/output/snmp_mib.h"
MIB="$srcdir/mib/SMTPMON-MIB.txt"
# Warnings of `smilint -l 6` that the MIB explains in its own comments:
# "{tag} name" as smilint -m prints them.
ALLOWED_WARNINGS=("{type-without-format} SmtpmonInetAddress")

NTESTS=37
plan "$NTESTS"

skip() {
    _tap_n=$((_tap_n + 1))
    echo "ok $_tap_n # SKIP $1"
}
skip_n() {
    local i
    for i in $(seq 1 "$1"); do skip "$2"; done
}

# ---- the header ---------------------------------------------------------------

# Lines KIND|NAME|VALUE|COMMENT:
#   ROOTTEXT|-|1.3.6.1.3.5321  ROOTLIST|-|1.3.6.1.3.5321  ROOTLEN|-|6
#   SC|SMTPMON_SC_VERSION|1|DisplayString       (also T, C, N, NO, P, PS)
#   ALIAS|SMTPMON_T_LAST_COLUMN|SMTPMON_T_LAST_REPLY
#   CAP|starttls|0              (SMTPMON_CAP_BITS, in order)
#   NODE|smtpmonTargetTable|.1.2    INDEX|smtpmonTargetTable|idx1 idx2
parse_header() {
    awk '
    function cmt(s) {
        if (match(s, /\/\*.*\*\//)) {
            s = substr(s, RSTART + 2, RLENGTH - 4); gsub(/^[ \t]+|[ \t]+$/, "", s); return s
        }
        return ""
    }
    function children(s, path,   pair, pp) {     # ".1 targetDown .2 targetUp" under path
        while (match(s, /\.[0-9]+ [a-z][A-Za-z]+/)) {
            pair = substr(s, RSTART + 1, RLENGTH - 1); split(pair, pp, " ")
            print "NODE|smtpmon" toupper(substr(pp[2], 1, 1)) substr(pp[2], 2) "|" path "." pp[1] "|"
            s = substr(s, RSTART + RLENGTH)
        }
    }
    /^#define SMTPMON_OID_ROOT_TEXT/ { v = $3; gsub(/"/, "", v); print "ROOTTEXT|-|" v "|"; next }
    /^#define SMTPMON_OID_ROOT_LEN/ { print "ROOTLEN|-|" $3 "|"; next }
    /^#define SMTPMON_OID_ROOT[ \t]/ {
        v = $0; sub(/^#define SMTPMON_OID_ROOT[ \t]+/, "", v); sub(/[ \t]*\/\*.*$/, "", v)
        gsub(/[ \t]/, "", v); gsub(/,/, ".", v); print "ROOTLIST|-|" v "|"; next
    }
    /^#define SMTPMON_(SC|N|NO|PS)_[A-Z0-9_]+[ \t]+[0-9]+/ {
        k = $2; sub(/^SMTPMON_/, "", k); sub(/_.*/, "", k); print k "|" $2 "|" $3 "|" cmt($0); next
    }
    /^enum smtpmon_target_col/ { en = "T"; n = 0; next }
    /^enum smtpmon_conn_col/ { en = "C"; n = 0; next }
    /^enum smtpmon_pserver_col/ { en = "P"; n = 0; next }
    en != "" && /^}/ { en = ""; next }
    en != "" && /SMTPMON_[A-Z0-9_]+/ {
        match($0, /SMTPMON_[A-Z0-9_]+/); name = substr($0, RSTART, RLENGTH); rest = substr($0, RSTART + RLENGTH)
        if (match(rest, /^[ \t]*=[ \t]*[0-9]+/)) { v = rest; sub(/^[ \t]*=[ \t]*/, "", v); n = v + 0 }
        else if (match(rest, /^[ \t]*=[ \t]*SMTPMON_[A-Z0-9_]+/)) {
            v = substr(rest, RSTART, RLENGTH); sub(/^[ \t]*=[ \t]*/, "", v); print "ALIAS|" name "|" v "|"; next
        } else n++
        print en "|" name "|" n "|" cmt($0); next
    }
    /^#define SMTPMON_CAP_BITS/ { incap = 1 }
    incap {
        line = $0
        while (match(line, /"[a-z0-9]+"/)) {
            print "CAP|" substr(line, RSTART + 1, RLENGTH - 2) "|" ncap++ "|"; line = substr(line, RSTART + RLENGTH)
        }
        if ($0 !~ /\\$/) incap = 0
        next
    }
    /^ \*[ \t]+smtpmon[A-Za-z]+[ \t]+ROOT/ {
        name = $2; path = $3; sub(/,$/, "", path); sub(/^ROOT/, "", path); last = path
        print "NODE|" name "|" path "|"
        children($0, path)
        if (match($0, /entry \.[0-9]+/)) {
            e = name; sub(/Table$/, "Entry", e); print "NODE|" e "|" path "." substr($0, RSTART + 7, RLENGTH - 7) "|"
        }
        pend = 0
        if (match($0, /index .*/)) {
            idx = substr($0, RSTART + 6); pend = (idx ~ /,[ \t]*$/)
            gsub(/[ \t]*,[ \t]*/, " ", idx); gsub(/[ \t]+$/, "", idx); tbl = name
            if (!pend) print "INDEX|" tbl "|" idx "|"
        }
        next
    }
    pend && /^ \*[ \t]+smtpmon/ { print "INDEX|" tbl "|" idx " " $2 "|"; pend = 0; next }
    /^ \*[ \t]+\.[0-9]+ [a-z]/ { children($0, last); next }
    ' "$HDR"
}

declare -A H_VAL=() H_CMT=() H_KIND=()   # by header identifier
H_ORDER=()                               # identifiers in header order
declare -A NODE_PATH=() INDEX_OF=()
CAPS=()
ROOT='' ROOTLIST='' ROOTLEN='' ALIASES=()
while IFS='|' read -r kind name val cmt; do
    case $kind in
    ROOTTEXT) ROOT=$val ;;
    ROOTLIST) ROOTLIST=$val ;;
    ROOTLEN) ROOTLEN=$val ;;
    SC | T | C | N | NO | P | PS)
        H_KIND[$name]=$kind H_VAL[$name]=$val H_CMT[$name]=$cmt
        H_ORDER+=("$name") ;;
    ALIAS) ALIASES+=("$name=$val") ;;
    CAP) CAPS+=("$name") ;;
    NODE) NODE_PATH[$name]=$val ;;
    INDEX) INDEX_OF[$name]=$val ;;
    esac
done < <(parse_header)

# camel WORDS_LIKE_THIS -> WordsLikeThis
camel() {
    local w out='' IFS=_
    for w in $1; do
        local r=${w:1}
        out+=${w:0:1}${r,,}
    done
    echo "$out"
}

# mib_name HEADER-IDENTIFIER -> descriptor in SMTPMON-MIB
mib_name() {
    local id=$1 kind=${H_KIND[$1]} rest
    rest=${id#SMTPMON_"${kind}"_}
    case $kind in
    SC | N) echo "smtpmon$(camel "$rest")" ;;
    T) echo "smtpmonTarget$(camel "$rest")" ;;
    C) echo "smtpmonConnection$(camel "${rest//ADDRESS/ADDR}")" ;;
    NO) echo "smtpmonNotify$(camel "$rest")" ;;
    P) echo "smtpmonPassiveServer$(camel "$rest")" ;;
    PS) echo "smtpmonPassive$(camel "$rest")" ;;
    esac
}

# oid_of HEADER-IDENTIFIER -> the numeric OID the header gives it
oid_of() {
    local v=${H_VAL[$1]}
    case ${H_KIND[$1]} in
    SC) echo ".$ROOT.1.1.$v" ;;
    T) echo ".$ROOT.1.2.1.$v" ;;
    C) echo ".$ROOT.1.3.1.$v" ;;
    N) echo ".$ROOT.0.$v" ;;
    NO) echo ".$ROOT.1.4.$v" ;;
    P) echo ".$ROOT.1.5.2.1.$v" ;;
    PS) echo ".$ROOT.1.5.1.$v" ;;
    esac
}

# 1. the root is one OID, spelled three times consistently
root_ok=1
[ -n "$ROOT" ] && [ "$ROOT" = "$ROOTLIST" ] &&
    [ "$ROOTLEN" = "$(awk -F. '{print NF}' <<<"$ROOT")" ] && root_ok=0
ok "$root_ok" "header: SMTPMON_OID_ROOT, _LEN and _TEXT agree ($ROOT)"
[ "$root_ok" -eq 0 ] || bail "cannot read the OID root from $HDR"

# 2. the parse found every kind (a silent misparse must not pass the rest vacuously)
count_kind() {
    local k n=0 id
    k=$1
    for id in "${H_ORDER[@]}"; do [ "${H_KIND[$id]}" = "$k" ] && n=$((n + 1)); done
    echo "$n"
}
NSC=$(count_kind SC) NT=$(count_kind T) NC=$(count_kind C) NN=$(count_kind N) NNO=$(count_kind NO)
NP=$(count_kind P) NPS=$(count_kind PS)
echo "# header: $NSC scalars, $NT target columns, $NC connection columns, $NN notifications," \
    "$NNO notification objects, $NPS passive scalars, $NP passive server columns," \
    "${#CAPS[@]} capability bits, ${#NODE_PATH[@]} tree nodes, ${#INDEX_OF[@]} table indexes"
parsed=1
[ "$NSC" -gt 0 ] && [ "$NT" -gt 0 ] && [ "$NC" -gt 0 ] && [ "$NN" -gt 0 ] && [ "$NNO" -gt 0 ] &&
    [ "$NP" -gt 0 ] && [ "$NPS" -gt 0 ] &&
    [ "${#CAPS[@]}" -gt 0 ] && [ "${#NODE_PATH[@]}" -gt 0 ] && [ "${#INDEX_OF[@]}" -eq 3 ] && parsed=0
ok "$parsed" "header parsed: scalars, the three tables' columns, notifications, notify objects, BITS, tree, indexes"

# 3. the LAST_COLUMN aliases name the highest column
alias_bad=
for a in "${ALIASES[@]}"; do
    target=${a#*=}
    kind=${H_KIND[$target]:-}
    max=0
    for id in "${H_ORDER[@]}"; do
        [ "${H_KIND[$id]}" = "$kind" ] && [ "${H_VAL[$id]}" -gt "$max" ] && max=${H_VAL[$id]}
    done
    [ -n "$kind" ] && [ "${H_VAL[$target]}" = "$max" ] || alias_bad+=" $a"
done
is "${alias_bad:-none}" none "header: every *_LAST_COLUMN is the table's last column"

# ---- the MIB against the header ---------------------------------------------

MIBDIR=$(mibs_dir) || MIBDIR=
if [ -z "$MIBDIR" ]; then
    echo "# IETF base MIB modules unavailable (npm missing or offline): MIB checks skipped"
fi
have_tool() { command -v "$1" >/dev/null 2>&1; }

XL=(-M "+:$srcdir/mib:$MIBDIR" -m SMTPMON-MIB)
td() { snmptranslate "${XL[@]}" -Td "SMTPMON-MIB::$1" 2>/dev/null; }
xlate() { snmptranslate "${XL[@]}" -On "SMTPMON-MIB::$1" 2>/dev/null; }
syntax_of() { td "$1" | sed -n 's/^  SYNTAX\t*[[:space:]]*//p' | sed 's/[[:space:]]*$//'; }
tc_of() { td "$1" | sed -n 's/^  -- TEXTUAL CONVENTION //p'; }
access_of() { td "$1" | sed -n 's/^  MAX-ACCESS[[:space:]]*//p'; }

# compare KIND...: every header identifier of these kinds resolves to its OID;
# prints the mismatches ("none" when all agree).
compare() {
    local id name want got bad='' k
    for id in "${H_ORDER[@]}"; do
        for k in "$@"; do
            [ "${H_KIND[$id]}" = "$k" ] || continue
            name=$(mib_name "$id")
            want=$(oid_of "$id")
            got=$(xlate "$name")
            [ "$got" = "$want" ] || bad+=" $id:$name=${got:-unresolved}(want $want)"
            if [ "$k" = SC ] || [ "$k" = PS ]; then # scalars: the instance is .0
                got=$(xlate "$name.0")
                [ "$got" = "$want.0" ] || bad+=" $id:$name.0=${got:-unresolved}"
            fi
        done
    done
    echo "${bad:-none}"
}

# norm_range "(SIZE(0|8|11))" / "OCTET STRING (0 | 8 | 11)" -> 0|8|11
norm_range() {
    local s=$1
    [[ $s == *"("* ]] || return 0
    s=${s#*\(}
    s=${s%\)*}
    s=${s//SIZE/}
    s=${s//[() ]/}
    echo "$s"
}

# norm_enum "starting(1) up(2)" or "INTEGER {starting(1), up(2)}" -> starting(1),up(2)
norm_enum() {
    grep -oE '[A-Za-z][A-Za-z0-9-]*\([0-9]+\)' <<<"$1" | paste -sd, -
}

# comment_for ID: the header comment that states ID's syntax; an entry without
# one shares it with its partner (REMOTE_ -> LOCAL_, NEW_ -> OLD_) or with the
# entry before it that starts with the same word (RTT_BANNER -> RTT_CONNECT).
comment_for() {
    local id=$1 kind=${H_KIND[$1]} rest partner word prev=
    if [ -n "${H_CMT[$id]}" ]; then echo "${H_CMT[$id]}"; return; fi
    rest=${id#SMTPMON_"${kind}"_}
    for partner in "SMTPMON_${kind}_${rest/#REMOTE_/LOCAL_}" "SMTPMON_${kind}_${rest/#NEW_/OLD_}"; do
        if [ "$partner" != "$id" ] && [ -n "${H_CMT[$partner]:-}" ]; then
            echo "${H_CMT[$partner]}"; return
        fi
    done
    word=${rest%%_*}
    for partner in "${H_ORDER[@]}"; do
        [ "$partner" = "$id" ] && break
        [ "${H_KIND[$partner]}" = "$kind" ] || continue
        local prest=${partner#SMTPMON_"${kind}"_}
        [ "${prest%%_*}" = "$word" ] && [ -n "${H_CMT[$partner]}" ] && prev=${H_CMT[$partner]}
    done
    echo "$prev"
}

# check_syntax ID: the MIB object's syntax against the header comment; prints a
# problem or nothing.
check_syntax() {
    local id=$1 name c type tc syn hr mr other
    name=$(mib_name "$id")
    c=$(comment_for "$id")
    [ -n "$c" ] || { echo "$id: no syntax in the header comment"; return; }
    c=${c%%:*}                                  # "DisplayString: IANA name" -> type only
    tc=$(tc_of "$name")
    syn=$(syntax_of "$name")
    case $c in
    "same INTEGER as "*)
        other=${c#same INTEGER as }
        other=${other%% *}
        [ "$syn" = "$(syntax_of "$(mib_name "$other")")" ] ||
            echo "$id: $syn differs from $other's $(syntax_of "$(mib_name "$other")")"
        return ;;
    INTEGER\ *)
        [ "$(norm_enum "$c")" = "$(norm_enum "$syn")" ] ||
            echo "$id: header enum {$(norm_enum "$c")} MIB {$(norm_enum "$syn")}"
        return ;;
    esac
    type=${c%%[ ,(]*}
    [ "$type" = OCTET ] && type="OCTET STRING"
    if ! [ "$tc" = "$type" ] && ! [[ $tc == Smtpmon"$type"* ]] && ! [[ $syn == "$type"* ]]; then
        echo "$id: header $type, MIB ${tc:+TC $tc, }$syn"
        return
    fi
    hr=$(norm_range "${c%%,*}")
    mr=$(norm_range "$syn")
    if [ -n "$hr" ] && [ "$hr" != "$mr" ]; then
        echo "$id: header range/size ($hr), MIB ($mr)"
    fi
}

# A word of the header's OBJECTS comments -> the MIB object
declare -A OBJ_WORD=(
    ["address type"]=smtpmonTargetAddressType ["address"]=smtpmonTargetAddress
    ["port"]=smtpmonTargetPort ["status"]=smtpmonTargetStatus
    ["last reply"]=smtpmonTargetLastReply ["cert not after"]=smtpmonTargetCertNotAfter
    ["days left"]=smtpmonTargetCertDaysLeft
    ["old level"]=smtpmonNotifyOldTlsLevel ["new level"]=smtpmonNotifyNewTlsLevel
    ["old cipher"]=smtpmonNotifyOldCipherId ["new cipher"]=smtpmonNotifyNewCipherId
    ["reason"]=smtpmonNotifyReason
    ["server address type"]=smtpmonPassiveServerAddrType ["server address"]=smtpmonPassiveServerAddr
    ["server port"]=smtpmonPassiveServerPort
    ["client"]=smtpmonNotifyClient ["detail"]=smtpmonNotifyDetail
)
# objects_from_comment "OBJECTS address, port, old/new level" -> descriptors, comma-separated
objects_from_comment() {
    local list=${1#OBJECTS } item out='' w
    local IFS=','
    for item in $list; do
        item=$(sed 's/^ *//; s/ *$//' <<<"$item")
        if [[ $item == old/new\ * ]]; then
            for w in "old ${item#old/new }" "new ${item#old/new }"; do
                out+=${out:+,}${OBJ_WORD[$w]:-?$w}
            done
        else
            out+=${out:+,}${OBJ_WORD[$item]:-?$item}
        fi
    done
    echo "$out"
}

if [ -z "$MIBDIR" ] || ! have_tool smilint || ! have_tool snmptranslate; then
    skip_n 24 "IETF base modules, smilint or snmptranslate missing"
else
    # 4-5. smilint at level 6: no error, no warning but the explained ones
    lint=$(cd "$srcdir/mib" && SMIPATH="$MIBDIR" smilint -l 6 -s -m ./SMTPMON-MIB.txt 2>&1)
    echo "# smilint -l 6 -s -m SMTPMON-MIB:"
    if [ -n "$lint" ]; then sed 's/^/#   /' <<<"$lint"; else echo "#   (nothing)"; fi
    unexpected=
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        allowed=1
        for w in "${ALLOWED_WARNINGS[@]}"; do
            tag=${w%% *} obj=${w#* }
            [[ $line == *"$tag warning:"*"\`$obj'"* ]] && allowed=0
        done
        [ "$allowed" -eq 0 ] || unexpected+="$line; "
    done <<<"$lint"
    # severities 0-3 are errors, 4-6 warnings
    unlike "$lint" ': \[[0-3]\] ' "smilint -l 6: no errors"
    is "${unexpected:-none}" none "smilint -l 6: no warnings but the explained ones"
    # 6. each allowed warning is explained in the MIB's comments
    unexplained=
    for w in "${ALLOWED_WARNINGS[@]}"; do
        tag=${w%% *} tag=${tag#\{} tag=${tag%\}}
        grep -q "^--.*$tag" "$MIB" || unexplained+=" $tag"
    done
    is "${unexplained:-none}" none "each remaining smilint warning is explained in a MIB comment"

    # 7. the documented load: snmptranslate -M +:DIR -m +SMTPMON-MIB -Tp
    out=$(snmptranslate -M "+:$srcdir/mib:$MIBDIR" -m +SMTPMON-MIB -Tp 2>"$T/tp.err")
    # other default modules (IF-MIB, ...) are missing on Debian: only ours count
    smtpmon_err=$(grep -E 'SMTPMON-MIB|module \((SNMPv2-(SMI|TC|CONF))\)' "$T/tp.err")
    if [[ $out == *"smtpmonMIB(5321)"* ]] && [ -z "$smtpmon_err" ]; then ok 0 "snmptranslate -m +SMTPMON-MIB -Tp loads the module"
    else
        ok 1 "snmptranslate -m +SMTPMON-MIB -Tp loads the module"
        sed 's/^/#   /' <<<"$smtpmon_err"
    fi
    # 8. alone (-m SMTPMON-MIB) it loads without a single message
    snmptranslate "${XL[@]}" -Tp -IR smtpmonMIB >/dev/null 2>"$T/tp1.err"
    is "$(cat "$T/tp1.err")" "" "snmptranslate -m SMTPMON-MIB: no diagnostics"

    # 9-17. every name of the header at the header's OID
    is "$(xlate smtpmonMIB)" ".$ROOT" "smtpmonMIB is SMTPMON_OID_ROOT ($ROOT)"
    bad=
    for n in "${!NODE_PATH[@]}"; do
        got=$(xlate "$n")
        [ "$got" = ".$ROOT${NODE_PATH[$n]}" ] || bad+=" $n=${got:-unresolved}(want .$ROOT${NODE_PATH[$n]})"
    done
    is "${bad:-none}" none "the header's tree (${#NODE_PATH[@]} nodes) is the MIB's"
    is "$(compare SC)" none "scalars at ROOT.1.1.N, instance .0 ($NSC)"
    is "$(compare T)" none "smtpmonTargetTable columns at ROOT.1.2.1.C ($NT)"
    is "$(compare C)" none "smtpmonConnectionTable columns at ROOT.1.3.1.C ($NC)"
    is "$(compare N)" none "notifications at ROOT.0.N ($NN)"
    is "$(compare NO)" none "accessible-for-notify objects at ROOT.1.4.N ($NNO)"
    is "$(compare PS)" none "passive scalars at ROOT.1.5.1.N, instance .0 ($NPS)"
    is "$(compare P)" none "smtpmonPassiveServerTable columns at ROOT.1.5.2.1.C ($NP)"

    # 18. nothing in the MIB's objects and notifications that the header does not name
    declare -A KNOWN=()
    for id in "${H_ORDER[@]}"; do KNOWN[$(mib_name "$id")]=1; done
    for n in "${!NODE_PATH[@]}"; do KNOWN[$n]=1; done
    extra=$(snmptranslate "${XL[@]}" -Tz 2>/dev/null | tr -d '"' |
        awk -v r="$ROOT" '$2 ~ "^" r "\\.[01](\\.|$)" { print $1 }' |
        while read -r n; do [ -n "${KNOWN[$n]:-}" ] || echo "$n"; done | paste -sd' ' -)
    is "${extra:-none}" none "every object and notification of the MIB is in the header"

    # 19-20. syntaxes and enumerations
    bad=
    enum_bad=
    unchecked=0
    for id in "${H_ORDER[@]}"; do
        [ "${H_KIND[$id]}" = N ] && continue
        [ -n "$(comment_for "$id")" ] || { unchecked=$((unchecked + 1)); continue; }
        p=$(check_syntax "$id")
        case $p in
        "") ;;
        *enum* | *"differs from"*) enum_bad+="$p; " ;;
        *) bad+="$p; " ;;
        esac
    done
    [ "$unchecked" -eq 0 ] || echo "# $unchecked header entries state no syntax"
    is "${bad:-none}" none "syntax, range and size of every object as the header states"
    is "${enum_bad:-none}" none "every INTEGER enumeration as the header states"

    # 21. BITS: the header's order, which is also smtp_caps.h's SMTP_CAP_ bit order
    mib_bits=$(norm_enum "$(syntax_of smtpmonTargetCapabilities)")
    hdr_bits=
    for i in "${!CAPS[@]}"; do hdr_bits+=${hdr_bits:+,}${CAPS[$i]}"($i)"; done
    caps_bits=$(sed -nE 's/^[[:space:]]*SMTP_CAP_([A-Z0-9]+) = 1u << ([0-9]+),?.*/\1(\2)/p' \
        "$srcdir/probes/smtp_caps.h" | tr '[:upper:]' '[:lower:]' | sed 's/^8bit/eightbit/' | paste -sd, -)
    if [ "$mib_bits" = "$hdr_bits" ] && [ "$hdr_bits" = "$caps_bits" ]; then
        ok 0 "SmtpmonCapabilities BITS = SMTPMON_CAP_BITS = smtp_caps.h (${#CAPS[@]} bits)"
    else
        ok 1 "SmtpmonCapabilities BITS = SMTPMON_CAP_BITS = smtp_caps.h"
        echo "#   MIB:         $mib_bits"
        echo "#   snmp_mib.h:  $hdr_bits"
        echo "#   smtp_caps.h: $caps_bits"
    fi

    # 22. MAX-ACCESS: indexes not-accessible, notify objects accessible-for-notify,
    # everything else read-only (nothing is writable: SETs are refused)
    bad=
    for id in "${H_ORDER[@]}"; do
        [ "${H_KIND[$id]}" = N ] && continue
        want=read-only
        [[ ${H_CMT[$id]} == *not-accessible* ]] && want=not-accessible
        [ "${H_KIND[$id]}" = NO ] && want=accessible-for-notify
        got=$(access_of "$(mib_name "$id")")
        [ "$got" = "$want" ] || bad+=" $(mib_name "$id")=$got(want $want)"
    done
    is "${bad:-none}" none "MAX-ACCESS of every object (read-only, indexes not-accessible)"

    # 23-25. table indexes
    for tbl in smtpmonTargetTable smtpmonConnectionTable smtpmonPassiveServerTable; do
        entry=${tbl%Table}Entry
        got=$(td "$entry" | sed -n 's/^  INDEX[[:space:]]*{ *\(.*\) *}.*/\1/p' | sed 's/, */ /g; s/ *$//')
        is "$got" "${INDEX_OF[$tbl]:-?}" "$tbl INDEX { ${INDEX_OF[$tbl]:-?} }"
    done

    # 26. the OBJECTS of every notification, in the header's order
    bad=
    for id in "${H_ORDER[@]}"; do
        [ "${H_KIND[$id]}" = N ] || continue
        want=$(objects_from_comment "${H_CMT[$id]}")
        got=$(td "$(mib_name "$id")" | sed -n 's/^  OBJECTS[[:space:]]*{ *\(.*\) *}.*/\1/p' |
            sed 's/, */,/g; s/ *$//')
        [ "$got" = "$want" ] || bad+=" $(mib_name "$id"): {$got} want {$want};"
    done
    is "${bad:-none}" none "notification OBJECTS as the header's comments list them"

    # 27. LAST-UPDATED is the newest REVISION
    lu=$(sed -n 's/^ *LAST-UPDATED *"\([0-9]*Z\)".*/\1/p' "$MIB")
    rev=$(sed -n 's/^ *REVISION *"\([0-9]*Z\)".*/\1/p' "$MIB" | sort | tail -1)
    is "$lu" "$rev" "LAST-UPDATED ($lu) is the newest REVISION"
fi

# ---- the harness: snmptrapd + snmpd (AgentX master) on loopback -------------

if ! have_tool snmpd || ! have_tool snmptrapd || ! have_tool snmpwalk || ! have_tool ss; then
    skip_n 10 "snmpd, snmptrapd, snmpwalk or ss missing"
    exit 0
fi

COLDSTART=.1.3.6.1.6.3.1.1.5.1
SYSDESCR=.1.3.6.1.2.1.1.1.0
snmp_q() { MIBS='' snmpwalk -v2c -c public -On -t 2 -r 1 "127.0.0.1:$SNMPD_PORT" "$@" 2>&1; }

# 28. both daemons up, snmptrapd first (trap2sink needs its port); an extra
# configuration line passes through
snmptrapd_start
snmpd_start "agentXTimeout 1"
if snmp_alive "$TRAPD_PID" && snmp_alive "$SNMPD_PID" && [ -S "$AGENTX_SOCK" ] &&
    grep -q "^trap2sink 127.0.0.1:$TRAP_PORT public" "$SNMPD_CONF" &&
    grep -q "^agentXTimeout 1$" "$SNMPD_CONF"; then
    ok 0 "snmptrapd (udp $TRAP_PORT) and snmpd (udp $SNMPD_PORT, $AGENTX_SOCK) started"
else
    ok 1 "snmptrapd and snmpd started"
fi

# 29. sysDescr over the UDP port, numerically (needs no MIB module)
is "$(snmp_q 1.3.6.1.2.1.1.1)" "$SYSDESCR = STRING: \"smtpmon test snmpd\"" \
    "snmpwalk 1.3.6.1.2.1.1.1 answers over udp:127.0.0.1:$SNMPD_PORT"

# 30. ...and by name, where the base modules are
if [ -n "$MIBDIR" ]; then
    got=$(MIBS='' snmpwalk -v2c -c public -t 2 -r 1 -M "+:$MIBDIR" -m SNMPv2-MIB \
        "127.0.0.1:$SNMPD_PORT" SNMPv2-MIB::sysDescr 2>&1)
    is "$got" 'SNMPv2-MIB::sysDescr.0 = STRING: smtpmon test snmpd' "snmpwalk SNMPv2-MIB::sysDescr by name"
else
    skip "IETF base modules unavailable: sysDescr by name"
fi

# 31. snmpd's own coldStart reached snmptrapd
line=$(wait_trap "$COLDSTART" 50)
ok $? "coldStart ($COLDSTART) logged by snmptrapd"

# 32. a notification sent through the AgentX socket reaches snmptrapd: the path
# smtpmond's subagent takes (agentxtrap speaks AgentX like a subagent). The
# varbinds are those of smtpmonTargetUp for row 7, numerically.
if have_tool agentxtrap; then
    R=.$ROOT
    MIBS='' agentxtrap -x "$AGENTX_SOCK" "$R.0.2" \
        "$R.1.2.1.2.7" i 1 "$R.1.2.1.3.7" x 7F000001 "$R.1.2.1.4.7" u 2525 "$R.1.2.1.8.7" i 2 \
        >"$T/agentxtrap.out" 2>&1
    line=$(wait_trap "$R.0.2" 50)
    like "$line" "$R.1.2.1.4.7 = Gauge32: 2525.*$R.1.2.1.8.7 = INTEGER: 2" \
        "a notification sent over AgentX arrives at snmptrapd with its varbinds"
else
    skip "agentxtrap missing"
fi

# 33. restart on the same port and socket
old_pid=$SNMPD_PID old_port=$SNMPD_PORT
snmpd_restart
if [ "$SNMPD_PORT" = "$old_port" ] && [ "$SNMPD_PID" != "$old_pid" ] && ! snmp_alive "$old_pid" &&
    snmp_alive "$SNMPD_PID" && [ -S "$AGENTX_SOCK" ]; then
    ok 0 "snmpd_restart: new process on the same UDP port and AgentX socket"
else
    ok 1 "snmpd_restart: new process on the same UDP port and AgentX socket"
    echo "#   port $old_port -> $SNMPD_PORT, pid $old_pid -> $SNMPD_PID"
fi

# 34-35. it answers again, and its second coldStart arrives
is "$(snmp_q 1.3.6.1.2.1.1.1)" "$SYSDESCR = STRING: \"smtpmon test snmpd\"" "restarted snmpd answers"
wait_trap "$COLDSTART" 50 2 >/dev/null
ok $? "second coldStart after the restart"

# 36. stop snmpd: gone, port and socket released
stopped_pid=$SNMPD_PID
snmpd_stop
if ! snmp_alive "$stopped_pid" && ! [ -e "$AGENTX_SOCK" ] && [ -z "$(ss -Huan "sport = :$SNMPD_PORT")" ]; then
    ok 0 "snmpd_stop: process gone, UDP port and AgentX socket released"
else
    ok 1 "snmpd_stop: process gone, UDP port and AgentX socket released"
fi

# 37. stop snmptrapd
stopped_pid=$TRAPD_PID
snmptrapd_stop
if ! snmp_alive "$stopped_pid" && [ -z "$(ss -Huan "sport = :$TRAP_PORT")" ]; then
    ok 0 "snmptrapd_stop: process gone, UDP port released"
else
    ok 1 "snmptrapd_stop: process gone, UDP port released"
fi

[ "$_tap_n" -eq "$NTESTS" ] || echo "# planned $NTESTS tests, ran $_tap_n"
