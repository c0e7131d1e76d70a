// The standalone executable keeps code that only some hosts need out of its main script: yaml
// (config files), re2js (user regexes) and the bcrypt worker are SEA assets, compiled
// on first use. V8 parses the whole main script at start and the memory its parser takes stays
// with the process: 2.5 MB of it for a 361 KB script, measured.
// scripts/dist.ts routes those requires here; running from source never comes here.
import type * as Vm from 'node:vm';

const loaded = new Map<string, Readonly<Record<string, unknown>>>();

// The Linux executables (Bun) carry one bundle with everything in it; their bcrypt worker
// source is stamped in as a string at build time (esbuild --define).
declare const __SEA__: boolean | undefined;
declare const __BCRYPT_WORKER__: string | undefined;

/** The bcrypt worker's source in a standalone executable; undefined from source (build/ has the file). */
export function workerSource(): string | undefined {
  if (typeof __BCRYPT_WORKER__ === 'string') return __BCRYPT_WORKER__;
  return typeof __SEA__ === 'boolean' && __SEA__ ? assetText('bcrypt-worker') : undefined;
}

/** An asset's text, from the executable. */
export function assetText(name: string): string {
  return (require('node:sea') as typeof import('node:sea')).getAsset(name, 'utf8');
}

/** Runs a CommonJS asset once; its exports map the module ids it bundles to their exports. */
export function loadAsset(name: string): Readonly<Record<string, unknown>> {
  let exports = loaded.get(name);
  if (!exports) {
    const { compileFunction } = require('node:vm') as typeof Vm;
    const module = { exports: {} as Record<string, unknown> };
    // Asset bundles require builtin modules only, which the executable's own require provides.
    compileFunction(assetText(name), ['module', 'exports', 'require'], { filename: `sea-asset:${name}` })(module, module.exports, require);
    loaded.set(name, (exports = module.exports));
  }
  return exports;
}
