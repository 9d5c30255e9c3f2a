/** Temporary project folders and instance specs for unit tests. */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import type {InstanceSpec} from '../../src/config/types.js'

/** Makes a folder with the given files (path → content) and returns its path. */
export function makeProject(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'galley-test-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), {recursive: true})
    writeFileSync(path.join(root, name), content)
  }
  return root
}

export function removeProject(root: string): void {
  rmSync(root, {recursive: true, force: true})
}

/** An instance whose steps and tests are inline commands the dummy driver understands. */
export function fakeSpec(name: string, steps: string[], tests: string[] = []): InstanceSpec {
  return {
    name,
    suite: name.split('-')[0],
    platform: {name: 'busybox', image: {bootstrap: 'busybox'}, init: 'none'},
    driver: {name: 'lxc'},
    provisioner: {name: 'shell', env: {}, steps: steps.map((run) => ({name: run, run, env: {}})), options: {}},
    verifier: {name: 'shell', env: {}, tests: tests.map((run) => ({name: run, run, exitStatus: 0, env: {}})), sections: {}},
  }
}
