import {Flags} from '@oclif/core'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {createInterface} from 'node:readline/promises'
import {GalleyCommand} from '../cli/base.js'
import {UsageError} from '../errors.js'

const PLATFORMS = {
  busybox: {yaml: '  - name: busybox\n    image: {bootstrap: busybox}', other: '  # - name: debian-12\n  #   image: {bootstrap: debootstrap, release: bookworm}'},
  'debian-12': {yaml: '  - name: debian-12\n    image: {bootstrap: debootstrap, release: bookworm}', other: '  # - name: busybox\n  #   image: {bootstrap: busybox}'},
} as const
type Platform = keyof typeof PLATFORMS

/** A name for the project from its folder: lower case letters, digits and dashes. */
export function projectName(dir: string): string {
  return (
    path
      .basename(path.resolve(dir))
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'app'
  )
}

export function scaffold(name: string, platform: Platform, driver: string): Record<string, string> {
  return {
    'galley.yml': `# Galley: each suite is provisioned and verified on each platform, in throwaway containers.
# Run it with: galley test          (galley help, and the README, say more)
driver:
  name: ${driver}

platforms:
${PLATFORMS[platform].yaml}
${PLATFORMS[platform].other}

suites:
  - name: default
    provisioner:
      steps:
        - script: recipes/setup.sh
    verifier:
      tests:
        - name: the greeting is in place
          script: tests/greeting.sh
        - name: the greeting names the instance
          run: grep -q "$GALLEY_INSTANCE" /etc/${name}/greeting
`,
    'recipes/setup.sh': `#!/bin/sh
# A provisioning step: runs inside each instance as root, in the project folder's copy.
set -eu
mkdir -p /etc/${name}
echo "hello from ${name} on $GALLEY_INSTANCE" > /etc/${name}/greeting
`,
    'tests/greeting.sh': `#!/bin/sh
# A test: passes when it exits 0.
set -eu
grep -q "hello from ${name}" /etc/${name}/greeting
`,
  }
}

export default class Init extends GalleyCommand {
  static summary = 'Start a Galley project in this folder: a galley.yml, a recipe and a test that pass.'
  static description = 'On a terminal it asks which platform and driver to use; elsewhere it takes the flags or their defaults and asks nothing. Existing files are kept unless --force.'
  static examples = ['<%= config.bin %> init', '<%= config.bin %> init --platform debian-12 --driver docker']
  static flags = {
    platform: Flags.option({options: ['busybox', 'debian-12'] as const, summary: 'The first platform (default busybox: seconds to build, no network needed).'})(),
    force: Flags.boolean({summary: 'Overwrite files that exist.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Init)
    // -C names the folder (or the galley.yml to write in it).
    const dir = flags.config ? (/\.ya?ml$/.test(flags.config) ? path.dirname(path.resolve(flags.config)) : path.resolve(flags.config)) : process.cwd()
    if (existsSync(path.join(dir, 'galley.yml')) && !flags.force) {
      throw new UsageError(`${path.join(dir, 'galley.yml')} exists already`, {hint: 'Edit it, or run galley init --force to start over (recipes and tests are overwritten too).'})
    }
    let platform: Platform = flags.platform ?? 'busybox'
    let driver: string = flags.driver ?? 'auto'
    if (process.stdin.isTTY && process.stdout.isTTY && !flags.platform) {
      const rl = createInterface({input: process.stdin, output: process.stdout})
      try {
        const p = (await rl.question('Platform — busybox (seconds, offline) or debian-12 (debootstrap, needs the mirror) [busybox]: ')).trim()
        if (p) {
          if (!(p in PLATFORMS)) throw new UsageError(`\`${p}\` is not one of busybox, debian-12`, {hint: 'Run galley init again, or pass --platform.'})
          platform = p as Platform
        }
        if (!flags.driver) {
          const d = (await rl.question('Driver — lxc, docker or auto (LXC when usable, else Docker) [auto]: ')).trim()
          if (d) {
            if (!['lxc', 'docker', 'auto'].includes(d)) throw new UsageError(`\`${d}\` is not one of lxc, docker, auto`, {hint: 'Run galley init again, or pass --driver.'})
            driver = d
          }
        }
      } finally {
        rl.close()
      }
    }
    const files = scaffold(projectName(dir), platform, driver)
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(dir, name)
      if (existsSync(file) && !flags.force) {
        this.log(`kept ${name} (exists)`)
        continue
      }
      mkdirSync(path.dirname(file), {recursive: true})
      writeFileSync(file, content, {mode: name.endsWith('.sh') ? 0o755 : 0o644})
      this.log(`wrote ${name}`)
    }
    // Galley's working state and personal overrides stay out of version control.
    const ignore = path.join(dir, '.gitignore')
    const have = existsSync(ignore) ? readFileSync(ignore, 'utf8') : ''
    const missing = ['.galley/', 'galley.local.yml'].filter((l) => !have.split('\n').some((x) => x.trim() === l))
    if (missing.length > 0) {
      writeFileSync(ignore, have + (have && !have.endsWith('\n') ? '\n' : '') + missing.join('\n') + '\n')
      this.log(`${have ? 'added to' : 'wrote'} .gitignore: ${missing.join(' ')}`)
    }
    this.log('\nNext: galley test   (galley doctor checks the engines first)')
  }
}
