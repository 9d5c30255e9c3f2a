/** Promotion of a verified instance: the refusal rule and the labels saying what was verified. */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import type {Driver} from '../../drivers/driver.js'
import type {InstanceSpec} from '../config/types.js'
import {UsageError} from '../errors.js'
import type {InstanceState} from './state.js'

/** NAME[:TAG], NAME optionally led by a registry host[:port]/ (for --push). */
export const IMAGE_NAME = /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/

/** The labels a promoted image carries: what was verified, where, from which revision. */
export function promotionLabels(root: string, spec: InstanceSpec, st: InstanceState, withReport: boolean): Record<string, string> {
  const revision = spawnSync('git', ['rev-parse', 'HEAD'], {cwd: root, encoding: 'utf8'})
  const junit = path.join(root, '.galley', 'junit.xml')
  return {
    'galley.suite': spec.suite,
    'galley.platform': spec.platform.name,
    'galley.instance': spec.name,
    'galley.revision': revision.status === 0 ? revision.stdout.trim() : 'unknown',
    'galley.tests': st.tests ? `${st.tests.passed}/${st.tests.total}` : 'unknown',
    ...(withReport && existsSync(junit) ? {'galley.junit.sha256': createHash('sha256').update(readFileSync(junit)).digest('hex')} : {}),
  }
}

/**
 * Promotes the instance's container to `ref`; refuses one whose last converge was not followed by
 * a passing verify. `withReport`: label the digest of .galley/junit.xml (not during `test
 * --promote`, whose report is written after every instance has finished).
 */
export async function promoteInstance(root: string, spec: InstanceSpec, st: InstanceState | undefined, driver: Driver, ref: string, withReport = true): Promise<void> {
  if (!st?.handle) {
    throw new UsageError(`instance ${spec.name} has no container to promote`, {hint: `Keep it after its test: galley test ${spec.name} --destroy never, then promote.`})
  }
  if (st.state !== 'verified') {
    throw new UsageError(`instance ${spec.name} has not passed verify since its last converge (it is ${st.state}${st.lastError ? `: ${st.lastError}` : ''})`, {
      hint: `Run galley verify ${spec.name}, then promote it.`,
    })
  }
  await driver.promote(st.handle, ref, promotionLabels(root, spec, st, withReport))
}
