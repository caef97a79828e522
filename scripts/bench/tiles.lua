-- GET C2SP tlog-tiles resources under $PREFIX: random full level-0 tiles over
-- [0, $FULL) (MODE=tiles), random full entry bundles (MODE=entries), or the
-- checkpoint (MODE=checkpoint).
local prefix = os.getenv("PREFIX") or "/api/v1/log/tiles"
local full = tonumber(os.getenv("FULL") or "1")
local mode = os.getenv("MODE") or "tiles"
math.randomseed(os.time())

-- <N> as 3-digit groups, all but the last prefixed with x (1234067 -> x001/x234/067)
local function enc(n)
  local s = string.format("%03d", n % 1000)
  n = math.floor(n / 1000)
  while n > 0 do
    s = string.format("x%03d/", n % 1000) .. s
    n = math.floor(n / 1000)
  end
  return s
end

request = function()
  if mode == "checkpoint" then return wrk.format("GET", prefix .. "/checkpoint") end
  local kind = mode == "entries" and "entries" or "0"
  return wrk.format("GET", prefix .. "/tile/" .. kind .. "/" .. enc(math.random(0, full - 1)))
end
