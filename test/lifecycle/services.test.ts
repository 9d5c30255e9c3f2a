import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runInstances} from '../../src/lifecycle/runner.js'
import {judgeUnits, outsideUnits, parseProbe, parseShow} from '../../src/lifecycle/services.js'
import {dummyRun, endRun, instancesOf} from '../fakes/lifecycle.js'
import {fakeSpec} from '../fakes/project.js'

const Services = suite('services a snapshot brings back')

const units = (o: Record<string, string>) => new Map(Object.entries(o))
const BOOT = {'multi-user.target': 'active', 'timers.target': 'active', 'sockets.target': 'active', 'dbus.socket': 'listening', 'cron.service': 'running'}

Services('the probe: its own shell left out, each process with its cgroup and name, the active units', () => {
  const probe = parseProbe('self 90\nproc 1 /init.scope systemd\nproc 40 /system.slice/cron.service cron\nproc 90 /.lxc sh\nproc 91 /.lxc sleep\nunits\ncron.service loaded active running Cron\nfoo.service loaded failed failed Foo\n')
  assert.equal(probe.procs.map((p) => p.pid), ['1', '40', '91'])
  assert.equal([...probe.units], [['cron.service', 'running']])
  assert.equal(outsideUnits(probe).map((p) => `${p.comm} ${p.pid}`), ['sleep 91'])
})

Services('processes outside units on Docker: in the container cgroup itself, beside init.scope', () => {
  const probe = parseProbe('self 9\nproc 1 /docker/abc/init.scope systemd\nproc 20 /docker/abc/system.slice/nginx.service nginx\nproc 30 /docker/abc nohup\n')
  assert.equal(outsideUnits(probe).map((p) => p.pid), ['30'])
})

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
