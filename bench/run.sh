#!/usr/bin/env bash
# Galley's benchmarks. Prints every figure; bench/RESULTS.md records them with the machine they ran on.
# Usage: npm run bench   (as root, after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null && [ -x /usr/bin/time ] || {
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends hyperfine time
}
galley="$PWD/bin/run.js"
export CI=true NO_COLOR=1

echo "== machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), node $(node --version), liblxc $(lxc-info --version 2>/dev/null || echo '?')"

echo "== galley --version and galley help, against bare node in the same run"
hyperfine -N --warmup 5 --runs 30 "node -e 0" "node $galley --version" "node $galley help"

echo "== modules each command loads (no engine, no YAML for --version and help)"
node --import ./bench/load-count.mjs "$galley" --version >/dev/null
node --import ./bench/load-count.mjs "$galley" help >/dev/null
(cd bench/suites/trivial && node --import ../../load-count.mjs "$galley" test >/dev/null)

echo "== per-instance overhead: create, two execs, destroy (galley in process vs the LXC CLI tools)"
UV_THREADPOOL_SIZE=64 node bench/overhead.mjs 30

echo "== per-instance overhead on Docker: galley's driver vs the docker CLI"
node bench/docker-overhead.mjs 20

echo "== galley test, one trivial instance on LXC, whole process"
(cd bench/suites/trivial && node "$galley" image build >/dev/null)
hyperfine --warmup 2 --runs 15 "cd bench/suites/trivial && node $galley test"

# Podman through its Docker-compatible socket: the Docker driver with DOCKER_HOST.
for engine in lxc docker podman; do
  driver=$engine host=
  if [ "$engine" = podman ]; then driver=docker host="DOCKER_HOST=unix:///run/podman/podman.sock"; fi
  echo "== converge again after editing the last of five 1-second steps ($engine)"
  (cd bench/suites/steps5 && env $host node "$galley" converge --driver $driver >/dev/null)
  hyperfine --runs 5 \
    --prepare "printf '#!/bin/sh\\nsleep 1; echo %s >> /steps\\n' \$(date +%s%N) > bench/suites/steps5/last.sh" \
    "cd bench/suites/steps5 && env $host node $galley converge --driver $driver"
  (cd bench/suites/steps5 && env $host node "$galley" destroy --driver $driver >/dev/null && git checkout -q last.sh)
done

echo "== test --watch: an edited step's status line, from the write"
node bench/watch-latency.mjs 5

echo "== concurrency above libuv's pool: 8 instances of sleep 1 at --concurrency 8 with UV_THREADPOOL_SIZE=4"
(cd bench/suites/sleep8 && UV_THREADPOOL_SIZE=4 /usr/bin/time -f "%e s" node "$galley" test --no-cache --concurrency 8 | head -3)

for engine in lxc docker; do
  echo "== promote a verified busybox instance to an image and an oci-archive ($engine)"
  (cd bench/suites/promote && node "$galley" test --destroy never --driver $engine >/dev/null)
  hyperfine --runs 10 "cd bench/suites/promote && node $galley promote app-bb --tag bench/promoted:1 --output /tmp/galley-bench.tar --format oci-archive"
  (cd bench/suites/promote && node "$galley" destroy >/dev/null)
  rm -f /tmp/galley-bench.tar
done

echo "== init: systemd, create to booted, on each engine (in process; init: none beside it)"
UV_THREADPOOL_SIZE=64 node bench/systemd-boot.mjs 15

echo "== suites/ansible-nginx on a systemd platform against the same on init: none (LXC): every step, then from the step cache"
local_yml=suites/ansible-nginx/galley.local.yml
printf 'platforms:\n  - name: debian-12-systemd\n    image: { bootstrap: debootstrap, release: bookworm, packages: [ca-certificates] }\n    init: systemd\n    driver: { memory: 512M, cpus: 1 }\n' > "$local_yml"
(cd suites/ansible-nginx && node "$galley" test >/dev/null)
hyperfine --runs 3 "cd suites/ansible-nginx && node $galley test --no-cache nginx-debian-12" "cd suites/ansible-nginx && node $galley test --no-cache nginx-debian-12-systemd"
hyperfine --runs 5 "cd suites/ansible-nginx && node $galley test nginx-debian-12" "cd suites/ansible-nginx && node $galley test nginx-debian-12-systemd"
rm -f "$local_yml"

echo "== 8 instances of sleep 1 at --concurrency 4"
hyperfine --warmup 1 --runs 5 "cd bench/suites/sleep8 && node $galley converge --concurrency 4 && node $galley destroy"

echo "== a pool of engines: 24 instances of sleep 2 on one, two and three engines"
bash bench/pool.sh 3

echo "== 100 trivial instances at --concurrency 4: time and galley's peak RSS"
many=$(mktemp -d)
trap 'cd "$many" && node "$galley" destroy >/dev/null 2>&1; rm -rf "$many"' EXIT
{
  echo 'platforms: [{name: busybox, image: {bootstrap: busybox}}]'
  echo 'suites:'
  for i in $(seq 1 100); do echo "  - {name: t$i, provisioner: {steps: [{run: 'true'}]}, verifier: {tests: [{name: ok, run: 'true'}]}}"; done
} > "$many/galley.yml"
hyperfine --warmup 1 --runs 3 "cd $many && node $galley test --concurrency 4"
(cd "$many" && /usr/bin/time -f 'peak RSS %M KiB, %e s wall' node "$galley" test --concurrency 4 | tail -1)

echo "== suites/ansible-nginx with --idempotence (converge, the second converge, verify)"
(cd suites/ansible-nginx && node "$galley" test --idempotence >/dev/null)
hyperfine --runs 3 "cd suites/ansible-nginx && node $galley test --idempotence"
