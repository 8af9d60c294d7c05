// API keys per model profile, kept only in VS Code's SecretStorage (the OS keychain on desktop).
// Settings, logs and the metrics store never see them.
import type * as vscode from 'vscode';
import type { ScrubbingLogger } from './log';

const KEY_PREFIX = 'aegis.apiKey.';

export class ApiKeyStore {
  private readonly cache = new Map<string, string | undefined>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: ScrubbingLogger,
  ) {
    // Another window may set or clear a key: drop our cached copy so the next request reads the new one.
    secrets.onDidChange((e) => {
      if (e.key.startsWith(KEY_PREFIX)) this.cache.delete(e.key.slice(KEY_PREFIX.length));
    });
  }

  async get(profileId: string): Promise<string | undefined> {
    if (this.cache.has(profileId)) return this.cache.get(profileId);
    const value = await this.secrets.get(KEY_PREFIX + profileId);
    if (value) this.logger.addSecret(value);
    this.cache.set(profileId, value);
    return value;
  }

  async set(profileId: string, value: string): Promise<void> {
    this.logger.addSecret(value);
    await this.secrets.store(KEY_PREFIX + profileId, value);
    this.cache.set(profileId, value);
  }

  async clear(profileId: string): Promise<void> {
    await this.secrets.delete(KEY_PREFIX + profileId);
    this.cache.set(profileId, undefined);
  }

  async has(profileId: string): Promise<boolean> {
    return (await this.get(profileId)) !== undefined;
  }
}
