/**
 * Dependencies, end to end on real instances: Debian's full ansible chosen for a role written with
 * community.general's short names; a collection tarball and a role from a local git repository
 * installed by ansible-galaxy in their own cached step; a requirement that cannot be had (and pip
 * out of reach) failing in that step, named; a Puppet module's stdlib from Debian's package; Cinc
 * installed through an install script served on the host's bridge address (a stand-in: no Cinc
 * build can be downloaded here). Nothing here reaches a network but Debian's mirror.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {networkInterfaces} from 'node:os'
import {appendFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {readJunit, type ParsedSuite} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {buildCollection, copyFixture, fixture, gitRepo} from '../fixtures/deps/artifacts.js'
import {galley, leftovers, repo} from './cli.js'

// The Debian platform of suites/nginx and the provisioner tests, so the base image and each tool's cached install are shared.
const DEBIAN = `platforms:
  - name: debian-12
    image: { bootstrap: debootstrap, release: bookworm, packages: [ca-certificates] }
    driver: { memory: 512M, cpus: 1 }
`

type Engine = 'lxc' | 'docker'

const report = (root: string): ParsedSuite => readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
const converged = (s: ParsedSuite) => s.cases.filter((c) => c.classname.endsWith('.converge'))

/** A project made of a fixture and a galley.yml; `prepare` builds what the fixture installs from. */
async function inProject(name: string, galleyYml: string, engine: Engine, run: (root: string) => void | Promise<void>, prepare?: (root: string) => void): Promise<void> {
  const root = makeProject({})
  try {
    copyFixture(name, root)
    prepare?.(root)
    writeFileSync(path.join(root, 'galley.yml'), galleyYml)
    await run(root)
  } finally {
    galley(root, 'destroy', '--driver', engine)
    assert.equal(await leftovers(root, engine), [])
    removeProject(root)
  }
}

/** The requirements fixture's artifacts: the collection tarball, and the role in a git repository tagged 1.0.0. */
function buildRequirements(root: string): void {
  buildCollection(path.join(root, 'collection-src/galley/demo'), path.join(root, 'dist'))
  gitRepo(path.join(root, 'role-src/motd'), path.join(root, 'vendor/motd'), '1.0.0')
  writeFileSync(path.join(root, 'requirements.yml'), readFileSync(path.join(root, 'requirements.template.yml'), 'utf8').replace('@PROJECT@', root))
}

const REQUIREMENTS_SUITE = `${DEBIAN}suites:
  - name: req
    provisioner: { name: ansible, playbook: site.yml, idempotence: true }
    verifier:
      tests:
        - { name: the collection's module answered, run: "grep -qx 'hello galley' /etc/galley-greeting" }
        - { name: the git role wrote the motd, run: "grep -q 'from git' /etc/motd" }
`

/** Runs the requirements fixture twice, then after an edit of the playbook. */
async function requirementsFromCache(engine: Engine): Promise<void> {
  await inProject(
    'ansible-requirements',
    REQUIREMENTS_SUITE,
    engine,
    (root) => {
      const first = galley(root, 'test', '--driver', engine)
      assert.is(first.code, 0, first.stdout.slice(-4000) + first.stderr)
      assert.equal(converged(report(root)).map((c) => c.name), ['install ansible-core', 'install requirements.yml', 'site.yml'])
      assert.not.match(first.stdout, /cached step install requirements\.yml/)
      const again = galley(root, 'test', '--driver', engine)
      assert.is(again.code, 0, again.stdout.slice(-4000))
      assert.match(again.stdout, /req-debian-12\s+passed\s+3\/3 \(3 cached\)/, again.stdout.slice(-3000))
      writeFileSync(path.join(root, 'site.yml'), readFileSync(path.join(root, 'site.yml'), 'utf8') + '\n# edited\n')
      const edited = galley(root, 'test', '--driver', engine)
      assert.is(edited.code, 0, edited.stdout.slice(-4000))
      assert.match(edited.stdout, /cached step install requirements\.yml/)
      assert.not.match(edited.stdout, /cached step site\.yml/)
    },
    buildRequirements,
  )
}

const Ansible = suite('ansible dependencies on LXC')

Ansible("a role using community.general's short names converges with no setting: Debian's full ansible is installed", async () => {
  const yml = `${DEBIAN}suites:
  - name: limits
    provisioner: { name: ansible, playbook: site.yml, idempotence: true }
    verifier:
      tests:
        - { name: the limit, run: "grep -q 'galley.*soft.*nofile.*4096' /etc/security/limits.conf" }
        - { name: the settings, run: "grep -q 'nofile = 4096' /etc/galley-app.ini" }
        - { name: the family's tasks ran, run: "grep -qx debian /etc/galley-limits-family" }
`
  await inProject('ansible-community', yml, 'lxc', (root) => {
    const r = galley(root, 'test', '--driver', 'lxc')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const s = report(root)
    assert.equal(converged(s).map((c) => c.name), ['install ansible', 'site.yml'])
    assert.is(s.failures + s.errors, 0)
  })
})

Ansible('a collection tarball and a role in a local git repository are installed before the play; a second run takes both from the cache', async () => {
  await requirementsFromCache('lxc')
})

Ansible('a requirement that cannot be had fails the instance in its own step, by name', async () => {
  const yml = `${DEBIAN}suites:
  - name: missing
    provisioner: { name: ansible, playbook: site.yml }
`
  await inProject(
    'ansible-requirements',
    yml,
    'lxc',
    (root) => {
      const r = galley(root, 'test', '--driver', 'lxc')
      assert.is(r.code, 1, r.stdout.slice(-4000) + r.stderr)
      const failed = converged(report(root)).filter((c) => c.failure)
      assert.equal(failed.map((c) => c.name), ['install requirements.yml'])
      assert.match(failed[0].failure!.message, /collection requirement `galley\.missing` \(requirements\.yml:6\) could not be installed: Galaxy could not be reached/)
      assert.not.match(r.stdout, /step site\.yml/, 'the playbook never ran')
    },
    (root) => {
      buildRequirements(root)
      // Galaxy is out of reach here, as it is for anyone offline.
      const written = readFileSync(path.join(root, 'requirements.yml'), 'utf8')
      writeFileSync(path.join(root, 'requirements.yml'), written.replace('roles:', '  - name: galley.missing\nroles:'))
    },
  )
})

Ansible('ansible_version: pip out of reach says the setting needs the network', async () => {
  const yml = `${DEBIAN}suites:
  - name: pip
    provisioner: { name: ansible, playbook: site.yml, ansible_version: "2.16", requirements: none }
`
  await inProject('ansible-community', yml, 'lxc', (root) => {
    writeFileSync(path.join(root, 'site.yml'), '- hosts: all\n  tasks:\n    - ansible.builtin.ping:\n')
    const r = galley(root, 'test', '--driver', 'lxc')
    assert.is(r.code, 1, r.stdout.slice(-4000) + r.stderr)
    const failed = converged(report(root)).filter((c) => c.failure)
    assert.equal(failed.map((c) => c.name), ['install ansible-core==2.16.* with pip'])
    assert.match(failed[0].failure!.message, 'pip could not reach its package index to install ansible-core==2.16.*: ansible_version: needs the network')
  })
})

Ansible.run()

const Puppet = suite('puppet dependencies on LXC')

Puppet("a module that needs puppetlabs-stdlib converges with only its metadata.json saying so: Debian's package is installed", async () => {
  const yml = `${DEBIAN}suites:
  - name: demo
    provisioner: { name: puppet, manifest: manifests/site.pp, modulepath: modules, idempotence: true }
    verifier:
      tests:
        - { name: stdlib's pick chose the port, run: "grep -qx 'listen = 8080' /srv/demo/demo.conf" }
        - { name: stdlib came from Debian, run: "dpkg -s puppet-module-puppetlabs-stdlib" }
`
  await inProject('puppet-stdlib', yml, 'lxc', (root) => {
    const r = galley(root, 'test', '--driver', 'lxc')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    assert.equal(converged(report(root)).map((c) => c.name), ['install puppet', 'install Puppet modules', 'manifests/site.pp'])
  })
})

Puppet('a module neither Debian nor the project has comes from the Forge: out of reach, the step fails naming it and who needs it', async () => {
  const yml = `${DEBIAN}suites:
  - name: forge
    provisioner: { name: puppet, manifest: manifests/site.pp, modulepath: modules }
`
  await inProject('puppet-stdlib', yml, 'lxc', (root) => {
    const meta = JSON.parse(readFileSync(path.join(root, 'modules/demo/metadata.json'), 'utf8')) as {dependencies: unknown[]}
    meta.dependencies.push({name: 'galley/nowhere', version_requirement: '>= 1.0.0'})
    writeFileSync(path.join(root, 'modules/demo/metadata.json'), JSON.stringify(meta, null, 2))
    const r = galley(root, 'test', '--driver', 'lxc')
    assert.is(r.code, 1, r.stdout.slice(-4000) + r.stderr)
    const failed = converged(report(root)).filter((c) => c.failure)
    assert.equal(failed.map((c) => c.name), ['install Puppet modules'])
    assert.match(failed[0].failure!.message, 'Puppet module galley-nowhere (>= 1.0.0), needed by modules/demo/metadata.json (galley-demo) could not be installed from the Forge')
  })
})

Puppet("a project that is itself a module, with dependencies skipped and Debian's stdlib taken out of range: editing its template reruns the apply, editing its spec does not", async () => {
  const yml = `${DEBIAN}suites:
  - name: module
    provisioner:
      name: puppet
      manifest: tests/init.pp
      dependencies: { skip: [puppetlabs/registry], accept_debian: true }
    verifier:
      tests:
        - { name: the template's last line is in the motd, run: 'test "$(tail -n1 /etc/motd)" = "$(tail -n1 /tmp/galley/templates/motd.erb)"' }
        - { name: stdlib came from Debian, run: "dpkg -s puppet-module-puppetlabs-stdlib" }
`
  await inProject('puppet-module', yml, 'lxc', (root) => {
    const first = galley(root, 'test', '--driver', 'lxc')
    assert.is(first.code, 0, first.stdout.slice(-4000) + first.stderr)
    assert.equal(converged(report(root)).map((c) => c.name), ['install puppet', 'install Puppet modules', 'tests/init.pp'])
    appendFileSync(path.join(root, 'spec/classes/motd_spec.rb'), '# edited\n')
    const spec = galley(root, 'test', '--driver', 'lxc')
    assert.is(spec.code, 0, spec.stdout.slice(-4000))
    assert.match(spec.stdout, /module-debian-12\s+passed\s+3\/3 \(3 cached\)/, spec.stdout.slice(-3000))
    appendFileSync(path.join(root, 'templates/motd.erb'), 'edited after the first run\n')
    const edited = galley(root, 'test', '--driver', 'lxc')
    assert.is(edited.code, 0, edited.stdout.slice(-4000))
    assert.match(edited.stdout, /cached step install Puppet modules/)
    assert.not.match(edited.stdout, /cached step tests\/init\.pp/)
  })
})

Puppet.run()

/**
 * The address instances reach the host on: the bridge's (waited for: another test may be
 * restarting it), from Node or, when Node's list of interfaces lacks it, from ip(8).
 */
async function bridgeAddress(engine: Engine): Promise<string> {
  const name = engine === 'lxc' ? 'lxcbr0' : 'docker0'
  for (let i = 0; i < 100; i++) {
    const v4 = networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address ?? /inet (\d+\.\d+\.\d+\.\d+)/.exec(spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', name], {encoding: 'utf8'}).stdout ?? '')?.[1]
    if (v4) return v4
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no IPv4 address on ${name}`)
}

/** Serves the stand-in install script (with the chef-solo stand-in inside) on the bridge; resolves to its URL. */
async function serveInstallScript(dir: string, address: string): Promise<{url: string; server: ChildProcess}> {
  mkdirSync(dir, {recursive: true})
  const standIn = readFileSync(path.join(repo, 'suites/chef-stand-in/stand-in/chef-solo'), 'utf8').trimEnd()
  writeFileSync(path.join(dir, 'install.sh'), readFileSync(fixture('cinc-install/install.sh'), 'utf8').replace('@STAND_IN@', () => standIn))
  const server = spawn(process.execPath, [fixture('cinc-install/serve.js'), dir, address], {stdio: ['ignore', 'pipe', 'inherit']})
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()))
    server.once('exit', (code) => reject(new Error(`the install script server exited (${code})`)))
  })
  return {url: `http://${address}:${port}/install.sh`, server}
}

const Chef = suite('chef: Cinc installed through its install script')

Chef('install: cinc pointed at an install script served on the bridge converges with cookbooks from two folders', async () => {
  const root = makeProject({})
  const {url, server} = await serveInstallScript(path.join(root, '.served'), await bridgeAddress('lxc'))
  try {
    copyFixture('chef-cinc', root)
    writeFileSync(
      path.join(root, 'galley.yml'),
      `${DEBIAN}suites:
  - name: cinc
    provisioner:
      name: chef
      install: cinc
      version: "18"
      install_url: ${url}
      run_list: [base, 'recipe[motd]']
      cookbooks_path: [cookbooks, site-cookbooks]
      idempotence: true
    verifier:
      tests:
        - { name: cinc 18 was asked for, run: "grep -qx 'cinc 18' /opt/cinc/version-manifest.txt" }
        - { name: the motd recipe ran, run: test -f /etc/motd.d/galley }
        - { name: the base recipe ran, run: test -d /srv/app }
`,
    )
    const r = galley(root, 'test', '--driver', 'lxc')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    assert.equal(converged(report(root)).map((c) => c.name), ['install cinc 18', 'chef run_list recipe[base],recipe[motd]'])
    const again = galley(root, 'test', '--driver', 'lxc')
    assert.match(again.stdout, /cached step install cinc 18/)
  } finally {
    server.kill()
    galley(root, 'destroy', '--driver', 'lxc')
    assert.equal(await leftovers(root, 'lxc'), [])
    removeProject(root)
  }
})

Chef('a project that is itself a cookbook is on the cookbook path with no copy; editing its recipe reruns the chef step, editing its spec does not', async () => {
  const root = makeProject({})
  const {url, server} = await serveInstallScript(path.join(root, '.served'), await bridgeAddress('lxc'))
  try {
    copyFixture('chef-cookbook', root)
    writeFileSync(
      path.join(root, 'galley.yml'),
      `${DEBIAN}suites:
  - name: own
    provisioner:
      name: chef
      install: cinc
      version: "18"
      install_url: ${url}
      run_list: ['recipe[test::default]', galley_motd]
      cookbooks_path: test/cookbooks
    verifier:
      tests:
        - { name: the project's recipe ran, run: test -f /etc/motd.d/galley_motd }
        - { name: the test cookbook's recipe ran, run: test -d /srv/test-cookbook }
`,
    )
    const r = galley(root, 'test', '--driver', 'lxc')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    assert.equal(converged(report(root)).map((c) => c.name), ['install cinc 18', 'chef run_list recipe[test::default],recipe[galley_motd]'])
    appendFileSync(path.join(root, 'spec/default_spec.rb'), '# edited\n')
    const spec = galley(root, 'test', '--driver', 'lxc')
    assert.match(spec.stdout, /own-debian-12\s+passed\s+2\/2 \(2 cached\)/, spec.stdout.slice(-3000))
    appendFileSync(path.join(root, 'recipes/default.rb'), "\ndirectory '/srv/edited'\n")
    const edited = galley(root, 'test', '--driver', 'lxc')
    assert.is(edited.code, 0, edited.stdout.slice(-4000))
    assert.match(edited.stdout, /cached step install cinc 18/)
    assert.not.match(edited.stdout, /cached step chef run_list/)
  } finally {
    server.kill()
    galley(root, 'destroy', '--driver', 'lxc')
    assert.equal(await leftovers(root, 'lxc'), [])
    removeProject(root)
  }
})

Chef.run()

const Docker = suite('dependencies on Docker')

Docker('the collection tarball and the git role on Docker, the second run from the cache', async () => {
  await requirementsFromCache('docker')
})

Docker.run()
