import {appendFileSync, mkdirSync, renameSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceSpec} from '../../src/config/types.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'
import {copyFixture} from '../fixtures/deps/artifacts.js'

function puppetSpec(settings: Record<string, unknown>): InstanceSpec {
  const spec = fakeSpec('s-p', [])
  const platform = {name: 'p', init: 'none' as const, image: {bootstrap: 'debootstrap' as const, release: 'bookworm', variant: 'minbase', packages: []}}
  return {...spec, platform, provisioner: {...spec.provisioner, name: 'puppet', options: settings}}
}

/** Every kind of file a module has that puppet reads. */
const MODULE_FILES = [
  'manifests/init.pp',
  'manifests/config.pp',
  'templates/motd.erb',
  'templates/issue.epp',
  'files/banner',
  'lib/facter/motd_fact.rb',
  'lib/puppet/functions/motd/greet.rb',
  'functions/shout.pp',
  'types/level.pp',
  'data/common.yaml',
  'hiera.yaml',
  'metadata.json',
  'facts.d/site.txt',
  'tasks/show.sh',
  'README.md',
]

/** A Forge module as its repository holds it: the module at the root, its tests in tests/ and spec/. */
function forgeModule(): string {
  const files: Record<string, string> = Object.fromEntries(MODULE_FILES.map((f) => [f, `# ${f}\n`]))
  return makeProject({
    ...files,
    'metadata.json': JSON.stringify({name: 'acme-motd', version: '1.0.0', dependencies: []}),
    'tests/init.pp': 'include motd\n',
    'spec/classes/motd_spec.rb': "describe 'motd' do\nend\n",
    'spec/spec_helper.rb': "require 'rspec-puppet'\n",
    'test/integration/default_spec.rb': '# inspec\n',
    'modules/other/manifests/init.pp': 'class other {}\n',
    'modules/other/templates/other.erb': 'other\n',
    'modules/other/spec/classes/other_spec.rb': '# spec\n',
    'modules/other/tests/init.pp': 'include other\n',
  })
}

const Cache = suite('the puppet apply step cache key')

const applyKey = (spec: InstanceSpec, root: string) => stepKeys(spec, provisionSteps(spec, root), 'base', root).at(-1)!

Cache('the project as a module (manifest: tests/init.pp): editing any file of it reruns the apply', () => {
  const root = forgeModule()
  try {
    const spec = puppetSpec({manifest: 'tests/init.pp'})
    let key = applyKey(spec, root)
    for (const file of MODULE_FILES) {
      appendFileSync(path.join(root, file), file === 'metadata.json' ? ' ' : '# edited\n')
      const edited = applyKey(spec, root)
      assert.is.not(edited, key, `editing ${file} must rerun the apply`)
      key = edited
    }
    appendFileSync(path.join(root, 'templates/new.erb'), 'new\n')
    assert.is.not(applyKey(spec, root), key, 'a new template')
    key = applyKey(spec, root)
    renameSync(path.join(root, 'hiera.yaml'), path.join(root, 'hiera.yaml.off'))
    assert.is.not(applyKey(spec, root), key, 'hiera.yaml renamed away')
  } finally {
    removeProject(root)
  }
})

Cache("editing a module's spec/ or tests, or the InSpec tests, does not rerun the apply", () => {
  const root = forgeModule()
  try {
    const spec = puppetSpec({manifest: 'manifests/init.pp', modulepath: ['modules']})
    const before = stepKeys(spec, provisionSteps(spec, root), 'base', root)
    for (const file of ['spec/classes/motd_spec.rb', 'spec/spec_helper.rb', 'test/integration/default_spec.rb', 'modules/other/spec/classes/other_spec.rb', 'modules/other/tests/init.pp']) {
      appendFileSync(path.join(root, file), '# edited\n')
      assert.equal(stepKeys(spec, provisionSteps(spec, root), 'base', root), before, `editing ${file} must not rerun a step`)
    }
    appendFileSync(path.join(root, 'modules/other/templates/other.erb'), '# edited\n')
    assert.is.not(applyKey(spec, root), before.at(-1), "editing a modulepath module's template reruns the apply")
  } finally {
    removeProject(root)
  }
})

Cache("the manifest's own folder stays in the key even when it is a test folder", () => {
  const root = forgeModule()
  try {
    const spec = puppetSpec({manifest: 'tests/init.pp'})
    const key = applyKey(spec, root)
    appendFileSync(path.join(root, 'tests/init.pp'), "notice('edited')\n")
    assert.is.not(applyKey(spec, root), key)
  } finally {
    removeProject(root)
  }
})

Cache("a module reached through a link (rspec-puppet's fixtures) is the project: read once, its spec/ left out", () => {
  const root = forgeModule()
  try {
    mkdirSync(path.join(root, 'spec/fixtures/modules'), {recursive: true})
    symlinkSync('../../..', path.join(root, 'spec/fixtures/modules/motd'))
    const spec = puppetSpec({manifest: 'tests/init.pp', modulepath: ['spec/fixtures/modules']})
    const steps = provisionSteps(spec, root)
    const everyEntryOnce = ['README.md', 'data', 'facts.d', 'files', 'functions', 'hiera.yaml', 'lib', 'manifests', 'metadata.json', 'modules', 'tasks', 'templates', 'types']
    assert.equal(steps.at(-1)!.cache.settings.modules, everyEntryOnce)
    const key = applyKey(spec, root)
    appendFileSync(path.join(root, 'spec/classes/motd_spec.rb'), '# edited\n')
    assert.is(applyKey(spec, root), key)
    appendFileSync(path.join(root, 'templates/motd.erb'), '# edited\n')
    assert.is.not(applyKey(spec, root), key)
  } finally {
    removeProject(root)
  }
})

Cache("the deps fixture puppet-module, its dependencies skipped or taken from Debian: its template is in the apply's key, its spec is not, and the modules step keeps its key", () => {
  const root = makeProject({})
  try {
    copyFixture('puppet-module', root)
    const spec = puppetSpec({manifest: 'tests/init.pp', dependencies: {skip: ['puppetlabs/registry'], acceptDebian: true}})
    const keys = () => stepKeys(spec, provisionSteps(spec, root), 'base', root)
    assert.equal(provisionSteps(spec, root).map((s) => s.name), ['install puppet', 'install Puppet modules', 'tests/init.pp'])
    const before = keys()
    appendFileSync(path.join(root, 'spec/classes/motd_spec.rb'), '# edited\n')
    assert.equal(keys(), before)
    appendFileSync(path.join(root, 'templates/motd.erb'), 'edited\n')
    const edited = keys()
    assert.equal(edited.slice(0, 2), before.slice(0, 2))
    assert.is.not(edited[2], before[2])
  } finally {
    removeProject(root)
  }
})

Cache.run()
