/** How Molecule's platforms become Galley's: systemd as Molecule's docker driver starts it, and the images --bootstrap builds. */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {debianFamily} from '../../src/import/images.js'
import {importMolecule} from '../../src/molecule/index.js'
import {inCopy} from './import-project.js'

/** The platforms one molecule.yml with `platforms` maps to, with --bootstrap, for a host of `cgroupVersion`. */
function platformsOf(platforms: string, cgroupVersion: 1 | 2 = 1, driver = 'docker'): {config: Record<string, unknown>[]; unmapped: string[]; notes: string[]} {
  const files = {'molecule/default/molecule.yml': `driver: {name: ${driver}}\nplatforms:\n${platforms}`, 'molecule/default/converge.yml': '- hosts: all\n'}
  return inCopy(undefined, files, (root) => {
    const r = importMolecule({target: root, bootstrap: true, cgroupVersion})
    const say = (items: typeof r.unmapped) => items.map((u) => `${u.key}: ${u.reason}`)
    return {config: r.config.platforms as Record<string, unknown>[], unmapped: say(r.unmapped), notes: say(r.notes)}
  })
}

const Init = suite('platforms: init: systemd as Molecule starts the container')

Init('an init command, or the image\'s own command with cgroup settings, boots systemd', () => {
  const {config} = platformsOf(`  - {name: a, image: debian:12, command: /lib/systemd/systemd}
  - {name: b, image: debian:12, command: "/usr/sbin/init --log-level=info"}
  - {name: c, image: geerlingguy/docker-debian12-ansible, command: "", volumes: ["/sys/fs/cgroup:/sys/fs/cgroup:rw"], cgroupns_mode: host}
  - {name: d, image: geerlingguy/docker-debian12-ansible, override_command: false}
`)
  assert.equal(config.map((p) => p.init), ['systemd', 'systemd', 'systemd', 'systemd'])
})

Init('with no command Molecule runs a sleep loop, so privileged alone boots nothing; another command is reported', () => {
  const {config, unmapped} = platformsOf(`  - {name: a, image: ubuntu:20.04, privileged: true}
  - {name: b, image: geerlingguy/docker-debian12-ansible}
  - {name: c, image: debian:12, command: sleep infinity}
`)
  assert.equal(config.map((p) => p.init), [undefined, undefined, undefined])
  assert.ok(unmapped.some((u) => u.startsWith('platforms[a].privileged: not carried over: this platform does not boot systemd')))
  assert.ok(unmapped.some((u) => u.startsWith('platforms[c].command: Galley runs its own PID 1')))
})

Init('privileged: true for systemd becomes driver.privileged only for Docker on a cgroup v2 host', () => {
  const platform = `  - {name: a, image: debian:12, command: /sbin/init, privileged: true}\n`
  const v1 = platformsOf(platform, 1)
  assert.equal(v1.config[0].driver, undefined)
  assert.ok(v1.notes.some((n) => n.startsWith("platforms[a].privileged: not needed: Galley boots the image's systemd unprivileged on this cgroup v1 host")))
  const v2 = platformsOf(platform, 2)
  assert.equal(v2.config[0], {name: 'a', image: {bootstrap: 'debootstrap', release: 'bookworm', packages: ['ca-certificates', 'iproute2']}, init: 'systemd', driver: {privileged: true}})
  assert.ok(v2.notes.some((n) => n.startsWith('platforms[a].privileged: became driver: {privileged: true}: on this cgroup v2 host')))
  const podman = platformsOf(platform, 2, 'podman')
  assert.equal(podman.config[0].driver, undefined)
  assert.ok(podman.notes.some((n) => n.startsWith("platforms[a].privileged: not needed: Podman boots the image's systemd unprivileged")))
  for (const r of [v1, v2, podman]) assert.not.ok([...r.unmapped, ...r.notes].some((i) => /does not run privileged/.test(i)))
})

Init('a platform kept as an engine image among built ones has driver.name docker beside privileged', () => {
  const scenario = (image: string) => `driver: {name: docker}\nplatforms:\n  - {name: ${image.split(':')[0]}, image: "${image}", command: /sbin/init, privileged: true}\n`
  const files = {
    'molecule/default/molecule.yml': scenario('debian:12'),
    'molecule/default/converge.yml': '- hosts: all\n',
    'molecule/rocky/molecule.yml': scenario('rockylinux:9'),
    'molecule/rocky/converge.yml': '- hosts: all\n',
  }
  inCopy(undefined, files, (root) => {
    const r = importMolecule({target: root, bootstrap: true, cgroupVersion: 2})
    assert.equal(r.config.driver, undefined)
    assert.equal((r.config.platforms as Record<string, unknown>[]).map((p) => p.driver), [{privileged: true}, {name: 'docker', privileged: true}])
  })
})

Init.run()

const Images = suite('platforms: the images --bootstrap builds')

Images('Debian and Ubuntu, however the image names them', () => {
  const release = (ref: string) => debianFamily(ref)?.debian
  assert.is(release('debian:12'), 'bookworm')
  assert.is(release('docker.io/library/debian:bullseye-slim'), 'bullseye')
  assert.is(release('geerlingguy/docker-debian11-ansible:latest'), 'bullseye')
  assert.is(release('example/debian:molecule-bookworm'), 'bookworm')
  assert.is(release('debian'), 'trixie')
  assert.is(release('ubuntu:22.04'), 'bookworm')
  assert.is(release('geerlingguy/docker-ubuntu2004-ansible'), 'bullseye')
  assert.is(release('ubuntu:jammy'), 'bookworm')
  assert.is(release('quay.io/centos/centos:stream9'), undefined)
  assert.is(release('geerlingguy/docker-rockylinux9-ansible'), undefined)
})

Images('a Vagrant box of Debian is built too; a platform with no image and no distribution in its name is left out', () => {
  const files = {
    'molecule/default/molecule.yml': 'driver: {name: vagrant}\nplatforms:\n  - {name: vm, box: debian/bookworm64, memory: 1024}\n  - {name: other}\n',
    'molecule/default/converge.yml': '- hosts: all\n',
  }
  inCopy(undefined, files, (root) => {
    const r = importMolecule({target: root, bootstrap: true})
    assert.equal(r.config.platforms, [{name: 'vm', image: {bootstrap: 'debootstrap', release: 'bookworm', packages: ['ca-certificates', 'iproute2']}}])
    assert.equal(r.unmapped.map((u) => u.key), ['driver.name', 'platforms[vm].memory', 'platforms[other]'])
  })
})

Images('a platform on a release Debian has archived (Debian 10, or Ubuntu 18.04 built as it) is noted with the archive to use as its mirror', () => {
  const {config, notes} = platformsOf('  - {name: d10, image: debian:10}\n  - {name: u1804, image: ubuntu:18.04}\n  - {name: d12, image: debian:12}\n')
  assert.equal(config.map((p) => (p.image as {release: string}).release), ['buster', 'buster', 'bookworm'])
  const archived = notes.filter((n) => n.includes('archive.debian.org'))
  assert.equal(archived.map((n) => n.split(':')[0]), ['platforms[d10].image', 'platforms[u1804].image'])
  assert.match(archived[0], "Debian buster is archived, and debootstrap's default mirror no longer has it: add `mirror: http://archive.debian.org/debian` to the platform's image")
})

Images.run()
