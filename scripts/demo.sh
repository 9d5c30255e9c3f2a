#!/usr/bin/env bash
# The quick start: installs what Galley needs (scripts/setup.sh), then runs `galley test` on the
# suites/hello example. Extra arguments go to `galley test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd suites/hello
exec ../../bin/run.js test "$@"
