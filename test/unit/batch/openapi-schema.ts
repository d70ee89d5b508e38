import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

/**
 * A small validator for the structural OpenAPI v3 schemas of CustomResourceDefinitions, strict
 * the way the API server is: a field the schema does not know is an error (the server prunes
 * it, so a typo would silently drop a setting), as are a missing required field, a wrong type
 * and a value outside an enum. `$ref` points at a schema file next to the CRD.
 */

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export interface LoadedCrd {
  group: string;
  kind: string;
  version: string;
  schema: Schema;
  dir: string;
}

export function loadCrd(path: string): LoadedCrd {
  const crd = parse(readFileSync(path, 'utf8')) as { spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } };
  const version = crd.spec.versions[0]!;
  return { group: crd.spec.group, kind: crd.spec.names.kind, version: version.name, schema: version.schema.openAPIV3Schema, dir: dirname(path) };
}

export function validate(value: unknown, schema: Schema, dir: string, path = ''): string[] {
  if (schema.$ref) return validate(value, parse(readFileSync(join(dir, schema.$ref), 'utf8')) as Schema, dir, path);
  const at = path || '(root)';
  const errors: string[] = [];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected an object, got ${JSON.stringify(value)}`];
      const map = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (map[key] === undefined) errors.push(`${at}: missing required field "${key}"`);
      for (const [key, v] of Object.entries(map)) {
        const child = schema.properties?.[key];
        if (child) errors.push(...validate(v, child, dir, `${path}.${key}`));
        else if (typeof schema.additionalProperties === 'object') errors.push(...validate(v, schema.additionalProperties, dir, `${path}.${key}`));
        else if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.properties) errors.push(`${at}: unknown field "${key}"`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected an array`];
      value.forEach((item, i) => errors.push(...(schema.items ? validate(item, schema.items, dir, `${path}[${i}]`) : [])));
      break;
    case 'string':
      if (typeof value !== 'string') errors.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${at}: expected a boolean, got ${JSON.stringify(value)}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${at}: expected an integer`);
      break;
    case 'number':
      if (typeof value !== 'number') errors.push(`${at}: expected a number`);
      break;
    default:
      break;
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  return errors;
}
