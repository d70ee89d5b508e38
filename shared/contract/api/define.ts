import type { z } from 'zod';

/**
 * One call of the API: a schema for what goes in and one for what comes out. Inputs are strict
 * objects (unknown fields are refused) so that a typo in a script fails loudly.
 */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** One line for `--help`-style listings and the contract tests' report. */
  readonly summary: string;
}

export function method<I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>): MethodSpec<I, O> {
  return spec;
}

export type MethodTable = Record<string, MethodSpec>;
export type InputOf<S extends MethodSpec> = z.input<S['input']>;
export type ParsedInputOf<S extends MethodSpec> = z.output<S['input']>;
export type OutputOf<S extends MethodSpec> = z.output<S['output']>;
