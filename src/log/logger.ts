// runc-compatible logging. --log FILE is opened O_CREAT|O_WRONLY|O_APPEND and each record is
// one write(). --log-format json writes logrus-shaped lines that containerd decodes:
// {"level":"error","msg":"...","time":"<RFC 3339>"}; text writes logrus' key=value form.
import { constants, openSync, writeSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export function formatRecord(format: LogFormat, level: LogLevel, msg: string, time: Date): string {
  const stamp = time.toISOString();
  if (format === 'json') return `${JSON.stringify({ level, msg, time: stamp })}\n`;
  return `time="${stamp}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export class Logger {
  private fd: number | null = null;

  constructor(
    private readonly file: string | undefined,
    private readonly format: LogFormat,
    private readonly minLevel: LogLevel,
  ) {}

  /** True when records go to a file, so errors must also be printed on stderr. */
  get hasFile(): boolean {
    return this.file !== undefined && this.file !== '' && this.file !== '/dev/stderr';
  }

  log(level: LogLevel, msg: string): void {
    if (rank[level] < rank[this.minLevel]) return;
    const line = formatRecord(this.format, level, msg, new Date());
    if (!this.hasFile) {
      // Without --log, debug/info/warning go to stderr in the chosen format; errors are
      // printed once, plainly, by the CLI's error handler.
      if (level !== 'error') writeSync(2, line);
      return;
    }
    try {
      this.fd ??= openSync(this.file as string, constants.O_CREAT | constants.O_WRONLY | constants.O_APPEND, 0o644);
      writeSync(this.fd, line);
    } catch {
      // A log we cannot write must not hide the error itself, which still reaches stderr.
    }
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }
  info(msg: string): void {
    this.log('info', msg);
  }
  warn(msg: string): void {
    this.log('warning', msg);
  }
  error(msg: string): void {
    this.log('error', msg);
  }
}
