#!/usr/bin/env bash
# expect_error.sh PATTERN -- COMMAND...: passes when COMMAND exits 1 and
# prints exactly one line on stderr, matching the extended regex PATTERN.
# This is the contract for bad input: one clear line, never a crash.
set -u
pattern=$1
shift 2
err=$(mktemp)
"$@" >/dev/null 2>"$err"
rc=$?
lines=$(grep -c '' "$err")
if [[ $rc -ne 1 || $lines -ne 1 ]] || ! grep -Eq -- "$pattern" "$err"; then
  echo "expected exit 1 and one stderr line matching /$pattern/; got exit $rc and $lines line(s):" >&2
  cat "$err" >&2
  rm -f "$err"
  exit 1
fi
cat "$err"
rm -f "$err"
