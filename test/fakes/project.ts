/** Temporary project folders and instance specs for unit tests. */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import type {InstanceSpec} from '../../src/config/types.js'
import {copyFixture} from '../fixtures/deps/artifacts.js'

/** Makes a folder with the given files (path → content) and returns its path. */
export function makeProject(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'galley-test-'))
  writeFiles(root, files)
  return root
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), {recursive: true})
    writeFileSync(path.join(root, name), content)
  }
}

export function removeProject(root: string): void {
  rmSync(root, {recursive: true, force: true})
}

/**
 * Runs `fn` in a temporary project: the files of the dependency fixture `fixture` (test/fixtures/deps)
 * when one is named, then `files` over them; the project is removed afterwards.
 */
export function withProject<T>(files: Record<string, string>, fn: (root: string) => T, fixture?: string): T {
  const root = makeProject({})
  try {
    if (fixture) copyFixture(fixture, root)
    writeFiles(root, files)
    return fn(root)
  } finally {
    removeProject(root)
  }
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
