/** The command-line tools Galley runs on its store: cp for layers, GNU tar for image bundles. */
import {spawn} from 'node:child_process'
import {EngineError} from '../errors.js'
import {galleyHome} from './store.js'

/** Runs a tool that prints nothing useful, failing with its stderr (cp and the like on store folders). */
export function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
    let err = ''
    child.stderr.on('data', (b) => (err += b))
    child.on('error', (error) => reject(new EngineError(`cannot run ${cmd}: ${error.message}`, {hint: `Install ${cmd}, then run galley again.`})))
    child.on('close', (code) => {
      if (code === 0) return resolve()
      const full = /No space left on device/i.test(err)
      reject(new EngineError(`${cmd} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`, full ? {hint: `The disk under ${galleyHome()} is full: galley cache prune --all and galley image rm free space in Galley's store.`} : {}))
    })
  })
}
