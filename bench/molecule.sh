#!/usr/bin/env bash
# Times galley test on a Molecule scenario imported with galley import --bootstrap: a run with
# every step run (--no-cache; the base image already built), a run with everything cached, and a
# run after editing the role's template. Where Molecule is installed (pip install molecule molecule-plugins[docker]),
# the same role's `molecule test` is timed beside it; Molecule is not installed here.
# Usage: bash bench/molecule.sh [ROLE_FOLDER]   (as root, after scripts/setup.sh and npm run build)
set -euo pipefail
cd "$(dirname "$0")/.."
galley="$PWD/bin/run.js"
export CI=true NO_COLOR=1
role="${1:-test/fixtures/molecule/motd}"
work=$(mktemp -d)
trap 'cd "$work" && node "$galley" destroy >/dev/null 2>&1; rm -rf "$work"' EXIT
cp -a "$role/." "$work/"
cd "$work"
node "$galley" import --bootstrap --force >/dev/null
template=$(find templates -name '*.j2' 2>/dev/null | head -1)

echo "== galley test --no-cache: every step runs (Ansible's install from Debian's mirror, converge, idempotence, verify)"
/usr/bin/time -f '%e s wall' node "$galley" test --driver lxc --no-cache | tail -3
node "$galley" test --driver lxc >/dev/null

echo "== galley test, nothing edited (converge from the step cache)"
hyperfine --runs 5 "node $galley test --driver lxc"

if [ -n "$template" ]; then
  echo "== galley test after editing the role's template ($template): converge runs again"
  hyperfine --runs 5 --prepare "echo '# edited '\$(date +%s%N) >> $template" "node $galley test --driver lxc"
fi

if command -v molecule >/dev/null; then
  echo "== molecule test on the same role"
  hyperfine --runs 3 "molecule test"
else
  echo "== molecule is not installed here: see README.md, Coming from Molecule, for the figures measured side by side"
fi
