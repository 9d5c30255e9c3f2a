/** galley import of Molecule scenarios: the fixture roles, what maps and what is reported with its place. */
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {importMolecule} from '../../src/molecule/index.js'
import {inCopy, loadImported, places, withImport} from './import-project.js'

const Motd = suite('import: a role with one scenario (motd)')

Motd('the scenario becomes a suite: converge, idempotence, inventory vars, the ansible verifier', () => {
  withImport('motd', {bootstrap: true}, (result, root) => {
    assert.equal(result.config, {
      provisioner: {name: 'ansible'},
      platforms: [{name: 'instance', image: {bootstrap: 'debootstrap', release: 'bookworm', packages: ['ca-certificates', 'iproute2']}}],
      suites: [
        {
          name: 'default',
          provisioner: {playbook: 'molecule/default/converge.yml', idempotence: true, inventory: {motd_message: 'Tested by Molecule', motd_owner: 'root'}},
          verifier: {ansible: ['molecule/default/verify.yml']},
        },
      ],
    })
    assert.equal(result.unmapped, [])
    assert.equal(places(result.notes), ['molecule/default/molecule.yml:8:5 platforms[instance].image', 'molecule/default/molecule.yml:8:38 ${MOLECULE_DEBIAN}'])
    assert.equal(parse(result.text), result.config)
    const config = loadImported(result, root)!
    assert.equal(config.instances.map((i) => i.name), ['default-instance'])
  })
})

Motd('without --bootstrap the engine image stays, for Docker; a value from the environment is said', () => {
  process.env.MOLECULE_DEBIAN = 'bookworm-slim'
  try {
    withImport('motd', {}, (result) => {
      assert.equal(result.config.driver, {name: 'docker'})
      assert.equal((result.config.platforms as {image: string}[])[0].image, 'docker.io/library/debian:bookworm-slim')
      assert.ok(result.notes.some((n) => n.key === '${MOLECULE_DEBIAN}' && /was `bookworm-slim` in the environment/.test(n.reason)))
    })
  } finally {
    delete process.env.MOLECULE_DEBIAN
  }
})

Motd('a molecule/ folder, a scenario folder and one molecule.yml import the same; -o elsewhere makes paths relative to it', () => {
  inCopy('motd', {}, (root) => {
    const whole = importMolecule({target: root, bootstrap: true}).config
    for (const target of ['molecule', 'molecule/default', 'molecule/default/molecule.yml']) assert.equal(importMolecule({target: path.join(root, target), bootstrap: true}).config, whole, target)
    const below = importMolecule({target: root, outDir: path.join(root, 'ci'), bootstrap: true})
    assert.ok(below.unmapped.some((u) => /outside the folder galley.yml is written to/.test(u.reason)))
    const above = importMolecule({target: root, outDir: path.dirname(root), bootstrap: true}).config
    assert.is((above.suites as {provisioner: {playbook: string}}[])[0].provisioner.playbook, `${path.basename(root)}/molecule/default/converge.yml`)
  })
})

Motd.run()

const Nginx = suite('import: a role with meta dependencies and two scenarios (nginx)')

Nginx('platforms: systemd images get init: systemd, Ubuntu becomes Debian, others are left out with --bootstrap', () => {
  withImport('nginx', {bootstrap: true}, (result, root) => {
    assert.equal(result.config.platforms, [
      {name: 'debian12', image: {bootstrap: 'debootstrap', release: 'bookworm', packages: ['ca-certificates', 'iproute2']}, init: 'systemd'},
      {name: 'ubuntu2204', image: {bootstrap: 'debootstrap', release: 'bookworm', packages: ['ca-certificates', 'iproute2']}, init: 'systemd'},
      {name: 'instance', image: {bootstrap: 'debootstrap', release: 'bookworm', packages: ['ca-certificates', 'iproute2']}, provisioner: {env: {container: 'podman'}}, verifier: {env: {container: 'podman'}}},
    ])
    const rocky = result.unmapped.find((u) => u.key === 'platforms[rocky9].image')!
    assert.match(rocky.reason, '--bootstrap builds Debian and Ubuntu platforms only')
    assert.ok(result.notes.some((n) => n.key === 'platforms[ubuntu2204].image' && /built as Debian bookworm/.test(n.reason)))
    loadImported(result, root)
  })
})

Nginx('the default scenario: prepare, converge, side effect, roles_path from the env, requirements, group vars', () => {
  withImport('nginx', {bootstrap: true}, (result) => {
    const [def, tls] = result.config.suites as Record<string, unknown>[]
    assert.equal(def, {
      name: 'default',
      provisioner: {
        prepare: ['molecule/default/prepare.yml'],
        playbook: 'molecule/default/converge.yml',
        side_effect: ['molecule/default/side_effect.yml'],
        roles_path: 'roles',
        requirements: ['molecule/default/requirements.yml'],
        idempotence: true,
        env: {ANSIBLE_PIPELINING: 'True'},
        inventory: {nginx_port: 8080},
      },
      verifier: {ansible: ['molecule/default/verify.yml']},
      includes: ['debian12', 'ubuntu2204'],
    })
    // test_sequence without idempotence or prepare; testinfra as pytest's JUnit report.
    const provisioner = tls.provisioner as Record<string, unknown>
    assert.is(provisioner.idempotence, undefined)
    assert.is(provisioner.roles_path, 'roles')
    assert.equal((provisioner.steps as {name: string}[]).map((s) => s.name), ['install testinfra'])
    const [junit] = (tls.verifier as {junit: {name: string; run: string; report: string}[]}).junit
    assert.is(junit.report, '/tmp/galley-testinfra/report.xml')
    assert.match(junit.run, 'python3 -m pytest -p no:cacheprovider --junitxml=/tmp/galley-testinfra/report.xml')
    assert.match(junit.run, '-v --sudo molecule/tls/tests')
  })
})

Nginx('every setting that does not map is listed with its place', () => {
  withImport('nginx', {bootstrap: true}, (result) => {
    assert.equal(places(result.unmapped), [
      'molecule/default/molecule.yml:2:1 role_name_check',
      'molecule/default/molecule.yml:6:5 dependency.options.ignore-errors',
      'molecule/default/molecule.yml:27:5 platforms[ubuntu2204].published_ports',
      'molecule/default/molecule.yml:31:5 platforms[rocky9].image',
      'molecule/default/molecule.yml:40:3 provisioner.config_options',
      'molecule/tls/molecule.yml:9:5 platforms[instance].hostname',
      'molecule/tls/molecule.yml:19:3 provisioner.options',
      'molecule/tls/molecule.yml:22:3 provisioner.ansible_args',
      'molecule/tls/molecule.yml:24:3 provisioner.connection_options',
      'molecule/tls/molecule.yml:33:3 scenario.test_sequence',
      'molecule/tls/molecule.yml:41:1 lint',
    ])
    for (const item of result.unmapped) assert.ok(result.text.includes(`#   ${item.file}:${item.line}:${item.col}: ${item.key} — `), item.key)
  })
})

Nginx('without --bootstrap every platform keeps its engine image and the file names the docker driver', () => {
  withImport('nginx', {}, (result) => {
    assert.equal(result.config.driver, {name: 'docker'})
    assert.equal((result.config.platforms as {name: string; image: string}[]).map((p) => [p.name, p.image]), [
      ['debian12', 'geerlingguy/docker-debian12-ansible:latest'],
      ['ubuntu2204', 'geerlingguy/docker-ubuntu2204-ansible:latest'],
      ['rocky9', 'geerlingguy/docker-rockylinux9-ansible:latest'],
      ['instance', 'docker.io/library/debian:bookworm'],
    ])
  })
})

Nginx.run()

const Users = suite('import: base config, a delegated scenario and the newer ansible: section (users)')

Users('the base config is merged under each scenario; a delegated platform with no image is left out', () => {
  withImport('users', {bootstrap: true}, (result, root) => {
    assert.equal(result.files, ['.config/molecule/config.yml', 'molecule/default/molecule.yml', 'molecule/delegated/molecule.yml', 'molecule/modern/molecule.yml'])
    const suites = result.config.suites as {name: string; provisioner?: Record<string, unknown>}[]
    assert.equal(suites.map((s) => s.name), ['default', 'modern'])
    assert.equal(suites[0].provisioner?.env, {ANSIBLE_FORCE_COLOR: 'false'})
    assert.is(suites[0].provisioner?.idempotence, undefined, 'its test_sequence has no idempotence')
    assert.equal(suites[1].provisioner, {playbook: 'molecule/default/converge.yml', idempotence: true, env: {ANSIBLE_FORCE_COLOR: 'false', USERS_EXTRA: 'yes'}})
    const keys = places(result.unmapped)
    for (const expected of [
      '.config/molecule/config.yml:9:3 provisioner.log',
      'molecule/default/molecule.yml:11:7 provisioner.playbooks.docker.create',
      'molecule/default/molecule.yml:20:3 scenario.converge_sequence',
      'molecule/delegated/create.yml:1:1 create playbook',
      'molecule/delegated/molecule.yml:4:3 driver.options',
      'molecule/delegated/molecule.yml:8:5 platforms[vm1]',
      'molecule/modern/molecule.yml:3:3 ansible.executor',
    ]) {
      assert.ok(keys.includes(expected), `${expected} in ${keys.join('\n')}`)
    }
    assert.ok(result.notes.some((n) => n.key === 'platforms[bookworm users].name' && /imported as `bookworm-users`/.test(n.reason)))
    loadImported(result, root)
  })
})

Users('${VAR:-default} takes the environment when it is set, as Molecule does', () => {
  process.env.MOLECULE_DISTRO = 'ubuntu2204'
  try {
    withImport('users', {bootstrap: true}, (result) => {
      assert.ok(result.notes.some((n) => n.key === 'platforms[instance].image' && /Ubuntu 22\.04 .* built as Debian bookworm/.test(n.reason)))
    })
  } finally {
    delete process.env.MOLECULE_DISTRO
  }
})

Users.run()

const Dependency = suite('import: the galaxy dependency')

Dependency('a written role-file or requirements-file is read from the project folder, where Molecule runs; the defaults from the scenario', () => {
  const files = {
    'molecule/default/molecule.yml': 'dependency:\n  name: galaxy\n  options: {role-file: deps/roles.yml, requirements-file: deps/collections.yml}\nplatforms: [{name: instance, image: "debian:12"}]\n',
    'molecule/default/converge.yml': '- hosts: all\n',
    'deps/roles.yml': '- src: acme.web\n',
    'deps/collections.yml': 'collections: [community.general]\n',
    'molecule/other/molecule.yml': 'platforms: [{name: instance, image: "debian:12"}]\n',
    'molecule/other/converge.yml': '- hosts: all\n',
    'molecule/other/requirements.yml': '- src: acme.db\n',
  }
  withImport('motd', {}, (result) => {
    const suites = result.config.suites as {name: string; provisioner: {requirements?: string[]}}[]
    assert.equal(suites.map((s) => [s.name, s.provisioner.requirements]), [
      ['default', ['deps/roles.yml', 'deps/collections.yml']],
      ['other', ['molecule/other/requirements.yml']],
    ])
    assert.not.ok(result.unmapped.some((u) => u.key.startsWith('dependency')), JSON.stringify(result.unmapped))
  }, files)
})

Dependency('a written file that is not in the project folder is reported as missing there, even when the scenario folder has one', () => {
  const files = {
    'molecule/default/molecule.yml': 'dependency: {name: galaxy, options: {role-file: roles.yml}}\nplatforms: [{name: instance, image: "debian:12"}]\n',
    'molecule/default/roles.yml': '- src: acme.web\n',
  }
  withImport('motd', {}, (result) => {
    const item = result.unmapped.find((u) => u.key === 'dependency.options.role-file')!
    assert.match(item.reason, '`roles.yml` does not exist in the project folder')
    assert.equal((result.config.suites as {provisioner: {requirements?: string[]}}[])[0].provisioner.requirements, undefined)
  }, files)
})

Dependency.run()
