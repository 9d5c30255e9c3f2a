import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import type {InstanceSpec} from '../../src/config/types.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {judgeGalaxy} from '../../src/provisioners/ansible/galaxy.js'
import {judgePip, pipSpecifier} from '../../src/provisioners/ansible/install.js'
import {readRequirements} from '../../src/provisioners/ansible/requirements.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'
import {buildCollection, buildTarball, commitAll, copyFixture, fixture, gitRepo} from '../fixtures/deps/artifacts.js'

function ansibleSpec(settings: Record<string, unknown> = {}): InstanceSpec {
  const spec = fakeSpec('s-p', [])
  const platform = {name: 'p', init: 'none' as const, image: {bootstrap: 'debootstrap' as const, release: 'bookworm', variant: 'minbase', packages: []}}
  return {...spec, platform, provisioner: {...spec.provisioner, name: 'ansible', options: {playbooks: ['site.yml'], ...settings}}}
}

/** The requirements fixture as a project: the collection tarball built, the role in a git repository tagged 1.0.0. */
function requirementsProject(): string {
  const root = makeProject({})
  copyFixture('ansible-requirements', root)
  buildCollection(path.join(root, 'collection-src/galley/demo'), path.join(root, 'dist'))
  gitRepo(path.join(root, 'role-src/motd'), path.join(root, 'vendor/motd'), '1.0.0')
  const template = readFileSync(path.join(root, 'requirements.template.yml'), 'utf8')
  writeFileSync(path.join(root, 'requirements.yml'), template.replace('@PROJECT@', root))
  return root
}

const Read = suite('requirement files')

Read('a collection tarball and a role in a local git repository: named, and rewritten to the paths the instance sees', () => {
  const root = requirementsProject()
  try {
    const r = readRequirements(root, ['requirements.yml'])
    assert.equal(r.problems, [])
    assert.equal(r.collections.map((c) => [c.label, c.fqcn, c.source, c.local, c.entry, c.line]), [
      ['galley.demo', 'galley.demo', 'file', 'dist/galley-demo-1.0.0.tar.gz', {name: '/tmp/galley/dist/galley-demo-1.0.0.tar.gz', type: 'file'}, 4],
    ])
    assert.equal(r.roles.map((x) => [x.label, x.source, x.local, x.entry]), [['motd', 'git', 'vendor/motd', {name: 'motd', src: 'file:///tmp/galley/vendor/motd', scm: 'git', version: '1.0.0'}]])
    assert.match(r.roles[0].commit!, /^[0-9a-f]{40}$/)
  } finally {
    removeProject(root)
  }
})

Read("every form ansible-galaxy takes: Galaxy names, the string form, git URLs, folders, URLs; a bare list is roles", () => {
  const root = makeProject({
    'requirements.yml': [
      'roles:',
      '  - geerlingguy.docker',
      '  - src: https://git.example/acme/ansible-role-web.git',
      '    scm: git',
      '    version: v2',
      '  - git+https://git.example/acme/db.git,1.2.0,database',
      '  - src: dist/nginx.tar.gz',
      'collections:',
      '  - community.general',
      '  - name: ansible.posix',
      '    version: ">=1.5.0"',
      '  - name: git+https://git.example/acme/tools.git#/collections/acme/tools',
      '    version: main',
      '  - name: https://files.example/acme-net-1.0.0.tar.gz',
      '  - name: ./coll',
      '    type: dir',
      '',
    ].join('\n'),
    'old.yml': '- src: geerlingguy.nginx\n  version: 3.1.0\n',
    'dist/nginx.tar.gz': 'not really\n',
    'coll/galaxy.yml': 'namespace: acme\nname: local\nversion: 1.0.0\n',
  })
  try {
    const r = readRequirements(root, ['requirements.yml', 'old.yml'])
    assert.equal(r.problems, [])
    assert.equal(r.roles.map((x) => `${x.label} ${x.source} ${JSON.stringify(x.entry)}`), [
      'geerlingguy.docker galaxy {"name":"geerlingguy.docker","src":"geerlingguy.docker"}',
      'ansible-role-web git {"name":"ansible-role-web","src":"https://git.example/acme/ansible-role-web.git","scm":"git","version":"v2"}',
      'database git {"name":"database","src":"https://git.example/acme/db.git","scm":"git","version":"1.2.0"}',
      'nginx file {"name":"nginx","src":"file:///tmp/galley/dist/nginx.tar.gz"}',
      'geerlingguy.nginx galaxy {"name":"geerlingguy.nginx","src":"geerlingguy.nginx","version":"3.1.0"}',
    ])
    assert.equal(r.collections.map((x) => `${x.label} ${x.fqcn ?? '-'} ${x.source}`), [
      'community.general community.general galaxy',
      'ansible.posix ansible.posix galaxy',
      'git+https://git.example/acme/tools.git#/collections/acme/tools - git',
      'https://files.example/acme-net-1.0.0.tar.gz - url',
      'acme.local acme.local dir',
    ])
    assert.equal(r.collections[4].entry, {name: '/tmp/galley/coll', type: 'dir'})
  } finally {
    removeProject(root)
  }
})

Read('sources the instance cannot see, or that are missing, or a folder given as a role, are reported where they are written', () => {
  const root = makeProject({
    'requirements.yml': 'roles:\n  - src: git+file:///srv/elsewhere/role\n  - src: ./roles-src/web\ncollections:\n  - name: dist/missing.tar.gz\n    type: file\n',
    'roles-src/web/tasks/main.yml': '- debug: {}\n',
  })
  try {
    const r = readRequirements(root, ['requirements.yml'])
    assert.equal(r.problems.map((p) => `${p.file}:${p.line} ${p.message}`), [
      "requirements.yml:2 role role's source `file:///srv/elsewhere/role` is outside the project folder",
      "requirements.yml:3 role web's source `./roles-src/web` is a folder: ansible-galaxy installs roles from Galaxy, git repositories and tarballs only",
      'requirements.yml:5 collection source `dist/missing.tar.gz` not found (looked for dist/missing.tar.gz)',
    ])
  } finally {
    removeProject(root)
  }
})

Read.run()

const Step = suite('the requirements step')

const keysOf = (root: string, spec = ansibleSpec()) => {
  const steps = provisionSteps(spec, root)
  return Object.fromEntries(steps.map((s, i) => [s.name, stepKeys(spec, steps, 'base', root)[i]]))
}

Step('it runs after the install and before the playbooks; it writes the requirements the instance reads and points Ansible at what it installs', () => {
  const root = requirementsProject()
  try {
    const steps = provisionSteps(ansibleSpec(), root)
    assert.equal(steps.map((s) => s.name), ['install ansible-core', 'install requirements.yml', 'site.yml'])
    const galaxy = steps[1]
    assert.equal(parse(galaxy.argv[4]), {collections: [{name: '/tmp/galley/dist/galley-demo-1.0.0.tar.gz', type: 'file'}]})
    assert.equal(parse(galaxy.argv[5]), {roles: [{name: 'motd', src: 'file:///tmp/galley/vendor/motd', scm: 'git', version: '1.0.0'}]})
    assert.is(galaxy.argv[6], '1', 'git is needed')
    assert.is(steps[2].env.ANSIBLE_COLLECTIONS_PATH, '/opt/galley/ansible/collections:~/.ansible/collections:/usr/share/ansible/collections')
    assert.is(steps[2].env.ANSIBLE_ROLES_PATH, '/opt/galley/ansible/roles:~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles')
    assert.equal(galaxy.source, {file: 'requirements.yml'})
  } finally {
    removeProject(root)
  }
})

Step('editing a playbook never reinstalls the requirements; changing requirements.yml, the tarball or the repository does', () => {
  const root = requirementsProject()
  try {
    const before = keysOf(root)
    writeFileSync(path.join(root, 'site.yml'), readFileSync(path.join(root, 'site.yml'), 'utf8') + '# edited\n')
    const edited = keysOf(root)
    assert.is(edited['install requirements.yml'], before['install requirements.yml'])
    assert.is.not(edited['site.yml'], before['site.yml'])
    writeFileSync(path.join(root, 'requirements.yml'), readFileSync(path.join(root, 'requirements.yml'), 'utf8') + '# a comment is a change too\n')
    const req = keysOf(root)
    assert.is.not(req['install requirements.yml'], edited['install requirements.yml'])
    assert.is(req['install ansible-core'], before['install ansible-core'], 'the install is shared')
    buildTarball(fixture('ansible-requirements/role-src'), path.join(root, 'dist/galley-demo-1.0.0.tar.gz'), 'x')
    const tar = keysOf(root)
    assert.is.not(tar['install requirements.yml'], req['install requirements.yml'])
    writeFileSync(path.join(root, 'vendor/motd/defaults/main.yml'), 'motd_message: newer\n')
    commitAll(path.join(root, 'vendor/motd'), 'a newer message', '1.0.0')
    assert.is.not(keysOf(root)['install requirements.yml'], tar['install requirements.yml'], 'the tag moved to a new commit')
  } finally {
    removeProject(root)
  }
})

Step('suites with the same requirements share the step; requirements: none skips them', () => {
  const root = requirementsProject()
  try {
    const a = keysOf(root, ansibleSpec())
    const b = keysOf(root, {...ansibleSpec(), name: 'other-p', suite: 'other'})
    assert.is(a['install requirements.yml'], b['install requirements.yml'])
    assert.equal(provisionSteps(ansibleSpec({requirements: []}), root).map((s) => s.name), ['install ansible-core', 'site.yml'])
  } finally {
    removeProject(root)
  }
})

Step.run()

const Judge = suite('dependency failures name what could not be had')

const REQS = readRequirementsOf({
  'requirements.yml': 'collections:\n  - galley.missing\n  - community.general\nroles:\n  - src: geerlingguy.docker\n',
})

function readRequirementsOf(files: Record<string, string>) {
  const root = makeProject(files)
  try {
    return readRequirements(root, Object.keys(files))
  } finally {
    removeProject(root)
  }
}

Judge('a collection Galaxy has no version of is named, with its place', () => {
  const out = "Starting galaxy collection install process\nProcess install dependency map\nERROR! Failed to resolve the requested dependencies map. Could not satisfy the following requirements:\n* galley.missing:* (direct request)\n"
  assert.equal(judgeGalaxy(REQS, 10, out), {ok: false, message: 'collection requirement `galley.missing` (requirements.yml:2) could not be installed: Failed to resolve the requested dependencies map. Could not satisfy the following requirements:'})
})

Judge('Galaxy out of reach names every requirement that needed it', () => {
  const out = "ERROR! Unknown error when attempting to call Galaxy at 'https://galaxy.example/api/': <urlopen error [Errno -3] Temporary failure in name resolution>\n"
  assert.equal(judgeGalaxy(REQS, 10, out), {ok: false, message: "collection requirements `galley.missing` (requirements.yml:2), `community.general` (requirements.yml:3) could not be installed: Galaxy could not be reached. Debian's full ansible provides community.general: leave it out of the requirements and set `ansible: full`"})
})

Judge("Galaxy out of reach for collections Debian's full ansible carries says to take that package instead", () => {
  const out = "ERROR! Unknown error when attempting to call Galaxy at 'https://galaxy.example/api/': <urlopen error [Errno -3] Temporary failure in name resolution>\n"
  const debian = readRequirementsOf({'requirements.yml': 'collections:\n  - community.general\n  - name: ansible.posix\n    version: ">=1.4"\n'})
  assert.equal(judgeGalaxy(debian, 10, out, 'bookworm'), {ok: false, message: "collection requirements `community.general` (requirements.yml:2), `ansible.posix` (requirements.yml:3) could not be installed: Galaxy could not be reached. Debian's full ansible provides community.general, ansible.posix: set `requirements: none` and `ansible: full`"})
  const own = readRequirementsOf({'requirements.yml': 'collections:\n  - galley.missing\n'})
  assert.equal(judgeGalaxy(own, 10, out, 'bookworm'), {ok: false, message: 'collection requirement `galley.missing` (requirements.yml:2) could not be installed: Galaxy could not be reached'}, 'a collection Debian does not carry gets no such hint')
})

Judge('a role that failed is named from ansible-galaxy\'s warning', () => {
  const out = "- downloading role 'docker', owned by geerlingguy\n[WARNING]: - geerlingguy.docker was NOT installed successfully: - sorry, geerlingguy.docker was not found on the server.\nERROR! - you can use --ignore-errors to skip failed roles and finish processing the list.\n"
  assert.equal(judgeGalaxy(REQS, 11, out), {ok: false, message: 'role requirement `geerlingguy.docker` (requirements.yml:5) could not be installed: geerlingguy.docker was NOT installed successfully: - sorry, geerlingguy.docker was not found on the server.'})
})

Judge('pip out of reach says ansible_version: needs the network', () => {
  const spec = ansibleSpec()
  const out = "WARNING: Retrying (Retry(total=1, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/ansible-core/\nERROR: Could not find a version that satisfies the requirement ansible-core==2.16.* (from versions: none)\nERROR: No matching distribution found for ansible-core==2.16.*\n"
  assert.match(judgePip(spec, 'ansible-core==2.16.*', 20, out).message!, 'pip could not reach its package index to install ansible-core==2.16.*: ansible_version: needs the network')
  assert.match(judgePip(spec, 'ansible-core==9.9.*', 20, 'ERROR: No matching distribution found for ansible-core==9.9.*\n').message!, 'pip found no release matching ansible-core==9.9.*')
  assert.equal([pipSpecifier('2.16'), pipSpecifier('2.16.3'), pipSpecifier('>=2.15,<2.17')], ['==2.16.*', '==2.16.3', '>=2.15,<2.17'])
})

Judge.run()
