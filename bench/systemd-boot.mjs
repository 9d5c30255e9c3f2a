// Create to booted for init: systemd on each engine, through Galley's drivers in process: from the
// create call to `systemctl is-system-running` saying running (create resolves then), and the
// destroy through systemd's own shutdown; init: none on the same image beside it, interleaved.
// Usage: node bench/systemd-boot.mjs [N] [lxc docker podman]
import {DockerDriver} from '../dist/drivers/docker/driver.js'
import {LxcDriver} from '../dist/drivers/lxc/driver.js'
import {stats} from './lib.mjs'

const n = Number(process.argv[2] ?? 10)
const engines = process.argv.length > 3 ? process.argv.slice(3) : ['lxc', 'docker', 'podman']
// The platform of suites/systemd-timer: image: {bootstrap: debootstrap, packages: [ca-certificates]}, init: systemd.
const spec = {bootstrap: 'debootstrap', release: 'bookworm', variant: 'minbase', packages: ['ca-certificates', 'systemd', 'systemd-sysv', 'dbus'], init: 'systemd'}

function driverFor(engine) {
  if (engine === 'lxc') return new LxcDriver()
  return new DockerDriver(engine === 'podman' ? {socket: '/run/podman/podman.sock'} : {})
}

async function cycle(driver, snapshot, init, i) {
  const name = `bench-sysd-${process.pid}-${init}-${i}`
  const t0 = performance.now()
  const h = await driver.create({instance: name, name, snapshot, limits: {}, labels: {'galley.bench': 'systemd'}, init})
  const booted = performance.now() - t0
  const t1 = performance.now()
  await driver.destroy(h)
  return {booted, destroyed: performance.now() - t1}
}

for (const engine of engines) {
  const driver = driverFor(engine)
  const snapshot = await driver.ensureImage(spec)
  const runs = {systemd: [], none: []}
  // One untimed round each: first use of the image by the engine.
  await cycle(driver, snapshot, 'systemd', 'warm')
  await cycle(driver, snapshot, 'none', 'warm')
  for (let i = 0; i < n; i++) {
    runs.systemd.push(await cycle(driver, snapshot, 'systemd', i))
    runs.none.push(await cycle(driver, snapshot, 'none', i))
  }
  console.log(`${engine}: init: systemd create to booted: ${stats(runs.systemd.map((r) => r.booted))}`)
  console.log(`${engine}: init: systemd destroy (systemd's shutdown, then removal): ${stats(runs.systemd.map((r) => r.destroyed))}`)
  console.log(`${engine}: init: none create (same image): ${stats(runs.none.map((r) => r.booted))}; destroy: ${stats(runs.none.map((r) => r.destroyed))}`)
}
