/**
 * What was left: every key of the kitchen tree the import did not use is reported with its line
 * and why Galley has no place for it.
 */
import {isMappedDriver} from './drivers.js'
import type {Importer} from './importer.js'
import {isObject, type Raw} from './mapper.js'
import {CHEF_DATA, CHEF_INSTALL, DEFAULT_PROVISIONER, provisionerKind} from './provisioners.js'
import {posOf, usedKeys} from '../import/tree.js'
import {verifierPlugin} from './verifiers.js'

const TRANSPORT = 'Galley runs commands through the container engine; there is no SSH or WinRM transport to configure'
const ANSIBLE_INSTALL = "not needed: Galley installs Debian's ansible-core (or its full ansible when the playbooks need it) in the instance when it is missing; ansible_version installs a version with pip"
const ROOT = 'not needed: Galley runs steps and tests as root'

/** Reasons for keys Galley has no place for, by block and plugin; `*` is any plugin of the block. */
const REASONS: Record<string, Record<string, string>> = {
  'driver:*': {
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
    dockerfile: "Galley does not build images from a Dockerfile: build it with the engine (docker build -t NAME .) and set the platform's image: NAME",
    build_context: 'Galley does not build images from a Dockerfile',
    build_options: 'Galley does not build images from a Dockerfile',
    run_options: 'Galley does not take extra engine options',
    intermediate_instructions: 'Dockerfile instructions run while kitchen-dokken builds the image; Galley does not build images from Dockerfile lines: put RUN commands in provisioner steps, or bake them into the image',
    chef_image: "kitchen-dokken mounts Chef from its chef image; Galley installs it with the provisioner's install: cinc (and version:) instead",
    chef_version: "kitchen-dokken mounts Chef from its chef image; Galley installs it with the provisioner's install: cinc and version: instead",
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
    entrypoint: "Galley chooses PID 1 itself: a keep-alive loop, or the image's systemd with init: systemd",
    userns_host: 'Galley does not change user namespaces',
    cgroupns_host: 'Galley does not change cgroup namespaces',
    api_retries: 'not needed: Galley talks to the engine API directly',
    read_timeout: 'not needed: Galley talks to the engine API directly',
    write_timeout: 'not needed: Galley talks to the engine API directly',
    docker_info: 'not needed: Galley asks the engine itself',
    ipv6: 'Galley does not configure IPv6 on instances',
    wait_for_transport: TRANSPORT,
    require_chef_omnibus: "the driver's Chef install: Galley's chef provisioner installs it with install: cinc (or chef with install_url) and version:",
    disable_upstart: "not needed: Galley builds no image, and runs the image's init only with init: systemd",
    http_proxy: 'the docker driver uses it while building its image; Galley builds none (set the provisioner env yourself if recipes need it)',
    https_proxy: 'the docker driver uses it while building its image; Galley builds none (set the provisioner env yourself if recipes need it)',
    no_proxy: 'the docker driver uses it while building its image; Galley builds none',
  },
  'driver:docker': {pid_one_command: "a kitchen-dokken setting, which kitchen-docker ignores (its PID 1 is run_command)"},
  'driver:dokken': {run_command: "a kitchen-docker setting, which kitchen-dokken ignores (its PID 1 is pid_one_command)"},
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
    product_version: 'without product_name Test Kitchen installs nothing, and Galley neither: write install: cinc and version:',
    install_strategy: 'without product_name Test Kitchen installs nothing, and Galley neither: write install: cinc',
    chef_omnibus_url: 'without product_name Test Kitchen installs nothing, and Galley neither: write install: cinc and install_url:',
    channel: "Galley's install step takes the install script's default channel (stable)",
    require_chef_omnibus: 'the legacy install setting: write install: cinc (or chef with install_url:) and version:',
    chef_omnibus_install_options: 'Galley passes the install script -P and -v only',
    chef_omnibus_root: CHEF_INSTALL,
    download_url: 'Galley runs the install script, which chooses the package; a package URL is not passed',
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
    ansible_version: "kitchen's default, latest: Galley installs Debian's ansible (write ansible_version with a version to install one with pip)",
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
    puppetfile_path: 'Galley reads a Puppetfile only with a manifest to apply',
    resolve_with_librarian_puppet: "not needed: Galley installs the Puppetfile's modules itself (Debian's packages, git, the Forge)",
    resolve_with_r10k: "not needed: Galley installs the Puppetfile's modules itself (Debian's packages, git, the Forge)",
    librarian_puppet_ssl_file: 'Galley does not run librarian-puppet',
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

/** Every key of the kitchen tree the import did not use, with why. */
export function reportLeftovers(kitchen: Raw, imp: Importer, platforms: Raw[], platformNames: string[], suites: Raw[], suiteNames: string[]): void {
  const nameIn = (v: unknown): string | undefined => (typeof v === 'string' ? v : isObject(v) && v.name !== undefined ? String(v.name) : undefined)
  const pluginOf = (block: string, raw: string | undefined): string => {
    if (block === 'provisioner') return provisionerKind(raw ?? DEFAULT_PROVISIONER)
    if (block === 'driver') return raw && isMappedDriver(raw) ? raw : 'unsupported'
    if (block === 'verifier') return verifierPlugin(raw)
    return raw ?? ''
  }
  const BLOCKS = ['driver', 'driver_config', 'provisioner', 'verifier', 'transport', 'lifecycle']
  const topName = (b: string) => (b === 'driver' ? (nameIn(kitchen.driver) ?? nameIn(kitchen.driver_config)) : nameIn(kitchen[b]))
  /** Reports the unused keys of `owner[b]`. */
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
  const items = (list: Raw[], names: string[], kind: 'platforms' | 'suites') => {
    list.forEach((item, i) => {
      const where = `${kind}[${names[i]}]`
      for (const b of BLOCKS) block(item, b, `${where}.${b}`, topName(b === 'driver_config' ? 'driver' : b))
      const provPlugin = pluginOf('provisioner', nameIn(item.provisioner) ?? topName('provisioner'))
      for (const key of Object.keys(item)) {
        if (usedKeys(item).has(key) || BLOCKS.includes(key) || key === 'name') continue
        const at = posOf(item, key)!
        if (CHEF_DATA.has(key)) {
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
