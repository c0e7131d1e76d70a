// Every collector, in exposition order. Adding one is a folder under src/collectors that exports
// a CollectorModule (see module.ts), and a line here.
import { DISK } from './disk';
import { MEMORY } from './memory';
import type { CollectorModule } from './module';

export const COLLECTORS: readonly CollectorModule[] = [MEMORY, DISK];
