/**
 * The driver conformance suite: the same cases against every real engine. Each case creates real
 * containers, labelled with this run's id, and the suite removes all of them afterwards.
 */
import {createHash, randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {create as tarCreate, extract as tarExtract} from 'tar'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import type {ContainerHandle, Driver, ExecOptions, Limits, Snapshot} from '../../drivers/driver.js'
import {readTags, removeImage} from '../../src/images/store.js'
import {safetyCases} from './conformance-safety.js'

interface Ctx {
  driver: Driver
  snapshot: Snapshot
  run: string
  seq: number
}

/** Removes an image promote made: from the engine, or from Galley's LXC store. */
async function removePromoted(driver: Driver, ref: string): Promise<void> {
  if (driver instanceof DockerDriver) {
    await driver.engine.removeImage(ref)
    return
  }
  const id = readTags()[ref]
  if (id) await removeImage(id)
}

export function conformance(engine: string, makeDriver: () => Promise<Driver>): void {
  const test = suite<Ctx>(`driver conformance: ${engine}`)
  // Containers Galley makes always carry galley.project; list() finds only those.
  const labels = (ctx: Ctx) => ({'galley.project': 'conformance', 'galley.test': ctx.run})

  async function make(ctx: Ctx, limits: Limits = {}): Promise<ContainerHandle> {
    const name = `conf-${ctx.run}-${ctx.seq++}`
    return ctx.driver.create({instance: name, name, snapshot: ctx.snapshot, limits, labels: labels(ctx)})
  }

  async function run(ctx: Ctx, h: ContainerHandle, script: string, options: ExecOptions = {}): Promise<{code: number; out: Buffer; err: string}> {
    const out: Buffer[] = []
    const err: Buffer[] = []
    const code = await ctx.driver.exec(h, ['/bin/sh', '-c', script], {onStdout: (b) => out.push(b), onStderr: (b) => err.push(b), ...options})
    return {code, out: Buffer.concat(out), err: Buffer.concat(err).toString()}
  }

  test.before(async (ctx) => {
    ctx.driver = await makeDriver()
    ctx.snapshot = await ctx.driver.ensureImage({bootstrap: 'busybox'})
    ctx.run = randomBytes(4).toString('hex')
    ctx.seq = 0
  })

  test.after(async (ctx) => {
    for (const h of await ctx.driver.list(labels(ctx))) await ctx.driver.destroy(h)
    assert.is((await ctx.driver.list(labels(ctx))).length, 0, 'containers left behind')
  })

  test('exec returns the exit code, and 128+N for a process killed by signal N', async (ctx) => {
    const h = await make(ctx)
    assert.is((await run(ctx, h, 'true')).code, 0)
    assert.is((await run(ctx, h, 'exit 3')).code, 3)
    assert.is((await run(ctx, h, 'kill -9 $$')).code, 137)
    assert.is(await ctx.driver.exec(h, ['/bin/no-such-program']), 127)
    await ctx.driver.destroy(h)
  })

  test('stdout and stderr arrive separately, as they are written', async (ctx) => {
    const h = await make(ctx)
    const events: string[] = []
    let sawFirstBeforeEnd = false
    await ctx.driver.exec(h, ['/bin/sh', '-c', 'echo out1; echo err1 >&2; sleep 0.3; echo out2'], {
      onStdout: (b) => events.push(`out:${b.toString().trim()}`),
      onStderr: (b) => events.push(`err:${b.toString().trim()}`),
    }).then(() => undefined, () => undefined)
    sawFirstBeforeEnd = events.indexOf('out:out1') >= 0
    assert.ok(sawFirstBeforeEnd)
    assert.equal(events.filter((e) => e.startsWith('err')), ['err:err1'])
    assert.equal(events.filter((e) => e.startsWith('out')).join(' ').replace(/\s+/g, ' '), 'out:out1 out:out2')
    // Streaming: a process's first line reaches the callback while it still runs.
    let early = false
    let finished = false
    const p = ctx.driver.exec(h, ['/bin/sh', '-c', 'echo ready; sleep 1'], {onStdout: () => (early = !finished)}).then((c) => ((finished = true), c))
    assert.is(await p, 0)
    assert.ok(early, 'output arrived only after the process ended')
    await ctx.driver.destroy(h)
  })

  test('large binary output and stdin pass through intact', async (ctx) => {
    const h = await make(ctx)
    const {code, out} = await run(ctx, h, 'head -c 3000000 /dev/urandom > /tmp/blob && cat /tmp/blob')
    assert.is(code, 0)
    assert.is(out.length, 3000000)
    const inside = (await run(ctx, h, 'md5sum /tmp/blob')).out.toString().split(' ')[0]
    assert.is(createHash('md5').update(out).digest('hex'), inside)
    const input = randomBytes(2_000_000)
    const echoed = await run(ctx, h, 'md5sum', {stdin: input})
    assert.is(echoed.out.toString().split(' ')[0], createHash('md5').update(input).digest('hex'))
    const streamed = await run(ctx, h, 'wc -c', {stdin: Readable.from([Buffer.from('abc'), Buffer.from('def')])})
    assert.is(streamed.out.toString().trim(), '6')
    await ctx.driver.destroy(h)
  })

  test('env and cwd are the ones asked for, and the host environment does not leak in', async (ctx) => {
    const h = await make(ctx)
    process.env.GALLEY_TEST_HOST_ONLY = 'leak'
    const {out} = await run(ctx, h, 'echo "$GREETING|$(pwd)|${GALLEY_TEST_HOST_ONLY:-none}|$PATH"', {env: {GREETING: 'hi there'}, cwd: '/tmp'})
    delete process.env.GALLEY_TEST_HOST_ONLY
    const [greeting, cwd, leaked, pathVar] = out.toString().trim().split('|')
    assert.is(greeting, 'hi there')
    assert.is(cwd, '/tmp')
    assert.is(leaked, 'none')
    assert.match(pathVar, /\/usr\/bin/)
    await ctx.driver.destroy(h)
  })

  test('files go in and come out as tar streams, names with spaces and symlinks included', async (ctx) => {
    const h = await make(ctx)
    const src = mkdtempSync(path.join(tmpdir(), 'galley-conf-'))
    try {
      mkdirSync(path.join(src, 'a dir'))
      writeFileSync(path.join(src, 'a dir', 'file one.txt'), 'content one\n')
      writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\necho ran\n', {mode: 0o755})
      symlinkSync('a dir/file one.txt', path.join(src, 'link'))
      await ctx.driver.copyIn(h, Readable.from(tarCreate({cwd: src, portable: true}, ['.'])), '/opt/in put')
      assert.is((await run(ctx, h, 'cat "/opt/in put/link"')).out.toString(), 'content one\n')
      assert.is((await run(ctx, h, '"/opt/in put/run.sh"')).out.toString(), 'ran\n')
      assert.is((await run(ctx, h, 'readlink "/opt/in put/link"')).out.toString().trim(), 'a dir/file one.txt')
      const back = path.join(src, 'back')
      mkdirSync(back)
      const stream = await ctx.driver.copyOut(h, '/opt/in put')
      await new Promise<void>((resolve, reject) => stream.pipe(tarExtract({cwd: back})).on('finish', resolve).on('error', reject))
      assert.is(readFileSync(path.join(back, 'in put', 'a dir', 'file one.txt'), 'utf8'), 'content one\n')
      let failure: unknown
      try {
        for await (const chunk of await ctx.driver.copyOut(h, '/no/such/path')) void chunk
      } catch (error) {
        failure = error
      }
      assert.match(String(failure), /no\/such\/path/)
    } finally {
      rmSync(src, {recursive: true, force: true})
      await ctx.driver.destroy(h)
    }
  })

  test('the memory limit is enforced: a process over it is killed', async (ctx) => {
    const h = await make(ctx, {memory: 32 * 1024 * 1024})
    // `tail` keeps its last ten lines in memory, and /dev/zero has no newline: 200 MB cannot fit in 32 MiB.
    const hungry = 'head -c 200000000 /dev/zero | tail >/dev/null'
    assert.is((await run(ctx, h, hungry)).code, 137)
    const free = await make(ctx)
    assert.is((await run(ctx, free, hungry)).code, 0)
    await ctx.driver.destroy(h)
    await ctx.driver.destroy(free)
  })

  test('the cpu limit is enforced: a busy loop gets a fraction of what it gets without one', async (ctx) => {
    // Counts loop iterations for one second; the ratio between the two containers is what counts.
    const spin = 'sh -c \'n=0; trap "echo \\$n; exit 0" TERM; while :; do n=$((n+1)); done\' & p=$!; sleep 1; kill $p; wait $p'
    const limited = await make(ctx, {cpus: 0.2})
    const free = await make(ctx)
    const slow = Number((await run(ctx, limited, spin)).out.toString().trim())
    const fast = Number((await run(ctx, free, spin)).out.toString().trim())
    assert.ok(fast > 0 && slow > 0, `no count: ${slow} ${fast}`)
    assert.ok(slow < fast * 0.6, `0.2 cpus ran ${slow} iterations, unlimited ${fast}`)
    await ctx.driver.destroy(limited)
    await ctx.driver.destroy(free)
  })

  test('a mounted host folder is readable and writable inside, and the host copy stays untouched', async (ctx) => {
    if (!ctx.driver.mountsHostFolders) return
    const src = mkdtempSync(path.join(tmpdir(), 'galley-mount-'))
    writeFileSync(path.join(src, 'recipe.sh'), 'echo from host\n')
    const name = `conf-${ctx.run}-${ctx.seq++}`
    const h = await ctx.driver.create({instance: name, name, snapshot: ctx.snapshot, limits: {}, labels: labels(ctx), mounts: [{source: src, target: '/tmp/project'}]})
    try {
      const r = await run(ctx, h, 'sh /tmp/project/recipe.sh && echo changed > /tmp/project/recipe.sh && echo new > /tmp/project/new && cat /tmp/project/recipe.sh')
      assert.is(r.out.toString(), 'from host\nchanged\n')
      assert.is(readFileSync(path.join(src, 'recipe.sh'), 'utf8'), 'echo from host\n')
      assert.equal(readdirSync(src), ['recipe.sh'])
    } finally {
      await ctx.driver.destroy(h)
      rmSync(src, {recursive: true, force: true})
    }
  })

  test('retire frees the name at once: a successor with the same mount is made while the old one goes, and nothing of either is left', async (ctx) => {
    if (!ctx.driver.retire || !ctx.driver.mountsHostFolders) return
    const src = mkdtempSync(path.join(tmpdir(), 'galley-mount-'))
    writeFileSync(path.join(src, 'f'), 'host\n')
    const name = `conf-${ctx.run}-${ctx.seq++}`
    const create = () => ctx.driver.create({instance: name, name, snapshot: ctx.snapshot, limits: {}, labels: labels(ctx), mounts: [{source: src, target: '/tmp/project'}]})
    const first = await create()
    await run(ctx, first, 'echo old > /tmp/project/written')
    const retired = await ctx.driver.retire(first)
    assert.ok(retired, 'a container made now can be retired')
    const second = await create()
    try {
      await retired.removed
      const r = await run(ctx, second, 'cat /tmp/project/f; cat /tmp/project/written 2>/dev/null || echo none')
      assert.is(r.out.toString(), 'host\nnone\n', "the successor's mount is its own")
      assert.equal((await ctx.driver.list(labels(ctx))).map((c) => c.name).filter((n) => n.startsWith(name)), [name])
    } finally {
      await ctx.driver.destroy(second)
      rmSync(src, {recursive: true, force: true})
    }
    if (ctx.driver instanceof DockerDriver) assert.equal(await ctx.driver.engine.listVolumes(`galley.container=${name}`), [], 'volumes left behind')
  })

  test('the pids limit is enforced', async (ctx) => {
    const h = await make(ctx, {pids: 20})
    const {out} = await run(ctx, h, 'for i in $(seq 1 40); do sleep 5 & done 2>/dev/null; jobs -p | wc -l; kill $(jobs -p) 2>/dev/null; true')
    assert.ok(Number(out.toString().trim()) < 20, `started ${out.toString().trim()} processes under a limit of 20`)
    await ctx.driver.destroy(h)
  })

  test('execs in one container run at the same time, not one after another', async (ctx) => {
    const h = await make(ctx)
    // The waiter can only finish if the toucher runs while it waits.
    const waiter = run(ctx, h, 'i=0; while [ ! -e /tmp/flag ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done; echo seen')
    await new Promise((r) => setTimeout(r, 100))
    await run(ctx, h, 'touch /tmp/flag')
    const result = await waiter
    assert.is(result.code, 0)
    assert.is(result.out.toString().trim(), 'seen')
    await ctx.driver.destroy(h)
  })

  test('a snapshot keeps changes and deletions; containers made from it start there, and it is kept while used', async (ctx) => {
    const h = await make(ctx)
    await run(ctx, h, 'echo made > /made && rm /etc/os-release && mkdir -p /opt/d && echo x > /opt/d/f')
    const first = await ctx.driver.snapshot(h, `conf-${ctx.run}-a`)
    assert.equal(await ctx.driver.findSnapshot(`conf-${ctx.run}-a`), first)
    assert.is(await ctx.driver.findSnapshot(`conf-${ctx.run}-none`), undefined)
    const name = `conf-${ctx.run}-${ctx.seq++}`
    const child = await ctx.driver.create({instance: name, name, snapshot: first, limits: {}, labels: labels(ctx)})
    const seen = await run(ctx, child, 'cat /made; test -e /etc/os-release && echo present || echo deleted; cat /opt/d/f')
    assert.is(seen.out.toString(), 'made\ndeleted\nx\n')
    // A second layer on top: a deletion of something the first layer made.
    await run(ctx, child, 'rm -r /opt/d && echo two > /two')
    const second = await ctx.driver.snapshot(child, `conf-${ctx.run}-b`)
    const name2 = `conf-${ctx.run}-${ctx.seq++}`
    const grandchild = await ctx.driver.create({instance: name2, name: name2, snapshot: second, limits: {}, labels: labels(ctx)})
    assert.is((await run(ctx, grandchild, 'cat /made /two; ls /opt/d 2>/dev/null || echo gone')).out.toString(), 'made\ntwo\ngone\n')
    const listed = (await ctx.driver.listSnapshots()).filter((x) => x.id === first.id || x.id === second.id)
    assert.is(listed.length, 2)
    assert.ok(listed.every((x) => x.inUse), 'snapshots under running containers are in use')
    assert.is(await ctx.driver.removeSnapshot(second.id), false)
    // An image promoted from a container made from a snapshot is not a snapshot itself.
    const promoted = `galley-conformance/promoted-${ctx.run}:1`
    await ctx.driver.promote(grandchild, promoted, {'galley.suite': 'conformance'})
    try {
      assert.equal((await ctx.driver.listSnapshots()).filter((x) => x.key === `conf-${ctx.run}-b`).map((x) => x.id), [second.id])
    } finally {
      await removePromoted(ctx.driver, promoted)
    }
    await ctx.driver.destroy(grandchild)
    await ctx.driver.destroy(child)
    await ctx.driver.destroy(h)
    assert.is(await ctx.driver.removeSnapshot(second.id), true)
    assert.is(await ctx.driver.removeSnapshot(first.id), true)
    assert.is(await ctx.driver.findSnapshot(`conf-${ctx.run}-a`), undefined)
  })

  test('destroy removes running, stopped and already-removed containers alike', async (ctx) => {
    const running = await make(ctx)
    await ctx.driver.destroy(running)
    assert.not.ok((await ctx.driver.list(labels(ctx))).some((c) => c.name === running.name))
    await ctx.driver.destroy(running)
    const stopped = await make(ctx)
    // PID 1 exits on SIGTERM, which stops the container.
    await ctx.driver.exec(stopped, ['/bin/sh', '-c', 'kill -TERM 1'])
    await new Promise((r) => setTimeout(r, 300))
    await ctx.driver.destroy(stopped)
    assert.not.ok((await ctx.driver.list(labels(ctx))).some((c) => c.name === stopped.name))
  })

  test('list finds leaked containers by label and by label only', async (ctx) => {
    const a = await make(ctx)
    const found = await ctx.driver.list(labels(ctx))
    assert.ok(found.some((c) => c.name === a.name))
    assert.is((await ctx.driver.list({'galley.test': 'some-other-run'})).length, 0)
    assert.ok((await ctx.driver.list({})).some((c) => c.name === a.name), 'list({}) is every container of Galley')
    await ctx.driver.destroy(a)
  })

  test('instances are on a network with a gateway and DNS configured', async (ctx) => {
    const h = await make(ctx)
    const {code, out} = await run(ctx, h, 'gw=$(ip route | awk "/default/ {print \\$3}"); ping -c1 -W2 "$gw" >/dev/null && echo "gw ok"; grep -c nameserver /etc/resolv.conf')
    assert.is(code, 0)
    assert.equal(out.toString().trim().split('\n'), ['gw ok', '1'])
    await ctx.driver.destroy(h)
  })

  safetyCases(test, make, run)
  test('init: systemd boots the image\'s systemd unprivileged, a unit started runs, and destroy shuts it down leaving nothing', async (ctx) => {
    // The platform of suites/systemd-timer: its image is built once (about a minute) and shared.
    const snapshot = await ctx.driver.ensureImage(SYSTEMD_IMAGE)
    const name = `conf-${ctx.run}-${ctx.seq++}`
    const notes: string[] = []
    const h = await ctx.driver.create({instance: name, name, snapshot, limits: {}, labels: labels(ctx), init: 'systemd', onNote: (m) => notes.push(m)})
    const id = String(h.id ?? h.name)
    try {
      assert.is(h.init, 'systemd')
      const unit = '[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n'
      const seen = await run(ctx, h, `cat /proc/1/comm; systemctl is-system-running; hostname; printf '${unit}' > /etc/systemd/system/conf.service; systemctl daemon-reload; systemctl enable --now conf.service 2>/dev/null; systemctl is-enabled conf.service; systemctl is-active conf.service`)
      assert.equal(seen.out.toString().trim().split('\n'), ['systemd', 'running', name, 'enabled', 'active'], seen.err)
      assert.equal(notes, [])
      assert.ok((await ctx.driver.list(labels(ctx))).some((c) => c.name === name && c.init === 'systemd'), 'list says its init')
      // Masked for the boot: nothing in the image may take the engine's address away.
      assert.is((await run(ctx, h, 'systemctl is-enabled systemd-networkd.service networking.service')).out.toString().trim(), 'masked-runtime\nmasked-runtime')
    } finally {
      await ctx.driver.destroy(h)
    }
    assert.not.ok((await ctx.driver.list(labels(ctx))).some((c) => c.name === name))
    await waitGone(() => cgroupsNamed([name, id]), 'its cgroups')
  })

  test.run()
}

const SYSTEMD_IMAGE = {bootstrap: 'debootstrap' as const, release: 'bookworm', variant: 'minbase', packages: ['ca-certificates', 'systemd', 'systemd-sysv', 'dbus'], init: 'systemd' as const}

/** Cgroups whose name holds one of `needles`, in systemd's hierarchy (v1) or the unified one (v2), a few levels down. */
function cgroupsNamed(needles: string[]): string[] {
  const root = existsSync('/sys/fs/cgroup/systemd') ? '/sys/fs/cgroup/systemd' : '/sys/fs/cgroup'
  const found: string[] = []
  const walk = (dir: string, depth: number) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      if (!e.isDirectory()) continue
      // The LXC monitor's own cgroup is swept by the driver as this process exits.
      if (needles.some((n) => e.name.includes(n)) && !e.name.startsWith('lxc.monitor.')) found.push(path.join(dir, e.name))
      else if (depth > 0) walk(path.join(dir, e.name), depth - 1)
    }
  }
  walk(root, 2)
  return found
}

/** Waits (a few seconds at most) until `left` finds nothing; engines remove cgroups just after the container. */
async function waitGone(left: () => string[], what: string): Promise<void> {
  for (let i = 0; i < 50 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 100))
  assert.equal(left(), [], `${what} left behind`)
}
