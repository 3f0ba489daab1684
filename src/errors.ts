// One error type for everything a user can cause. The CLI's single catch prints
// `message` as one line and exits with `exitStatus` (1 unless a command says otherwise);
// tests match `code`, not wording.

export type ErrorCode =
  | 'ERR_TSRUN_CONFIG' // config.json is missing, malformed, invalid or asks for what we lack
  | 'ERR_TSRUN_NOT_FOUND' // container, bundle or file does not exist
  | 'ERR_TSRUN_STATE' // the operation does not fit the container's status
  | 'ERR_TSRUN_CORRUPT_STATE' // ROOT/ID/state.json is not JSON, or lacks a field or its type
  | 'ERR_TSRUN_USAGE' // bad command line (unknown signal, missing argument)
  | 'ERR_TSRUN_SYSCALL' // the kernel refused something
  | 'ERR_TSRUN_CHILD' // the container's child failed a step before execve
  | 'ERR_TSRUN_HOOK'; // a hook of config.json failed, or ran past its timeout

export class TsrunError extends Error {
  /** The runtime's exit status for this error. */
  readonly exitStatus: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; exitStatus?: number },
  ) {
    super(message, options);
    this.exitStatus = options?.exitStatus ?? 1;
  }
}

/** A problem with one entry of config.json: rendered as
 * `config.json: linux.namespaces[1].type: unknown namespace type "foo"`. */
export class ConfigError extends TsrunError {
  constructor(
    readonly jsonPath: string,
    readonly problem: string,
  ) {
    super('ERR_TSRUN_CONFIG', jsonPath ? `config.json: ${jsonPath}: ${problem}` : `config.json: ${problem}`);
  }
}
