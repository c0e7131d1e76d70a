import pkg from '../package.json';

// Stamped by the standalone build (esbuild --define); a run from source says so instead.
declare const __SYS_EXPORTER_REVISION__: string | undefined;

export const VERSION: string = pkg.version;
export const REVISION: string = typeof __SYS_EXPORTER_REVISION__ === 'string' ? __SYS_EXPORTER_REVISION__ : 'source';

/** The JavaScript runtime: "node v22.23.3" from source and on Windows, "bun 1.4.5" in the Linux executables. */
export const RUNTIME: string = process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`;
