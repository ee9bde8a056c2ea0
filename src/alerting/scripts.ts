// The atomic parts of the dispatcher, in Lua. Every key shares the deployment's hash tag, so the
// multi-key scripts stay legal on Redis Cluster.

/**
 * Ingest one transition into its groups, once per transitionId, and into the firing index. A
 * transition taken in is appended to the transition log (a capped stream: the console's history) in
 * the same step, so the log holds it exactly once, whatever is re-processed and whichever replica
 * takes it. Only what changes is written: a group's meta (its receiver, route, key and labels, the
 * same for every transition of the group) is written when it is absent or differs. (Counts of
 * firing alerts are not kept here: /metrics counts the index when scraped, a write less per
 * transition.)
 * KEYS: tx, firing, groups, [log,] then per group: meta, alerts, pending, targetGroups.
 * ARGV: ttlSeconds, eventJson, fingerprint, status, now, logMaxLen ('' = no log, and no log key),
 *       logField, logValue, then per group: gid, receiver, route, groupKey, groupLabelsJson.
 * Returns 1 when the transition is new, 0 when it was seen before.
 */
export const INGEST = `
local fresh = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
if not fresh then return 0 end
local logged = ARGV[6] ~= ''
if logged then redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', ARGV[7], ARGV[8]) end
if ARGV[4] == 'firing' then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
else
  redis.call('HDEL', KEYS[2], ARGV[3])
end
local first = logged and 5 or 4
local n = (#KEYS - first + 1) / 4
for i = 0, n - 1 do
  local meta, alerts, pending, tgroups = KEYS[first + 4 * i], KEYS[first + 1 + 4 * i], KEYS[first + 2 + 4 * i], KEYS[first + 3 + 4 * i]
  local a = 9 + 5 * i
  redis.call('SADD', KEYS[3], ARGV[a])
  redis.call('SADD', tgroups, ARGV[a])
  local m = redis.call('HMGET', meta, 'receiver', 'route', 'groupKey', 'groupLabels')
  if m[1] ~= ARGV[a + 1] or m[2] ~= ARGV[a + 2] or m[3] ~= ARGV[a + 3] or m[4] ~= ARGV[a + 4] then
    redis.call('HSET', meta, 'receiver', ARGV[a + 1], 'route', ARGV[a + 2], 'groupKey', ARGV[a + 3], 'groupLabels', ARGV[a + 4])
  end
  if not redis.call('HGET', meta, 'lastSentAt') then redis.call('HSETNX', meta, 'firstAt', ARGV[5]) end
  redis.call('HSET', alerts, ARGV[3], ARGV[2])
  redis.call('RPUSH', pending, ARGV[2])
end
return 1
`;

/**
 * Ask for a flush at time t unless an earlier one is already planned (or a delivery is in flight:
 * its completion plans the next flush). KEYS: meta. ARGV: t, now.
 * Returns {planned time, 1 when planned now / 0 when it was planned before}, or {-1, 0}.
 */
export const PLAN_FLUSH = `
local inflight = redis.call('HGET', KEYS[1], 'inflight')
if inflight and inflight ~= '' then return {-1, 0} end
local cur = tonumber(redis.call('HGET', KEYS[1], 'nextFlush') or '')
local t = tonumber(ARGV[1])
if cur and cur <= t and cur >= tonumber(ARGV[2]) - 60000 then return {cur, 0} end
redis.call('HSET', KEYS[1], 'nextFlush', ARGV[1])
return {t, 1}
`;

/**
 * Read a group for a flush at slot `ARGV[1]`, clearing the planned flush it answers.
 * KEYS: meta, alerts, notified, pending.
 */
export const CLAIM = `
local nf = tonumber(redis.call('HGET', KEYS[1], 'nextFlush') or '')
if nf and nf <= tonumber(ARGV[1]) then redis.call('HDEL', KEYS[1], 'nextFlush') end
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
         redis.call('SMEMBERS', KEYS[3]), redis.call('LRANGE', KEYS[4], 0, -1) }
`;

/**
 * Apply a flush plan, once per flush job, only if nothing else committed since the claim.
 * KEYS: meta, alerts, notified, pending, flushes, notifs, delivery.
 * ARGV: flushId, ver, consumedPending, now, seq ('' = nothing to send), notificationJson,
 *       announceJson, forgetJson, ttlSeconds.
 * Returns {'ok'|'done'|'busy'|'conflict', seq}.
 */
export const COMMIT = `
local done = redis.call('HGET', KEYS[5], ARGV[1])
if done then return {'done', done} end
if (redis.call('HGET', KEYS[1], 'ver') or '0') ~= ARGV[2] then return {'conflict', ''} end
local inflight = redis.call('HGET', KEYS[1], 'inflight')
if inflight and inflight ~= '' then return {'busy', ''} end
local consumed = tonumber(ARGV[3])
if consumed > 0 then redis.call('LTRIM', KEYS[4], consumed, -1) end
redis.call('DEL', KEYS[3])
for _, fp in ipairs(cjson.decode(ARGV[7])) do redis.call('SADD', KEYS[3], fp) end
for _, pair in ipairs(cjson.decode(ARGV[8])) do
  local cur = redis.call('HGET', KEYS[2], pair[1])
  if cur and cjson.decode(cur).transitionId == pair[2] then
    redis.call('HDEL', KEYS[2], pair[1])
    redis.call('SREM', KEYS[3], pair[1])
  end
end
redis.call('HINCRBY', KEYS[1], 'ver', 1)
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[5], ARGV[6])
  redis.call('HSET', KEYS[1], 'seq', ARGV[5], 'inflight', ARGV[5], 'inflightAt', ARGV[4], 'lastSentAt', ARGV[4])
  redis.call('HDEL', KEYS[1], 'firstAt')
end
if redis.call('HLEN', KEYS[2]) == 0 then
  redis.call('HDEL', KEYS[1], 'lastSentAt')
  if ARGV[5] == '' then redis.call('DEL', KEYS[7]) end
end
redis.call('HSET', KEYS[5], ARGV[1], ARGV[5])
redis.call('EXPIRE', KEYS[5], ARGV[9])
return {'ok', ARGV[5]}
`;

/**
 * Record a delivery's outcome in the notification log and release the group.
 * KEYS: meta, nlog, delivery, notifs. ARGV: seq, entryJson, record ('' keep, '-' delete, JSON), ttlSeconds.
 */
export const COMPLETE = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[3] == '-' then redis.call('DEL', KEYS[3]) elseif ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3]) end
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('HGET', KEYS[1], 'inflight') == ARGV[1] then redis.call('HDEL', KEYS[1], 'inflight', 'inflightAt') end
return 1
`;

/**
 * Release a group from a delivery that can never complete (its notification is gone), if it is
 * still the one in flight. KEYS: meta. ARGV: seq. Returns 1 when released.
 */
export const RELEASE = `
if redis.call('HGET', KEYS[1], 'inflight') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'inflight', 'inflightAt')
return 1
`;

/** The dispatcher's scripts by command name (registered on its client by src/state/scripts.ts). */
export const ALERTING_SCRIPTS = {
  syncwatchIngest: INGEST,
  syncwatchPlanFlush: PLAN_FLUSH,
  syncwatchFlushClaim: CLAIM,
  syncwatchFlushCommit: COMMIT,
  syncwatchDeliveryComplete: COMPLETE,
  syncwatchDeliveryRelease: RELEASE,
};
