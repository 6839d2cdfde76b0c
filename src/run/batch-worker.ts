/** A worker thread of migrateFiles (src/run/batch.ts): migrates its groups and posts each result. */
import { parentPort, workerData } from 'node:worker_threads';
import { migrateGroup, type BatchOptions } from './batch.js';
import { migrateFile } from '../migrate.js';

const { groups, opts } = workerData as { groups: { index: number; file: string }[][]; opts: BatchOptions };
for (const g of groups) {
  migrateGroup(migrateFile, g, opts, (index, res) => {
    const lean =
      opts.needContent === false
        ? { ...res, output: '', files: res.files.map((f) => ({ ...f, content: '', before: f.before === null ? null : '' })) }
        : res;
    parentPort!.postMessage({ index, res: lean });
  });
}
