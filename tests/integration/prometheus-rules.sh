#!/bin/bash
# doc/prometheus/ (issue 16, item 4) read by Prometheus's own promtool: the
# scrape configuration and the alerting rules are valid, the rules' unit
# tests pass and test every alert firing and not firing, and the checks can
# fail: a broken expression is refused, and a changed rule fails its tests.
. "$srcdir/tests/lib/tap.sh"
command -v promtool >/dev/null || { echo "1..0 # SKIP promtool not installed (Debian package prometheus)"; exit 0; }
plan 10

D=$srcdir/doc/prometheus
# a copy: promtool reads rule_files relative to the configuration, and the
# negative cases edit theirs
cp "$D/prometheus.yml" "$D/smtpmon-rules.yml" "$D/smtpmon-rules.test.yml" "$T/" || bail "cannot copy $D"
n=$(grep -c '^ *- alert: ' "$T/smtpmon-rules.yml")
cd "$T" || bail "cd $T"

out=$(promtool check config prometheus.yml 2>&1); rc=$?
is "$rc" 0 "promtool check config prometheus.yml: exit 0"
[[ "$out" == *"SUCCESS: prometheus.yml is valid prometheus config file syntax"* &&
    "$out" == *"SUCCESS: 1 rule files found"* && "$out" == *"SUCCESS: $n rules found"* ]]
ok $? "check config: valid syntax, 1 rule file, its $n rules"
[ "$rc" = 0 ] || diag "output:" "$out"

out=$(promtool check rules smtpmon-rules.yml 2>&1); rc=$?
is "$rc" 0 "promtool check rules smtpmon-rules.yml: exit 0"
like "$out" "SUCCESS: $n rules found" "check rules: SUCCESS: $n rules found"

out=$(promtool test rules smtpmon-rules.test.yml 2>&1); rc=$?
is "$rc" 0 "promtool test rules smtpmon-rules.test.yml: exit 0"
[[ "$out" == *SUCCESS* && "$out" != *FAILED* ]]
ok $? "test rules: SUCCESS"
[ "$rc" = 0 ] || diag "output:" "$out"

# every alert of the rules has a test where it fires and one where it does not
missing=$(awk '
    FNR == NR { if ($1 == "-" && $2 == "alert:") alerts[$3] = 1; next }
    $1 == "alertname:" { a = $2 }
    $1 == "exp_alerts:" { if ($2 == "[]") quiet[a] = 1; else fired[a] = 1 }
    END { for (a in alerts) {
        if (!(a in fired)) print a " never fires"
        if (!(a in quiet)) print a " never stays quiet" } }' \
    smtpmon-rules.yml smtpmon-rules.test.yml)
is "$missing" "" "the unit tests have every one of the $n alerts firing and not firing"

# a broken expression is refused, by check rules and by check config
mkdir bad
sed 's/expr: smtpmon_target_up == 0/expr: smtpmon_target_up == == 0/' smtpmon-rules.yml >bad/smtpmon-rules.yml
cp prometheus.yml bad/
cmp -s smtpmon-rules.yml bad/smtpmon-rules.yml && bail "the broken copy is not broken"
out=$(promtool check rules bad/smtpmon-rules.yml 2>&1); rc=$?
[ "$rc" != 0 ] && [[ "$out" == *FAILED* && "$out" == *"parse error"* ]]
ok $? "check rules refuses a broken expression (exit $rc)"
[ "$rc" != 0 ] || diag "output:" "$out"
out=$(promtool check config bad/prometheus.yml 2>&1); rc=$?
[ "$rc" != 0 ] && [[ "$out" == *FAILED* ]]
ok $? "check config refuses a configuration whose rules are broken (exit $rc)"

# a rule that changes (down for 4 minutes instead of 5) fails its unit tests
mkdir changed
sed 's/for: 5m/for: 4m/' smtpmon-rules.yml >changed/smtpmon-rules.yml
cp smtpmon-rules.test.yml changed/
out=$(promtool test rules changed/smtpmon-rules.test.yml 2>&1); rc=$?
[ "$rc" != 0 ] && [[ "$out" == *FAILED* && "$out" == *"alertname: SmtpmonTargetDown"* ]]
ok $? "test rules fails on a changed rule, naming the alert (exit $rc)"
