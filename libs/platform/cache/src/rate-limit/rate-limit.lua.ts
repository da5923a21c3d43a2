import { createHash } from 'node:crypto';

/**
 * Fixed-window counters of one tenant, both policies checked and consumed in one atomic step.
 * The hash keeps, per policy, the count and the end of the window it belongs to (`mc`/`me`, `dc`/`de`);
 * a window is over when now ≥ its end, and a new one starts at 0. Window ends are kept rather than
 * derived from the key name, so a tenant that changes time zone mid-day keeps its count until that
 * day ends (no free reset), and the key name never depends on a clock.
 *
 * KEYS[1]   the tenant's counter hash
 * ARGV[1]   cost: quota units this request takes
 * ARGV[2]   minute limit, or -1: not counted
 * ARGV[3]   day limit, or -1: not counted
 * ARGV[4]   now in ms, or '' to read the server clock (TIME), so gateways with skewed clocks agree
 * ARGV[5..] ascending starts of the tenant's local days around the caller's now (ms): the end of a new
 *           day window is the first of them after now
 * Returns   { allowed 0|1, minute count, ms to minute end, day count, ms to day end, day end }; counts
 *           include this request when allowed; values of a policy not counted are meaningless.
 *           Nothing is written when refused. Per request: TIME, HMGET, HSET (+ PEXPIRE per new window).
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

local state = redis.call('HMGET', KEYS[1], 'mc', 'me', 'dc', 'de')
local minuteCount, minuteEnd = tonumber(state[1]) or 0, tonumber(state[2]) or 0
local dayCount, dayEnd = tonumber(state[3]) or 0, tonumber(state[4]) or 0
local started = false

if minuteLimit >= 0 and now >= minuteEnd then
  minuteCount, minuteEnd, started = 0, (math.floor(now / 60000) + 1) * 60000, true
end
if dayLimit >= 0 and now >= dayEnd then
  dayCount, dayEnd, started = 0, now + 86400000, true
  for index = 5, #ARGV do
    local boundary = tonumber(ARGV[index])
    if now < boundary then
      dayEnd = boundary
      break
    end
  end
end

if (minuteLimit >= 0 and minuteCount + cost > minuteLimit) or (dayLimit >= 0 and dayCount + cost > dayLimit) then
  return { 0, minuteCount, minuteEnd - now, dayCount, dayEnd - now, dayEnd }
end

if minuteLimit >= 0 then minuteCount = minuteCount + cost end
if dayLimit >= 0 then dayCount = dayCount + cost end
-- A policy not counted now keeps its stored fields, so a plan flip does not cut a live window short.
redis.call('HSET', KEYS[1], 'mc', minuteCount, 'me', minuteEnd, 'dc', dayCount, 'de', dayEnd)
if started then
  -- Once per new window (not per request), relative to the same now as the windows, with a second of
  -- slack: the key outlives the last of its windows and no longer.
  redis.call('PEXPIRE', KEYS[1], math.max(minuteEnd, dayEnd) - now + 1000)
end
return { 1, minuteCount, minuteEnd - now, dayCount, dayEnd - now, dayEnd }
`;

export const RATE_LIMIT_LUA_SHA1 = createHash('sha1').update(RATE_LIMIT_LUA).digest('hex');
