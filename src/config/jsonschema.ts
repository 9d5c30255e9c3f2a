/**
 * galley.yml's JSON Schema, made from the same Schema the loader checks files against, so editors
 * (through yaml-language-server, say) complete and check exactly what Galley accepts.
 */
import {fileSchema} from './galley-schema.js'
import {NAME_PATTERN, type Schema} from './schema.js'

type Json = Record<string, unknown>

const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*[kKmMgGtT]?([iI]?[bB])?\\s*$'

/** A descriptor's words on a key, beside what its kind says. */
function withDoc(json: Json, doc: string | undefined): Json {
  if (!doc) return json
  return {...json, description: json.description ? `${doc} (${String(json.description)})` : doc}
}

export function toJsonSchema(schema: Schema): Json {
  switch (schema.kind) {
    case 'map': {
      const object: Json = {
        type: 'object',
        properties: Object.fromEntries(Object.entries(schema.keys).map(([k, v]) => [k, withDoc(toJsonSchema(v), schema.docs?.[k])])),
        additionalProperties: false,
        ...(schema.required?.length ? {required: schema.required} : {}),
        // Exactly one of these keys.
        ...(schema.oneOf ? {oneOf: schema.oneOf.map((k) => ({required: [k]}))} : {}),
      }
      return schema.orString ? {anyOf: [{type: 'string', description: schema.orString}, object]} : object
    }
    case 'seq':
      return {type: 'array', items: toJsonSchema(schema.items)}
    case 'string':
      return {type: 'string', ...(schema.pattern ? {pattern: schema.pattern.source} : {}), ...(schema.what ? {description: schema.what} : {})}
    case 'name':
      return {type: 'string', pattern: NAME_PATTERN.source}
    case 'int':
      return {type: 'integer', ...(schema.min !== undefined ? {minimum: schema.min} : {}), ...(schema.max !== undefined ? {maximum: schema.max} : {})}
    case 'number':
      return {type: 'number', ...(schema.min !== undefined ? {minimum: schema.min} : {})}
    case 'size':
      return {anyOf: [{type: 'integer', minimum: 1}, {type: 'string', pattern: SIZE_PATTERN}], description: 'bytes, or a size such as 512M or 1G'}
    case 'enum':
      return {enum: schema.values}
    case 'env':
      if (schema.keys) return {type: 'object', propertyNames: {pattern: schema.keys.source}, additionalProperties: {type: ['string', 'number', 'boolean']}}
      return {
        type: 'object',
        propertyNames: {pattern: '^[A-Za-z_][A-Za-z0-9_]*$'},
        additionalProperties: {
          anyOf: [
            {type: ['string', 'number', 'boolean'], description: '${VAR} takes VAR from the environment galley runs in (and makes the value secret)'},
            {type: 'object', properties: {value: {type: ['string', 'number', 'boolean']}, secret: {type: 'boolean'}}, required: ['value'], additionalProperties: false},
          ],
        },
      }
    case 'bool':
      return {type: 'boolean'}
    case 'vars':
      return {type: 'object', description: 'names to values, passed to the tool as they are'}
    case 'scalar':
      return {type: ['string', 'number', 'boolean']}
    case 'strings': {
      const minItems = schema.empty ? {} : {minItems: 1}
      if (schema.values) return {anyOf: [{enum: schema.values}, {type: 'array', ...minItems, items: {enum: schema.values}}]}
      return {anyOf: [{type: 'string', minLength: 1}, {type: 'array', ...minItems, items: {type: 'string', minLength: 1}}], description: 'one string (a path, a name, text to find or /a regular expression/) or a list of them'}
    }
    case 'unsettable':
      return {anyOf: [toJsonSchema(schema.schema), {type: 'null', description: 'unset: as if galley.yml did not set it'}]}
    case 'mode':
      return {type: ['string', 'integer'], description: 'an octal file mode such as "0644"'}
    case 'duration':
      return {type: ['string', 'number'], description: 'a duration such as 30s, 2m or 500ms'}
    case 'variants':
      // One of several shapes, told apart by the key naming what is checked.
      return {anyOf: Object.values(schema.variants).map(toJsonSchema), description: schema.what}
    default:
      // A kind this generator does not know yet: accept anything rather than reject valid files.
      return {}
  }
}

/** The schema of galley.yml (or, with `isOverride`, of galley.local.yml). */
export function galleySchema(isOverride = false): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: isOverride ? 'galley.local.schema.json' : 'galley.schema.json',
    title: isOverride ? 'galley.local.yml' : 'galley.yml',
    description: isOverride ? 'Local overrides merged over galley.yml (platforms and suites by name).' : 'A Galley project: platforms, suites, and how to provision and verify them.',
    ...toJsonSchema(fileSchema(isOverride)),
  }
}
