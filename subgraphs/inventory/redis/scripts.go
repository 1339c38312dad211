package redis

import goredis "github.com/redis/go-redis/v9"

// Every script works on the keys of one SKU, which share the hash tag {sku} and so one Redis
// Cluster slot:
//
//	KEYS[1] stock  hash: on:<center> units on hand, rs:<center> units held, state ("on" when loaded)
//	KEYS[2] holds  hash: order id -> "holdID|center|quantity|expiresMs|status|settledMs"
//	KEYS[3] expiry sorted set of orders with an active hold, by expiry (ms)
//	KEYS[4] done   sorted set of orders with a settled hold, by settlement (ms), for pruning
//	KEYS[5] log    stream of changes not yet written to Postgres (op, o = order, h = hold)
//
// Times come from the caller's clock in milliseconds, so that a test can drive expiry.
const prelude = `
local function parse(v)
  local id, c, q, e, st, d = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  return {id = id, c = c, q = q, e = e, st = st, d = d}
end
local function enc(h)
  return h.id .. '|' .. h.c .. '|' .. h.q .. '|' .. h.e .. '|' .. h.st .. '|' .. h.d
end
local function log(op, o, h)
  redis.call('XADD', KEYS[5], '*', 'op', op, 'o', o, 'h', enc(h))
end
local function settle(o, h, st, now)
  h.st = st
  h.d = now
  redis.call('HSET', KEYS[2], o, enc(h))
  redis.call('ZREM', KEYS[3], o)
  redis.call('ZADD', KEYS[4], now, o)
end
local function unhold(h)
  redis.call('HINCRBY', KEYS[1], 'rs:' .. h.c, -tonumber(h.q))
end
local function expire(now, limit)
  local n = 0
  local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, limit)
  for _, o in ipairs(due) do
    local v = redis.call('HGET', KEYS[2], o)
    local h = v and parse(v)
    if h and h.st == 'ACTIVE' then
      unhold(h)
      settle(o, h, 'RELEASED', now)
      log('X', o, h)
      n = n + 1
    else
      redis.call('ZREM', KEYS[3], o)
    end
  end
  return n
end
local function loaded()
  return redis.call('HGET', KEYS[1], 'state') == 'on'
end
`

// reserveScript takes a hold for an order at the first center, in the caller's order, whose
// available units cover the quantity, after releasing holds that expired. It returns
// {"OK", hold}, {"EXISTS", hold} when the order already has a hold of the SKU (whatever its
// status), {"OUT", most units one center has} or {"NOT_LOADED"}.
//
// ARGV: order, quantity, hold id, now, expires, centers...
var reserveScript = goredis.NewScript(prelude + `
if not loaded() then return {'NOT_LOADED'} end
expire(ARGV[4], 20)
local v = redis.call('HGET', KEYS[2], ARGV[1])
if v then return {'EXISTS', v} end
local q = tonumber(ARGV[2])
local best = 0
for i = 6, #ARGV do
  local c = ARGV[i]
  local f = redis.call('HMGET', KEYS[1], 'on:' .. c, 'rs:' .. c)
  if f[1] then
    local avail = tonumber(f[1]) - tonumber(f[2] or '0')
    if avail >= q then
      redis.call('HINCRBY', KEYS[1], 'rs:' .. c, q)
      local h = {id = ARGV[3], c = c, q = ARGV[2], e = ARGV[5], st = 'ACTIVE', d = '0'}
      redis.call('HSET', KEYS[2], ARGV[1], enc(h))
      redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
      log('R', ARGV[1], h)
      return {'OK', enc(h)}
    end
    if avail > best then best = avail end
  end
end
return {'OUT', best}
`)

// undoScript deletes an order's active hold and gives its units back. ARGV: order.
var undoScript = goredis.NewScript(prelude + `
if not loaded() then return 'NOT_LOADED' end
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return 'NONE' end
local h = parse(v)
if h.st ~= 'ACTIVE' then return h.st end
unhold(h)
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
log('U', ARGV[1], h)
return 'OK'
`)

// confirmScript turns an order's active, unexpired hold into a decrement of units on hand.
// It returns {"CONFIRMED", hold} (now or before), {"RELEASED", hold}, {"EXPIRED", hold} (the
// hold expired and is released now), {"NONE"} or {"NOT_LOADED"}. ARGV: order, now.
var confirmScript = goredis.NewScript(prelude + `
if not loaded() then return {'NOT_LOADED'} end
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return {'NONE'} end
local h = parse(v)
if h.st ~= 'ACTIVE' then return {h.st, v} end
if tonumber(h.e) <= tonumber(ARGV[2]) then
  unhold(h)
  settle(ARGV[1], h, 'RELEASED', ARGV[2])
  log('X', ARGV[1], h)
  return {'EXPIRED', enc(h)}
end
unhold(h)
redis.call('HINCRBY', KEYS[1], 'on:' .. h.c, -tonumber(h.q))
settle(ARGV[1], h, 'CONFIRMED', ARGV[2])
log('C', ARGV[1], h)
return {'CONFIRMED', enc(h)}
`)

// releaseScript releases an order's active hold. It returns {"RELEASED", hold} (now or before),
// {"CONFIRMED", hold}, {"NONE"} or {"NOT_LOADED"}. ARGV: order, now.
var releaseScript = goredis.NewScript(prelude + `
if not loaded() then return {'NOT_LOADED'} end
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return {'NONE'} end
local h = parse(v)
if h.st ~= 'ACTIVE' then return {h.st, v} end
unhold(h)
settle(ARGV[1], h, 'RELEASED', ARGV[2])
log('X', ARGV[1], h)
return {'RELEASED', enc(h)}
`)

// sweepScript releases expired holds and forgets holds settled before the retention cutoff.
// It returns how many holds it released, or -1 when the SKU is not loaded.
// ARGV: now, cutoff, limit.
var sweepScript = goredis.NewScript(prelude + `
if not loaded() then return -1 end
local n = expire(ARGV[1], tonumber(ARGV[3]))
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, o in ipairs(old) do
  redis.call('HDEL', KEYS[2], o)
  redis.call('ZREM', KEYS[4], o)
end
return n
`)

// loadScript replaces the SKU's counters and holds (not its log) and resumes it.
// ARGV: number of centers, then center and units on hand for each, then order and hold for
// each active hold.
var loadScript = goredis.NewScript(prelude + `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
local i = 3
for k = 1, tonumber(ARGV[2]) do
  redis.call('HSET', KEYS[1], 'on:' .. ARGV[i], ARGV[i + 1], 'rs:' .. ARGV[i], 0)
  i = i + 2
end
while i <= #ARGV do
  local o, v = ARGV[i], ARGV[i + 1]
  local h = parse(v)
  redis.call('HSET', KEYS[2], o, v)
  redis.call('ZADD', KEYS[3], h.e, o)
  redis.call('HINCRBY', KEYS[1], 'rs:' .. h.c, tonumber(h.q))
  i = i + 2
end
redis.call('HSET', KEYS[1], 'state', 'loaded:' .. ARGV[1])
return 'OK'
`)

// resumeScript starts the scripts of a SKU that Load loaded with the token ARGV[1], unless it
// was paused, dropped or loaded again since. It returns 1 when it started them.
var resumeScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'loaded:' .. ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'on')
return 1
`)

// indexScript records that an order holds a SKU, on the order's own key (its own slot), and
// keeps the record as long as the hold may be asked about. KEYS: order key. ARGV: sku, ttl ms.
var indexScript = goredis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`)

// stockScript reads a SKU's counters for availability: the stock hash's fields, then, for each
// active hold that expired by now but was not swept yet, "ex:<center>" and its quantity, so
// that the reader does not count it as held (Postgres does not either). It returns an empty
// list when the SKU is not loaded. It writes nothing. ARGV: now, limit.
var stockScript = goredis.NewScript(prelude + `
if not loaded() then return {} end
local out = redis.call('HGETALL', KEYS[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, o in ipairs(due) do
  local v = redis.call('HGET', KEYS[2], o)
  local h = v and parse(v)
  if h and h.st == 'ACTIVE' then
    out[#out + 1] = 'ex:' .. h.c
    out[#out + 1] = h.q
  end
end
return out
`)
