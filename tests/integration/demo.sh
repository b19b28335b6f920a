#!/bin/bash
# The README's demo command: `smtpmonctl demo` against its built-in servers.
. "$srcdir/tests/lib/tap.sh"
plan 8

out=$("$SMTPMONCTL" demo 2>&1); rc=$?
echo "$out" > "$T/demo.txt"
is "$rc" 0 "demo exits 0"
like "$out" $'\nSMTP OK - ESMTP, STARTTLS TLSv1\\.3 TLS_[A-Z0-9_]+ \\(0x130[123]\\), certificate expires in (89|90) days' "STARTTLS demo server: OK, TLS 1.3, trusted certificate"
like "$out" $'\nappldata: "EZASMTPM SMTPMON  ET134X 130[123]           "' "appldata of the TLS connection"
like "$out" $'\nSMTP OK - ESMTP, STARTTLS offered, not used \\(Secure No\\)' "Secure No: TLS not attempted though AUTH PLAIN LOGIN is offered"
like "$out" $'\nSMTP CRITICAL - Secure Yes but STARTTLS is not offered' "Secure Yes without STARTTLS: CRITICAL"
like "$out" $'\nSMTP OK - SMTP \\|' "SMTP-only server classified S"
like "$out" $'\nappldata: "EZASMTPM SMTPMON  SB                    "' "appldata SB"
like "$out" '"appldata":"EZASMTPM SMTPMON  ET134X 130[123]           "' "JSON output in the demo"
