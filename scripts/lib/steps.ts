import { statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (scripts run from build/scripts). */
export const ROOT = join(__dirname, '..', '..', '..');

/** Runs one build step and prints it with its duration and what it returned (a size, a version). */
export async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    const r = await fn();
    console.log(`  ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s${r !== undefined ? ` (${String(r)})` : ''}`);
    return r;
  } catch (err) {
    throw new Error(`${name} failed: ${firstLine(err)}`);
  }
}

/** An error's first line; for esbuild's, whose first line only counts them, the first error's own text. */
function firstLine(err: unknown): string {
  const errors = (err as { errors?: Array<{ text?: unknown }> } | undefined)?.errors;
  if (Array.isArray(errors) && typeof errors[0]?.text === 'string') return errors[0].text.split('\n')[0];
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

export function size(path: string): string {
  return `${(statSync(path).size / 1e6).toFixed(1)} MB`;
}

/** One clear line and a non-zero exit. */
export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}
