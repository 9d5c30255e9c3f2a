/**
 * The shape of galley.yml, assembled from the plugins' descriptors: the provisioner's keys are
 * every tool's settings, the verifier's every verifier's key. The loader checks files against it
 * and `galley schema` turns it into JSON Schema, so both always say the same.
 */
import {PROVISIONERS} from '../provisioners/index.js'
import {VERIFIERS} from '../verifiers/index.js'
import {USER_SCHEMA} from '../verifiers/user.js'
import type {Schema} from './schema.js'

const env: Schema = {kind: 'env'}
/** A step's or test's time limit: over it, its processes are killed and it fails. 0: none. */
const timeout: Schema = {kind: 'duration'}

/** One engine of a pool: an address, or a mapping with its name, capacity, TLS or SSH settings. */
const poolHost: Schema = {
  kind: 'map',
  keys: {
    name: {kind: 'name'},
    host: {kind: 'string'},
    context: {kind: 'string'},
    capacity: {kind: 'int', min: 1},
    tls: {kind: 'map', keys: {ca: {kind: 'string'}, cert: {kind: 'string'}, key: {kind: 'string'}, cert_path: {kind: 'string'}, verify: {kind: 'bool'}}},
    ssh: {kind: 'map', keys: {identity: {kind: 'string'}, known_hosts: {kind: 'string'}}},
  },
  oneOf: ['host', 'context'],
  orString: 'an engine address such as ssh://root@build1 or unix:///run/docker.sock',
  docs: {
    host: 'unix:///PATH, tcp://HOST:PORT or ssh://USER@HOST[:PORT]',
    context: 'a Docker context (docker context ls) instead of an address',
    capacity: 'instances at once on this engine (default: --concurrency)',
    tls: 'tcp:// with TLS: ca, cert, key files (or cert_path, a folder holding ca.pem, cert.pem and key.pem, as DOCKER_CERT_PATH) and verify (default true)',
    ssh: 'ssh://: identity (a private key file; default SSH_AUTH_SOCK, then ~/.ssh/id_*) and known_hosts (default ~/.ssh/known_hosts)',
  },
}

const driver: Schema = {
  kind: 'map',
  keys: {
    name: {kind: 'enum', values: ['lxc', 'docker', 'auto', 'dummy']},
    socket: {kind: 'string'},
    hosts: {kind: 'seq', items: poolHost},
    memory: {kind: 'size'},
    cpus: {kind: 'number', min: 0.01},
    pids: {kind: 'int', min: 1},
    privileged: {kind: 'bool'},
    sleep: {kind: 'duration'},
    fail: {kind: 'strings', values: ['create', 'converge', 'verify', 'destroy', 'image', 'snapshot']},
  },
  docs: {privileged: 'Docker and Podman: run containers privileged (systemd platforms boot without it)'},
}

const step: Schema = {
  kind: 'map',
  keys: {name: {kind: 'string'}, script: {kind: 'string'}, run: {kind: 'string'}, env, check: {kind: 'string'}, timeout},
  oneOf: ['script', 'run'],
}

const test: Schema = {
  kind: 'map',
  keys: {name: {kind: 'string'}, script: {kind: 'string'}, run: {kind: 'string'}, exit_status: {kind: 'int', min: 0}, env, timeout, user: USER_SCHEMA},
  oneOf: ['script', 'run'],
}

/** Every tool's keys; a key two tools share (package, attributes) is written the same by both. */
function toolKeys(): {keys: Record<string, Schema>; docs: Record<string, string>} {
  const keys: Record<string, Schema> = {}
  // key → doc → the tools that say it so.
  const said = new Map<string, Map<string, string[]>>()
  for (const p of PROVISIONERS) {
    for (const [key, setting] of Object.entries(p.settings)) {
      keys[key] ??= setting.schema
      const byDoc = said.get(key) ?? new Map<string, string[]>()
      byDoc.set(setting.doc, [...(byDoc.get(setting.doc) ?? []), p.name])
      said.set(key, byDoc)
    }
  }
  const docs = Object.fromEntries([...said].map(([key, byDoc]) => [key, [...byDoc].map(([doc, tools]) => `${tools.join(', ')}: ${doc}`).join('; ')]))
  return {keys, docs}
}

const tools = toolKeys()
const provisioner: Schema = {
  kind: 'map',
  keys: {
    name: {kind: 'enum', values: PROVISIONERS.map((p) => p.name)},
    steps: {kind: 'seq', items: step},
    env,
    idempotence: {kind: 'bool'},
    timeout,
    ...tools.keys,
  },
  docs: {name: PROVISIONERS.map((p) => `${p.name}: ${p.summary}`).join('; '), timeout: "each step's time limit, unless the step sets its own (default 30m; 0: none)", ...tools.docs},
}

const verifier: Schema = {
  kind: 'map',
  keys: {
    name: {kind: 'enum', values: ['shell', ...VERIFIERS.map((v) => v.key)]},
    tests: {kind: 'seq', items: test},
    ...Object.fromEntries(VERIFIERS.map((v) => [v.key, v.schema])),
    env,
    timeout,
    user: USER_SCHEMA,
  },
  docs: {
    ...Object.fromEntries(VERIFIERS.map((v) => [v.key, v.summary])),
    timeout: "each test's time limit, unless the test sets its own (default 10m; 0: none)",
    user: 'the user of the instance tests and verifier entries run as (default root); a test or entry may name its own',
  },
}

const image: Schema = {
  kind: 'map',
  keys: {
    bootstrap: {kind: 'enum', values: ['busybox', 'debootstrap']},
    release: {kind: 'string'},
    variant: {kind: 'enum', values: ['minbase', 'buildd', 'fakechroot']},
    packages: {kind: 'seq', items: {kind: 'string'}},
    mirror: {kind: 'string'},
  },
  required: ['bootstrap'],
  orString: 'an engine image reference such as debian:12',
}

const platform: Schema = {
  kind: 'map',
  keys: {name: {kind: 'name'}, image, init: {kind: 'enum', values: ['none', 'systemd']}, driver, provisioner, verifier},
  required: ['name', 'image'],
  docs: {init: "PID 1 of the platform's instances: none (a keep-alive loop, the default) or systemd (the image's systemd, booted before converge)"},
}

const suite: Schema = {
  kind: 'map',
  keys: {
    name: {kind: 'name'},
    driver,
    provisioner,
    verifier,
    includes: {kind: 'seq', items: {kind: 'string'}},
    excludes: {kind: 'seq', items: {kind: 'string'}},
  },
  required: ['name'],
}

/** A list merged by name (platforms, suites), not replaced whole. */
const isNamedList = (s: Schema): boolean => s.kind === 'seq' && s.items.kind === 'map' && (s.items.required ?? []).includes('name')

/**
 * galley.local.yml's shape: what it merges key by key may be unset (null: as if galley.yml did not
 * have it), its lists of names may be empty, and only names are required, since the entry it
 * overrides has the rest (what the merge leaves is checked after it: checks.ts). Lists it replaces
 * whole (steps, tests, assertions) keep galley.yml's rules for their items.
 */
function overrideOf(schema: Schema): Schema {
  if (schema.kind === 'strings') return {...schema, empty: true}
  if (schema.kind === 'seq') return isNamedList(schema) ? {...schema, items: overrideOf(schema.items)} : schema
  if (schema.kind !== 'map') return schema
  const keys = Object.entries(schema.keys).map(([key, sub]): [string, Schema] => [key, key === 'name' || isNamedList(sub) ? overrideOf(sub) : {kind: 'unsettable', schema: overrideOf(sub)}])
  return {...schema, keys: Object.fromEntries(keys), required: schema.required?.filter((key) => key === 'name')}
}

/** The whole file: galley.yml, or with `isOverride` galley.local.yml, which overrides it. */
export function fileSchema(isOverride: boolean): Schema {
  const file: Schema = {
    kind: 'map',
    keys: {driver, provisioner, verifier, platforms: {kind: 'seq', items: platform}, suites: {kind: 'seq', items: suite}},
    required: ['platforms', 'suites'],
  }
  return isOverride ? overrideOf(file) : file
}
