#!/usr/bin/env bash
# Smoke test: healthy unless SMOKE_FAIL is set (the test suite sets it to exercise rollback).
set -euo pipefail
if [ -n "${SMOKE_FAIL:-}" ]; then
  echo "smoke test of $URL failed" >&2
  exit 3
fi
echo "smoke test of $URL passed"
printf '{"healthy": true}' > "$WEFT_OUTPUT"
