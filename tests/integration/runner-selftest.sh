#!/bin/bash
# tests/lib/runtest.sh, the wrapper every test program of `make check` runs
# under, on programs made to misbehave: a hang must fail by the time limit, a
# sanitizer report written by any process must fail the test, a clean program
# passes unchanged, and nothing carries over from an earlier run.
. "$srcdir/tests/lib/tap.sh"
plan 12
R=$srcdir/tests/lib/runtest.sh
export SANITIZER_DIR=$T/san

cat > "$T/clean.sh" <<'S'
echo "1..1"
echo "ok 1 - fine"
S
out=$(bash "$R" "$T/clean.sh"); rc=$?
is "$rc" 0 "a clean program: exit 0"
is "$out" $'1..1\nok 1 - fine' "its TAP passes through unchanged"
is "$(stat -c %a "$T/san/clean.sh")" 1777 \
    "the report directory is writable by a daemon that dropped privileges (1777)"

cat > "$T/hang.sh" <<'S'
echo "1..1"
sleep 300
S
out=$(TEST_TIMEOUT=2 bash "$R" "$T/hang.sh"); rc=$?
is "$rc" 99 "a program that hangs: killed, exit 99"
like "$out" $'\nBail out! hang\\.sh did not end within 2 s' "it fails with a Bail out! that says so"

# a report as ASan writes it: to the log_path it was given, with the pid
cat > "$T/report.sh" <<'S'
echo "1..1"
echo "ok 1 - the test itself saw nothing"
p=${ASAN_OPTIONS##*log_path=}; p=${p%%:*}
( echo "==4242==ERROR: LeakSanitizer: detected memory leaks"; echo "Direct leak of 48 byte(s)" ) > "$p.4242"
S
out=$(ASAN_OPTIONS=detect_leaks=1 bash "$R" "$T/report.sh"); rc=$?
is "$rc" 99 "a sanitizer report from a process whose status nobody read: exit 99"
like "$out" 'Bail out! sanitizer report\(s\) from report\.sh: 1 in ' "it fails with a Bail out!"
like "$out" $'\n# ==4242==ERROR: LeakSanitizer: detected memory leaks\n# Direct leak' "the report's lines are shown"

cat > "$T/ubsan.sh" <<'S'
echo "1..0 # SKIP nothing to run"
p=${UBSAN_OPTIONS##*log_path=}; p=${p%%:*}
echo "x.c:1:2: runtime error: signed integer overflow" > "$p.77"
S
out=$(bash "$R" "$T/ubsan.sh"); rc=$?
is "$rc" 99 "a UBSan report fails even a program that skipped"
like "$out" 'runtime error: signed integer overflow' "and is shown"

# an earlier run's report does not count again
cp "$T/clean.sh" "$T/report.sh"
out=$(bash "$R" "$T/report.sh"); rc=$?
is "$rc" 0 "the same program, clean now: exit 0 (the old report is gone)"

# the exit status of the test itself is kept
printf 'echo "1..1"\necho "not ok 1 - broken"\nexit 3\n' > "$T/fail.sh"
bash "$R" "$T/fail.sh" >/dev/null; rc=$?
is "$rc" 3 "a failing program's own exit status is passed on"
