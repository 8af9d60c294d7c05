// The "Aegis" log channel. Every line passes a scrubber first: API keys this session has read from
// SecretStorage, and anything shaped like a bearer token, are replaced before they reach the channel.
import type * as vscode from 'vscode';

/** The logging surface the rest of the extension (and the pure modules, structurally) use. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
const MASK = '***';

export class ScrubbingLogger implements Logger, vscode.Disposable {
  private readonly known = new Set<string>();

  constructor(private readonly channel: vscode.LogOutputChannel) {}

  /** Registers a secret value so that it never appears in the log, whatever code tries to log it. */
  addSecret(value: string): void {
    if (value.length >= 4) this.known.add(value);
  }

  scrub(text: string): string {
    let out = text.replace(BEARER, `$1${MASK}`);
    for (const secret of this.known) out = out.split(secret).join(MASK);
    return out;
  }

  trace(message: string): void {
    this.channel.trace(this.scrub(message));
  }
  debug(message: string): void {
    this.channel.debug(this.scrub(message));
  }
  info(message: string): void {
    this.channel.info(this.scrub(message));
  }
  warn(message: string): void {
    this.channel.warn(this.scrub(message));
  }
  error(message: string | Error): void {
    const text = message instanceof Error ? `${message.name}: ${message.message}` : message;
    this.channel.error(this.scrub(text));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
