#!/bin/bash
# The status page (agent/output/statuspage) as a real browser reads it
# (issue 16, item 5): the sample page of tests/unit/test_statuspage (four
# targets, one of them IPv6, one down with hostile text; two passive servers)
# loaded by headless Chromium, whose parsed DOM (--dump-dom) must hold every
# row with all its cells, the escaped text as text and no script element.
. "$srcdir/tests/lib/tap.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
    { echo "1..0 # SKIP chromium not installed"; exit 0; }
# the unit test program, beside smtpmonctl in the build tree
RENDER=${SMTPMONCTL%/agent/smtpmonctl}/tests/unit/test_statuspage
plan 10

"$RENDER" --write "$T/page.html"
is "$?" 0 "test_statuspage --write renders the sample page"
# --no-sandbox: the tests run as root; a profile of its own in the scratch directory
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$T/profile" \
    --dump-dom "file://$T/page.html" >"$T/dom.html" 2>"$T/chromium.err"
rc=$?
is "$rc" 0 "chromium --dump-dom loads the page"
[ "$rc" -eq 0 ] || diag "chromium:" "$(tail -5 "$T/chromium.err")"
dom=$(cat "$T/dom.html")

is "$(grep -o '<tr data-target="[^"]*"' <<<"$dom" | cut -d'"' -f2 | paste -sd' ')" \
    "192.0.2.25:25 [2001:db8::25]:587 198.51.100.7:25 203.0.113.9:25" \
    "the DOM has one row per target, in the snapshot's order, the IPv6 one included"
is "$(grep '<tr data-target=' <<<"$dom" | awk -F'<td' '{print NF - 1}' | sort -u)" 9 \
    "every target row keeps its nine cells"
is "$(grep -o '<tr data-server="[^"]*"' <<<"$dom" | cut -d'"' -f2 | paste -sd' ')" \
    "192.0.2.80:25 [2001:db8::80]:25" "the passive servers' table has its two rows"
is "$(grep -ci '<script' <<<"$dom")" 0 "no script element in the parsed page"
like "$(grep 'data-target="198.51.100.7:25"' <<<"$dom")" \
    '<td class="name">&lt;script&gt;alert\("x" &amp; .y.\)&lt;/script&gt;\.example</td>' \
    "the hostile name is text in its cell"
is "$(grep -c 'class="cert cert-soon"' <<<"$dom")" 1 "one certificate cell is red ..."
like "$(grep 'data-target="192.0.2.25:25"' <<<"$dom")" '<td class="cert cert-soon">5 days ' \
    "... the one 5 days from its end"
like "$dom" '<meta http-equiv="refresh" content="30">.*<a href="/metrics">' \
    "the page refreshes itself and links to /metrics"
