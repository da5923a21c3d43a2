import { createHash } from 'node:crypto';

/**
 * Fixed-window counters of one tenant, both policies checked and consumed in one atomic step.
 * The hash keeps, per policy, the count and the end of the window it belongs to (`mc`/`me`, `dc`/`de`);
 * a window is over when now ≥ its end, and a new one starts at 0. Window ends are kept rather than
 * derived from the key name, so a tenant that changes time zone mid-day keeps its count until that
 * day ends (no free reset), and the key name never depends on a clock. The day window also keeps its
 * start (`ds`, for the truthful window length) and the earliest end of the window after it (`dn`: the
 * end of the following day in the zone it was opened in), so a new time zone cannot shorten the next
 * day either (`nextDayWindow` in rate-limiter.ts is the same rule; the contract suite checks both).
 *
 * KEYS[1]   the tenant's counter hash
 * KEYS[2..] keys of the same tenant (same hash tag, so the same Redis Cluster slot) to GET, only when
 *           the request is allowed: a cache hit's limit check and its cache lookup in one round trip
 * ARGV[1]   cost: quota units this request takes
 * ARGV[2]   minute limit, or -1: not counted
 * ARGV[3]   day limit, or -1: not counted
 * ARGV[4]   now in ms, or '' to read the server clock (TIME), so gateways with skewed clocks agree
 * ARGV[5]   ascending starts of the tenant's local days around the caller's now (ms, D-1 … D+4), joined by
 *           commas in one argument (one bulk string to encode per call, not six), or '' when the day is
 *           not counted: a new day window ends at the first of them after now and not before `dn`
 * Returns   { allowed 0|1, minute count, ms to minute end, day count, ms to day end, day end, day
 *           window length ms }; counts include this request when allowed; values of a policy not
 *           counted are meaningless; when allowed, followed by the values of KEYS[2..] (nil where
 *           missing). Nothing is written or read when refused. Per request: TIME, HMGET, HSET (+ PEXPIRE
 *           per new window, + one GET per extra key). The key lives until `dn`, so the rule holds across
 *           idle hours.
 */
export const RATE_LIMIT_LUA = `
local cost = tonumber(ARGV[1])
local minuteLimit = tonumber(ARGV[2])
local dayLimit = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local state = redis.call('HMGET', KEYS[1], 'mc', 'me', 'dc', 'de', 'ds', 'dn')
local minuteCount, minuteEnd = tonumber(state[1]) or 0, tonumber(state[2]) or 0
local dayCount, dayEnd = tonumber(state[3]) or 0, tonumber(state[4]) or 0
local dayStart, dayNext = tonumber(state[5]) or (dayEnd - 86400000), tonumber(state[6]) or 0
local started = false

if minuteLimit >= 0 and now >= minuteEnd then
  minuteCount, minuteEnd, started = 0, (math.floor(now / 60000) + 1) * 60000, true
end
if dayLimit >= 0 and now >= dayEnd then
  local previousEnd, notBefore = dayEnd, dayNext
  local found = false
  dayCount, started = 0, true
  local starts = {}
  for start in string.gmatch(ARGV[5] or '', '[^,]+') do starts[#starts + 1] = tonumber(start) end
  for index = 2, #starts do
    local boundary = starts[index]
    if now < boundary and boundary >= notBefore then
      local localStart = starts[index - 1]
      dayEnd = boundary
      dayStart = localStart
      if localStart > now and previousEnd > 0 then dayStart = previousEnd end
      dayNext = starts[index + 1] or (boundary + 86400000)
      found = true
      break
    end
  end
  if not found then
    dayEnd = math.max(now + 86400000, notBefore)
    dayStart, dayNext = now, dayEnd + 86400000
  end
end

if (minuteLimit >= 0 and minuteCount + cost > minuteLimit) or (dayLimit >= 0 and dayCount + cost > dayLimit) then
  return { 0, minuteCount, minuteEnd - now, dayCount, dayEnd - now, dayEnd, dayEnd - dayStart }
end

if minuteLimit >= 0 then minuteCount = minuteCount + cost end
if dayLimit >= 0 then dayCount = dayCount + cost end
-- A policy not counted now keeps its stored fields, so a plan flip does not cut a live window short.
redis.call('HSET', KEYS[1], 'mc', minuteCount, 'me', minuteEnd, 'dc', dayCount, 'de', dayEnd, 'ds', dayStart, 'dn', dayNext)
if started then
  -- Once per new window (not per request), relative to the same now as the windows, with a second of
  -- slack: the key outlives the last of its windows and the day that bounds the next, and no longer.
  redis.call('PEXPIRE', KEYS[1], math.max(minuteEnd, dayEnd, dayNext) - now + 1000)
end
local reply = { 1, minuteCount, minuteEnd - now, dayCount, dayEnd - now, dayEnd, dayEnd - dayStart }
for index = 2, #KEYS do
  -- GET of a missing key is false, which the reply carries as nil (and keeps the array's length).
  reply[index + 6] = redis.call('GET', KEYS[index])
end
return reply
`;

export const RATE_LIMIT_LUA_SHA1 = createHash('sha1').update(RATE_LIMIT_LUA).digest('hex');
