import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {ContainerHandle, ExecOptions} from '../../drivers/driver.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import {judgeUnits, outsideUnits, parseProbe, parseShow, watchServices} from '../../src/lifecycle/services.js'
import {dummyRun, endRun, instancesOf} from '../fakes/lifecycle.js'
import {fakeSpec} from '../fakes/project.js'

/** Probe outputs captured in Debian 11, 12 and 13 instances with `init: systemd` on LXC (a cgroup v1 hybrid host); see probes/README.md. */
const PROBES = fileURLToPath(new URL('../../../test/lifecycle/probes/', import.meta.url))
const captured = (release: number, state: string) => readFileSync(`${PROBES}debian-${release}-${state}.txt`, 'utf8')

/** An engine whose probes print `outputs` in turn and whose `systemctl show` prints `show`. */
function scripted(outputs: string[], show = '') {
  const handle: ContainerHandle = {driver: 'dummy', name: 'c1'}
  const driver = {
    async exec(_: ContainerHandle, argv: string[], options: ExecOptions = {}) {
      const out = argv[0] === 'systemctl' ? show : outputs.shift()
      if (out === undefined) throw new Error('no probe output left')
      options.onStdout?.(Buffer.from(out))
      return 0
    },
  }
  return {driver, handle}
}

/** Why the step that went from the probe output `before` to `after` would not be cached (undefined: it would). */
async function verdict(before: string, after: string, show = '', init: 'systemd' | 'none' = 'systemd'): Promise<string | undefined> {
  const {driver, handle} = scripted([before, after], show)
  return (await watchServices(driver, handle, init)).check()
}

const Services = suite('services a snapshot brings back')

const units = (o: Record<string, string>) => new Map(Object.entries(o))
const BOOT = {'multi-user.target': 'active', 'timers.target': 'active', 'sockets.target': 'active', 'dbus.socket': 'listening', 'cron.service': 'running'}

Services('the probe: its own shell left out, each process with its cgroup and name, the active units', () => {
  const probe = parseProbe('self 90\nproc 1 /init.scope /init.scope systemd\nproc 40 /system.slice/cron.service /system.slice/cron.service cron\nproc 90 / /.lxc sh\nproc 91 / /.lxc sleep\nunits\ncron.service loaded active running Cron\nfoo.service loaded failed failed Foo\n')
  assert.equal(probe.procs.map((p) => p.pid), ['1', '40', '91'])
  assert.equal([...probe.units], [['cron.service', 'running']])
  assert.equal(outsideUnits(probe).map((p) => `${p.comm} ${p.pid}`), ['sleep 91'])
})

Services('processes outside units on Docker: in the container cgroup itself, beside init.scope', () => {
  const probe = parseProbe('self 9\nproc 1 /docker/abc/init.scope /docker/abc systemd\nproc 20 /docker/abc/system.slice/nginx.service /docker/abc nginx\nproc 30 /docker/abc /docker/abc nohup\n')
  assert.equal(outsideUnits(probe).map((p) => p.pid), ['30'])
})

Services('on a cgroup v2 host, with no name=systemd hierarchy, the unified one is read', () => {
  const probe = parseProbe('self 9\nproc 1 ? /init.scope systemd\nproc 20 ? /system.slice/nginx.service nginx\nproc 30 ? /.lxc nohup\n')
  assert.equal(outsideUnits(probe).map((p) => p.pid), ['30'])
})

Services('systemd 247 (Debian 11) leaves every process at / in name=systemd: the unified hierarchy, where PID 1 is in init.scope, is read', () => {
  const boot = parseProbe(captured(11, 'boot'))
  assert.equal(boot.procs.find((p) => p.pid === '1')?.cgroup, '/init.scope')
  assert.equal(outsideUnits(boot), [])
  const left = outsideUnits(parseProbe(captured(11, 'sleep')))
  assert.equal(left.map((p) => p.comm), ['sleep'])
})

for (const release of [11, 12, 13]) {
  Services(`Debian ${release}: restarting journald is cached; its new process is in its unit`, async () => {
    assert.is(await verdict(captured(release, 'boot'), captured(release, 'journald')), undefined)
  })

  Services(`Debian ${release}: the bus-activated timedated, hostnamed and localed a step leaves running are cached, as the bus starts them on demand`, async () => {
    assert.is(await verdict(captured(release, 'boot'), captured(release, 'dbus'), captured(release, 'dbus-show')), undefined)
  })

  Services(`Debian ${release}: a process a step left running outside the units is named`, async () => {
    const after = captured(release, 'sleep')
    const pid = /^proc (\d+) \S+ \S+ sleep$/m.exec(after)?.[1]
    assert.is(await verdict(captured(release, 'boot'), after, captured(release, 'dbus-show')), `left processes running outside systemd's units (sleep pid ${pid})`)
  })
}

Services('an enabled service, or one a boot-active unit triggers, comes back; a merely started one does not', () => {
  const before = units(BOOT)
  const after = units({...BOOT, 'hello.service': 'running', 'tick.timer': 'waiting', 'dbus.service': 'running', 'adhoc.service': 'running', 'side.socket': 'listening'})
  const shown = parseShow(
    [
      'Id=hello.service\nUnitFileState=enabled\nWantedBy=multi-user.target\nRequiredBy=\nTriggeredBy=\nBoundBy=',
      'Id=tick.timer\nUnitFileState=enabled\nWantedBy=timers.target\nRequiredBy=\nTriggeredBy=\nBoundBy=',
      'Id=dbus.service\nUnitFileState=static\nWantedBy=\nRequiredBy=\nTriggeredBy=dbus.socket\nBoundBy=',
      'Id=adhoc.service\nUnitFileState=disabled\nWantedBy=\nRequiredBy=\nTriggeredBy=\nBoundBy=',
      'Id=side.socket\nUnitFileState=enabled-runtime\nWantedBy=sockets.target\nRequiredBy=\nTriggeredBy=\nBoundBy=',
    ].join('\n\n'),
  )
  assert.equal(judgeUnits(before, after, shown), {started: ['adhoc.service', 'side.socket'], stopped: []})
})

Services('a unit wanted by another the step started and enabled comes back too', () => {
  const shown = parseShow('Id=app.service\nUnitFileState=enabled\nWantedBy=multi-user.target\n\nId=helper.service\nUnitFileState=static\nRequiredBy=app.service\n')
  assert.equal(judgeUnits(units(BOOT), units({...BOOT, 'app.service': 'running', 'helper.service': 'running'}), shown), {started: [], stopped: []})
})

Services('an enabled service the step stopped would run again after a restore', () => {
  const shown = parseShow('Id=cron.service\nUnitFileState=enabled\nWantedBy=multi-user.target\n')
  assert.equal(judgeUnits(units(BOOT), units({...BOOT, 'cron.service': 'dead'}), shown), {started: [], stopped: ['cron.service']})
  const disabled = parseShow('Id=cron.service\nUnitFileState=disabled\n')
  assert.equal(judgeUnits(units(BOOT), units({...BOOT, 'cron.service': 'dead'}), disabled), {started: [], stopped: []})
})

Services('a static unit with a bus name is started on demand only when the bus runs at boot; a disabled one with a bus name is not', () => {
  const shown = parseShow('Id=helper.service\nUnitFileState=static\nBusName=org.example.Helper1\n\nId=daemon.service\nUnitFileState=disabled\nBusName=org.example.Daemon1\n')
  const after = (o: Record<string, string>) => units({...o, 'helper.service': 'running', 'daemon.service': 'running'})
  assert.equal(judgeUnits(units(BOOT), after(BOOT), shown).started, ['daemon.service'])
  const {'dbus.socket': _bus, ...noBus} = BOOT
  assert.equal(judgeUnits(units(noBus), after(noBus), shown).started, ['helper.service', 'daemon.service'])
})

Services('an enabled unit that boot does not start says why: what wants it, which boot does not reach', async () => {
  const boot = `self 9\nproc 1 /init.scope /init.scope systemd\nunits\n${Object.entries(BOOT).map(([u, sub]) => `${u} loaded active ${sub} x`).join('\n')}\n`
  const show = 'Id=ntpsec-systemd-netif.path\nUnitFileState=enabled\nWantedBy=network-pre.target\n\nId=adhoc.service\nUnitFileState=disabled\n'
  const path = `${boot}ntpsec-systemd-netif.path loaded active waiting x\n`
  assert.is(
    await verdict(boot, path, show),
    'started ntpsec-systemd-netif.path (enabled, but wanted only by network-pre.target, which boot does not reach), which a restored snapshot would not start: stop it, or have a unit that boot starts want it',
  )
  assert.is(await verdict(boot, `${boot}adhoc.service loaded active running x\n`, show), 'started adhoc.service (disabled), which a restored snapshot would not start: enable it or stop it')
})

Services('init: none: the processes a step left running are named, a few at most', async () => {
  const before = 'self 9\nproc 1 ? ? sh\nproc 5 ? ? cron\n'
  const after = (n: number) => `self 99\nproc 1 ? ? sh\nproc 5 ? ? cron\n${Array.from({length: n}, (_, i) => `proc ${40 + i} ? ? daemon${i}\n`).join('')}`
  assert.is(await verdict(before, after(0), '', 'none'), undefined)
  assert.is(await verdict(before, after(2), '', 'none'), 'left processes running (daemon0 pid 40, daemon1 pid 41)')
  assert.is(await verdict(before, after(6), '', 'none'), 'left processes running (daemon0 pid 40, daemon1 pid 41, daemon2 pid 42, daemon3 pid 43 and 2 more)')
})

Services('a converge whose steps all come from the cache probes nothing; one with a step to run probes once before it and once after', async () => {
  const run = dummyRun()
  try {
    const probes = () => run.driver.calls.filter((c) => c.startsWith('exec ') && c.includes('self $$')).length
    const converge = (steps: string[]) => runInstances(instancesOf(run, [fakeSpec('a-p', steps)]), 'converge', {concurrency: 1, signal: run.controller.signal, events: run.events})
    await converge(['echo one'])
    assert.is(probes(), 2)
    run.driver.calls.length = 0
    const [cached] = await converge(['echo one'])
    assert.is(cached.steps[0].cached, true)
    assert.is(probes(), 0)
  } finally {
    endRun(run)
  }
})

Services.run()
