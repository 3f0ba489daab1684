// What every rule file of config/ shares: the rule shapes and small helpers for their
// messages. Each rule returns the first ConfigError it finds or undefined.
import { ConfigError } from '../errors';
import type { Namespace, Process, Spec } from './types';

export type SpecRule = (spec: Spec) => ConfigError | undefined;
export type ProcessRule = (process: Process, at: string) => ConfigError | undefined;

export function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export function mustBeAbsolute(at: string, value: string): ConfigError | undefined {
  return value.startsWith('/') ? undefined : new ConfigError(at, `must be an absolute path, got ${quote(value)}`);
}

/** The namespaces entry of `type`, new (no path) or joined (path), if any. */
export function namespaceOf(spec: Spec, type: string): Namespace | undefined {
  return spec.linux?.namespaces?.find((ns) => ns.type === type);
}
