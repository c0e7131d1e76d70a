import { errorMessage } from './log';
import { decodeText, readBounded } from './read_file';

/** Why a YAML file could not be used: unreadable, not YAML, or not a mapping at the top. */
export class YamlFileError extends Error {
  constructor(readonly kind: 'read' | 'syntax' | 'shape', readonly detail: string) {
    super(detail);
  }
}

/**
 * The one loader of both YAML files (--config.file, --web.config.file): read with a size bound,
 * parsed with duplicate keys refused (a duplicate is a typo that would silently win), and a
 * mapping at the top; an empty file is an empty mapping. Each caller words the error for its
 * file. yaml is loaded on first use: most hosts run on flags alone.
 */
export function readYamlMapping(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = decodeText(readBounded(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new YamlFileError('read', e.code === 'EFBIG' || e.code === 'EFTYPE' ? e.message : (e.code ?? errorMessage(err)));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  let doc: unknown;
  try {
    // Warnings (an unresolved tag such as !!js/function) are errors here, in one line: the yaml
    // package would print them as a 7-line warning and go on with a string.
    const parsed = YAML.parseDocument(text, { uniqueKeys: true, logLevel: 'silent' });
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem) throw problem;
    doc = parsed.toJS();
  } catch (err) {
    throw new YamlFileError('syntax', errorMessage(err));
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new YamlFileError('shape', 'not a mapping');
  return doc as Record<string, unknown>;
}
