// Waiting for something a test cannot be told about (a request reaching the server, a row in the store, text
// in the UI): poll until it holds, and fail with what was awaited and the last value seen.
import * as assert from 'node:assert/strict';

/** Polls `read` until `accept` holds for its value, and returns that value. */
export async function until<T>(
  read: () => T | Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last value: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls `read` until it returns something other than undefined, null or false, and returns that. */
export async function eventually<T>(
  read: () => T | Promise<T>,
  what: string,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const value = await until(read, (v) => v !== undefined && v !== null && v !== false, what, timeoutMs);
  return value as NonNullable<T>;
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, 500);
  } catch {
    return String(value);
  }
}
