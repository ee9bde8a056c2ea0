// The atomic parts of the dispatcher, in Lua. Every key shares the deployment's hash tag, so the
// multi-key scripts stay legal on Redis Cluster.

/**
 * Ingest one transition into its groups, once per transitionId. The firing index and its counts by
 * `kind|severity` (what /metrics shows) change together; counts missing their `~built` mark (a
 * deployment older than them) are first rebuilt from the index.
 * KEYS: tx, firing, groups, firingCounts, then per group: meta, alerts, pending, targetGroups.
 * ARGV: ttlSeconds, eventJson, fingerprint, status, now, then per group: gid, receiver, route, groupKey, groupLabelsJson.
 * Returns 1 when the transition is new, 0 when it was seen before.
 */
export const INGEST = `
local fresh = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
if not fresh then return 0 end
local function countOf(json)
  local ok, e = pcall(cjson.decode, json)
  if not ok or type(e) ~= 'table' or type(e.labels) ~= 'table' then return nil end
  return tostring(e.labels.kind) .. '|' .. tostring(e.labels.severity)
end
local function count(json, by)
  local field = countOf(json)
  if not field then return end
  if redis.call('HINCRBY', KEYS[4], field, by) <= 0 then redis.call('HDEL', KEYS[4], field) end
end
if redis.call('HEXISTS', KEYS[4], '~built') == 0 then
  redis.call('DEL', KEYS[4])
  for _, json in ipairs(redis.call('HVALS', KEYS[2])) do count(json, 1) end
  redis.call('HSET', KEYS[4], '~built', '1')
end
local before = redis.call('HGET', KEYS[2], ARGV[3])
if before then count(before, -1) end
if ARGV[4] == 'firing' then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
  count(ARGV[2], 1)
else
  redis.call('HDEL', KEYS[2], ARGV[3])
end
local n = (#KEYS - 4) / 4
for i = 0, n - 1 do
  local meta, alerts, pending, tgroups = KEYS[5 + 4 * i], KEYS[6 + 4 * i], KEYS[7 + 4 * i], KEYS[8 + 4 * i]
  local a = 6 + 5 * i
  redis.call('SADD', KEYS[3], ARGV[a])
  redis.call('SADD', tgroups, ARGV[a])
  redis.call('HSET', meta, 'receiver', ARGV[a + 1], 'route', ARGV[a + 2], 'groupKey', ARGV[a + 3], 'groupLabels', ARGV[a + 4])
  if not redis.call('HGET', meta, 'lastSentAt') then redis.call('HSETNX', meta, 'firstAt', ARGV[5]) end
  redis.call('HSET', alerts, ARGV[3], ARGV[2])
  redis.call('RPUSH', pending, ARGV[2])
end
return 1
`;

/**
 * Ask for a flush at time t unless an earlier one is already planned (or a delivery is in flight:
 * its completion plans the next flush). KEYS: meta. ARGV: t, now. Returns the planned time, or -1.
 */
export const PLAN_FLUSH = `
local inflight = redis.call('HGET', KEYS[1], 'inflight')
if inflight and inflight ~= '' then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'nextFlush') or '')
local t = tonumber(ARGV[1])
if cur and cur <= t and cur >= tonumber(ARGV[2]) - 60000 then return cur end
redis.call('HSET', KEYS[1], 'nextFlush', ARGV[1])
return t
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
