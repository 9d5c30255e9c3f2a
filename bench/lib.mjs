// Shared by the overhead benchmarks: run two ways of doing the same work interleaved, and summarise.

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const mean = s.reduce((a, b) => a + b, 0) / s.length
  return `mean ${mean.toFixed(1)} ms, median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, min ${s[0].toFixed(1)} ms, max ${s.at(-1).toFixed(1)} ms`
}

/** Runs `a` and `b` (each returns elapsed ms) alternately, after `warmup` untimed rounds of each. */
export async function interleave(n, warmup, a, b) {
  for (let i = 0; i < warmup; i++) {
    await a(`warm${i}`)
    await b(`warm${i}`)
  }
  const ta = []
  const tb = []
  for (let i = 0; i < n; i++) {
    ta.push(await a(i))
    tb.push(await b(i))
  }
  return [ta, tb]
}

/** One trivial instance through a Galley driver: create, two execs, destroy; returns elapsed ms. */
export async function driverCycle(driver, snapshot, i) {
  const t = performance.now()
  const h = await driver.create({instance: `bench-${i}`, name: `bench-galley-${process.pid}-${i}`, snapshot, limits: {}, labels: {'galley.bench': '1'}})
  await driver.exec(h, ['/bin/true'])
  await driver.exec(h, ['/bin/sh', '-c', 'echo hi >/dev/null'])
  await driver.destroy(h)
  return performance.now() - t
}
