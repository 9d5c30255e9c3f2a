/**
 * galley import: turns a Test Kitchen file (kitchen.yml, with kitchen.local.yml merged over it)
 * into a galley.yml. What maps is carried over; every key that does not is listed with its place
 * in the kitchen file and why, never guessed at. ERB is detected and never evaluated.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node} from 'yaml'
import {ConfigError, ConfigErrors, type SourcePosition} from '../errors.js'
import {NAME_PATTERN, parseSize} from './schema.js'
import type {DriverName} from './types.js'

type Raw = Record<string, unknown>

/** One kitchen.yml key (or ERB tag) that was not carried over, or was carried over with a caveat. */
export interface ImportItem extends SourcePosition {
  /** Where in the kitchen file: `suites[default].verifier.inspec_tests`. */
  key: string
  reason: string
}

export interface ImportResult {
  /** The galley.yml content, header comment included. */
  text: string
  /** The same as an object (what the YAML holds). */
  config: Raw
  /** Keys not carried over. */
  unmapped: ImportItem[]
  /** Keys carried over whose meaning changed a little, and what to do before galley test. */
  notes: ImportItem[]
  /** The kitchen files read, as shown in the report. */
  files: string[]
}

export interface ImportOptions {
  /** The kitchen file; kitchen.local.yml (or .kitchen.local.yml) beside it is merged over it. */
  file: string
  /** The folder galley.yml will be written to: paths are made relative to it. */
  outDir: string
  /** Map Debian platforms to debootstrap images (LXC or Docker, no registry) instead of engine images. */
  bootstrap?: boolean
  /** driver.name of galley.yml, instead of docker when a platform names an engine image and auto otherwise. */
  driver?: DriverName
}

const MAX_KITCHEN_BYTES = 1 << 20
const MAX_NODES = 100_000

// Positions of the keys of each object and of each list item, kept beside the plain values.
const KEYPOS = new WeakMap<object, Record<string, SourcePosition>>()
// What the import used, per object of the kitchen tree; the rest is reported.
const USED = new WeakMap<object, Set<string>>()

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)
const posOf = (obj: object, key: string | number): SourcePosition | undefined => KEYPOS.get(obj)?.[String(key)]
function use(obj: object, key: string): void {
  let set = USED.get(obj)
  if (!set) USED.set(obj, (set = new Set()))
  set.add(key)
}

// ---------------------------------------------------------------- ERB

interface ErbTag {
  code: string
  kind: 'output' | 'control'
  at: SourcePosition
}

const PLACEHOLDER = /__ERB(\d+)__/g

/**
 * Replaces ERB tags with placeholders the YAML parser accepts, keeping lines where they were:
 * `<%= ... %>` becomes `__ERBn__`, `<% ... %>` and `<%# ... %>` become blanks.
 */
export function maskErb(text: string, file: string): {text: string; tags: ErbTag[]} {
  const tags: ErbTag[] = []
  const lineStarts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1)
  const at = (offset: number): SourcePosition => {
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (lineStarts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return {file, line: lo + 1, col: offset - lineStarts[lo] + 1}
  }
  const masked = text.replace(/<%(=|#|-)?([\s\S]*?)-?%>/g, (match, mark: string | undefined, code: string, offset: number) => {
    const newlines = match.replace(/[^\n]/g, '')
    if (mark === '#') return match.replace(/[^\n]/g, ' ')
    if (mark === '=') {
      tags.push({code: code.trim(), kind: 'output', at: at(offset)})
      return `__ERB${tags.length - 1}__` + newlines
    }
    tags.push({code: code.trim(), kind: 'control', at: at(offset)})
    return match.replace(/[^\n]/g, ' ')
  })
  return {text: masked, tags}
}

/** `ENV.fetch('X', 'lit')` or `ENV['X'] || 'lit'`: the variable and its literal default. */
function envDefault(code: string): {name: string; value: string} | undefined {
  const m =
    /^ENV\.fetch\(\s*(['"])(\w+)\1\s*,\s*(['"])(.*?)\3\s*\)$/.exec(code) ??
    /^ENV\[\s*(['"])(\w+)\1\s*\]\s*\|\|\s*(['"])(.*?)\3$/.exec(code)
  return m ? {name: m[2], value: m[4]} : undefined
}

// ---------------------------------------------------------------- reading

interface KitchenFile {
  raw: Raw
  tags: ErbTag[]
  display: string
}

function readKitchen(file: string): KitchenFile {
  const display = path.relative(process.cwd(), file) || file
  let text: string
  try {
    const size = statSync(file).size
    if (size > MAX_KITCHEN_BYTES) throw new ConfigError(`${display} is ${size} bytes; a kitchen file this large is not one galley import reads`)
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${display}`, undefined, {cause: error, hint: 'Check that the file exists and is readable.'})
  }
  const {text: masked, tags} = maskErb(text, display)
  const lines = new LineCounter()
  // Test Kitchen reads YAML 1.1 (yes/no booleans, << merge keys); a later duplicate key wins.
  const doc = parseDocument(masked, {lineCounter: lines, prettyErrors: false, uniqueKeys: false, version: '1.1', merge: true})
  if (doc.errors.length > 0) {
    throw new ConfigErrors(
      doc.errors.map((e) => {
        const erb = tags.some((t) => t.at.line === lines.linePos(e.pos[0]).line) ? ' (ERB on this line was replaced before parsing; galley import does not evaluate ERB)' : ''
        return new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}${erb}`, {file: display, ...lines.linePos(e.pos[0])}, {hint: 'Fix the YAML at that position; Test Kitchen would reject it too.'})
      }),
    )
  }
  const contents = doc.contents as Node | null
  if (contents === null) return {raw: {}, tags, display}
  if (!isMap(contents)) throw new ConfigError(`${display} must be a mapping (driver:, platforms:, suites:...)`, {file: display, ...lines.linePos(contents.range?.[0] ?? 0)})
  let count = 0
  const at = (node: unknown): SourcePosition => ({file: display, ...lines.linePos((node as Node | null)?.range?.[0] ?? 0)})
  const toValue = (node: unknown, depth: number): unknown => {
    if (++count > MAX_NODES || depth > 100) throw new ConfigError(`${display} is nested or aliased too deeply to import`, at(node))
    if (isAlias(node)) return toValue(node.resolve(doc as Document), depth + 1)
    if (isMap(node)) {
      const out: Raw = {}
      const pos: Record<string, SourcePosition> = {}
      // Merge keys (<<) give defaults; keys written in the mapping win wherever they stand.
      for (const pair of node.items) {
        if (!(isScalar(pair.key) && typeof pair.key.value === 'symbol')) continue
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value]
        for (const s of sources) {
          const merged = toValue(s, depth + 1)
          if (!isObject(merged)) continue
          for (const [k, v] of Object.entries(merged)) {
            if (k in out) continue
            out[k] = v
            pos[k] = posOf(merged, k) ?? at(pair.key)
          }
        }
      }
      for (const pair of node.items) {
        if (isScalar(pair.key) && typeof pair.key.value === 'symbol') continue
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(toValue(pair.key, depth + 1))
        out[key] = toValue(pair.value, depth + 1)
        pos[key] = at(pair.key)
      }
      KEYPOS.set(out, pos)
      return out
    }
    if (isSeq(node)) {
      const out = node.items.map((item) => toValue(item, depth + 1))
      KEYPOS.set(out, Object.fromEntries(node.items.map((item, i) => [String(i), at(item)])))
      return out
    }
    if (isScalar(node)) return node.value
    return null
  }
  return {raw: toValue(contents, 0) as Raw, tags, display}
}

// The parts each merged object was made of: using a key of the merge uses it in the parts.
const MERGED = new WeakMap<object, object[]>()

/** Test Kitchen's merge of kitchen.local.yml: mappings merge key by key, anything else (lists too) is replaced. */
function mergeKitchen(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over
  const out: Raw = {...base}
  const pos = {...KEYPOS.get(base)}
  for (const [k, v] of Object.entries(over)) {
    out[k] = mergeKitchen(base[k], v)
    const p = posOf(over, k)
    if (p) pos[k] = p
  }
  KEYPOS.set(out, pos)
  MERGED.set(out, [base, over])
  return out
}
function markUsed(obj: object, key: string): void {
  use(obj, key)
  for (const part of MERGED.get(obj) ?? []) if (isObject(part) && key in part) markUsed(part, key)
}

// ---------------------------------------------------------------- layers

type Level = 'common' | 'platform' | 'suite'

interface Layer {
  obj: Raw
  /** Where it is, for reports: `driver`, `platforms[centos-7].driver`. */
  where: string
  level: Level
  /** Only these keys belong to the block (chef data moved from a platform or suite). */
  only?: Set<string>
}

/** One block (driver, provisioner...) of one instance: Test Kitchen's common < platform < suite. */
class Block {
  constructor(readonly layers: Layer[]) {}

  private holders(key: string): Layer[] {
    return this.layers.filter((l) => key in l.obj && (!l.only || l.only.has(key)))
  }

  has(key: string): boolean {
    return this.holders(key).length > 0
  }

  /** The merged value (mappings merge, the most specific wins otherwise), marking the key used. */
  take(key: string): unknown {
    let value: unknown
    for (const l of this.holders(key)) {
      markUsed(l.obj, key)
      value = mergeKitchen(value, l.obj[key])
    }
    return value
  }

  /** The value each level gives, most general first, marking the key used. */
  takeLevels(key: string): {level: Level; value: unknown; layer: Layer}[] {
    return this.holders(key).map((l) => {
      markUsed(l.obj, key)
      return {level: l.level, value: l.obj[key], layer: l}
    })
  }

  /** Where the effective value of `key` is written. */
  at(key: string): {pos: SourcePosition; where: string} | undefined {
    const l = this.holders(key).at(-1)
    const pos = l && posOf(l.obj, key)
    return l && pos ? {pos, where: `${l.where}.${key}`} : undefined
  }
}

// ---------------------------------------------------------------- what does not map, and why

const TRANSPORT = 'Galley runs commands through the container engine; there is no SSH or WinRM transport to configure'
const CHEF_INSTALL = "Galley does not install Chef: the platform's image must have Cinc or Chef (cinc-solo or chef-solo)"
const ANSIBLE_INSTALL = "not needed: Galley installs Debian's ansible-core in the instance when it is missing"
const ROOT = 'not needed: Galley runs steps and tests as root'

/** Reasons for keys Galley has no place for, by block and plugin; `*` is any plugin of the block. */
const REASONS: Record<string, Record<string, string>> = {
  'driver:*': {
    privileged: 'Galley does not run privileged containers',
    cap_add: 'Galley does not change container capabilities',
    cap_drop: 'Galley does not change container capabilities',
    security_opt: 'Galley does not set security options on containers',
    volume: 'Galley mounts only the project folder (at /tmp/galley); add other files to the project',
    volumes: 'Galley mounts only the project folder (at /tmp/galley); add other files to the project',
    forward: 'Galley does not publish ports; tests run inside the instance and reach its services on 127.0.0.1',
    ports: 'Galley does not publish ports; tests run inside the instance and reach its services on 127.0.0.1',
    hostname: 'Galley names the container after the instance',
    dns: "Galley points instances at the bridge's DNS",
    links: 'Galley does not link containers',
    network_mode: 'Galley puts every instance on its own bridge',
    cpu: "kitchen-docker's cpu is CPU shares, a relative weight; Galley's driver.cpus is a quota: set driver.cpus yourself",
    run_command: "Galley runs the engine's init (or a long sleep) as PID 1 and does not take another",
    pid_one_command: "Galley runs the engine's init (or a long sleep) as PID 1; systemd as PID 1 is not supported, so services are started through their init scripts",
    dockerfile: "Galley does not build images from a Dockerfile: build it with the engine (docker build -t NAME .) and set the platform's image: NAME",
    build_context: 'Galley does not build images from a Dockerfile',
    build_options: 'Galley does not build images from a Dockerfile',
    run_options: 'Galley does not take extra engine options',
    intermediate_instructions: 'Dockerfile instructions run while kitchen-dokken builds the image; Galley does not build images from Dockerfile lines: put RUN commands in provisioner steps, or bake them into the image',
    chef_image: "kitchen-dokken mounts Chef from its chef image; Galley does not: the platform's image must have Cinc or Chef",
    chef_version: "kitchen-dokken mounts Chef from its chef image; Galley does not: the platform's image must have Cinc or Chef",
    pull_chef_image: 'there is no chef image in Galley',
    pull_platform_image: 'Galley uses an engine image as it is when present and does not pull it again',
    image_prefix: 'Galley takes the image reference as written',
    docker_registry: 'Galley takes the image reference as written',
    creds_file: 'Galley does not log in to registries',
    username: TRANSPORT,
    password: TRANSPORT,
    public_key: TRANSPORT,
    private_key: TRANSPORT,
    use_sudo: 'not needed: Galley reaches the engine through its API socket',
    use_cache: 'Galley does not build images, so there is no build cache to use',
    remove_images: 'Galley keeps or removes images with galley image rm and galley cache prune',
    platform: "not needed: the docker driver uses it to install SSH in the image; Galley needs nothing in the image",
    instance_name: 'Galley names containers after the instance',
    tmpfs: 'Galley does not mount tmpfs filesystems',
    entrypoint: "Galley runs the engine's init as PID 1",
    userns_host: 'Galley does not change user namespaces',
    cgroupns_host: 'Galley does not change cgroup namespaces',
    api_retries: 'not needed: Galley talks to the engine API directly',
    read_timeout: 'not needed: Galley talks to the engine API directly',
    write_timeout: 'not needed: Galley talks to the engine API directly',
    docker_info: 'not needed: Galley asks the engine itself',
    ipv6: 'Galley does not configure IPv6 on instances',
    wait_for_transport: TRANSPORT,
    require_chef_omnibus: CHEF_INSTALL,
    disable_upstart: "not needed: Galley does not run the image's init system",
    http_proxy: 'the docker driver uses it while building its image; Galley builds none (set the provisioner env yourself if recipes need it)',
    https_proxy: 'the docker driver uses it while building its image; Galley builds none (set the provisioner env yourself if recipes need it)',
    no_proxy: 'the docker driver uses it while building its image; Galley builds none',
  },
  'provisioner:*': {
    sudo: ROOT,
    sudo_command: ROOT,
    root_path: 'Galley runs in the project folder, /tmp/galley, not in /tmp/kitchen',
    retry_on_exit_code: 'Galley does not retry a failed step: a failed step fails the instance',
    max_retries: 'Galley does not retry a failed step',
    wait_for_retry: 'Galley does not retry a failed step',
    command_prefix: 'Galley runs steps with the suite env; put the prefix in a step',
    downloads: 'Galley does not copy files out of instances after converge',
  },
  'provisioner:chef': {
    product_name: CHEF_INSTALL,
    product_version: CHEF_INSTALL,
    channel: CHEF_INSTALL,
    install_strategy: CHEF_INSTALL,
    require_chef_omnibus: CHEF_INSTALL,
    chef_omnibus_url: CHEF_INSTALL,
    chef_omnibus_install_options: CHEF_INSTALL,
    chef_omnibus_root: CHEF_INSTALL,
    download_url: CHEF_INSTALL,
    chef_license: "Galley does not pass a license answer to Chef; Cinc needs none",
    policyfile: 'Galley does not read Policyfiles: give the run list as run_list and vendor the cookbooks into cookbooks_path',
    policyfile_path: 'Galley does not read Policyfiles: give the run list as run_list and vendor the cookbooks into cookbooks_path',
    named_run_list: 'Galley does not read Policyfiles, so there are no named run lists',
    data_bags_path: 'Galley\'s chef provisioner writes solo.rb with cookbook_path only; data bags are not passed',
    encrypted_data_bag_secret_key_path: 'Galley\'s chef provisioner passes no data bags or secrets',
    environments_path: 'Galley\'s chef provisioner passes no environments',
    client_rb: 'Galley writes its own solo.rb with cookbook_path only',
    solo_rb: 'Galley writes its own solo.rb with cookbook_path only',
    nodes_path: 'Galley\'s chef provisioner passes no node files (attributes are its node JSON)',
    clients_path: 'Galley\'s chef provisioner runs chef-solo without clients',
    roles_path: 'Galley\'s chef provisioner passes no roles folder: role[...] entries in the run list will not resolve',
    always_update_cookbooks: 'Galley does not resolve cookbook dependencies',
    deprecations_as_errors: 'Galley runs Chef with its defaults',
    log_level: 'Galley runs Chef with its defaults',
    chef_log_level: 'Galley runs Chef with its defaults',
    log_file: 'Galley keeps the run\'s output in .galley/logs/',
    profile_ruby: 'Galley runs Chef with its defaults',
    json_attributes: 'Galley always passes attributes as node JSON',
    multiple_converge: 'Galley converges once, and a second time only to check idempotence (enforce_idempotency)',
    chef_zero_host: 'Galley runs chef-solo in local mode; no chef-zero server to configure',
    chef_zero_port: 'Galley runs chef-solo in local mode; no chef-zero server to configure',
    chef_solo_path: 'Galley runs cinc-solo or chef-solo from the PATH',
    chef_client_path: 'Galley runs cinc-solo or chef-solo from the PATH',
    ruby_bindir: 'Galley runs cinc-solo or chef-solo from the PATH',
    data_path: 'Galley\'s chef provisioner does not copy a data folder; the project folder is at /tmp/galley',
    http_proxy: 'Galley\'s chef provisioner has no proxy setting',
    https_proxy: 'Galley\'s chef provisioner has no proxy setting',
  },
  'provisioner:ansible': {
    hosts: "not needed: Galley puts the instance in every group the plays' hosts: name",
    require_ansible_repo: ANSIBLE_INSTALL,
    require_ansible_omnibus: ANSIBLE_INSTALL,
    require_ansible_source: ANSIBLE_INSTALL,
    ansible_version: ANSIBLE_INSTALL + ' (its version is the one Debian ships)',
    ansible_apt_repo: ANSIBLE_INSTALL,
    ansible_yum_repo: ANSIBLE_INSTALL,
    ansible_omnibus_url: ANSIBLE_INSTALL,
    require_pip: ANSIBLE_INSTALL,
    require_pip3: ANSIBLE_INSTALL,
    ansible_binary_path: ANSIBLE_INSTALL,
    python_sles_repo: ANSIBLE_INSTALL,
    require_chef_for_busser: 'not needed: Galley does not use busser',
    require_ruby_for_busser: 'not needed: Galley does not use busser',
    require_windows_support: 'Galley runs Linux containers only',
    ansible_sudo: ROOT,
    ansible_inventory: "Galley builds the inventory itself (the instance, with host vars from provisioner.inventory); an inventory file is not read",
    ansible_inventory_file: "Galley builds the inventory itself; an inventory file is not read",
    requirements_path: 'Galley does not run ansible-galaxy: install the roles into roles_path before galley test (ansible-galaxy install -r FILE -p roles)',
    requirements_collection_path: 'Galley does not run ansible-galaxy collection install',
    ansible_verbose: 'Galley runs ansible-playbook with its defaults',
    ansible_verbosity: 'Galley runs ansible-playbook with its defaults',
    ansible_diff: 'Galley runs ansible-playbook with its defaults',
    ansible_check: 'Galley runs ansible-playbook with its defaults',
    ansible_extra_flags: 'Galley runs ansible-playbook with its own flags',
    ansible_vault_password_file: 'Galley passes no vault password file',
    ansible_connection: 'Galley runs plays with a local connection inside the instance',
    ansible_host_key_checking: TRANSPORT,
    ansible_cfg_path: 'Galley does not copy an ansible.cfg; one beside the playbook is read by ansible when it is in the current folder only',
    group_vars_path: 'Galley copies nothing into place: group_vars beside the playbook are read by ansible, others are not',
    host_vars_path: 'Galley copies nothing into place: host_vars beside the playbook are read by ansible, others are not; use provisioner.inventory for host vars',
    additional_copy_path: 'Galley copies nothing: the whole project folder is at /tmp/galley in the instance',
    modules_path: 'Galley passes no modules folder',
    library_plugins_path: 'Galley passes no plugin folders',
    filter_plugins_path: 'Galley passes no plugin folders',
    lookup_plugins_path: 'Galley passes no plugin folders',
    callback_plugins_path: 'Galley passes no plugin folders',
    role_name: 'the project itself as a role: Galley needs a roles_path folder that holds the role (a folder named after it) inside the project',
    ansiblefile_path: 'Galley does not run librarian-ansible',
    custom_pre_play_command: 'Galley runs shell steps before it installs Ansible, not between install and play',
    custom_post_play_command: 'Galley has no step after the playbook',
    custom_post_install_command: 'Galley runs shell steps before it installs Ansible',
    ignore_paths_from_root: 'Galley copies nothing: the project folder is mounted whole',
    ignore_extensions_from_root: 'Galley copies nothing: the project folder is mounted whole',
    kerberos_conf_file: 'Galley does not configure Kerberos',
    shell_command: 'Galley runs commands with /bin/sh',
    ansible_platform: 'not needed: Galley installs Ansible with apt',
    enable_yum_epel: 'Galley installs Ansible with apt only',
    http_proxy: 'Galley\'s ansible provisioner has no proxy setting',
    https_proxy: 'Galley\'s ansible provisioner has no proxy setting',
  },
  'provisioner:puppet': {
    puppet_version: "not needed: Galley installs Debian's puppet in the instance when it is missing",
    require_puppet_repo: "not needed: Galley installs Debian's puppet in the instance when it is missing",
    require_puppet_collections: "not needed: Galley installs Debian's puppet in the instance when it is missing",
    puppet_apt_repo: "not needed: Galley installs Debian's puppet in the instance when it is missing",
    require_chef_for_busser: 'not needed: Galley does not use busser',
    hiera_data_path: 'Galley does not configure Hiera',
    hiera_config_path: 'Galley does not configure Hiera',
    hiera_data_remote_path: 'Galley does not configure Hiera',
    custom_facts: 'Galley passes no facts; set FACTER_<name> in the provisioner env for each fact',
    puppet_debug: 'Galley runs puppet apply with its defaults',
    puppet_verbose: 'Galley runs puppet apply with its defaults',
    puppet_detailed_exitcodes: 'not needed: Galley always runs puppet apply with --detailed-exitcodes',
    puppet_noop: 'Galley has no dry-run converge',
    puppetfile_path: 'Galley does not run librarian-puppet or r10k: install the modules into modules_path first',
    ignore_spec_fixtures: 'not needed: Galley copies nothing, the project folder is mounted whole',
  },
  'verifier:*': {
    sudo: ROOT,
    root_path: 'Galley runs tests in the project folder, /tmp/galley',
    live_stream: 'not needed: Galley streams every test\'s output to its log',
    sleep: 'Galley does not wait before tests; add a retry or a sleep to the test command',
  },
}

function reasonFor(block: string, plugin: string, key: string): string {
  const specific = REASONS[`${block}:${plugin}`]?.[key] ?? REASONS[`${block}:*`]?.[key]
  if (specific) return specific
  if (block === 'transport') return TRANSPORT
  if (block === 'verifier' && plugin === 'inspec') return 'a setting of the InSpec verifier, which Galley cannot run'
  if (block === 'verifier' && plugin === 'busser') return 'a setting of busser, which Galley does not use'
  if (plugin === 'unsupported') return `a setting of a ${block} Galley has no equivalent for`
  return `Galley's ${plugin} ${block} has no such setting`
}

// ---------------------------------------------------------------- mapping

// kitchen-dokken's own provisioner, dokken, is chef_zero's.
const CHEF_NAMES = ['chef_zero', 'chef_solo', 'chef_infra', 'dokken']
const DEBIAN: Record<string, string> = {'10': 'buster', '11': 'bullseye', '12': 'bookworm', '13': 'trixie'}
const DEBIAN_CODENAMES = new Set(Object.values(DEBIAN))

/** Official image names of distributions, by the first word of a platform name. */
const DISTROS: Record<string, string> = {
  ubuntu: 'ubuntu',
  debian: 'debian',
  centos: 'centos',
  fedora: 'fedora',
  rockylinux: 'rockylinux',
  rocky: 'rockylinux',
  almalinux: 'almalinux',
  alma: 'almalinux',
  amazonlinux: 'amazonlinux',
  amazon: 'amazonlinux',
  oraclelinux: 'oraclelinux',
  oracle: 'oraclelinux',
  alpine: 'alpine',
  archlinux: 'archlinux',
  busybox: 'busybox',
}

/** The engine image a platform name stands for: `ubuntu-22.04` → `ubuntu:22.04`. */
export function imageForPlatformName(name: string): {ref: string; known: boolean} {
  const suse = /^opensuse-leap-(.+)$/.exec(name)
  if (suse) return {ref: `opensuse/leap:${suse[1]}`, known: true}
  const [distro, ...rest] = name.split('-')
  const version = rest.join('-')
  const official = DISTROS[distro.toLowerCase()]
  if (official) return {ref: version ? `${official}:${version}` : official, known: true}
  // kitchen-docker's own rule: the first two dash-separated words are name and tag.
  return {ref: rest[0] ? `${distro}:${rest[0]}` : distro, known: false}
}

/** A debootstrap spec for a Debian image reference or platform name, when there is one. */
function debootstrapFor(ref: string): Raw | undefined {
  const m = /^(?:[\w.-]+\/)?debian[:-]([\w.]+?)(?:-slim)?$/.exec(ref)
  if (!m) return undefined
  const release = DEBIAN[m[1].split('.')[0]] ?? (DEBIAN_CODENAMES.has(m[1]) ? m[1] : undefined)
  return release ? {bootstrap: 'debootstrap', release} : undefined
}

/** Galley's provisioner for a Test Kitchen provisioner name. */
function provisionerKind(name: string): 'chef' | 'ansible' | 'puppet' | 'shell' | 'unsupported' {
  if (CHEF_NAMES.includes(name)) return 'chef'
  if (name === 'ansible_playbook') return 'ansible'
  if (name === 'puppet_apply') return 'puppet'
  return name === 'shell' ? 'shell' : 'unsupported'
}

interface InstanceOut {
  suite: string
  platform: string
  driver: Raw
  provisioner: Raw
  verifier: Raw
}

class Importer {
  readonly unmapped = new Map<string, ImportItem>()
  readonly notes = new Map<string, ImportItem>()
  private readonly tags: ErbTag[]

  constructor(
    readonly root: string,
    readonly outDir: string,
    /** The kitchen file as shown in reports. */
    readonly file: string,
    tags: ErbTag[],
    readonly bootstrap: boolean,
  ) {
    this.tags = tags
  }

  report(kind: 'unmapped' | 'note', at: SourcePosition, key: string, reason: string): void {
    const map = kind === 'unmapped' ? this.unmapped : this.notes
    const id = `${at.file}:${at.line}:${at.col}:${key}:${reason}`
    if (!map.has(id)) map.set(id, {...at, key, reason})
  }

  /**
   * Resolves the ERB placeholders in a string value: an ENV lookup with a literal default gives
   * that default (noted); anything else cannot be imported (reported), and undefined is returned.
   */
  erb(value: string, at: SourcePosition, key: string): string | undefined {
    const found = [...value.matchAll(PLACEHOLDER)].map((m) => this.tags[Number(m[1])])
    if (found.length === 0) return value
    const defaults = found.map((t) => envDefault(t.code))
    if (defaults.every((d) => d !== undefined)) {
      let i = 0
      const out = value.replace(PLACEHOLDER, () => defaults[i++]!.value)
      const vars = defaults.map((d) => `$${d!.name}`).join(', ')
      this.report('note', at, key, `ERB ${found.map((t) => `<%= ${t.code} %>`).join(' ')} depends on ${vars}; imported its default \`${out}\` (galley.yml does not read environment variables)`)
      return out
    }
    this.report('unmapped', at, key, `ERB ${found.map((t) => `<%= ${t.code} %>`).join(' ')} is not evaluated; galley.yml has no templating: write the value it stands for`)
    return undefined
  }

  /** A value with ERB resolved throughout (strings inside mappings and lists too); keys whose value cannot be resolved are dropped and reported. */
  clean(value: unknown, at: SourcePosition, key: string): unknown {
    if (typeof value === 'string') return this.erb(value, at, key)
    if (Array.isArray(value)) {
      const out: unknown[] = []
      value.forEach((v, i) => {
        const c = this.clean(v, posOf(value, i) ?? at, `${key}[${i}]`)
        if (c !== undefined) out.push(c)
      })
      return out
    }
    if (isObject(value)) {
      const out: Raw = {}
      for (const [k, v] of Object.entries(value)) {
        const kAt = posOf(value, k) ?? at
        if (PLACEHOLDER.test(k)) {
          PLACEHOLDER.lastIndex = 0
          this.erb(k, kAt, `${key}.${k}`)
          continue
        }
        const c = this.clean(v, kAt, `${key}.${k}`)
        if (c !== undefined) out[k] = c
      }
      return out
    }
    return value
  }

  /** Takes `key` from a block with ERB resolved; undefined when absent or unresolvable. */
  value(block: Block, key: string): unknown {
    const where = block.at(key)
    const v = block.take(key)
    if (v === undefined || v === null) return undefined
    return where ? this.clean(v, where.pos, where.where) : v
  }

  str(block: Block, key: string): string | undefined {
    const v = this.value(block, key)
    return v === undefined || isObject(v) || Array.isArray(v) ? undefined : String(v)
  }

  list(block: Block, key: string): string[] | undefined {
    const v = this.value(block, key)
    if (v === undefined) return undefined
    return (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined).map(String)
  }

  /** A kitchen-root-relative path as a path relative to galley.yml's folder, or undefined (reported) when it falls outside. */
  relPath(rel: string, at: SourcePosition | undefined, key: string): string | undefined {
    const abs = path.resolve(this.root, rel)
    const out = path.relative(this.outDir, abs) || '.'
    if (out.startsWith('..') || path.isAbsolute(out)) {
      if (at) this.report('unmapped', at, key, `\`${rel}\` is outside the folder galley.yml is written to, and an instance sees only that folder: move it inside`)
      return undefined
    }
    const rel2 = out.split(path.sep).join('/')
    if (at && !existsSync(abs)) this.report('note', at, key, `\`${rel}\` does not exist; galley.yml will not load until it does`)
    return rel2
  }

  exists(rel: string): boolean {
    return existsSync(path.resolve(this.root, rel))
  }

  /** The first of `candidates` (kitchen-root-relative) that is a file. */
  findFile(candidates: string[]): string | undefined {
    return candidates.find((c) => statSync(path.resolve(this.root, c), {throwIfNoEntry: false})?.isFile())
  }
}

/** Kitchen's short forms: `driver: docker` is `driver: {name: docker}`. */
function blockOf(obj: Raw, key: string): Raw | undefined {
  const v = obj[key]
  if (typeof v === 'string') {
    const out: Raw = {name: v}
    const p = posOf(obj, key)
    if (p) KEYPOS.set(out, {name: p})
    return out
  }
  return isObject(v) ? v : undefined
}

function usedKeys(obj: object): Set<string> {
  return USED.get(obj) ?? new Set()
}

/** Converts a parsed (and merged) kitchen tree. */
function convert(kitchen: Raw, imp: Importer, driverName?: DriverName): {config: Raw} {
  const entries = (list: 'platforms' | 'suites'): Raw[] => {
    const v = kitchen[list]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      imp.report('unmapped', posOf(kitchen, list)!, list, `${list} must be a list of mappings with a name; not imported`)
      return []
    }
    v.forEach((item, i) => {
      if (!isObject(item)) imp.report('unmapped', posOf(v, i)!, `${list}[${i}]`, `not a mapping with a name: Test Kitchen would reject it; not imported`)
    })
    return v.filter(isObject)
  }
  const allPlatforms = entries('platforms')
  const allSuites = entries('suites')
  const top = kitchen
  const topAt = (key: string): SourcePosition => posOf(top, key) ?? {file: imp.file, line: 1, col: 1}

  // Names: Galley's are letters, digits, '.', '_' and '-'. A name that is ERB drops its entry.
  const nameOf = (item: Raw, list: 'platforms' | 'suites'): string | undefined => {
    // The index in the file's list, for reports (entries that are not mappings were dropped).
    const i = (kitchen[list] as unknown[]).indexOf(item)
    const at = posOf(item, 'name') ?? posOf(kitchen[list] as object, i) ?? topAt(list)
    use(item, 'name')
    const raw = item.name === undefined || item.name === null ? '' : String(item.name)
    let name = imp.erb(raw, at, `${list}[${i}].name`)
    if (name === undefined) {
      imp.report('unmapped', at, `${list}[${i}]`, `its name is ERB, so the whole ${list.slice(0, -1)} was left out`)
      return undefined
    }
    if (!NAME_PATTERN.test(name)) {
      const fixed = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || `${list.slice(0, -1)}${i + 1}`
      imp.report('note', at, `${list}[${i}].name`, `\`${name}\` is not a Galley name (letters, digits, '.', '_', '-'); imported as \`${fixed}\``)
      name = fixed
    }
    return name
  }
  const named = (list: Raw[], kind: 'platforms' | 'suites') =>
    list.map((item) => [item, nameOf(item, kind)] as const).filter((x): x is readonly [Raw, string] => x[1] !== undefined)
  const namedPlatforms = named(allPlatforms, 'platforms')
  const namedSuites = named(allSuites, 'suites')
  const platforms = namedPlatforms.map(([p]) => p)
  const platformNames = namedPlatforms.map(([, n]) => n)
  const suites = namedSuites.map(([s]) => s)
  const suiteNames = namedSuites.map(([, n]) => n)
  if (platforms.length === 0) throw new ConfigError('the kitchen file lists no platforms', topAt('platforms'), {hint: 'Test Kitchen needs platforms: and suites: too.'})
  if (suites.length === 0) throw new ConfigError('the kitchen file lists no suites', topAt('suites'), {hint: 'Test Kitchen needs platforms: and suites: too.'})

  const CHEF_DATA = new Set(['attributes', 'run_list', 'named_run_list', 'data_path', 'data_bags_path', 'encrypted_data_bag_secret_key_path', 'environments_path', 'nodes_path', 'roles_path', 'policyfile_path'])
  const driverOf = (obj: Raw): Raw | undefined => {
    const legacy = blockOf(obj, 'driver_config')
    const d = blockOf(obj, 'driver')
    if (legacy && d) return mergeKitchen(legacy, d) as Raw
    return d ?? legacy
  }
  const topDriver = driverOf(top)
  const layersOf = (key: string, platform: Raw, pi: number, suite: Raw, si: number, chefData = false): Layer[] => {
    const get = key === 'driver' ? driverOf : (o: Raw) => blockOf(o, key)
    const layers: Layer[] = []
    const t = key === 'driver' ? topDriver : get(top)
    if (t) layers.push({obj: t, where: key, level: 'common'})
    if (chefData) layers.push({obj: platform, where: `platforms[${platformNames[pi]}]`, level: 'platform', only: CHEF_DATA})
    const p = get(platform)
    if (p) layers.push({obj: p, where: `platforms[${platformNames[pi]}].${key}`, level: 'platform'})
    if (chefData) layers.push({obj: suite, where: `suites[${suiteNames[si]}]`, level: 'suite', only: CHEF_DATA})
    const s = get(suite)
    if (s) layers.push({obj: s, where: `suites[${suiteNames[si]}].${key}`, level: 'suite'})
    return layers
  }

  // The instance matrix, with Kitchen's includes/excludes (a /regex/ entry matches names).
  const selectors = (suite: Raw, si: number, key: 'includes' | 'excludes'): string[] | undefined => {
    const v = suite[key]
    if (v === undefined || v === null) return undefined
    use(suite, key)
    const at = posOf(suite, key)!
    const out: string[] = []
    for (const [i, entry] of (Array.isArray(v) ? v : [v]).entries()) {
      const text = imp.erb(String(entry), posOf(v as object, i) ?? at, `suites[${suiteNames[si]}].${key}[${i}]`)
      if (text === undefined) continue
      let re: RegExp | undefined
      try {
        re = /^\/(.*)\/$/.test(text) ? new RegExp(text.slice(1, -1)) : undefined
      } catch {
        imp.report('unmapped', posOf(v as object, i) ?? at, `suites[${suiteNames[si]}].${key}[${i}]`, `\`${text}\` is not a regular expression Galley can read`)
        continue
      }
      const matched = re ? platforms.map((p, pi) => [p, pi] as const).filter(([p]) => re.test(String(p.name))).map(([, pi]) => platformNames[pi]) : platformNames.filter((n, pi) => String(platforms[pi].name) === text || n === text)
      if (matched.length === 0) imp.report('unmapped', posOf(v as object, i) ?? at, `suites[${suiteNames[si]}].${key}[${i}]`, `\`${text}\` names no platform of this file (Test Kitchen ignores it; Galley would reject it)`)
      else if (re) imp.report('note', posOf(v as object, i) ?? at, `suites[${suiteNames[si]}].${key}[${i}]`, `the pattern ${text} was expanded to ${matched.join(', ')}`)
      out.push(...matched)
    }
    return [...new Set(out)]
  }
  const suiteSel = suites.map((s, si) => ({includes: selectors(s, si, 'includes'), excludes: selectors(s, si, 'excludes') ?? []}))

  // Each platform's image, from the driver settings of the common and platform levels.
  const imageRefs: string[] = []
  const images = platforms.map((platform, pi) => {
    const block = new Block(layersOf('driver', platform, pi, {}, -1).filter((l) => l.level !== 'suite'))
    const driverName = (block.has('name') ? imp.str(block, 'name') : undefined) ?? ''
    const name = platformNames[pi]
    const where = block.at('image')
    let ref = imp.str(block, 'image')
    let from = ''
    if (!ref) {
      const guess = imageForPlatformName(String(platform.name ?? name))
      ref = guess.ref
      from = guess.known ? `from its name` : `from its name by kitchen-docker's rule (not a distribution Galley knows; check it)`
      if (driverName === 'dokken' && !guess.known) from = `from its name by kitchen-dokken's rule (check it)`
    }
    const at = where?.pos ?? posOf(platform, 'name') ?? topAt('platforms')
    const key = where?.where ?? `platforms[${name}]`
    if (imp.bootstrap) {
      const spec = debootstrapFor(ref) ?? (from ? debootstrapFor(String(platform.name)) : undefined)
      if (/^busybox(?::[\w.-]+)?$/.test(ref)) {
        imp.report('note', at, key, `platform \`${name}\` uses Galley's busybox image (the host's busybox-static) instead of the engine image \`${ref}\` (--bootstrap)`)
        return {bootstrap: 'busybox'}
      }
      if (spec) {
        imp.report('note', at, key, `platform \`${name}\` is built with debootstrap (release ${spec.release}) instead of the engine image \`${ref}\` (--bootstrap)`)
        return spec
      }
      if (/^(?:[\w.-]+\/)?ubuntu[:-]/.test(ref)) imp.report('note', at, key, `--bootstrap: Ubuntu releases need Ubuntu's mirror, which debootstrap here does not use; kept the engine image \`${ref}\``)
    }
    imp.report('note', at, key, `platform \`${name}\` uses the engine image \`${ref}\`${from ? ` (${from})` : ''}: Galley runs it on Docker or Podman only, as it is when present; there is no registry to pull from here, so load it into the engine before galley test`)
    imageRefs.push(ref)
    return ref
  })

  const instances: InstanceOut[] = []
  suites.forEach((suite, si) => {
    platforms.forEach((platform, pi) => {
      const pname = platformNames[pi]
      const sel = suiteSel[si]
      if ((sel.includes && !sel.includes.includes(pname)) || sel.excludes.includes(pname)) return
      instances.push(convertInstance(imp, suiteNames[si], pname, {
        driver: new Block(layersOf('driver', platform, pi, suite, si)),
        provisioner: new Block(layersOf('provisioner', platform, pi, suite, si, true)),
        verifier: new Block(layersOf('verifier', platform, pi, suite, si)),
        lifecycle: new Block(layersOf('lifecycle', platform, pi, suite, si)),
      }))
    })
  })

  const config: Raw = {}
  const driver: Raw = driverName ? {name: driverName} : imageRefs.length > 0 ? {name: 'docker'} : {}
  if (driverName === 'lxc' && imageRefs.length > 0) {
    imp.report('note', topAt('platforms'), 'platforms', `--driver lxc: LXC cannot run engine images (${[...new Set(imageRefs)].join(', ')}); galley.yml will not load until those platforms use {bootstrap: ...} (--bootstrap does that for Debian and busybox)`)
  }
  const platformOut: Raw[] = platformNames.map((name, pi) => ({name, image: images[pi]}))
  const suiteOut: Raw[] = suiteNames.map((name, si) => {
    const out: Raw = {name}
    if (suiteSel[si].includes) out.includes = suiteSel[si].includes
    if (suiteSel[si].excludes.length > 0) out.excludes = suiteSel[si].excludes
    return out
  })
  const outNames = splitSuites(imp, instances, suiteNames, suiteOut, platformNames)
  const commonOut: Record<string, Raw> = {driver, provisioner: {}, verifier: {}}
  for (const section of ['driver', 'provisioner', 'verifier'] as const) {
    factor(instances, section, commonOut[section], platformOut, platformNames, suiteOut, outNames)
  }
  for (const section of ['driver', 'provisioner', 'verifier'] as const) if (Object.keys(commonOut[section]).length > 0) config[section] = commonOut[section]
  config.platforms = platformOut
  config.suites = suiteOut.map((s) => {
    // includes/excludes read best after what the suite runs.
    const {name, includes, excludes, ...rest} = s
    return {name, ...rest, ...(includes ? {includes} : {}), ...(excludes ? {excludes} : {})}
  })

  reportLeftovers(kitchen, imp, platforms, platformNames, suites, suiteNames)
  return {config}
}

const SECTIONS = ['driver', 'provisioner', 'verifier'] as const

/**
 * galley.yml has no setting per suite × platform. Where Kitchen's merge gives a suite different
 * settings on different platforms, and the difference is not the platform's alone (so the
 * platform level cannot carry it), the suite is split: one Galley suite per group of platforms
 * that agree, the first keeping the name, each with includes for its platforms. Returns the suite
 * names after the split, renaming the instances' suites.
 */
function splitSuites(imp: Importer, instances: InstanceOut[], suiteNames: string[], suiteOut: Raw[], platformNames: string[]): string[] {
  const uniform = (group: InstanceOut[], section: (typeof SECTIONS)[number], key: string) => new Set(group.map((i) => JSON.stringify(i[section][key]))).size <= 1
  const crossing: [(typeof SECTIONS)[number], string][] = []
  for (const section of SECTIONS) {
    for (const key of new Set(instances.flatMap((i) => Object.keys(i[section])))) {
      const bySuite = suiteNames.map((s) => instances.filter((i) => i.suite === s))
      const byPlatform = platformNames.map((p) => instances.filter((i) => i.platform === p))
      if (!bySuite.every((g) => uniform(g, section, key)) && !byPlatform.every((g) => uniform(g, section, key))) crossing.push([section, key])
    }
  }
  if (crossing.length === 0) return suiteNames
  const names = [...suiteNames]
  const signature = (i: InstanceOut) => JSON.stringify(crossing.map(([section, key]) => i[section][key]))
  for (const suite of suiteNames) {
    const mine = instances.filter((i) => i.suite === suite)
    const groups = new Map<string, InstanceOut[]>()
    for (const i of mine) groups.set(signature(i), [...(groups.get(signature(i)) ?? []), i])
    if (groups.size <= 1) continue
    const original = suiteOut[names.indexOf(suite)]
    const added: string[] = []
    ;[...groups.values()].forEach((group, n) => {
      const name = n === 0 ? suite : `${suite}-${group[0].platform}`
      const platforms = group.map((i) => i.platform)
      for (const i of group) i.suite = name
      if (n === 0) {
        original.includes = platforms
        delete original.excludes
        return
      }
      added.push(name)
      const at = names.indexOf(suite) + added.length
      names.splice(at, 0, name)
      suiteOut.splice(at, 0, {name, includes: platforms})
    })
    const what = crossing.map(([section, key]) => `${section}.${key}`).join(', ')
    imp.report('note', {file: imp.file, line: 1, col: 1}, `suites[${suite}]`, `its ${what} differ by platform in a way galley.yml cannot say of one suite, so it was split: ${[suite, ...added].join(', ')} (instance names change accordingly)`)
  }
  return names
}

/**
 * Places each setting at the most general level where it holds for every instance: the top when
 * all agree, else each suite, else each platform.
 */
function factor(instances: InstanceOut[], section: 'driver' | 'provisioner' | 'verifier', common: Raw, platforms: Raw[], platformNames: string[], suites: Raw[], suiteNames: string[]): void {
  const keys = [...new Set(instances.flatMap((i) => Object.keys(i[section])))]
  const into = (list: Raw[], names: string[], name: string, key: string, value: unknown) => {
    const item = list[names.indexOf(name)]
    item[section] = {...((item[section] as Raw | undefined) ?? {}), [key]: value}
  }
  const same = (group: InstanceOut[], key: string) => new Set(group.map((i) => JSON.stringify(i[section][key]))).size === 1
  for (const key of keys) {
    if (same(instances, key)) {
      if (instances[0][section][key] !== undefined) common[key] = instances[0][section][key]
      continue
    }
    const bySuite = suiteNames.map((s) => instances.filter((i) => i.suite === s)).filter((g) => g.length > 0)
    const byPlatform = platformNames.map((p) => instances.filter((i) => i.platform === p)).filter((g) => g.length > 0)
    // splitSuites left every setting uniform per suite or per platform.
    const [groups, list, names] = bySuite.every((g) => same(g, key)) ? [bySuite, suites, suiteNames] : [byPlatform, platforms, platformNames]
    for (const g of groups) {
      const value = g[0][section][key]
      if (value !== undefined) into(list, names, list === suites ? g[0].suite : g[0].platform, key, value)
    }
  }
}

interface Blocks {
  driver: Block
  provisioner: Block
  verifier: Block
  lifecycle: Block
}

/** A step from a lifecycle hook entry, or undefined when it runs on the workstation (reported). */
function hookSteps(imp: Importer, blocks: Blocks, phase: string, allowed: boolean, why: string): Raw[] {
  const steps: Raw[] = []
  for (const {value, layer} of blocks.lifecycle.takeLevels(phase)) {
    const at = posOf(layer.obj, phase)!
    const where = `${layer.where}.${phase}`
    const entries = Array.isArray(value) ? value : [value]
    entries.forEach((entry, i) => {
      const eAt = posOf(value as object, i) ?? at
      const key = `${where}[${i}]`
      if (isObject(entry) && (entry.includes !== undefined || entry.excludes !== undefined)) {
        return imp.report('unmapped', eAt, key, 'a hook limited to some platforms (includes/excludes) is not imported; add it to those platforms\' provisioner steps by hand')
      }
      const remote = isObject(entry) && typeof entry.remote === 'string' ? entry.remote : undefined
      if (remote === undefined) {
        return imp.report('unmapped', eAt, key, `Test Kitchen runs this hook on the workstation${typeof entry === 'string' ? ' (a plain string is a local command)' : ''}; Galley has no host-side hooks: run it yourself before galley test`)
      }
      if (!allowed) return imp.report('unmapped', eAt, key, why)
      const run = imp.erb(remote, eAt, key)
      if (run === undefined) return
      const extra = Object.keys(entry).filter((k) => k !== 'remote')
      if (extra.length > 0) imp.report('unmapped', eAt, key, `hook options ${extra.join(', ')} are not imported; the command runs as root`)
      steps.push({name: `${phase}: ${run.split('\n')[0].slice(0, 60)}`, run})
    })
  }
  return steps
}

function convertInstance(imp: Importer, suite: string, platform: string, blocks: Blocks): InstanceOut {
  const out: InstanceOut = {suite, platform, driver: {}, provisioner: {}, verifier: {}}
  const d = blocks.driver
  const driverName = (d.has('name') ? imp.str(d, 'name') : 'dummy') ?? 'unknown'
  const steps: Raw[] = []
  const env: Record<string, string> = {}

  // ---- driver
  if (driverName === 'docker' || driverName === 'dokken') {
    d.take('image') // imported per platform
    const memKey = driverName === 'dokken' ? 'memory_limit' : 'memory'
    const mem = d.has(memKey) ? imp.str(d, memKey) : undefined
    if (mem !== undefined && mem !== '0') {
      const bytes = parseSize(mem)
      if (bytes !== undefined && bytes >= 8 * 1024 * 1024) out.driver.memory = mem
      else imp.report('unmapped', d.at(memKey)!.pos, d.at(memKey)!.where, `\`${mem}\` is not a memory size Galley accepts (such as 512M, at least 8M)`)
    }
    const socket = d.has('socket') ? imp.str(d, 'socket') : undefined
    if (socket) out.driver.socket = socket.replace(/^unix:\/\//, '')
    if (d.has('provision_command')) {
      for (const run of imp.list(d, 'provision_command') ?? []) steps.push({name: `provision_command: ${run.split('\n')[0].slice(0, 60)}`, run})
    }
    if (driverName === 'dokken' && d.has('env')) {
      const at = d.at('env')!
      const v = imp.value(d, 'env')
      for (const entry of Array.isArray(v) ? v : isObject(v) ? Object.entries(v).map(([k, x]) => `${k}=${x}`) : []) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(String(entry))
        if (m) env[m[1]] = m[2]
        else imp.report('unmapped', at.pos, at.where, `\`${entry}\` is not NAME=value`)
      }
      imp.report('note', at.pos, at.where, "the container's environment became the provisioner's and verifier's env: steps and tests see it, other processes do not")
    }
  } else {
    const at = d.at('name')
    if (at) imp.report('unmapped', at.pos, at.where, `the ${driverName} driver makes machines Galley does not; Galley runs containers (LXC, Docker, Podman), so each platform got a container image by its name`)
  }
  if (d.has('image')) {
    const suiteImage = d.layers.find((l) => l.level === 'suite' && 'image' in l.obj)
    if (suiteImage) imp.report('unmapped', posOf(suiteImage.obj, 'image')!, `${suiteImage.where}.image`, "a suite cannot choose the image in Galley: images belong to platforms")
  }

  // ---- provisioner
  const p = blocks.provisioner
  const kname = (p.has('name') ? imp.str(p, 'name') : 'chef_solo') ?? 'unknown'
  const kind = provisionerKind(kname)
  const nameAt = p.at('name')
  if (kind === 'unsupported' && nameAt) imp.report('unmapped', nameAt.pos, nameAt.where, `the ${kname} provisioner has no Galley equivalent (Galley has shell, chef_zero/chef_solo/chef_infra, ansible_playbook and puppet_apply equivalents, and itamae); no converge steps were made for it`)

  steps.push(...hookSteps(imp, blocks, 'post_create', true, ''))
  steps.push(...hookSteps(imp, blocks, 'pre_converge', true, ''))
  for (const phase of ['pre_create', 'pre_destroy', 'post_destroy']) hookSteps(imp, blocks, phase, false, `Galley has no ${phase} hook; a command inside the instance can only run between create and destroy`)
  for (const phase of ['pre_verify', 'post_verify']) hookSteps(imp, blocks, phase, false, `Galley has no ${phase} hook: make it a verifier test, or a last provisioner step`)

  for (const proxy of ['http_proxy', 'https_proxy', 'no_proxy', 'ftp_proxy']) {
    if (kind !== 'shell' || !p.has(proxy)) continue
    const v = imp.str(p, proxy)
    if (v !== undefined) env[proxy] = v
  }

  if (kind === 'shell') {
    const dataAt = p.at('data_path')
    const data = p.has('data_path') ? imp.str(p, 'data_path') : undefined
    if (data && dataAt) {
      const rel = imp.relPath(data, dataAt.pos, dataAt.where)
      if (rel) {
        steps.push({name: 'data_path at /tmp/kitchen/data', run: `mkdir -p /tmp/kitchen && ln -sfn "$PWD/${rel}" /tmp/kitchen/data`})
        imp.report('note', dataAt.pos, dataAt.where, `/tmp/kitchen/data is a link to the project's ${rel} (the project folder is at /tmp/galley in the instance)`)
      }
    }
    const command = p.has('command') ? imp.str(p, 'command') : undefined
    const scriptAt = p.at('script')
    let script = p.has('script') ? imp.str(p, 'script') : undefined
    if (!script && !command && !p.has('script')) script = imp.findFile([`test/integration/${suite}/bootstrap.sh`, 'test/integration/bootstrap.sh', 'bootstrap.sh'])
    const args = p.has('arguments') ? imp.list(p, 'arguments') : undefined
    if (command) steps.push({name: 'command', run: command})
    else if (script) {
      const rel = imp.relPath(script, scriptAt?.pos, scriptAt?.where ?? 'provisioner.script')
      if (rel && args && args.length > 0) steps.push({name: rel, run: `chmod +x ./${rel} 2>/dev/null; ./${rel} ${args.join(' ')}`})
      else if (rel) steps.push({script: rel})
    }
  } else if (kind === 'chef') {
    const runList = p.takeLevels('run_list')
    // Kitchen joins the platform's run list and the suite's; a common one is overridden.
    const perLevel = (level: Level) => runList.filter((r) => r.level === level).at(-1)
    const parts = [perLevel('platform'), perLevel('suite')].filter((x) => x !== undefined)
    const chosen = parts.length > 0 ? parts : [perLevel('common')].filter((x) => x !== undefined)
    const list: string[] = []
    for (const r of chosen) {
      const at = posOf(r.layer.obj, 'run_list')!
      const v = imp.clean(r.value, at, `${r.layer.where}.run_list`)
      if (v !== undefined && v !== null) list.push(...(Array.isArray(v) ? v : [v]).map(String))
    }
    if (list.length > 0) {
      out.provisioner.name = 'chef'
      out.provisioner.run_list = list
    } else if (nameAt) {
      imp.report('note', nameAt.pos, nameAt.where, `suite \`${suite}\` has no run_list, so it has no chef step (a Policyfile's run list is not read)`)
    }
    if (p.has('attributes')) {
      const attrs = imp.value(p, 'attributes')
      if (isObject(attrs) && Object.keys(attrs).length > 0 && list.length > 0) out.provisioner.attributes = attrs
    }
    if (p.has('cookbooks_path')) {
      const at = p.at('cookbooks_path')!
      const paths = (imp.list(p, 'cookbooks_path') ?? []).map((c) => imp.relPath(c, at.pos, at.where)).filter((c): c is string => c !== undefined)
      if (paths.length > 0 && list.length > 0) out.provisioner.cookbooks_path = paths.length === 1 ? paths[0] : paths
    }
    if (list.length > 0 && nameAt) {
      imp.report('note', nameAt.pos, nameAt.where, CHEF_INSTALL)
      if (!out.provisioner.cookbooks_path && !imp.exists('cookbooks')) {
        const how = imp.exists('Policyfile.rb')
          ? 'this project resolves them with a Policyfile: export them (chef export, or berks vendor cookbooks with a Berksfile) into cookbooks/'
          : imp.exists('Berksfile')
            ? 'this project resolves them with Berkshelf: run berks vendor cookbooks first'
            : imp.exists('metadata.rb')
              ? 'this folder is itself a cookbook: put it (and its dependencies) under cookbooks/<name>/'
              : 'put the cookbooks there'
        imp.report('note', nameAt.pos, nameAt.where, `Galley's chef provisioner reads cookbooks from cookbooks_path (default cookbooks/), which does not exist: ${how}`)
      }
    }
    if (p.has('enforce_idempotency')) {
      if (p.take('enforce_idempotency') === true && list.length > 0) out.provisioner.idempotence = true
    }
  } else if (kind === 'puppet') {
    // kitchen-puppet applies manifests_path/manifest (manifests/site.pp) with modules_path (modules).
    const mAt = p.at('manifest') ?? p.at('manifests_path') ?? nameAt
    const dir = p.has('manifests_path') ? imp.str(p, 'manifests_path') : 'manifests'
    const file = p.has('manifest') ? imp.str(p, 'manifest') : 'site.pp'
    const manifest = dir !== undefined && file !== undefined ? imp.relPath(path.join(dir, file), mAt?.pos, mAt?.where ?? 'provisioner.manifest') : undefined
    if (manifest) {
      out.provisioner.name = 'puppet'
      out.provisioner.manifest = manifest
      const modAt = p.at('modules_path')
      const modules = p.has('modules_path') ? imp.str(p, 'modules_path') : imp.exists('modules') ? 'modules' : undefined
      const rel = modules ? imp.relPath(modules, modAt?.pos, modAt?.where ?? 'provisioner.modules_path') : undefined
      if (rel) out.provisioner.modulepath = rel
    }
  } else if (kind === 'ansible') {
    const at = p.at('playbook')
    let playbook = p.has('playbook') ? imp.str(p, 'playbook') : undefined
    if (!playbook && !p.has('playbook')) {
      playbook = imp.findFile([`test/integration/${suite}/ansible/default.yml`, `test/integration/${suite}/default.yml`, 'test/integration/default.yml', 'default.yml'])
    }
    const rel = playbook ? imp.relPath(playbook, at?.pos, at?.where ?? 'provisioner.playbook') : undefined
    if (rel) {
      out.provisioner.name = 'ansible'
      out.provisioner.playbook = rel
    } else if (!playbook && nameAt) {
      imp.report('unmapped', nameAt.pos, nameAt.where, `suite \`${suite}\` names no playbook and none of kitchen-ansible's defaults (default.yml under test/integration) exists; no ansible step was made`)
    }
    if (p.has('roles_path')) {
      const rAt = p.at('roles_path')!
      const paths = (imp.list(p, 'roles_path') ?? []).map((r) => imp.relPath(r, rAt.pos, rAt.where)).filter((r): r is string => r !== undefined)
      if (paths.length > 0 && rel) out.provisioner.roles_path = paths.length === 1 ? paths[0] : paths
    } else if (rel && imp.exists('roles') && statSync(path.resolve(imp.root, 'roles')).isDirectory()) {
      const r = imp.relPath('roles', undefined, '')
      if (r) out.provisioner.roles_path = r
    }
    if (p.has('extra_vars')) {
      const eAt = p.at('extra_vars')!
      const vars = imp.value(p, 'extra_vars')
      if (isObject(vars)) {
        if (Object.keys(vars).length > 0 && rel) out.provisioner.extra_vars = vars
      } else if (vars !== undefined) imp.report('unmapped', eAt.pos, eAt.where, 'extra_vars that is not a mapping (a file with @) is not imported: write the variables as a mapping')
    }
    if (p.has('idempotency_test')) {
      if (p.take('idempotency_test') === true && rel) out.provisioner.idempotence = true
    }
    if (p.has('custom_pre_install_command')) {
      const run = imp.str(p, 'custom_pre_install_command')
      if (run) steps.push({name: 'custom_pre_install_command', run})
    }
  }

  const postSteps = hookSteps(imp, blocks, 'post_converge', kind === 'shell' || kind === 'unsupported', `Galley runs shell steps before the ${kind} run, so a command after it cannot be placed; make it a verifier test if it checks something`)
  steps.push(...postSteps)
  if (steps.length > 0) out.provisioner.steps = steps
  if (Object.keys(env).length > 0) out.provisioner.env = {...env}

  // ---- verifier
  const v = blocks.verifier
  const vname = (v.has('name') ? imp.str(v, 'name') : 'busser') ?? 'unknown'
  const vAt = v.at('name')
  if (driverName === 'dokken' && Object.keys(env).length > 0) out.verifier.env = {...env}
  if (vname === 'shell') {
    const cAt = v.at('command')
    const command = v.has('command') ? imp.str(v, 'command') : undefined
    const remote = v.has('remote_exec') ? v.take('remote_exec') === true : false
    if (command) {
      // Kitchen's shell verifier names the instance in KITCHEN_* variables; Galley's are GALLEY_*.
      const names = ['SUITE', 'PLATFORM', 'INSTANCE'].filter((n) => new RegExp(`\\$\\{?KITCHEN_${n}\\b`).test(command))
      const prefix = names.map((n) => `KITCHEN_${n}="$GALLEY_${n}"`).join(' ')
      out.verifier.tests = [{name: 'shell verifier', run: prefix ? `export ${prefix}; ${command}` : command}]
      if (!remote && cAt) imp.report('note', cAt.pos, cAt.where, 'Test Kitchen runs this command on the workstation (remote_exec is not true); Galley runs it inside the instance')
    }
  } else if (vname === 'inspec') {
    const tAt = v.at('inspec_tests')
    const given = v.has('inspec_tests') ? (v.take('inspec_tests') as unknown) : undefined
    const paths = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map((t) => (isObject(t) ? String(t.path ?? t.url ?? t.git ?? t.name ?? JSON.stringify(t)) : String(t)))
    if (paths.length === 0 && imp.exists(`test/integration/${suite}`)) paths.push(`test/integration/${suite}`)
    const files = paths.flatMap((t) => controlFiles(path.resolve(imp.root, t)).map((f) => path.relative(imp.root, f)))
    const at = tAt ?? vAt
    if (at) {
      imp.report(
        'unmapped',
        at.pos,
        tAt ? at.where : `${at.where.replace(/\.name$/, '')} (suite ${suite})`,
        `Galley cannot run InSpec; port the controls to verifier tests (shell commands) or assert checks` +
          (paths.length > 0 ? `. Tests of suite ${suite}: ${paths.join(', ')}` + (files.length > 0 ? ` (${files.join(', ')})` : '') : ''),
      )
    }
  } else if (vname === 'busser') {
    const dir = `test/integration/${suite}`
    const bats = imp.exists(`${dir}/bats`) ? readdirSync(path.resolve(imp.root, dir, 'bats')).filter((f) => f.endsWith('.bats')).sort() : []
    const mapped = bats.map((f) => imp.relPath(`${dir}/bats/${f}`, undefined, '')).filter((f): f is string => f !== undefined)
    if (mapped.length > 0) out.verifier.bats = mapped
    const others = imp.exists(dir) ? readdirSync(path.resolve(imp.root, dir), {withFileTypes: true}).filter((e) => e.isDirectory() && e.name !== 'bats').map((e) => e.name) : []
    const at = vAt ?? {pos: {file: imp.file, line: 1, col: 1}, where: 'verifier'}
    if (vAt || others.length > 0 || mapped.length > 0) {
      imp.report(
        others.length > 0 || vAt ? 'unmapped' : 'note',
        at.pos,
        `${at.where.replace(/\.name$/, '')} (suite ${suite})`,
        'busser (the default verifier) is not used by Galley' +
          (mapped.length > 0 ? `; its bats tests became Galley's bats verifier: ${mapped.join(', ')}` : '') +
          (others.length > 0 ? `; tests for ${others.map((o) => `${dir}/${o}`).join(', ')} were not imported (Galley runs shell tests, bats, and JUnit reports)` : ''),
      )
    }
  } else if (vAt) {
    imp.report('unmapped', vAt.pos, vAt.where, `the ${vname} verifier has no Galley equivalent (Galley runs shell tests, assert checks, bats and JUnit reports)`)
  }
  return out
}

/** InSpec control files under a profile folder (or the file itself). */
function controlFiles(target: string): string[] {
  const st = statSync(target, {throwIfNoEntry: false})
  if (!st) return []
  if (st.isFile()) return [target]
  const out: string[] = []
  for (const e of readdirSync(target, {withFileTypes: true})) {
    const full = path.join(target, e.name)
    if (e.isDirectory()) out.push(...controlFiles(full))
    else if (e.name.endsWith('.rb')) out.push(full)
  }
  return out.sort().slice(0, 20)
}

/** Every key of the kitchen tree the import did not use, with why. */
function reportLeftovers(kitchen: Raw, imp: Importer, platforms: Raw[], platformNames: string[], suites: Raw[], suiteNames: string[]): void {
  const nameIn = (v: unknown): string | undefined => (typeof v === 'string' ? v : isObject(v) && v.name !== undefined ? String(v.name) : undefined)
  const pluginOf = (block: string, raw: string | undefined): string => {
    if (block === 'provisioner') {
      const n = raw ?? 'chef_solo'
      return provisionerKind(n)
    }
    if (block === 'driver') return raw && ['docker', 'dokken'].includes(raw) ? raw : 'unsupported'
    if (block === 'verifier') return ['shell', 'inspec', 'busser'].includes(raw ?? 'busser') ? (raw ?? 'busser') : 'unsupported'
    return raw ?? ''
  }
  const BLOCKS = ['driver', 'driver_config', 'provisioner', 'verifier', 'transport', 'lifecycle']
  const topName = (b: string) => (b === 'driver' ? (nameIn(kitchen.driver) ?? nameIn(kitchen.driver_config)) : nameIn(kitchen[b]))
  /** Reports the unused keys of `owner[b]`; true when `b` is a block key. */
  const block = (owner: Raw, b: string, where: string, inherited: string | undefined): void => {
    const v = owner[b]
    if (v === undefined || v === null) return
    const kind = b === 'driver_config' ? 'driver' : b
    const at = posOf(owner, b)!
    if (kind === 'transport' && !isObject(v)) return imp.report('unmapped', at, where, TRANSPORT)
    if (typeof v === 'string' && kind !== 'lifecycle') return
    if (!isObject(v)) return imp.report('unmapped', at, where, `${where} must be a mapping; not imported`)
    const plugin = pluginOf(kind, nameIn(v) ?? (kind === 'driver' ? (nameIn(owner.driver) ?? nameIn(owner.driver_config)) : undefined) ?? inherited)
    for (const key of Object.keys(v)) {
      if (usedKeys(v).has(key)) continue
      const kAt = posOf(v, key)
      if (!kAt) continue
      imp.report('unmapped', kAt, `${where}.${key}`, kind === 'lifecycle' ? 'Galley has no such lifecycle hook' : reasonFor(kind, plugin, key))
    }
  }
  for (const b of BLOCKS) block(kitchen, b, b, undefined)
  for (const key of Object.keys(kitchen)) {
    if (key === 'platforms' || key === 'suites' || BLOCKS.includes(key)) continue
    const at = posOf(kitchen, key)!
    if (key === 'busser') imp.report('unmapped', at, key, 'busser is not used by Galley')
    else if (key === 'driver_plugin') imp.report('unmapped', at, key, 'a Test Kitchen 0.x setting; write driver: {name: ...}')
    else imp.report('unmapped', at, key, 'not a Test Kitchen key (a holder of YAML anchors?); what was aliased from it was imported where it was used')
  }
  const CHEF_KEYS = ['attributes', 'run_list', 'named_run_list', 'data_bags_path', 'encrypted_data_bag_secret_key_path', 'environments_path', 'nodes_path', 'roles_path', 'policyfile_path', 'data_path']
  const items = (list: Raw[], names: string[], kind: 'platforms' | 'suites') => {
    list.forEach((item, i) => {
      const where = `${kind}[${names[i]}]`
      for (const b of BLOCKS) block(item, b, `${where}.${b}`, topName(b === 'driver_config' ? 'driver' : b))
      const provPlugin = pluginOf('provisioner', nameIn(item.provisioner) ?? topName('provisioner'))
      for (const key of Object.keys(item)) {
        if (usedKeys(item).has(key) || BLOCKS.includes(key) || key === 'name') continue
        const at = posOf(item, key)!
        if (CHEF_KEYS.includes(key)) {
          imp.report('unmapped', at, `${where}.${key}`, provPlugin === 'chef' ? reasonFor('provisioner', 'chef', key) : `a Chef setting, and this ${kind.slice(0, -1)}'s provisioner is not Chef`)
        } else if (key === 'os_type' || key === 'shell_type') {
          imp.report('unmapped', at, `${where}.${key}`, 'Galley runs Linux containers with /bin/sh only')
        } else imp.report('unmapped', at, `${where}.${key}`, `not a ${kind.slice(0, -1)} setting Galley has`)
      }
    })
  }
  items(platforms, platformNames, 'platforms')
  items(suites, suiteNames, 'suites')
}

/** The kitchen file Test Kitchen would read in `dir`: $KITCHEN_YAML, kitchen.yml, then .kitchen.yml. */
export function findKitchenFile(dir: string): string | undefined {
  const env = process.env.KITCHEN_YAML
  for (const name of [env, 'kitchen.yml', '.kitchen.yml']) {
    if (name && existsSync(path.resolve(dir, name))) return path.resolve(dir, name)
  }
  return undefined
}

/** The local override Test Kitchen merges over `file`: kitchen.local.yml for kitchen.yml, .kitchen.local.yml for .kitchen.yml. */
export function localFileFor(file: string): string | undefined {
  const env = process.env.KITCHEN_LOCAL_YAML
  const base = path.basename(file)
  const candidate = env ? path.resolve(path.dirname(file), env) : path.join(path.dirname(file), base.replace(/\.ya?ml$/, '') + '.local.yml')
  return existsSync(candidate) ? candidate : undefined
}

/** Reads a kitchen file (and its local override) and returns the galley.yml it maps to, with what did not map. */
export function importKitchen(options: ImportOptions): ImportResult {
  const main = readKitchen(options.file)
  const localPath = localFileFor(options.file)
  const local = localPath ? readKitchen(localPath) : undefined
  // Placeholders are numbered per file: renumber the local file's after the main file's.
  const tags = [...main.tags]
  if (local) {
    const offset = tags.length
    const renumber = (v: unknown): unknown => {
      if (typeof v === 'string') return v.replace(PLACEHOLDER, (_, n: string) => `__ERB${Number(n) + offset}__`)
      if (Array.isArray(v)) {
        const out = v.map(renumber)
        const pos = KEYPOS.get(v)
        if (pos) KEYPOS.set(out, pos)
        return out
      }
      if (isObject(v)) {
        const out: Raw = {}
        for (const [k, x] of Object.entries(v)) out[k.replace(PLACEHOLDER, (_, n: string) => `__ERB${Number(n) + offset}__`)] = renumber(x)
        const pos = KEYPOS.get(v)
        if (pos) KEYPOS.set(out, Object.fromEntries(Object.entries(pos).map(([k, p]) => [k.replace(PLACEHOLDER, (_, n: string) => `__ERB${Number(n) + offset}__`), p])))
        return out
      }
      return v
    }
    local.raw = renumber(local.raw) as Raw
    tags.push(...local.tags)
  }
  const kitchen = (local ? mergeKitchen(main.raw, local.raw) : main.raw) as Raw
  const imp = new Importer(path.dirname(path.resolve(options.file)), path.resolve(options.outDir), main.display, tags, options.bootstrap ?? false)
  for (const t of tags.filter((t) => t.kind === 'control')) {
    imp.report('unmapped', t.at, `<% ${t.code} %>`, 'ERB code is not evaluated: every line around it was read as plain YAML, whichever branch or loop it belongs to; check those lines in galley.yml')
  }
  const {config} = convert(kitchen, imp, options.driver)
  const byPlace = (a: ImportItem, b: ImportItem) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.key.localeCompare(b.key)
  const unmapped = [...imp.unmapped.values()].sort(byPlace)
  const notes = [...imp.notes.values()].sort(byPlace)
  const files = [main.display, ...(local ? [local.display] : [])]
  return {text: render(config, files, unmapped, notes), config, unmapped, notes, files}
}

/** One report line: `kitchen.yml:12:5: transport.username — reason`. */
export function formatItem(item: ImportItem): string {
  return `${item.file}:${item.line}:${item.col}: ${item.key} — ${item.reason}`
}

function render(config: Raw, files: string[], unmapped: ImportItem[], notes: ImportItem[]): string {
  const comment = (text: string) => text.split('\n').map((l) => `#   ${l}`).join('\n')
  let header = `# Imported from ${files.join(' and ')} by galley import. Check it, then run: galley test\n`
  if (unmapped.length > 0) header += `# Not imported (${unmapped.length}):\n${unmapped.map((i) => comment(formatItem(i))).join('\n')}\n`
  if (notes.length > 0) header += `# Notes (${notes.length}):\n${notes.map((i) => comment(formatItem(i))).join('\n')}\n`
  return header + '\n' + stringify(config, {lineWidth: 0, aliasDuplicateObjects: false})
}
