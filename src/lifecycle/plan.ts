/** Which actions take an instance from the state it is in through the action asked for. */
import type {LifecycleState} from './state.js'

export type Action = 'create' | 'converge' | 'verify' | 'destroy'

const RANK: Record<LifecycleState, number> = {destroyed: 0, creating: 0, created: 1, converged: 2, verified: 3}

/**
 * The actions that take an instance in `current` state through `action`: earlier states are run
 * first (verify on a destroyed instance creates and converges it), converge and verify always run,
 * and a half-made container (`creating`) is destroyed before anything else.
 */
export function plan(current: LifecycleState, action: Action): Action[] {
  const steps: Action[] = current === 'creating' ? ['destroy'] : []
  const rank = RANK[current]
  if (action === 'destroy') return current === 'destroyed' ? [] : ['destroy']
  if (rank < 1) steps.push('create')
  if (action === 'create') return steps
  if (action === 'converge') return [...steps, 'converge']
  if (rank < 2) steps.push('converge')
  return [...steps, 'verify']
}
