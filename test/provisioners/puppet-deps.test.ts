import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceSpec} from '../../src/config/types.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {resolvePuppetDeps} from '../../src/provisioners/puppet/deps.js'
import {judgeDeps} from '../../src/provisioners/puppet/deps-step.js'
import {parsePuppetfile} from '../../src/provisioners/puppet/puppetfile.js'
import {satisfies} from '../../src/provisioners/puppet/versions.js'
import {fakeSpec, withProject} from '../fakes/project.js'
import {buildTarball, fixture, gitRepo} from '../fixtures/deps/artifacts.js'

function puppetSpec(settings: Record<string, unknown>, image: {release?: string; ref?: string} = {release: 'bookworm'}): InstanceSpec {
  const spec = fakeSpec('s-p', [])
  const platform = {name: 'p', init: 'none' as const, image: image.ref ? {ref: image.ref} : {bootstrap: 'debootstrap' as const, release: image.release!, variant: 'minbase', packages: []}}
  return {...spec, platform, provisioner: {...spec.provisioner, name: 'puppet', options: {manifest: 'manifests/site.pp', ...settings}}}
}

const withFixture = <T>(files: Record<string, string>, fn: (root: string) => T, name = 'puppet-stdlib'): T => withProject(files, fn, name)

const Resolve = suite('Puppet module dependencies')

Resolve("a module that needs puppetlabs-stdlib, said only in its metadata.json, gets Debian's package on Debian", () => {
  withFixture({}, (root) => {
    const deps = resolvePuppetDeps(root, {modulepath: ['modules'], release: 'bookworm'})
    assert.equal(deps.sources, [{how: 'debian', name: 'puppetlabs-stdlib', package: 'puppet-module-puppetlabs-stdlib', version: '8.5.0', by: 'modules/demo/metadata.json (galley-demo)'}])
    assert.equal(deps.files, ['modules/demo/metadata.json'])
    assert.equal(resolvePuppetDeps(root, {modulepath: ['modules'], release: 'trixie'}).sources[0], {how: 'debian', name: 'puppetlabs-stdlib', package: 'puppet-module-puppetlabs-stdlib', version: '9.4.1', by: 'modules/demo/metadata.json (galley-demo)'})
  })
})

Resolve('the Forge when the platform is not Debian, or when Debian\'s version does not fit the range', () => {
  withFixture({}, (root) => {
    assert.equal(resolvePuppetDeps(root, {modulepath: ['modules']}).sources.map((s) => s.how), ['forge'])
    writeFileSync(path.join(root, 'modules/demo/metadata.json'), JSON.stringify({name: 'galley/demo', version: '1.0.0', dependencies: [{name: 'puppetlabs-stdlib', version_requirement: '>= 9.0.0 < 10.0.0'}]}))
    assert.equal(resolvePuppetDeps(root, {modulepath: ['modules'], release: 'bookworm'}).sources, [{how: 'forge', name: 'puppetlabs-stdlib', range: '>= 9.0.0 < 10.0.0', by: 'modules/demo/metadata.json (galley-demo)'}])
  })
})

Resolve('a module the project has, a tarball it names and a Puppetfile git entry are used; the project itself as a module is linked', () => {
  withFixture({}, (root) => {
    buildTarball(fixture('puppet-stdlib/modules/demo'), path.join(root, 'vendor/galley-demo-1.0.0.tar.gz'), 'galley-demo-1.0.0')
    gitRepo(fixture('puppet-stdlib/modules/demo'), path.join(root, 'vendor/concat'), 'v7')
    writeFileSync(path.join(root, 'metadata.json'), JSON.stringify({name: 'acme-web', version: '0.1.0', dependencies: [{name: 'galley/demo'}, {name: 'acme/concat'}, {name: 'puppetlabs/apt', version_requirement: '>= 9.0.0'}]}))
    writeFileSync(path.join(root, 'Puppetfile'), "forge 'https://forge.example'\nmod 'acme-concat',\n  :git => 'vendor/concat',\n  :tag => 'v7'\nmod 'puppetlabs/inifile', '5.4.0'\nmod 'mine', :local => true\n")
    const deps = resolvePuppetDeps(root, {puppetfile: 'Puppetfile', tarballs: ['vendor/galley-demo-1.0.0.tar.gz'], release: 'bookworm'})
    assert.equal(deps.problems, [])
    assert.equal(
      deps.sources.map((s) => `${s.how} ${s.name}`),
      ['project acme-web', 'tarball galley-demo', 'git acme-concat', 'debian puppetlabs-apt', 'debian puppetlabs-stdlib', 'debian puppetlabs-inifile'],
    )
    const git = deps.sources.find((s) => s.how === 'git')!
    assert.equal({...git, commit: undefined}, {how: 'git', name: 'acme-concat', url: 'file:///tmp/galley/vendor/concat', ref: 'v7', commit: undefined, by: 'Puppetfile:2'})
    assert.match((git as {commit: string}).commit, /^[0-9a-f]{40}$/)
  })
})

Resolve('Puppetfile: the forms r10k and librarian-puppet read', () => {
  const pf = parsePuppetfile(`forge "https://forge.example"
moduledir 'modules'
# a comment
mod 'puppetlabs/stdlib', '8.0.0'
mod 'puppetlabs-apache', :latest
mod 'puppetlabs/ntp', type: 'forge', version: '9.0.0'
mod 'apache', :git => 'https://git.example/apache.git', :ref => '2098a17'
mod 'puppetlabs-nginx', type: 'git', source: 'https://git.example/nginx.git', version: 'main'
mod 'svnmod', :svn => 'https://svn.example/trunk'
install_path 'x'
`)
  assert.equal(pf.mods, [
    {name: 'puppetlabs/stdlib', version: '8.0.0', line: 4},
    {name: 'puppetlabs-apache', version: 'latest', line: 5},
    {name: 'puppetlabs/ntp', version: '9.0.0', line: 6},
    {name: 'apache', git: {url: 'https://git.example/apache.git', ref: '2098a17'}, line: 7},
    {name: 'puppetlabs-nginx', git: {url: 'https://git.example/nginx.git', ref: 'main'}, line: 8},
  ])
  assert.equal(pf.problems, [
    {line: 9, message: 'mod \'svnmod\': Subversion sources are not supported'},
    {line: 10, message: '`install_path` is not read by Galley (only mod, forge and moduledir)'},
  ])
})

Resolve('version ranges as metadata.json writes them', () => {
  assert.ok(satisfies('8.5.0', '>= 4.13.1 < 9.0.0'))
  assert.not.ok(satisfies('9.4.1', '>= 4.13.1 < 9.0.0'))
  assert.ok(satisfies('8.5.0', '8.x'))
  assert.not.ok(satisfies('8.5.0', '9.x'))
  assert.ok(satisfies('8.5.0', '>=5.0.0 <9.0.0'))
  assert.ok(satisfies('8.5.0', '8.5.0'))
  assert.ok(satisfies('8.5.0', '< 8.0.0 || >= 8.4.0'))
  assert.ok(satisfies('1.2.9', '~> 1.2.3'))
  assert.not.ok(satisfies('1.3.0', '~> 1.2.3'))
  assert.is(satisfies('8.5.0', 'whatever'), undefined)
  assert.ok(satisfies('8.5.0', undefined))
})

Resolve.run()

const Steps = suite('the Puppet modules step')

const names = (spec: InstanceSpec, root: string) => provisionSteps(spec, root).map((s) => s.name)

Steps("it runs between puppet's install and the apply; the apply's modulepath keeps Debian's folders and takes folders inside the instance", () => {
  withFixture({}, (root) => {
    const steps = provisionSteps(puppetSpec({modulepath: ['modules', '/etc/puppet/code/environments/production/modules']}), root)
    assert.equal(steps.map((s) => s.name), ['install puppet', 'install Puppet modules', 'manifests/site.pp'])
    assert.match(steps[1].argv[2], 'apt-get install -y -q --no-install-recommends $need')
    assert.match(steps[1].argv[2], "need='puppet-module-puppetlabs-stdlib'")
    assert.ok(steps[2].argv.includes('--modulepath=/tmp/galley/modules:/etc/puppet/code/environments/production/modules:/opt/galley/puppet/modules:/etc/puppet/code/modules:/usr/share/puppet/modules'))
    assert.equal(names(puppetSpec({}), root), ['install puppet', 'manifests/site.pp'], 'no modulepath, no metadata read: nothing to install')
  })
})

Steps('editing the manifest or a module never reinstalls the dependencies; editing metadata.json does', () => {
  withFixture({}, (root) => {
    const spec = puppetSpec({modulepath: 'modules'.split(' ')})
    const keys = () => stepKeys(spec, provisionSteps(spec, root), 'base', root)
    const before = keys()
    writeFileSync(path.join(root, 'manifests/site.pp'), "class { 'demo': port => 8081 }\n")
    writeFileSync(path.join(root, 'modules/demo/manifests/init.pp'), 'class demo {}\n')
    const edited = keys()
    assert.is(edited[1], before[1])
    assert.is.not(edited[2], before[2])
    writeFileSync(path.join(root, 'modules/demo/metadata.json'), JSON.stringify({name: 'galley-demo', version: '1.0.1', dependencies: [{name: 'puppetlabs-stdlib', version_requirement: '>= 4.13.1 < 10.0.0'}]}))
    assert.is.not(keys()[1], before[1])
  })
})

Steps('a module that cannot be had is named, with who needed it', () => {
  withFixture({}, (root) => {
    const deps = resolvePuppetDeps(root, {modulepath: ['modules']})
    const out = "Notice: Preparing to install into /opt/galley/puppet/modules ...\nNotice: Downloading from https://forge.example ...\nError: Could not connect via HTTPS to https://forge.example\n  Unable to verify the SSL certificate\n    The certificate may not be signed by a valid CA\nError: Try 'puppet help module install' for usage\ngalley: could not install puppetlabs-stdlib\n"
    assert.equal(judgeDeps(deps, 30, out), {
      ok: false,
      message:
        "Puppet module puppetlabs-stdlib (>= 4.13.1 < 10.0.0), needed by modules/demo/metadata.json (galley-demo) could not be installed from the Forge: the Forge could not be reached. If this platform's code does not use it, `dependencies: {skip: [puppetlabs-stdlib]}` leaves it out.",
    })
  })
})

/** puppetlabs-motd 1.9.0's dependencies: registry (Windows only, not in Debian), stdlib and translate (Debian's are newer than the ranges). */
const MOTD = JSON.stringify({
  name: 'puppetlabs-motd',
  version: '1.9.0',
  dependencies: [
    {name: 'puppetlabs/registry', version_requirement: '>= 1.0.0 < 3.0.0'},
    {name: 'puppetlabs/stdlib', version_requirement: '>= 2.1.0 < 6.0.0'},
    {name: 'puppetlabs/translate', version_requirement: '>= 1.0.0 < 2.0.0'},
  ],
})

Steps("dependencies: skip leaves a module out, accept_debian takes Debian's package out of range; the step says both", () => {
  withFixture({'metadata.json': MOTD}, (root) => {
    const asked = resolvePuppetDeps(root, {release: 'bookworm'})
    assert.equal(asked.sources.map((s) => `${s.how} ${s.name}`), ['project puppetlabs-motd', 'forge puppetlabs-registry', 'forge puppetlabs-stdlib', 'forge puppetlabs-translate'])
    assert.equal(Object.keys(asked.debianOutOfRange), ['puppetlabs-stdlib', 'puppetlabs-translate'])
    const chosen = resolvePuppetDeps(root, {release: 'bookworm', skip: ['puppetlabs/registry'], acceptDebian: true})
    assert.equal(chosen.sources.map((s) => `${s.how} ${s.name}`), ['project puppetlabs-motd', 'debian puppetlabs-stdlib', 'debian puppetlabs-translate'])
    assert.equal(chosen.skipped, ['puppetlabs-registry'])
    assert.equal(chosen.unknownSkips, [])
    assert.equal(resolvePuppetDeps(root, {release: 'bookworm', skip: ['registry', 'puppetlabs-concat']}).unknownSkips, ['puppetlabs-concat'], 'a name alone skips it from any author')
    const steps = provisionSteps(puppetSpec({manifest: 'manifests/site.pp', dependencies: {skip: ['puppetlabs/registry'], acceptDebian: true}}), root)
    assert.match(steps[1].command!, 'puppetlabs-stdlib (puppet-module-puppetlabs-stdlib 8.5.0, outside >= 2.1.0 < 6.0.0)')
    assert.match(steps[1].command!, /; skipped: puppetlabs-registry$/)
    assert.not.match(steps[1].argv[2], 'registry')
    const out = 'Error: Could not connect via HTTPS to https://forge.example\ngalley: could not install puppetlabs-stdlib\n'
    const forge = provisionSteps(puppetSpec({manifest: 'manifests/site.pp'}), root)[1]
    assert.match(forge.judge!(30, out).message!, "from the Forge: the Forge could not be reached. Debian has puppet-module-puppetlabs-stdlib 8.5.0, outside the range: `dependencies: {accept_debian: true}` takes it. If this platform's code does not use it, `dependencies: {skip: [puppetlabs-stdlib]}` leaves it out.")
  })
})

Steps('dependencies: skip naming a module nothing asks for is a config error, at the name', async () => {
  const {loadConfig} = await import('../../src/config/load.js')
  withFixture(
    {
      'metadata.json': MOTD,
      'galley.yml': 'platforms: [{name: d, image: {bootstrap: debootstrap, release: bookworm}}]\nsuites:\n  - name: s\n    provisioner:\n      name: puppet\n      manifest: manifests/site.pp\n      dependencies: {skip: [puppetlabs/registy], accept_debian: true}\n',
    },
    (root) => {
      try {
        loadConfig({cwd: root, driver: 'dummy'})
        assert.unreachable('loading should fail')
      } catch (e) {
        const message = (e as Error).message
        assert.match(message, 'galley.yml:7:29: dependencies.skip names `puppetlabs/registy`, which no metadata.json or Puppetfile of this suite asks to install')
      }
    },
  )
})

Steps('modulepath may name folders inside the instance; a missing project folder or Puppetfile is a config error', async () => {
  const {loadConfig} = await import('../../src/config/load.js')
  withFixture(
    {
      'galley.yml': 'platforms: [{name: d, image: {bootstrap: debootstrap, release: bookworm}}]\nsuites:\n  - name: s\n    provisioner: {name: puppet, manifest: manifests/site.pp, modulepath: [modules, /usr/share/puppet/modules, missing]}\n  - name: t\n    provisioner: {name: puppet, manifest: manifests/site.pp, puppetfile: Puppetfile.prod}\n',
    },
    (root) => {
      try {
        loadConfig({cwd: root, driver: 'dummy'})
        assert.unreachable('loading should fail')
      } catch (e) {
        const message = (e as Error).message
        assert.match(message, 'modulepath `missing` not found')
        assert.match(message, 'puppetfile `Puppetfile.prod` not found')
        assert.not.match(message, '/usr/share/puppet/modules')
      }
    },
  )
})

Steps.run()
