#!/usr/bin/env bash
# Installs and starts what Galley and its tests need on Debian or Ubuntu, as root, then installs the
# npm dependencies and builds. Safe to run again: it only does what is missing.
#   LXC:  liblxc and lxc-net's NAT bridge (lxcbr0, with dnsmasq for DNS)
#   Docker: the docker.io engine, started in the background when no init system runs it
#   Podman: its Docker-compatible socket (podman system service) at /run/podman/podman.sock, on runc
#   base images: debootstrap (Debian images) and busybox-static (the busybox image)
#   a registry on 127.0.0.1:5055 (Debian's docker-registry) that the push tests use
#   docker2: a second dockerd (own socket, data root, no bridge or iptables rules; TLS on
#     127.0.0.1:23762) and sshd: an sshd on 127.0.0.1:2222 reaching the main dockerd, for the
#     pool tests (scripts/test-engines.sh starts both)
# GALLEY_ENGINES="lxc docker podman registry docker2 sshd" (the default) says which of these to set up.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (Galley's LXC driver and this script need it): sudo $0" >&2
  exit 3
fi

# GALLEY_ENGINES limits what is installed and started (a CI runner with its own Docker: "docker").
engines=" ${GALLEY_ENGINES:-lxc docker podman registry docker2 sshd} "
wants() { [[ "$engines" == *" $1 "* ]]; }

packages=(debootstrap busybox-static iproute2 ca-certificates curl)
wants lxc && packages+=(lxc iptables dnsmasq-base)
# A machine with Docker from elsewhere (docker-ce) keeps it: docker.io would conflict with it.
wants docker && ! command -v dockerd >/dev/null && packages+=(docker.io)
wants podman && packages+=(podman runc catatonit)
wants registry && packages+=(docker-registry)
# docker2 is a second dockerd of the same install; its TLS certificates are made with openssl.
wants docker2 && ! command -v dockerd >/dev/null && packages+=(docker.io)
wants docker2 && packages+=(openssl)
wants sshd && packages+=(openssh-server openssh-client)
command -v node >/dev/null || packages+=(nodejs npm)
# The HTML report's end-to-end test opens the page in headless Chromium.
command -v chromium >/dev/null || packages+=(chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Galley needs Node.js 20 or newer; this machine has $(node --version). Install Node.js 20+ and run this again." >&2
  exit 3
fi

# lxc-net makes the lxcbr0 bridge, its NAT rule and dnsmasq. Under systemd it is a service;
# elsewhere (containers, CI sandboxes) its script is run directly.
# The bridge outlives lxc-net's dnsmasq (a killed session leaves it), so both are checked.
lxc_net_up() {
  ip -4 addr show dev lxcbr0 2>/dev/null | grep -q inet && [ -f /run/lxc/dnsmasq.pid ] && kill -0 "$(cat /run/lxc/dnsmasq.pid)" 2>/dev/null
}
if wants lxc && ! lxc_net_up; then
  echo "setup: starting lxc-net"
  if [ -d /run/systemd/system ]; then
    systemctl restart lxc-net
  else
    for script in /usr/libexec/lxc/lxc-net /usr/lib/x86_64-linux-gnu/lxc/lxc-net /usr/lib/lxc/lxc-net; do
      if [ -x "$script" ]; then "$script" stop >/dev/null 2>&1 || true; "$script" start; break; fi
    done
  fi
fi
! wants lxc || lxc_net_up || { echo "setup: lxc-net (the lxcbr0 bridge and its dnsmasq) did not come up; see: /usr/libexec/lxc/lxc-net start" >&2; exit 3; }

# dockerd: a service under systemd; elsewhere started in the background, and waited for.
if wants docker && ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd"
  if [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/dockerd.log" >&2; exit 3; }
fi

# Podman: runc rather than crun, which refuses hosts with hybrid cgroups; its API socket is what
# Galley's Docker driver talks to (driver.socket or DOCKER_HOST).
# The loopback registry of the push tests speaks plain HTTP (Docker assumes so for loopback).
if wants podman && [ ! -f /etc/containers/registries.conf.d/galley-loopback.conf ]; then
  mkdir -p /etc/containers/registries.conf.d
  printf '[[registry]]\nlocation = "localhost:5055"\ninsecure = true\n' > /etc/containers/registries.conf.d/galley-loopback.conf
fi
if wants podman && [ ! -f /etc/containers/containers.conf.d/galley.conf ]; then
  mkdir -p /etc/containers/containers.conf.d
  printf '[engine]\nruntime = "runc"\n' > /etc/containers/containers.conf.d/galley.conf
fi
if wants podman && ! curl -sf --unix-socket /run/podman/podman.sock http://podman/_ping >/dev/null 2>&1; then
  echo "setup: starting podman system service"
  if [ -d /run/systemd/system ]; then
    systemctl start podman.socket
  else
    mkdir -p /run/podman
    setsid nohup podman system service --time=0 unix:///run/podman/podman.sock >/var/log/podman-service.log 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 40); do curl -sf --unix-socket /run/podman/podman.sock http://podman/_ping >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf --unix-socket /run/podman/podman.sock http://podman/_ping >/dev/null 2>&1 || { echo "setup: podman's API socket did not come up; see /var/log/podman-service.log" >&2; exit 3; }
fi

# The loopback registry for galley promote --push's tests, with its own config (Debian's service
# listens on every address and wants a password).
if wants registry && ! curl -sf http://127.0.0.1:5055/v2/ >/dev/null 2>&1; then
  echo "setup: starting the loopback registry"
  mkdir -p /etc/docker/registry
  cp scripts/registry.yml /etc/docker/registry/galley.yml
  setsid nohup docker-registry serve /etc/docker/registry/galley.yml >/var/log/galley-registry.log 2>&1 < /dev/null &
  for _ in $(seq 1 40); do curl -sf http://127.0.0.1:5055/v2/ >/dev/null 2>&1 && break; sleep 0.25; done
  curl -sf http://127.0.0.1:5055/v2/ >/dev/null 2>&1 || { echo "setup: the registry did not come up; see /var/log/galley-registry.log" >&2; exit 3; }
fi

# The pool tests' extra engines: a second dockerd, and an engine reached over SSH (which relays to
# the main dockerd, so it comes after it).
pool_engines=()
wants docker2 && pool_engines+=(docker2)
wants sshd && pool_engines+=(sshd)
[ ${#pool_engines[@]} -eq 0 ] || bash scripts/test-engines.sh "${pool_engines[@]}"

# koffi ships its native library as an optional dependency: never omit those.
if [ ! -d node_modules/koffi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --include=optional --no-audit --no-fund
fi
npm run build --silent
