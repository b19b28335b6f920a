# tests/lib/runtest.sh: runs one test program for `make check` (Makefile.am
# LOG_COMPILER), so that what the test cannot see still fails it.
#
#   bash runtest.sh TEST
#
# - A time limit: TEST_TIMEOUT seconds (default 600); a test that has not
#   ended by then is killed (TERM, KILL 10 s later) and fails ("Bail out!").
# - Sanitizer reports: every process the test starts writes its ASan, LSan
#   and UBSan reports into a fresh directory of its own
#   (SANITIZER_DIR/NAME, default ./sanitizer/NAME under the build tree),
#   whatever its exit status and whoever reads it; after the test, any report
#   there fails the test, with the report's first lines shown.
# A test ending in .sh runs under bash; anything else is executed.
# The test's own TAP output passes through unchanged.
set -u
test=$1
name=$(basename "$test")
limit=${TEST_TIMEOUT:-600}
dir=${SANITIZER_DIR:-$PWD/sanitizer}/$name
rm -rf "$dir" && mkdir -p "$dir" && chmod 1777 "$dir" || {
    echo "Bail out! cannot make the sanitizer report directory $dir"; exit 99; }
# log_path: reports go to DIR/asan.PID, also from daemons and children whose
# exit status nothing reads (a daemon that dropped privileges can write: 1777)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$dir/asan"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$dir/ubsan:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

start=$(date +%s)
if [ "${test%.sh}" != "$test" ]; then
    timeout -k 10 "$limit" bash "$test"
else
    timeout -k 10 "$limit" "$test"
fi
rc=$?
# 124: timeout sent TERM; 137: KILL after it (a test's own 124 comes early)
if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ $(($(date +%s) - start)) -ge "$limit" ]; then
    echo "Bail out! $name did not end within $limit s (TEST_TIMEOUT): killed"
    rc=99
fi
mapfile -t reports < <(find "$dir" -type f -size +0 2>/dev/null | sort)
if [ "${#reports[@]}" -gt 0 ]; then
    echo "Bail out! sanitizer report(s) from $name: ${#reports[@]} in $dir"
    for f in "${reports[@]}"; do
        echo "# ---- $f"
        head -40 "$f" | sed 's/^/# /'
    done
    rc=99
fi
exit "$rc"
