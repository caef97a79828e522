-- random GET /api/v1/log/entries?logIndex=N over [0, SIZE)
local size = tonumber(os.getenv("SIZE") or "1000")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/log/entries?logIndex=" .. math.random(0, size - 1))
end
