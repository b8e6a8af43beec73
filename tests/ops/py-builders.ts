/**
 * Hand-built Python values and op calls, for unit tests of the ops front ends that do not go
 * through the source parser.
 */
import type { Location, OpCall, PyValue } from '../../src/model.js';

const at = (line = 1, column = 1): Location => ({ line, column, endLine: line, endColumn: column + 1 });

export const S = (value: string): PyValue => ({ kind: 'str', value, text: JSON.stringify(value), loc: at() });
export const I = (value: number): PyValue => ({ kind: 'int', value, text: String(value), loc: at() });
export const B = (value: boolean): PyValue => ({ kind: 'bool', value, text: value ? 'True' : 'False', loc: at() });
export const NONE: PyValue = { kind: 'none', text: 'None', loc: at() };
export const N = (name: string): PyValue => ({ kind: 'name', name, text: name, loc: at() });
export const F = (text: string): PyValue => ({ kind: 'fstring', text, loc: at() });
export const L = (...items: PyValue[]): PyValue => ({ kind: 'list', items, text: `[${items.map((i) => i.text).join(', ')}]`, loc: at() });
export function C(func: string, args: PyValue[] = [], kwargs: Record<string, PyValue> = {}): PyValue {
  const parts = [...args.map((a) => a.text), ...Object.entries(kwargs).map(([k, v]) => `${k}=${v.text}`)];
  return { kind: 'call', func, args, kwargs, text: `${func}(${parts.join(', ')})`, loc: at() };
}

export interface CallOptions {
  line?: number;
  column?: number;
  fn?: string;
  autocommit?: boolean;
  batch?: PyValue[];
  receiver?: string;
}

export function op(name: string, args: PyValue[] = [], kwargs: Record<string, PyValue> = {}, o: CallOptions = {}): OpCall {
  const call: OpCall = {
    name,
    receiver: o.receiver ?? (o.batch ? 'batch_op' : 'op'),
    function: o.fn ?? 'upgrade',
    args,
    kwargs,
    loc: at(o.line ?? 1, o.column ?? 5),
    autocommit: o.autocommit ?? false,
  };
  if (o.batch) call.batch = { args: o.batch, kwargs: {}, loc: at() };
  return call;
}
