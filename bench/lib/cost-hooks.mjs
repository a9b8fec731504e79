// Preloaded into a process under `bench/cost.ts` (node --import): counts what the process does
// between two SIGUSR2s. The first SIGUSR2 starts a window, each later one writes the window's
// counts as one JSON line to the file named by FUSEBOX_COST_OUT and starts the next.
// Counted: promises created (async_hooks), bytes allocated on the JS heap (GC-freed bytes from
// v8.GCProfiler plus the growth of the used heap), garbage collections, and CPU (process.cpuUsage).
import { createHook } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import v8 from 'node:v8';

const out = process.env.FUSEBOX_COST_OUT;
const countPromises = process.env.FUSEBOX_COST_PROMISES === '1';
let promises = 0;
if (countPromises) {
  createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises += 1;
    },
  }).enable();
}

let profiler = null;
let cpu = process.cpuUsage();
let heapAtStart = 0;

function usedHeap() {
  return v8.getHeapStatistics().used_heap_size;
}

function freedBy(report) {
  let freed = 0;
  let collections = 0;
  for (const gc of report.statistics) {
    collections += 1;
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  }
  return { freed, collections };
}

process.on('SIGUSR2', () => {
  if (profiler !== null && out) {
    const { freed, collections } = freedBy(profiler.stop());
    const used = process.cpuUsage(cpu);
    const line = { promises, allocatedBytes: freed + usedHeap() - heapAtStart, collections, cpuMicros: used.user + used.system };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  }
  promises = 0;
  cpu = process.cpuUsage();
  heapAtStart = usedHeap();
  profiler = new v8.GCProfiler();
  profiler.start();
});
