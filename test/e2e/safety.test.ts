/**
 * No recipe takes the host down, end to end through the CLI on the real engines: a step over its
 * time limit is killed with its whole process tree, a fork bomb is stopped at the pids limit, the
 * systemctl stand-in works under Debian's update-rc.d and invoke-rc.d without calling itself, and a
 * service an Ansible role starts survives the converge on Docker.
 */
import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {SYSTEMCTL_SHIM} from '../../src/provisioners/systemctl-stand-in.js'
import {galleyEnv, leftovers, PODMAN_SOCKET} from './cli.js'

type Engine = 'lxc' | 'docker' | 'podman'
const ENGINES: Engine[] = ['lxc', 'docker', 'podman']
const onEngine = (engine: Engine): Record<string, string> => (engine === 'podman' ? {DOCKER_HOST: `unix://${PODMAN_SOCKET}`} : {})
const driverOf = (engine: Engine) => (engine === 'lxc' ? 'lxc' : 'docker')
const DEBIAN = '{bootstrap: debootstrap, release: bookworm, packages: [ca-certificates]}'

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'galley-safety-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), {recursive: true})
    writeFileSync(path.join(root, name), content, {mode: 0o755})
  }
  return root
}

async function cleanUp(root: string, engine: Engine): Promise<void> {
  galleyEnv(onEngine(engine), 120_000, root, 'destroy', '--driver', driverOf(engine))
  assert.equal(await leftovers(root, engine), [])
  rmSync(root, {recursive: true, force: true})
}

const Safety = suite('safety: limits and timeouts on the real engines')

for (const engine of ENGINES) {
  Safety(`${engine}: a step over its timeout fails within it, naming it, and leaves no process behind`, async () => {
    const root = project({
      'galley.yml': `platforms:
  - name: bb
    image: {bootstrap: busybox}
suites:
  - name: hang
    provisioner:
      steps:
        - run: sleep 1000 & sleep 1000; wait
          timeout: 2s
`,
    })
    try {
      const started = Date.now()
      const r = galleyEnv(onEngine(engine), 120_000, root, 'converge', '--driver', driverOf(engine))
      const took = (Date.now() - started) / 1000
      assert.is(r.code, 1, r.stdout + r.stderr)
      assert.match(r.stdout, "step `sleep 1000 & sleep 1000; wait` ran over its time limit of 2s (set by the step's `timeout:` (galley.yml:8))")
      assert.ok(took < 30, `converge took ${took} s`)
      const count = 'n=0; for p in /proc/[0-9]*; do [ "$(cat $p/cmdline 2>/dev/null | tr "\\0" " ")" = "sleep 1000 " ] && n=$((n+1)); done; echo "sleeping: $n"'
      const left = galleyEnv(onEngine(engine), 60_000, root, 'exec', 'hang-bb', '--driver', driverOf(engine), '-c', count)
      assert.match(left.stdout, 'sleeping: 0', left.stdout + left.stderr)
    } finally {
      await cleanUp(root, engine)
    }
  })
}

for (const engine of ENGINES) {
  Safety(`${engine}: a fork bomb fails its step at the default pids limit, naming it, and the host stays responsive`, async () => {
    const root = project({
      'galley.yml': `platforms:
  - name: bb
    image: {bootstrap: busybox}
suites:
  - name: bomb
    provisioner:
      steps:
        - run: echo before
        - name: fork bomb
          run: 'b() { b | b & }; b; wait'
          timeout: 2m
        # Podman ends an exec with its first process: the bomb it left is then caught before this step.
        - run: echo after
`,
    })
    try {
      const started = Date.now()
      const r = galleyEnv(onEngine(engine), 180_000, root, 'test', '--driver', driverOf(engine), '--destroy', 'always')
      const took = (Date.now() - started) / 1000
      assert.is(r.code, 1, r.stdout + r.stderr)
      assert.match(r.stdout, "hit the instance's pids limit of 1024 processes (Galley's default)")
      assert.ok(took < 60, `the bomb ran ${took} s`)
      // Not cached: the next run runs it again, from the first step's snapshot.
      const again = galleyEnv(onEngine(engine), 180_000, root, 'converge', '--driver', driverOf(engine))
      assert.is(again.code, 1)
      assert.match(again.stdout, 'cached step echo before (restored from the step cache)')
      assert.match(again.stdout, 'pids limit')
    } finally {
      await cleanUp(root, engine)
    }
  })
}

// Debian's own update-rc.d, invoke-rc.d and service against the stand-in, for every verb it answers.
const INIT_SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          galleyd
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a daemon for tests
### END INIT INFO
PIDFILE=/run/galleyd.pid
case "$1" in
  start) start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile $PIDFILE --chuid nobody --exec /bin/sleep -- 100000 ;;
  stop) start-stop-daemon --stop --quiet --oknodo --retry 5 --pidfile $PIDFILE --exec /bin/sleep && rm -f $PIDFILE ;;
  restart|force-reload) "$0" stop && "$0" start ;;
  reload) start-stop-daemon --stop --signal 0 --quiet --pidfile $PIDFILE --exec /bin/sleep ;;
  status) start-stop-daemon --status --pidfile $PIDFILE --exec /bin/sleep ;;
  *) echo "Usage: $0 {start|stop|restart|reload|force-reload|status}" >&2; exit 3 ;;
esac
`
const VERBS = `#!/bin/sh
# Each line: the exit code expected, then the command.
fails=0
expect() { want=$1; shift; "$@" >/tmp/out 2>&1; got=$?; if [ $got -ne $want ]; then echo "FAIL ($got, wanted $want): $*"; cat /tmp/out; fails=$((fails+1)); else echo "ok: $*"; fi; }
settle() { i=0; while [ $i -lt 20 ] && ! /etc/init.d/galleyd status; do sleep 0.1; i=$((i+1)); done; }
expect 0 systemctl start galleyd; settle
expect 0 systemctl is-active galleyd
expect 0 systemctl status galleyd
expect 0 systemctl reload galleyd
expect 0 systemctl restart galleyd; settle
expect 1 systemctl is-enabled galleyd
expect 0 systemctl enable galleyd
expect 0 systemctl is-enabled galleyd
expect 0 systemctl disable galleyd
expect 1 systemctl is-enabled galleyd
expect 0 sh -c 'systemctl show -p LoadState galleyd | grep -qx LoadState=loaded'
expect 0 sh -c 'systemctl show --value --property SourcePath galleyd | grep -qx /etc/init.d/galleyd'
expect 0 sh -c 'systemctl show galleyd.service | grep -qx ActiveState=active'
expect 0 systemctl daemon-reload
expect 0 sh -c 'systemctl list-unit-files | grep -qx "galleyd.service disabled"'
expect 0 systemctl stop galleyd
expect 3 systemctl is-active galleyd
expect 0 update-rc.d galleyd defaults
expect 0 update-rc.d galleyd disable
expect 1 systemctl is-enabled galleyd
expect 0 update-rc.d galleyd enable
expect 0 systemctl is-enabled galleyd
expect 0 invoke-rc.d galleyd start; settle
expect 0 invoke-rc.d galleyd status
expect 0 invoke-rc.d galleyd reload
expect 0 invoke-rc.d galleyd restart; settle
expect 0 invoke-rc.d galleyd stop
expect 0 service galleyd start; settle
expect 0 service galleyd status
expect 0 service galleyd stop
expect 0 update-rc.d galleyd remove
expect 1 systemctl is-enabled galleyd
exit $fails
`

Safety('lxc: the systemctl stand-in answers every verb under Debian\'s update-rc.d and invoke-rc.d, with and without the real systemctl', async () => {
  const install = 'install -m755 systemctl /usr/local/bin/systemctl && install -m755 galleyd /etc/init.d/galleyd && printf "#!/bin/sh\\nexit 0\\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  const root = project({
    systemctl: SYSTEMCTL_SHIM,
    galleyd: INIT_SCRIPT,
    'verbs.sh': VERBS,
    'galley.yml': `driver: {name: lxc, pids: 256}
platforms:
  - name: debian
    image: ${DEBIAN}
suites:
  - name: stand-in
    provisioner:
      timeout: 5m
      steps:
        - {name: the stand-in and an init script, run: '${install}'}
    verifier:
      timeout: 2m
      tests: [{script: verbs.sh}]
  - name: real-systemctl
    provisioner:
      timeout: 5m
      steps:
        - {name: the stand-in and an init script, run: '${install}'}
        - name: the real systemctl beside it
          run: apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd && test -x /usr/bin/systemctl
    verifier:
      timeout: 2m
      tests: [{script: verbs.sh}]
`,
  })
  try {
    const r = galleyEnv({}, 900_000, root, 'test', '--destroy', 'always')
    assert.is(r.code, 0, r.stdout.slice(-6000) + r.stderr)
    assert.match(r.stdout, '2 of 2 instances passed')
  } finally {
    await cleanUp(root, 'lxc')
  }
})

Safety('docker: a service an Ansible role starts (memcached) survives the converge: --idempotence passes', async () => {
  const root = project({
    'site.yml': `- hosts: all
  become: true
  tasks:
    - name: Ensure Memcached is installed.
      apt: {name: memcached, state: present, update_cache: true}
    - name: Copy Memcached configuration.
      copy: {dest: /etc/memcached.conf, content: "-d\\nlogfile /var/log/memcached.log\\n-m 64\\n-p 11211\\n-u memcache\\n-l 127.0.0.1\\n"}
      notify: restart memcached
    - name: Ensure Memcached is started and set to run on startup.
      service: {name: memcached, state: started, enabled: true}
  handlers:
    - name: restart memcached
      service: {name: memcached, state: restarted}
`,
    'galley.yml': `platforms:
  - name: debian
    image: ${DEBIAN}
suites:
  - name: memcached
    provisioner: {name: ansible, playbook: site.yml}
    verifier:
      tests:
        - {name: memcached is running, run: service memcached status}
`,
  })
  try {
    const r = galleyEnv({}, 900_000, root, 'test', '--driver', 'docker', '--idempotence', '--destroy', 'always')
    assert.is(r.code, 0, r.stdout.slice(-6000) + r.stderr)
  } finally {
    await cleanUp(root, 'docker')
  }
})

Safety.run()
