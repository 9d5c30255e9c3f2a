// Per-instance overhead on Docker: create (and start), two execs, destroy. Measures, in one run,
// Galley's Docker driver against the docker CLI making the same four calls on the same image.
// Usage: node bench/docker-overhead.mjs [iterations]   (after npm run build; dockerd running)
import {execFileSync} from 'node:child_process'
import {DockerDriver} from '../dist/drivers/docker/driver.js'
import {driverCycle, interleave, stats} from './lib.mjs'

const n = Number(process.argv[2] ?? 20)
const driver = new DockerDriver()
const snapshot = await driver.ensureImage({bootstrap: 'busybox'})
const keepalive = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 2147483 & wait $!; done']

const galleyCycle = (i) => driverCycle(driver, snapshot, i)

function cliCycle(i) {
  const name = `bench-cli-${process.pid}-${i}`
  const t = performance.now()
  execFileSync('docker', ['run', '-d', '--init', '--name', name, '--label', 'galley.bench=1', snapshot.id, ...keepalive], {stdio: 'ignore'})
  execFileSync('docker', ['exec', name, '/bin/true'])
  execFileSync('docker', ['exec', name, '/bin/sh', '-c', 'echo hi >/dev/null'])
  execFileSync('docker', ['rm', '-f', name], {stdio: 'ignore'})
  return performance.now() - t
}

const [g, c] = await interleave(n, 2, galleyCycle, cliCycle)
for (const h of await driver.list({'galley.bench': '1'})) await driver.destroy(h)
console.log(`Docker, trivial instance (create+start, exec, exec, destroy), ${n} iterations each, interleaved`)
console.log(`  galley Docker driver (in process): ${stats(g)}`)
console.log(`  docker CLI (run -d, exec, exec, rm -f): ${stats(c)}`)
