#!/usr/bin/env bash
# One matrix cell: pretend to resize, report the file name it would write.
set -euo pipefail
name="image-${SIZE}.${FORMAT}"
echo "resized to $name"
printf '{"file": "%s", "bytes": %d}' "$name" $((SIZE * SIZE / 8)) > "$WEFT_OUTPUT"
