#!/usr/bin/env bash
# Load: count the transformed rows of every batch (WEFT_INPUT_TRANSFORM is a JSON list, one per batch).
set -euo pipefail
count=$(node -e 'const b = JSON.parse(process.env.WEFT_INPUT_TRANSFORM); console.log(b.reduce((n, x) => n + x.rows.length, 0))')
echo "loading $count rows into $TARGET"
printf '{"loaded": %s, "target": "%s"}' "$count" "$TARGET" > "$WEFT_OUTPUT"
