/**
 * Conformance cases for what keeps an instance and its host safe: a command's whole process tree is
 * killed when its signal aborts, limit hits are counted, and a daemon an init script starts survives
 * later execs and a snapshot, with the script's status and stop still finding it.
 */
import type {Test} from 'uvu'
import * as assert from 'uvu/assert'
import type {ContainerHandle, Driver, ExecOptions, Limits} from '../../drivers/driver.js'

export interface SafetyCtx {
  driver: Driver
  run: string
}

type Make<T> = (ctx: T, limits?: Limits) => Promise<ContainerHandle>
type Run<T> = (ctx: T, h: ContainerHandle, script: string, options?: ExecOptions) => Promise<{code: number; out: Buffer; err: string}>

/** How many processes in the container run `argv` exactly (read from /proc: no ps needed). */
const COUNT = (argv: string) => `n=0; for p in /proc/[0-9]*; do [ "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" = "${argv} " ] && n=$((n+1)); done; echo $n`

// An init script shaped like memcached's: a daemon of its own user, found again by its pidfile and by
// the program it runs, read from /proc/<pid>/exe as Debian's start-stop-daemon --exec reads it (for
// another user's process that takes ptrace access: busybox's own falls back on the command line).
const INIT_SCRIPT = `#!/bin/sh
ours() { pid=$(cat /run/testd.pid 2>/dev/null) && [ "$(readlink /proc/$pid/exe)" = "$(readlink -f /bin/sleep)" ]; }
case "$1" in
  start) start-stop-daemon -S -q -b -m -p /run/testd.pid -c nobody -x /bin/sleep -- 100003 ;;
  status) ours ;;
  stop) if ours; then kill "$pid"; fi; rm -f /run/testd.pid ;;
esac
`

export function safetyCases<T extends SafetyCtx>(test: Test<T>, make: Make<T>, run: Run<T>): void {
  test('aborting an exec kills its whole process tree, a child whose leader has exited included', async (ctx) => {
    const h = await make(ctx)
    for (const script of ['sleep 100001 & sleep 100001; wait', 'sleep 100002 & exit 0']) {
      const kill = new AbortController()
      const started = Date.now()
      const aborted = new Promise((r) => setTimeout(r, 1500)).then(() => kill.abort())
      const code = await ctx.driver.exec(h, ['/bin/sh', '-c', script], {signal: kill.signal})
      const took = Date.now() - started
      assert.ok(took < 1500 + 6000, `${script}: took ${took} ms to end after the abort`)
      if (script.includes('wait')) assert.is(code, 137)
      // Podman ends an exec when its first process ends: the abort then kills what it left running.
      if (took < 1500) await aborted.then(() => new Promise((r) => setTimeout(r, 2500)))
      const left = await run(ctx, h, `${COUNT('sleep 100001')}; ${COUNT('sleep 100002')}`)
      assert.equal(left.out.toString().trim().split('\n'), ['0', '0'], `${script}: processes left behind`)
    }
    assert.is((await run(ctx, h, 'echo alive')).out.toString(), 'alive\n')
    await ctx.driver.destroy(h)
  })

  test('limitsHit counts refused forks; a fork bomb at the pids limit is killed and the container stays usable', async (ctx) => {
    const h = await make(ctx, {pids: 64})
    const before = await ctx.driver.limitsHit(h)
    if (!before) return void (await ctx.driver.destroy(h))
    const kill = new AbortController()
    const bomb = ctx.driver.exec(h, ['/bin/sh', '-c', 'b() { b | b & }; b'], {signal: kill.signal})
    const until = Date.now() + 20_000
    let now = before
    while (now.pids === before.pids && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200))
      now = (await ctx.driver.limitsHit(h))!
    }
    assert.ok(now.pids > before.pids, 'the bomb never hit the pids limit')
    kill.abort()
    await bomb
    // On Podman the bomb's exec ended with its first process; the kill runs on after the abort.
    await new Promise((r) => setTimeout(r, 2500))
    const r = await run(ctx, h, 'n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n')
    assert.is(r.code, 0)
    assert.ok(Number(r.out.toString()) < 10, `${r.out.toString().trim()} processes left`)
    await ctx.driver.destroy(h)
  })

  test('a daemon started in one exec still runs in the next and after a snapshot; its init script finds it', async (ctx) => {
    const h = await make(ctx)
    await run(ctx, h, 'mkdir -p /etc/init.d /run && cat > /etc/init.d/testd && chmod 755 /etc/init.d/testd', {stdin: INIT_SCRIPT})
    assert.is((await run(ctx, h, '/etc/init.d/testd start')).code, 0)
    await ctx.driver.snapshot(h, `conf-${ctx.run}-daemon`)
    const status = await run(ctx, h, '/etc/init.d/testd status')
    assert.is(status.code, 0, `status says the daemon is not running: ${status.err}`)
    assert.is((await run(ctx, h, COUNT('/bin/sleep 100003'))).out.toString().trim(), '1')
    assert.is((await run(ctx, h, '/etc/init.d/testd stop')).code, 0)
    assert.is((await run(ctx, h, '/etc/init.d/testd status')).code, 1)
    assert.is((await run(ctx, h, COUNT('/bin/sleep 100003'))).out.toString().trim(), '0', 'stop left the daemon running')
    await ctx.driver.destroy(h)
    const snap = await ctx.driver.findSnapshot(`conf-${ctx.run}-daemon`)
    if (snap) await ctx.driver.removeSnapshot(snap.id)
  })
}
