#!/usr/bin/env bash
# The extra engines the pool tests use, each started only when it is not running (safe to run again):
#   docker2  a second dockerd on its own socket, data root and exec root, on a bridge of its own
#            (galley-docker2, 10.222.2.1/24) and with no iptables rules, so it leaves docker0,
#            lxcbr0 and their NAT alone (its containers have no way out, which the tests do not
#            need); it also listens on tcp://127.0.0.1:23762 with TLS, client certificates required
#            (a test CA made here). Not --bridge none: a dockerd started so deletes docker0.
#   sshd     an sshd on 127.0.0.1:2222 only, for a Docker engine reached over SSH: root may log in
#            with the test key alone, and that key may only run `docker system dial-stdio`, which
#            relays to the main dockerd's socket
# Keys and certificates are made once, in /var/lib/galley-test-engines (GALLEY_TEST_ENGINES_DIR).
# Usage: scripts/test-engines.sh docker2|sshd...   (setup.sh runs it; the pool tests restart docker2 with it)
set -euo pipefail

dir=${GALLEY_TEST_ENGINES_DIR:-/var/lib/galley-test-engines}
mkdir -p "$dir"
chmod 700 "$dir"

docker2_socket=/run/galley-docker2.sock
docker2_tcp=127.0.0.1:23762
docker2_bridge=galley-docker2
docker2_address=10.222.2.1/24
ssh_port=2222

docker2_up() { curl -sf --unix-socket "$docker2_socket" http://docker2/_ping >/dev/null 2>&1; }

# A test CA, a server certificate for 127.0.0.1 and a client certificate, as `docker --tlsverify`
# expects them (client files in tls/client: ca.pem, cert.pem, key.pem, as in DOCKER_CERT_PATH).
make_tls() {
  local tls=$dir/tls
  [ -f "$tls/client/key.pem" ] && return
  mkdir -p "$tls/client"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=galley-test-ca -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$tls/server-key.pem" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' > "$tls/server.ext"
  openssl x509 -req -days 3650 -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=galley-tests -keyout "$tls/client/key.pem" -out "$tls/client.csr" 2>/dev/null
  printf 'extendedKeyUsage = clientAuth\n' > "$tls/client.ext"
  openssl x509 -req -days 3650 -in "$tls/client.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial -extfile "$tls/client.ext" -out "$tls/client/cert.pem" 2>/dev/null
  cp "$tls/ca.pem" "$tls/client/ca.pem"
  rm -f "$tls"/*.csr "$tls"/*.ext
}

start_docker2() {
  docker2_up && return
  make_tls
  echo "test-engines: starting docker2 on $docker2_socket and tcp://$docker2_tcp"
  mkdir -p /run/galley-docker2 /var/lib/galley-docker2
  if ! ip link show "$docker2_bridge" >/dev/null 2>&1; then
    ip link add "$docker2_bridge" type bridge
    ip addr add "$docker2_address" dev "$docker2_bridge"
  fi
  ip link set "$docker2_bridge" up
  # A dockerd killed with SIGKILL leaves its pid file and its containerd's, and, where nothing
  # reaps orphans, zombies under those pids: a new dockerd would take them for still running
  # (and wait 15 s for that containerd).
  local pidfile=/run/galley-docker2.pid containerd_pid=/run/galley-docker2/containerd/containerd.pid
  if [ -f "$pidfile" ] && ! grep -qs galley-docker2 "/proc/$(cat "$pidfile")/cmdline"; then rm -f "$pidfile"; fi
  if [ -f "$containerd_pid" ] && ! grep -qs galley-docker2 "/proc/$(cat "$containerd_pid")/cmdline"; then rm -f "$containerd_pid"; fi
  # Under heavy load its containerd may not start in the time dockerd gives it: dockerd then
  # exits, and is started again.
  for _ in 1 2 3; do
    setsid nohup dockerd \
      --host "unix://$docker2_socket" --host "tcp://$docker2_tcp" \
      --tlsverify --tlscacert "$dir/tls/ca.pem" --tlscert "$dir/tls/server.pem" --tlskey "$dir/tls/server-key.pem" \
      --data-root /var/lib/galley-docker2 --exec-root /run/galley-docker2 --pidfile "$pidfile" \
      --bridge "$docker2_bridge" --iptables=false --ip-masq=false --ip-forward=false \
      >>/var/log/galley-docker2.log 2>&1 </dev/null &
    local started=$!
    # After a kill, dockerd first cleans up what its containers left; under load that takes a while.
    for _ in $(seq 1 240); do
      docker2_up && return
      kill -0 "$started" 2>/dev/null || break
      sleep 0.25
    done
  done
  docker2_up || { echo "test-engines: docker2 did not start; see /var/log/galley-docker2.log" >&2; exit 3; }
}

sshd_up() { [ -f /run/galley-sshd.pid ] && kill -0 "$(cat /run/galley-sshd.pid)" 2>/dev/null; }

start_sshd() {
  sshd_up && return
  local ssh=$dir/ssh
  mkdir -p "$ssh" /run/sshd
  chmod 700 "$ssh"
  [ -f "$ssh/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C galley-test-host -f "$ssh/host_ed25519_key"
  [ -f "$ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C galley-tests -f "$ssh/id_ed25519"
  echo "restrict,from=\"127.0.0.1\",command=\"docker system dial-stdio\" $(cat "$ssh/id_ed25519.pub")" > "$ssh/authorized_keys"
  echo "[127.0.0.1]:$ssh_port $(cut -d' ' -f1,2 "$ssh/host_ed25519_key.pub")" > "$ssh/known_hosts"
  cat > "$ssh/sshd_config" <<EOF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $ssh/host_ed25519_key
PidFile /run/galley-sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
PermitRootLogin prohibit-password
AllowUsers root
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTunnel no
EOF
  echo "test-engines: starting sshd on 127.0.0.1:$ssh_port"
  /usr/sbin/sshd -f "$ssh/sshd_config" -E /var/log/galley-sshd.log
  for _ in $(seq 1 20); do sshd_up && break; sleep 0.25; done
  sshd_up || { echo "test-engines: sshd did not start; see /var/log/galley-sshd.log" >&2; exit 3; }
}

for engine in "$@"; do
  case "$engine" in
    docker2) start_docker2 ;;
    sshd) start_sshd ;;
    *) echo "test-engines: unknown engine $engine (docker2, sshd)" >&2; exit 2 ;;
  esac
done
