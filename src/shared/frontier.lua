-- trawl's shared frontier: every operation of the Redis scheduler is one call of this one script
-- (EVALSHA, loaded once), so each is atomic and one round trip.
--
-- KEYS[1] is the crawl's key prefix `trawl:{ID}:` (not a key itself; every key below starts with
-- it, so the `{ID}` hash tag keeps a crawl on one Redis Cluster slot).
-- ARGV[1] = operation, ARGV[2] = the run the caller is in, ARGV[3] = its lease token,
-- ARGV[4] = the operation's JSON, ARGV[5] = bytes (robots.txt body) where an operation needs them.
--
-- Keys (P = the prefix, R = P .. run .. ':'):
--   P meta         hash: program, schema, run, state (running|done), options, started, ended,
--                  expires (ms; no expiry while a run is running)
--   P rows:N       list: the rows of run N, JSON, in completion order
--   P k:BBBB       hash: pages known from earlier --only-new runs: 48-bit member -> validators
--                  JSON, or '!' for a page whose failure row (no response, 5xx, 429, robots.txt)
--                  was written and that has not been fetched well since (written only by runs
--                  with only_new)
--   R cfg          hash: the run's rules (per_host, delay, robots, limits, only_new, ttl, ...)
--   R c            hash: counters: queued, waiting, requested, retries, resources, sitemaps, seq,
--                  seen; given_up (1 when a --restart gave the run up)
--
-- Lifetimes: a run's own keys (R ...) expire 600 s after its end; its rows, the meta key and the
-- known pages expire cfg.ttl seconds after the end of the last run that wrote them (the meta key
-- keeps the latest of its expiries). Nothing of a running run expires.
--   R s:BBBB       set: the seen-set, 65,536 buckets of 48-bit integers (intsets)
--   R hosts        set: every origin of the run
--   R h:O          hash: host O: sample, rb (robots u|p|r), inf, next, delay, pause, ovl, trips, pages
--   R q:O          zset: O's queued pages, key hex -> depth * 1e9 + seq (breadth-first, FIFO)
--   R u:O          hash: key hex -> url TAB parent
--   R o:O          hash: depth -> pages of O outstanding (in flight or waiting for a retry)
--   R ho:O         list: pages continuing on O after a redirect (JSON)
--   R rs:O         list: sitemaps and feeds of O (JSON)
--   R rt:O         zset: O's retries (JSON) -> due ms
--   R ready        zset: origin -> the moment it may get its next job
--   R lease        hash: lease id -> token TAB job JSON ;  R dl  zset: lease id -> deadline ms
--   R robots       hash: origin -> verdict JSON ;  R rb  hash: origin -> robots.txt body
--   R seeds        set: seed origins ;  R rsc  set: resource keys ;  R canon  set: canonical keys
--   P wake         pub/sub channel: published when a host becomes ready sooner, or the run ends
local P = KEYS[1]
local op = ARGV[1]
local run = ARGV[2]
local token = ARGV[3]
local arg = cjson.decode(ARGV[4] or '{}')
local R = P .. run .. ':'
local BUCKETS = 65536
local DEPTH = 1e9

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function num(x) return tonumber(x) or 0 end
local cfg = {}
local published = false

local function publish()
  if not published then
    published = true
    redis.call('PUBLISH', P .. 'wake', run)
  end
end

local function bucket(k) return string.sub(k, 1, 4) end
local function member(k) return string.format('%d', tonumber(string.sub(k, 5), 16)) end

local function counter(name, by)
  return redis.call('HINCRBY', R .. 'c', name, by)
end
local function count(name) return num(redis.call('HGET', R .. 'c', name)) end

local function load_cfg()
  local f = redis.call('HGETALL', R .. 'cfg')
  for i = 1, #f, 2 do cfg[f[i]] = tonumber(f[i + 1]) or f[i + 1] end
end

local function limit_reached()
  return num(cfg.max_pages) > 0 and count('requested') >= num(cfg.max_pages)
end

local function ensure_host(o, sample)
  local h = R .. 'h:' .. o
  if redis.call('EXISTS', h) == 0 then
    local rb = 'r'
    if num(cfg.robots) == 1 then rb = 'u' end
    redis.call('HSET', h, 'sample', sample, 'rb', rb, 'inf', 0, 'next', 0,
      'delay', num(cfg.delay), 'pause', 0, 'ovl', 0, 'trips', 0, 'pages', 0)
    redis.call('SADD', R .. 'hosts', o)
  end
end

-- Is O's next page held back by the depth gate (a page of depth <= d-2 still outstanding)?
local function gated(o, d)
  if d < 2 then return false end
  local f = redis.call('HGETALL', R .. 'o:' .. o)
  for i = 1, #f, 2 do
    if tonumber(f[i]) <= d - 2 and tonumber(f[i + 1]) > 0 then return true end
  end
  return false
end

local function next_page(o)
  local top = redis.call('ZRANGE', R .. 'q:' .. o, 0, 0, 'WITHSCORES')
  if not top[1] then return nil end
  return top[1], math.floor(tonumber(top[2]) / DEPTH)
end

-- Put O in the ready set at the moment it may get a job, or take it out when nothing of it can
-- go now (it is woken again by the answer, the robots.txt, the retry or the offer that changes
-- that). Every change to a host ends here.
local function wake(o)
  local h = redis.call('HMGET', R .. 'h:' .. o, 'rb', 'inf', 'next', 'pause', 'gone')
  if not h[1] then return end
  local rb, inf = h[1], num(h[2])
  local at = math.max(num(h[3]), num(h[4]))
  local work = false
  if num(h[5]) == 1 then
    -- Given up: whatever is left of it becomes rows at once.
    at = 0
    work = redis.call('LLEN', R .. 'ho:' .. o) > 0 or redis.call('ZCARD', R .. 'rt:' .. o) > 0
      or redis.call('ZCARD', R .. 'q:' .. o) > 0
  elseif rb == 'p' or inf >= num(cfg.per_host) then
    work = false
  elseif rb == 'u' then
    work = true
  elseif redis.call('LLEN', R .. 'ho:' .. o) > 0 or redis.call('LLEN', R .. 'rs:' .. o) > 0 then
    work = true
  else
    if not limit_reached() then
      local k, d = next_page(o)
      if k and not gated(o, d) then work = true end
    end
    if not work then
      local r = redis.call('ZRANGE', R .. 'rt:' .. o, 0, 0, 'WITHSCORES')
      if r[1] then
        work = true
        at = math.max(at, tonumber(r[2]))
      end
    end
  end
  if work then
    local before = redis.call('ZSCORE', R .. 'ready', o)
    redis.call('ZADD', R .. 'ready', at, o)
    -- Idle processes hear of it when the host becomes ready sooner than it was (now or at a
    -- moment they do not know of yet); they ask again and wait for that moment.
    if not before or at < tonumber(before) then publish() end
  else
    redis.call('ZREM', R .. 'ready', o)
  end
end

local function outstanding(o, d, by)
  local n = redis.call('HINCRBY', R .. 'o:' .. o, d, by)
  if n <= 0 then redis.call('HDEL', R .. 'o:' .. o, d) end
end

local function enqueue(o, k, u, d, parent)
  local seq = counter('seq', 1)
  redis.call('ZADD', R .. 'q:' .. o, d * DEPTH + seq, k)
  redis.call('HSET', R .. 'u:' .. o, k, u .. '\t' .. parent)
  counter('queued', 1)
end

-- A lease: the job is this process's until `deadline`; its host counts it in flight.
local function lease(id, job)
  job.at = now
  redis.call('HSET', R .. 'lease', id, token .. '\t' .. cjson.encode(job))
  redis.call('ZADD', R .. 'dl', now + num(arg.lease or cfg.lease), id)
  local h = R .. 'h:' .. job.o
  redis.call('HINCRBY', h, 'inf', 1)
  local delay = num(redis.call('HGET', h, 'delay'))
  redis.call('HSET', h, 'next', now + delay)
  wake(job.o)
  return delay
end

-- End a lease: its job back (decoded) when `tok` holds it, nil when it expired and went back.
local function release(id, tok)
  local v = redis.call('HGET', R .. 'lease', id)
  if not v then return nil end
  local tab = string.find(v, '\t', 1, true)
  if tok and string.sub(v, 1, tab - 1) ~= tok then return nil end
  redis.call('HDEL', R .. 'lease', id)
  redis.call('ZREM', R .. 'dl', id)
  local job = cjson.decode(string.sub(v, tab + 1))
  local h = R .. 'h:' .. job.o
  if redis.call('HINCRBY', h, 'inf', -1) < 0 then redis.call('HSET', h, 'inf', 0) end
  wake(job.o)
  return job
end

-- The work of a job that was not done goes back where it came from.
local function put_back(job, expired)
  if job.t == 'r' then
    redis.call('HSET', R .. 'h:' .. job.o, 'rb', 'u')
    counter('resources', -1)
  elseif job.t == 's' then
    redis.call('LPUSH', R .. 'rs:' .. job.o, cjson.encode(job.r))
    counter('waiting', 1)
    counter('resources', -1)
  elseif expired or (job.a == 0 and not job.c) then
    -- The page goes back to its home queue and is a first request again.
    outstanding(job.home, job.d, -1)
    if redis.call('ZSCORE', R .. 'q:' .. job.home, job.k) == false then
      enqueue(job.home, job.k, job.u, job.d, job.p)
    end
    redis.call('HINCRBY', R .. 'h:' .. job.home, 'pages', -1)
    counter('requested', -1)
    if job.a > 0 and not job.c then counter('retries', -1) end
  elseif job.c then
    redis.call('LPUSH', R .. 'ho:' .. job.o, cjson.encode(job))
    counter('waiting', 1)
  else
    redis.call('ZADD', R .. 'rt:' .. job.home, now, cjson.encode(job))
    counter('waiting', 1)
    counter('retries', -1)
  end
  wake(job.home or job.o)
  wake(job.o)
end

-- Leases past their deadline (their process died or lost its machine): the work goes back.
local function reclaim()
  local ids = redis.call('ZRANGEBYSCORE', R .. 'dl', '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(ids) do
    local job = release(id, nil)
    if job then put_back(job, true) end
  end
  return #ids
end

-- The circuit breaker, as in src/crawl/schedule/hosts.rs: 3 consecutive 429/503 answers pause the host 5 s,
-- doubling per trip up to 300 s, or longer for an accepted Retry-After.
local function breaker(o, status, retry_after)
  local h = R .. 'h:' .. o
  if status == 429 or status == 503 then
    redis.call('HINCRBY', h, 'ovl', 1)
  elseif status then
    redis.call('HSET', h, 'ovl', 0)
  end
  if num(redis.call('HGET', h, 'ovl')) < 3 then return false end
  redis.call('HSET', h, 'ovl', 0)
  local trips = num(redis.call('HGET', h, 'trips'))
  local pause = math.min(5000 * 2 ^ math.min(trips, 8), 300000)
  if retry_after and retry_after <= num(cfg.max_retry_after) then
    pause = math.max(pause, retry_after)
  end
  redis.call('HINCRBY', h, 'trips', 1)
  -- --max-host-pause: a pause that would take the host's pauses past it gives the host up
  -- (a run started by an older trawl has no such rule).
  local total = num(redis.call('HGET', h, 'ptot'))
  if cfg.max_host_pause ~= nil and total + pause > num(cfg.max_host_pause) then
    redis.call('HSET', h, 'gone', 1, 'pause', 0)
    return true
  end
  redis.call('HSET', h, 'ptot', total + pause)
  redis.call('HSET', h, 'pause', now + pause)
  return true
end

-- A host given up (--max-host-pause): hand out one of its remaining pages (handed over, waiting
-- for a retry, queued) as a job marked g = 1, which the caller finishes with a host_gave_up row
-- and no request; its sitemaps and feeds are dropped. nil when nothing is left.
local function give_up_one(o)
  local n = redis.call('LLEN', R .. 'rs:' .. o)
  if n > 0 then
    redis.call('DEL', R .. 'rs:' .. o)
    counter('waiting', -n)
  end
  local ho = redis.call('LPOP', R .. 'ho:' .. o)
  if ho then
    counter('waiting', -1)
    local job = cjson.decode(ho)
    job.o = o
    job.g = 1
    lease('p:' .. job.k, job)
    return { 'page', cjson.encode(job), '0' }
  end
  local rt = redis.call('ZRANGE', R .. 'rt:' .. o, 0, 0)
  if rt[1] then
    redis.call('ZREM', R .. 'rt:' .. o, rt[1])
    counter('waiting', -1)
    local job = cjson.decode(rt[1])
    job.o = o
    job.g = 1
    lease('p:' .. job.k, job)
    return { 'page', cjson.encode(job), '0' }
  end
  local k, d = next_page(o)
  if not k then return nil end
  redis.call('ZREM', R .. 'q:' .. o, k)
  local v = redis.call('HGET', R .. 'u:' .. o, k) or ''
  redis.call('HDEL', R .. 'u:' .. o, k)
  counter('queued', -1)
  local tab = string.find(v, '\t', 1, true) or (#v + 1)
  local job = { t = 'p', k = k, u = string.sub(v, 1, tab - 1), p = string.sub(v, tab + 1),
    d = d, a = 0, o = o, home = o, g = 1 }
  redis.call('HINCRBY', R .. 'h:' .. o, 'pages', 1)
  outstanding(o, d, 1)
  counter('requested', 1)
  lease('p:' .. k, job)
  return { 'page', cjson.encode(job), '0' }
end

-- The answers a caller buffered (one per job it got back): end their leases, feed the breaker.
-- Returns the jobs still held, by lease id, and the origins whose breaker tripped.
local function answers()
  local held, tripped = {}, {}
  for _, a in ipairs(arg.answers or {}) do
    local job = release(a.id, token)
    if job then
      held[a.id] = job
      if a.s ~= nil and breaker(job.o, a.s, a.ra) then table.insert(tripped, job.o) end
      wake(job.o)
    end
  end
  return held, tripped
end

local function add_resource(r)
  if r.kind == 'sitemap' then
    if count('sitemaps') >= 1000 then return end
  end
  if redis.call('SADD', R .. 'rsc', r.k) == 0 then return end
  if r.kind == 'sitemap' then counter('sitemaps', 1) end
  ensure_host(r.o, r.u)
  redis.call('RPUSH', R .. 'rs:' .. r.o, cjson.encode(r))
  counter('waiting', 1)
  wake(r.o)
end

-- Offer links found at depth d on `parent`: new keys are queued (pages known from earlier runs
-- only up to --revisit-depth in a new-only run), a queued key found shallower moves up.
local function offer(links, d, parent)
  local queued, seen = 0, 0
  -- Once per call, not per link: the sequence numbers, the counters, each host's creation and
  -- its wake-up.
  local base = counter('seq', #links) - #links
  local hosts, order = {}, {}
  local function touch(o, sample)
    if not hosts[o] then
      ensure_host(o, sample)
      hosts[o] = true
      table.insert(order, o)
    end
  end
  for i, l in ipairs(links) do
    local b, m = bucket(l.k), member(l.k)
    if redis.call('SADD', R .. 's:' .. b, m) == 1 then
      seen = seen + 1
      local skip = false
      if num(cfg.only_new) == 1 and d > num(cfg.revisit_depth) then
        -- Known pages are skipped; a failure written before ('!') is tried again.
        local v = redis.call('HGET', P .. 'k:' .. b, m)
        skip = v and v ~= '!'
      end
      if not skip then
        touch(l.o, l.u)
        redis.call('ZADD', R .. 'q:' .. l.o, d * DEPTH + base + i, l.k)
        redis.call('HSET', R .. 'u:' .. l.o, l.k, l.u .. '\t' .. parent)
        queued = queued + 1
      end
    else
      local s = redis.call('ZSCORE', R .. 'q:' .. l.o, l.k)
      if s and math.floor(tonumber(s) / DEPTH) > d then
        redis.call('ZADD', R .. 'q:' .. l.o, d * DEPTH + base + i, l.k)
        redis.call('HSET', R .. 'u:' .. l.o, l.k, l.u .. '\t' .. parent)
        touch(l.o, l.u)
      end
    end
  end
  if seen > 0 then counter('seen', seen) end
  if queued > 0 then counter('queued', queued) end
  for _, o in ipairs(order) do wake(o) end
  return queued
end

-- How long the crawl's rows, meta key and known pages are kept after a run's end (s).
local function keep_secs()
  local ttl = num(cfg.ttl)
  if ttl <= 0 then ttl = 7 * 86400 end
  return ttl
end

local function expire_run()
  local ttl = 600
  for _, o in ipairs(redis.call('SMEMBERS', R .. 'hosts')) do
    for _, p in ipairs({ 'h:', 'q:', 'u:', 'o:', 'ho:', 'rs:', 'rt:' }) do
      redis.call('EXPIRE', R .. p .. o, ttl)
    end
  end
  for _, k in ipairs({ 'cfg', 'c', 'hosts', 'ready', 'lease', 'dl', 'robots', 'rb', 'seeds',
    'rsc', 'canon' }) do
    redis.call('EXPIRE', R .. k, ttl)
  end
  for i = 0, BUCKETS - 1 do
    redis.call('EXPIRE', R .. 's:' .. string.format('%04x', i), ttl)
  end
  local keep = keep_secs()
  redis.call('EXPIRE', P .. 'rows:' .. run, keep)
  local until_ms = math.max(now + keep * 1000, num(redis.call('HGET', P .. 'meta', 'expires')))
  redis.call('HSET', P .. 'meta', 'expires', until_ms)
  redis.call('PEXPIREAT', P .. 'meta', until_ms)
  if num(cfg.only_new) == 1 then
    for i = 0, BUCKETS - 1 do
      redis.call('PEXPIREAT', P .. 'k:' .. string.format('%04x', i), until_ms)
    end
  end
end

-- The run is over when nothing is leased, waiting, or queued (or the page limit is reached).
local function check_done()
  if redis.call('ZCARD', R .. 'dl') > 0 or count('waiting') > 0 then return false end
  if count('queued') > 0 and not limit_reached() then return false end
  redis.call('HSET', P .. 'meta', 'state', 'done', 'ended', now)
  expire_run()
  published = false
  publish()
  return true
end

-- What every reply ends with: done?, queued, the earliest future moment a host is ready, the
-- earliest lease deadline, and the run's counters.
local function status(done)
  local nxt = redis.call('ZRANGEBYSCORE', R .. 'ready', '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  local dl = redis.call('ZRANGE', R .. 'dl', 0, 0, 'WITHSCORES')
  local wake_in, lease_in = -1, -1
  if nxt[2] then wake_in = tonumber(nxt[2]) - now end
  if dl[2] then lease_in = math.max(0, tonumber(dl[2]) - now) end
  local d = 0
  if done then d = 1 end
  return { d, count('queued'), wake_in, lease_in, count('requested'), count('waiting'),
    redis.call('ZCARD', R .. 'dl'), count('seen'), 0 }
end

local function running()
  local m = redis.call('HMGET', P .. 'meta', 'run', 'state')
  return m[1] == run and m[2] == 'running'
end

-- Every reply: kind, payload, status, two extras, then the next job when the caller asked for
-- one with its completion (kind, payload, extra, extra2; empty otherwise).
local function reply(kind, payload, extra, extra2, nxt)
  local done = check_done()
  nxt = nxt or {}
  return { kind, payload or '', status(done), extra or '', extra2 or '',
    nxt[1] or '', nxt[2] or '', nxt[3] or '', nxt[4] or '' }
end

-- The next job ready now, leased to the caller (arg.lease ms): { kind, payload, extra, extra2 },
-- or nil and how many hosts wait for a free worker.
local function take_job()
  local parked = 0
  local cands = redis.call('ZRANGEBYSCORE', R .. 'ready', '-inf', now, 'LIMIT', 0, 256)
  for _, o in ipairs(cands) do
    local h = R .. 'h:' .. o
    local f = redis.call('HMGET', h, 'rb', 'inf', 'next', 'pause', 'delay', 'sample', 'pages',
      'gone')
    local rb, inf, nxt, pause, delay = f[1], num(f[2]), num(f[3]), num(f[4]), num(f[5])
    if num(f[8]) == 1 then
      local job = give_up_one(o)
      if job then return job end
      wake(o)
    elseif inf >= num(cfg.per_host) or rb == 'p' then
      wake(o)
    elseif pause > now or nxt > now then
      wake(o)
    elseif delay > 0 and not arg.worker_free then
      parked = parked + 1
    elseif rb == 'u' then
      redis.call('HSET', h, 'rb', 'p')
      counter('resources', 1)
      local a = num(redis.call('HGET', h, 'ra'))
      lease('r:' .. o, { t = 'r', o = o, u = f[6] })
      return { 'robots', cjson.encode({ o = o, u = f[6], a = a }) }
    else
      local ho = redis.call('LPOP', R .. 'ho:' .. o)
      if ho then
        counter('waiting', -1)
        local job = cjson.decode(ho)
        job.o = o
        lease('p:' .. job.k, job)
        return { 'page', cjson.encode(job), tostring(delay) }
      end
      local rs = redis.call('LPOP', R .. 'rs:' .. o)
      if rs then
        counter('waiting', -1)
        counter('resources', 1)
        local r = cjson.decode(rs)
        lease('s:' .. r.k, { t = 's', o = o, r = r })
        return { 'resource', rs }
      end
      local rt = redis.call('ZRANGEBYSCORE', R .. 'rt:' .. o, '-inf', now, 'LIMIT', 0, 1)
      if rt[1] then
        redis.call('ZREM', R .. 'rt:' .. o, rt[1])
        counter('waiting', -1)
        counter('retries', 1)
        local job = cjson.decode(rt[1])
        job.o = o
        lease('p:' .. job.k, job)
        return { 'page', cjson.encode(job), tostring(delay) }
      end
      local k, d = next_page(o)
      if k and not limit_reached() then
        local cap = num(cfg.max_pages_per_host)
        if cap > 0 and num(f[7]) >= cap then
          -- The host's page cap is reached: its queue is dropped.
          local n = redis.call('ZCARD', R .. 'q:' .. o)
          redis.call('DEL', R .. 'q:' .. o, R .. 'u:' .. o)
          counter('queued', -n)
          wake(o)
        elseif not gated(o, d) then
          redis.call('ZREM', R .. 'q:' .. o, k)
          local v = redis.call('HGET', R .. 'u:' .. o, k) or ''
          redis.call('HDEL', R .. 'u:' .. o, k)
          counter('queued', -1)
          local tab = string.find(v, '\t', 1, true) or (#v + 1)
          local job = { t = 'p', k = k, u = string.sub(v, 1, tab - 1), p = string.sub(v, tab + 1),
            d = d, a = 0, o = o, home = o }
          redis.call('HINCRBY', h, 'pages', 1)
          outstanding(o, d, 1)
          counter('requested', 1)
          lease('p:' .. k, job)
          local known = ''
          if num(cfg.only_new) == 1 then
            known = redis.call('HGET', P .. 'k:' .. bucket(k), member(k)) or ''
            if known == '!' then known = '' end
          end
          return { 'page', cjson.encode(job), tostring(delay), known }
        else
          wake(o)
        end
      else
        wake(o)
      end
    end
  end
  return nil, parked
end

---------------------------------------------------------------------------------------------
if op == 'join' then
  -- Join the running run, or start the next one (seeding it). arg: options, cfg, seeds.
  local ty = redis.call('TYPE', P .. 'meta')['ok']
  if ty ~= 'none' and ty ~= 'hash' then return { 'foreign', P .. 'meta', ty } end
  local m = redis.call('HMGET', P .. 'meta', 'program', 'schema', 'run', 'state', 'options')
  if ty == 'hash' then
    if m[1] ~= 'trawl' then return { 'foreign', P .. 'meta', 'program ' .. tostring(m[1]) } end
    if m[2] ~= arg.schema then return { 'schema', P .. 'meta', tostring(m[2]) } end
    if m[4] == 'running' and not arg.restart then return { 'joined', m[3], m[5] } end
    if m[4] == 'running' then
      -- --restart: the running run is given up (its processes find it over) and its keys expire.
      run = m[3]
      R = P .. run .. ':'
      load_cfg()
      redis.call('HSET', R .. 'c', 'given_up', 1)
      redis.call('HSET', P .. 'meta', 'state', 'done', 'ended', now)
      expire_run()
      publish()
      cfg = {}
    end
  end
  run = tostring(num(m[3]) + 1)
  R = P .. run .. ':'
  published = false
  redis.call('HSET', P .. 'meta', 'program', 'trawl', 'schema', arg.schema, 'run', run,
    'state', 'running', 'options', arg.options, 'started', now)
  redis.call('HDEL', P .. 'meta', 'ended')
  redis.call('PERSIST', P .. 'meta')
  for k, v in pairs(arg.cfg) do redis.call('HSET', R .. 'cfg', k, v) end
  load_cfg()
  for _, o in ipairs(arg.seed_origins) do redis.call('SADD', R .. 'seeds', o) end
  offer(arg.seeds, 0, '')
  for _, r in ipairs(arg.resources or {}) do add_resource(r) end
  check_done()
  return { 'seeded', run, '' }
end

if op == 'run' then
  -- The run export reads: the latest (or the asked) run and its state.
  local m = redis.call('HMGET', P .. 'meta', 'program', 'schema', 'run', 'state')
  return { tostring(m[1]), tostring(m[2]), tostring(m[3]), tostring(m[4]) }
end

if op == 'robots_of' then
  -- The robots.txt verdict and body of arg.o, as another process stored them.
  return { tostring(redis.call('HGET', R .. 'robots', arg.o) or ''),
    redis.call('HGET', R .. 'rb', arg.o) or '' }
end

if not running() then
  -- The run ended (or a --restart gave it up): its counters live on for 600 s, so every process
  -- reports the run's seen count, and whether it was given up.
  local c = redis.call('HMGET', R .. 'c', 'seen', 'given_up')
  return { 'over', '', { 1, 0, -1, -1, 0, 0, 0, num(c[1]), num(c[2]) }, '', '', '', '', '', '' }
end
load_cfg()
reclaim()
-- What every operation carries first: the answers and resources the caller buffered.
local held = answers()
for _, r in ipairs(arg.resources or {}) do add_resource(r) end

if op == 'take' then
  -- arg: worker_free, lease (ms).
  local job, parked = take_job()
  if job then return reply(job[1], job[2], job[3], job[4]) end
  return reply('nothing', tostring(parked))
end

if op == 'offer' then
  -- arg: links, depth, parent.
  local n = offer(arg.links or {}, arg.depth, arg.parent or '')
  return reply('offered', tostring(n))
end

if op == 'complete' then
  -- A page is finished. arg: answers, id, row (JSON), final {k, o} or nil, status, validators,
  -- requested, dedup; links (offered at depth on parent with it). Dropped when the caller's
  -- lease expired (another process has the page).
  local job = held[arg.id]
  if not job then return reply('dropped') end
  outstanding(job.home, job.d, -1)
  wake(job.home)
  local final_new = 0
  if arg.final then
    local b, m = bucket(arg.final.k), member(arg.final.k)
    if redis.call('SADD', R .. 's:' .. b, m) == 1 then
      final_new = 1
      counter('seen', 1)
    end
    if redis.call('ZREM', R .. 'q:' .. arg.final.o, arg.final.k) == 1 then
      redis.call('HDEL', R .. 'u:' .. arg.final.o, arg.final.k)
      counter('queued', -1)
      final_new = 1
      wake(arg.final.o)
    end
  end
  local b, m = bucket(job.k), member(job.k)
  local was = redis.call('HGET', P .. 'k:' .. b, m)
  local known_before = was and was ~= '!'
  local failed_before = was == '!'
  local st = arg.status
  local ok = arg.requested and st and st < 500 and st ~= 429
  local only_new = num(cfg.only_new) == 1
  if only_new and ok then
    redis.call('HSET', P .. 'k:' .. b, m, arg.validators or '')
  end
  -- A new-only run writes no row for a page known before, nor again for a page whose failure
  -- was written before and that failed again.
  local write = st ~= 304 and not (num(cfg.only_new) == 1 and
    (known_before or (failed_before and not ok)))
  local dup = 0
  if write and arg.dedup and redis.call('SADD', R .. 'canon', arg.dedup) == 0 then
    write = false
    dup = 1
  end
  if write then
    redis.call('RPUSH', P .. 'rows:' .. run, arg.row)
    if only_new and not ok and not was then redis.call('HSET', P .. 'k:' .. b, m, '!') end
  end
  offer(arg.links or {}, arg.depth or 0, arg.parent or '')
  -- The worker that finished it is free: its next job comes back in the same round trip.
  local nxt = nil
  if arg.take then nxt = take_job() end
  -- "known before" for the count of new rows: an earlier run wrote a row for the page.
  local kb = 0
  if was then kb = 1 end
  local w = 0
  if write then w = 1 end
  return reply('completed', tostring(final_new), w .. ' ' .. kb .. ' ' .. dup, '', nxt)
end

if op == 'retry' then
  -- arg: id, attempt, due_in (ms). The page waits on its home host.
  local job = held[arg.id]
  if not job then return reply('dropped') end
  job.a = arg.attempt
  job.c = nil
  job.v = nil
  redis.call('ZADD', R .. 'rt:' .. job.home, now + arg.due_in, cjson.encode(job))
  counter('waiting', 1)
  wake(job.home)
  return reply('queued')
end

if op == 'handover' then
  -- arg: id, o (target origin), sample, c (continuation), v (validators), attempt.
  local job = held[arg.id]
  if not job then return reply('dropped') end
  job.c = arg.c
  job.v = arg.v
  job.a = arg.attempt
  ensure_host(arg.o, arg.sample)
  redis.call('RPUSH', R .. 'ho:' .. arg.o, cjson.encode(job))
  counter('waiting', 1)
  wake(arg.o)
  return reply('queued')
end

if op == 'robots_later' then
  -- robots.txt of arg.o failed in a way that may pass (its answer, in arg.answers, ended the
  -- lease): request it again (attempt arg.attempt) in arg.due_in ms, nothing of O before it.
  local o = arg.o
  if not held['r:' .. o] then return reply('dropped') end
  local h = R .. 'h:' .. o
  redis.call('HSET', h, 'rb', 'u', 'ra', arg.attempt)
  local due = now + num(arg.due_in)
  if due > num(redis.call('HGET', h, 'next')) then redis.call('HSET', h, 'next', due) end
  wake(o)
  return reply('queued')
end

if op == 'robots' then
  -- The robots.txt of arg.o is known: ARGV[5] is its body; arg: answers, o, verdict, delay (ms),
  -- sitemaps (resources to add when o is a seed origin and --sitemaps is on).
  local o = arg.o
  redis.call('HSET', R .. 'robots', o, arg.verdict)
  redis.call('HSET', R .. 'rb', o, ARGV[5] or '')
  local h = R .. 'h:' .. o
  redis.call('HSET', h, 'rb', 'r')
  if arg.delay and arg.delay > num(redis.call('HGET', h, 'delay')) then
    redis.call('HSET', h, 'delay', arg.delay)
  end
  if num(cfg.sitemaps) == 1 and redis.call('SISMEMBER', R .. 'seeds', o) == 1 then
    for _, r in ipairs(arg.sitemaps or {}) do add_resource(r) end
  end
  wake(o)
  return reply('stored')
end

if op == 'refuse' then
  -- A page robots.txt refuses: no request; its row is written. arg: id, row.
  local job = release(arg.id, token) or held[arg.id]
  if not job then return reply('dropped') end
  outstanding(job.home, job.d, -1)
  if job.a == 0 and not job.c then
    -- Refused before any request: it is no request for the page limits.
    counter('requested', -1)
    redis.call('HINCRBY', R .. 'h:' .. job.home, 'pages', -1)
  end
  wake(job.home)
  -- Its row is written once: a new-only run writes none for a page an earlier run wrote a row
  -- for (or knew).
  local b, m = bucket(job.k), member(job.k)
  local was = redis.call('HGET', P .. 'k:' .. b, m)
  local kb = 0
  if was then kb = 1 end
  if was and num(cfg.only_new) == 1 then return reply('completed', '0', '0 1 0') end
  redis.call('RPUSH', P .. 'rows:' .. run, arg.row)
  if not was and num(cfg.only_new) == 1 then redis.call('HSET', P .. 'k:' .. b, m, '!') end
  return reply('completed', '0', '1 ' .. kb .. ' 0')
end

if op == 'take_back' then
  -- Jobs handed out and not started (the process is stopping). arg: ids.
  for _, id in ipairs(arg.ids or {}) do
    local job = release(id, token)
    if job then put_back(job, false) end
  end
  return reply('taken_back')
end

if op == 'poll' then
  -- Only the buffered answers and resources; report the status.
  return reply('status')
end

return redis.error_reply('trawl: unknown operation ' .. tostring(op))
