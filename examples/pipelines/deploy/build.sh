#!/usr/bin/env bash
# Build: produce an artifact name for the version.
set -euo pipefail
echo "building service $VERSION"
printf '{"artifact": "service-%s.tgz"}' "$VERSION" > "$WEFT_OUTPUT"
