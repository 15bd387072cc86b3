/**
 * The Redis side of the token bucket: one script evaluates the takes of several requests, each
 * atomically and in order, on Redis's clock, so gateway instances with skewed clocks still share
 * one fair budget. A take sees the tokens the takes before it in the same call left.
 *
 * KEYS: the bucket keys of every take, take after take.
 * ARGV: the number of takes; then per take its number of buckets `n`, then per bucket
 * `capacity`, `refillPerMs`, `cost`.
 * Reply: per take `allowed (1|0)`, then its `n` token counts, as strings because Redis truncates
 * Lua numbers to integers in replies. A take charges all of its buckets, or none (the rule of
 * takeAll). Each bucket is a hash { tokens, ts } whose TTL ends when it would be full again.
 */
export const BUCKET_SCRIPT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reply = {}
local key = 0
local arg = 2
for _ = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[arg])
  arg = arg + 1
  local tokens = {}
  local allowed = 1
  for i = 1, n do
    local capacity = tonumber(ARGV[arg + i * 3 - 3])
    local rate = tonumber(ARGV[arg + i * 3 - 2])
    local cost = tonumber(ARGV[arg + i * 3 - 1])
    local state = redis.call('HMGET', KEYS[key + i], 'tokens', 'ts')
    local available = capacity
    if state[1] and state[2] then
      local elapsed = math.max(0, now - tonumber(state[2]))
      available = math.min(capacity, tonumber(state[1]) + elapsed * rate)
    end
    tokens[i] = available
    if available < cost then allowed = 0 end
  end
  reply[#reply + 1] = allowed
  for i = 1, n do
    if allowed == 1 then
      local capacity = tonumber(ARGV[arg + i * 3 - 3])
      local rate = tonumber(ARGV[arg + i * 3 - 2])
      tokens[i] = tokens[i] - tonumber(ARGV[arg + i * 3 - 1])
      redis.call('HSET', KEYS[key + i], 'tokens', tostring(tokens[i]), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[key + i], math.ceil((capacity - tokens[i]) / rate) + 1000)
    end
    reply[#reply + 1] = tostring(tokens[i])
  end
  key = key + n
  arg = arg + n * 3
end
return reply
`;
