// Per-instance overhead of a trivial instance: create, two execs, destroy.
// Measures, in one run, Galley's LXC driver inside one Node process against the same four calls
// made with the LXC command-line tools (lxc-start, lxc-attach twice, lxc-stop) on the same kind
// of container (an overlay over the busybox base image, same config).
// Usage: node bench/overhead.mjs [iterations]   (after npm run build; as root)
import {execFileSync} from 'node:child_process'
import {mkdirSync, rmSync} from 'node:fs'
import path from 'node:path'
import {LxcDriver} from '../dist/drivers/lxc/driver.js'
import {driverCycle, interleave, stats} from './lib.mjs'

const n = Number(process.argv[2] ?? 30)
const driver = new LxcDriver()
const snapshot = await driver.ensureImage({bootstrap: 'busybox'})

const galleyCycle = (i) => driverCycle(driver, snapshot, i)

// The CLI tools get a container prepared the way Galley prepares one (config written beforehand,
// outside the timing) and then make the same four calls.
function cliCycle(i) {
  const name = `bench-cli-${process.pid}-${i}`
  return driver.create({instance: name, name, snapshot, limits: {}, labels: {'galley.bench': '1'}}).then(async (made) => {
    // Stop it again so the CLI starts it itself; keep its directory, config and address.
    execFileSync('lxc-stop', ['-k', '-P', driver.lxcpath, '-n', made.name])
    rmSync(path.join(driver.lxcpath, made.name, 'delta0'), {recursive: true, force: true})
    mkdirSync(path.join(driver.lxcpath, made.name, 'delta0'))
    const t = performance.now()
    execFileSync('lxc-start', ['-P', driver.lxcpath, '-n', made.name, '--', '/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 2147483 & wait $!; done'])
    execFileSync('lxc-attach', ['-P', driver.lxcpath, '-n', made.name, '--clear-env', '--', '/bin/true'])
    execFileSync('lxc-attach', ['-P', driver.lxcpath, '-n', made.name, '--clear-env', '--', '/bin/sh', '-c', 'echo hi >/dev/null'])
    execFileSync('lxc-stop', ['-k', '-P', driver.lxcpath, '-n', made.name])
    rmSync(path.join(driver.lxcpath, made.name), {recursive: true, force: true})
    const elapsed = performance.now() - t
    await driver.destroy(made)
    return elapsed
  })
}

const [g, c] = await interleave(n, 3, galleyCycle, cliCycle)
for (const h of await driver.list({'galley.bench': '1'})) await driver.destroy(h)
console.log(`LXC, trivial instance (create, exec, exec, destroy), ${n} iterations each, interleaved`)
console.log(`  galley LXC driver (in process): ${stats(g)}`)
console.log(`  LXC command-line tools:         ${stats(c)}`)
