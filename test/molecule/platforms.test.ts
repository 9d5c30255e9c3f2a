/** How Molecule's platforms become Galley's: systemd as Molecule's docker driver starts it, and the images --bootstrap builds. */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {debianFamily} from '../../src/import/images.js'
import {importMolecule} from '../../src/molecule/index.js'
import {inCopy} from './import-project.js'

/** The platforms one molecule.yml with `platforms` maps to, with --bootstrap. */
function platformsOf(platforms: string): {config: Record<string, unknown>[]; unmapped: string[]} {
  const files = {'molecule/default/molecule.yml': `driver: {name: docker}\nplatforms:\n${platforms}`, 'molecule/default/converge.yml': '- hosts: all\n'}
  return inCopy(undefined, files, (root) => {
    const r = importMolecule({target: root, bootstrap: true})
    return {config: r.config.platforms as Record<string, unknown>[], unmapped: r.unmapped.map((u) => `${u.key}: ${u.reason}`)}
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
  assert.ok(unmapped.includes('platforms[a].privileged: Galley does not run privileged containers'))
  assert.ok(unmapped.some((u) => u.startsWith('platforms[c].command: Galley runs its own PID 1')))
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

Images.run()
