// Counts Redis keyspace events (every data change of every key) for bench/cycle.ts in a process of
// its own, so the benchmark's CPU figure is the daemon's, not the counter's. Started with fork()
// and the Redis URL as its argument; it answers over IPC:
//   { type: 'start', channelPrefix }  → counting restarts (only channels with that prefix) → { type: 'started' }
//   { type: 'stop' }                  → { type: 'counts', counts: { [key]: { [event]: n } } }, every
//                                       event Redis published before the stop included (a PING on the
//                                       subscriber connection is answered after them)
import { Redis } from 'ioredis';

const PREFIX = '__keyspace@0__:';
const subscriber = new Redis(process.argv[2]);
let channelPrefix = '\u0000';
/** key → event → count */
let counts = new Map();

subscriber.on('pmessage', (_pattern, channel, event) => {
  if (!channel.startsWith(channelPrefix)) return;
  const key = channel.slice(PREFIX.length);
  let byEvent = counts.get(key);
  if (!byEvent) counts.set(key, (byEvent = {}));
  byEvent[event] = (byEvent[event] ?? 0) + 1;
});

await subscriber.psubscribe(`${PREFIX}*`);
process.on('message', async (message) => {
  if (message.type === 'start') {
    channelPrefix = message.channelPrefix;
    counts = new Map();
    process.send({ type: 'started' });
  } else if (message.type === 'stop') {
    await subscriber.ping();
    process.send({ type: 'counts', counts: Object.fromEntries(counts) });
    counts = new Map();
  }
});
process.on('disconnect', () => {
  subscriber.disconnect();
  process.exit(0);
});
process.send({ type: 'ready' });
