// Worker thread for bcrypt: a cost-10 comparison takes ~70 ms of pure JS, which must never run
// on the event loop that serves scrapes. Messages: {id, password, hash} -> {id, ok}.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

parentPort!.on('message', (m: { id: number; password: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    ok = false;
  }
  parentPort!.postMessage({ id: m.id, ok });
});
