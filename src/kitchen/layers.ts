/**
 * Test Kitchen's levels: a block (driver, provisioner...) of one instance is the common block,
 * then the platform's, then the suite's, merged; what is taken from them counts as imported.
 */
import {isObject, type KitchenBlock, type Level, type Place, type Raw} from './mapper.js'
import {markUsed, mergeTrees, posOf, setKeyPositions} from '../import/tree.js'

export interface Layer {
  obj: Raw
  /** Where it is, for reports: `driver`, `platforms[centos-7].driver`. */
  where: string
  level: Level
  /** Only these keys belong to the block (chef data moved from a platform or suite). */
  only?: Set<string>
}

/** One block of one instance: Test Kitchen's common < platform < suite. */
export class Block implements KitchenBlock {
  constructor(readonly layers: Layer[]) {}

  private holders(key: string): Layer[] {
    return this.layers.filter((l) => key in l.obj && (!l.only || l.only.has(key)))
  }

  has(key: string): boolean {
    return this.holders(key).length > 0
  }

  take(key: string): unknown {
    let value: unknown
    for (const l of this.holders(key)) {
      markUsed(l.obj, key)
      value = mergeTrees(value, l.obj[key])
    }
    return value
  }

  takeLevels(key: string): {level: Level; value: unknown; place: Place}[] {
    return this.holders(key).map((l) => {
      markUsed(l.obj, key)
      return {level: l.level, value: l.obj[key], place: {pos: posOf(l.obj, key)!, where: `${l.where}.${key}`}}
    })
  }

  at(key: string): Place | undefined {
    const l = this.holders(key).at(-1)
    const pos = l && posOf(l.obj, key)
    return l && pos ? {pos, where: `${l.where}.${key}`} : undefined
  }
}

/** Kitchen's short forms: `driver: docker` is `driver: {name: docker}`. */
export function blockOf(obj: Raw, key: string): Raw | undefined {
  const v = obj[key]
  if (typeof v === 'string') {
    const out: Raw = {name: v}
    const p = posOf(obj, key)
    if (p) setKeyPositions(out, {name: p})
    return out
  }
  return isObject(v) ? v : undefined
}
