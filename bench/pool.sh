#!/usr/bin/env bash
# 24 instances of `sleep 2` (galley test --no-cache) on one engine, then spread over two and three:
# the main dockerd, the second dockerd of scripts/test-engines.sh, and Podman's socket.
#   capacity 8 per engine: each engine runs at most 8 at once, as when each is a machine of its own
#   no capacity, --concurrency 24: all at once, however many engines (here they share 2 cores)
# Usage: bash bench/pool.sh [RUNS]   (as root, after scripts/setup.sh; npm run bench runs it too)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
galley="$PWD/bin/run.js"
export CI=true NO_COLOR=1
command -v hyperfine >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends hyperfine; }

hosts=(
  "{name: docker1, host: unix:///var/run/docker.sock CAP}"
  "{name: docker2, host: unix:///run/galley-docker2.sock CAP}"
  "{name: podman, host: unix:///run/podman/podman.sock CAP}"
)
work=$(mktemp -d)
trap 'for d in "$work"/*/; do (cd "$d" && node "$galley" destroy >/dev/null 2>&1 || true); done; rm -rf "$work"' EXIT

# project NAME ENGINES CAPACITY: a galley.yml of 24 suites of one `sleep 2` step on the first ENGINES engines.
project() {
  local dir=$work/$1 cap=${3:+, capacity: $3}
  mkdir -p "$dir"
  {
    echo 'driver:'
    echo '  name: docker'
    echo '  hosts:'
    for h in "${hosts[@]:0:$2}"; do echo "    - ${h/ CAP/$cap}"; done
    echo 'platforms: [{name: bb, image: {bootstrap: busybox}}]'
    echo 'suites:'
    for i in $(seq 1 24); do echo "  - {name: s$i, provisioner: {steps: [{run: 'sleep 2'}]}}"; done
  } > "$dir/galley.yml"
}

echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for engines in 1 2 3; do
  project "cap8-$engines" "$engines" 8
  project "all-$engines" "$engines" ""
done
for engines in 1 2 3; do
  echo "== 24 x sleep 2, capacity 8 per engine, $engines engine(s)"
  hyperfine --warmup 1 --runs "$runs" "cd $work/cap8-$engines && node $galley test --no-cache --concurrency 24"
done
for engines in 1 2 3; do
  echo "== 24 x sleep 2, no capacity, --concurrency 24, $engines engine(s)"
  hyperfine --warmup 1 --runs "$runs" "cd $work/all-$engines && node $galley test --no-cache --concurrency 24"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
