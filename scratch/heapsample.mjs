import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const s = new Session();
s.connect();
s.post('HeapProfiler.enable');
process.on('SIGUSR2', () => {
  s.post('HeapProfiler.stopSampling', (err, r) => { writeFileSync(process.env.HEAP_OUT, JSON.stringify(r.profile)); process.exit(0); });
});
process.on('SIGUSR1', () => {
  s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
});
