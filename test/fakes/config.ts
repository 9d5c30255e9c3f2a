/** Loading a made-up project's galley.yml in tests: the config, or the messages of what it got wrong. */
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {ConfigErrors, ExitCode} from '../../src/errors.js'
import {makeProject, removeProject} from './project.js'

/**
 * The messages of the config errors a project with `files` gives (it must give some, exit 2).
 * Positions are printed relative to the working directory, as a user in the project sees them.
 */
export function configErrorsOf(files: Record<string, string>): string[] {
  const root = makeProject(files)
  const cwd = process.cwd()
  process.chdir(root)
  try {
    loadConfig({cwd: root})
  } catch (error) {
    assert.instance(error, ConfigErrors)
    assert.is((error as ConfigErrors).exitCode, ExitCode.usage)
    return (error as ConfigErrors).errors.map((e) => e.message)
  } finally {
    process.chdir(cwd)
    removeProject(root)
  }
  assert.unreachable('expected the config to be rejected')
  return []
}
