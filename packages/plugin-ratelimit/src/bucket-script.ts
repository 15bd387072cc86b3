/**
 * The Redis side of the token bucket: one script evaluates every bucket of a request atomically,
 * on Redis's clock, so gateway instances with skewed clocks still share one fair budget.
 *
 * KEYS: bucket keys. ARGV: per key, `capacity`, `refillPerMs`, `cost`.
 * Reply: `{ allowed (1|0), tokens_1, …, tokens_n }`, tokens as strings because Redis truncates
 * Lua numbers to integers in replies. All buckets are charged, or none (same rule as takeAll).
 * Each bucket is a hash { tokens, ts } whose TTL ends when it would be full again.
 */
export const BUCKET_SCRIPT = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = {}
local allowed = 1
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[i * 3 - 2])
  local rate = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local available = capacity
  if state[1] and state[2] then
    local elapsed = math.max(0, now - tonumber(state[2]))
    available = math.min(capacity, tonumber(state[1]) + elapsed * rate)
  end
  tokens[i] = available
  if available < cost then allowed = 0 end
end
local reply = { allowed }
for i = 1, #KEYS do
  if allowed == 1 then
    local capacity = tonumber(ARGV[i * 3 - 2])
    local rate = tonumber(ARGV[i * 3 - 1])
    tokens[i] = tokens[i] - tonumber(ARGV[i * 3])
    redis.call('HSET', KEYS[i], 'tokens', tostring(tokens[i]), 'ts', tostring(now))
    redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - tokens[i]) / rate) + 1000)
  end
  reply[i + 1] = tostring(tokens[i])
end
return reply
`;
