// The daemon of bench/cycle.ts, in a process of its own that runs what production runs: plain node
// on the compiled JavaScript in dist/ (no tsx loader, source maps on as in bin/syncwatch.js). Its CPU
// and memory are the benchmark's figures; the benchmark, the keyspace counter, the simulator and
// Redis are other processes. Started with fork() (extra node flags, e.g. --cpu-prof, from
// BENCH_DAEMON_NODE_ARGS); it answers over IPC:
//   (at start)                       → { type: 'ready', rssMB }   RSS with node and dist/ loaded, no daemon yet
//   { type: 'mark', label }          → a window starts (CPU baseline, memory peaks reset) → { type: 'marked' }
//   { type: 'start', yaml, source }  → config loaded, daemon started → { type: 'started' } or { type: 'failed', message }
//   { type: 'measure' }              → the window ends → { type: 'measured', cpuMs, cpuUserMs, windowPeak, peakRss } (bytes)
//   { type: 'close' }                → the daemon is closed → { type: 'closed' }, then the process exits
// With BENCH_VERBOSE each window is printed on this process's clock (µs), as a --cpu-prof profile counts it.
process.setSourceMapsEnabled(true);
const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { loadConfigFromString, formatProblem } = await dist('src/config/index.js');
const { createLogger } = await dist('src/log.js');
const { startDaemon } = await dist('workers/index.js');

const rssMB = (bytes) => bytes / 1048576;
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }, process.stderr);
let daemon;
let peakRss = 0;
let windowPeak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0 };
let window;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  for (const k of Object.keys(windowPeak)) windowPeak[k] = Math.max(windowPeak[k], m[k]);
};
const sampler = setInterval(sample, 100);

process.on('message', async (message) => {
  try {
    if (message.type === 'mark') {
      windowPeak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0 };
      sample();
      window = { label: message.label, cpu: process.cpuUsage(), hr: process.hrtime.bigint() };
      process.send({ type: 'marked' });
    } else if (message.type === 'start') {
      const loaded = await loadConfigFromString(message.yaml, message.source, process.env);
      if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
      daemon = await startDaemon(loaded.config, { logger });
      process.send({ type: 'started' });
    } else if (message.type === 'measure') {
      const cpu = process.cpuUsage(window.cpu);
      sample();
      if (process.env.BENCH_VERBOSE) console.error(`window ${window.label} ${window.hr / 1000n} ${process.hrtime.bigint() / 1000n}`);
      process.send({ type: 'measured', cpuMs: (cpu.user + cpu.system) / 1000, cpuUserMs: cpu.user / 1000, windowPeak, peakRss });
    } else if (message.type === 'close') {
      await daemon?.close();
      clearInterval(sampler);
      process.send({ type: 'closed', peakRss: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) });
      process.disconnect();
    }
  } catch (e) {
    process.send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
});
process.send({ type: 'ready', rssMB: rssMB(process.memoryUsage().rss) });
