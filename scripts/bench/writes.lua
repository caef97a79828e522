-- POST pre-signed hashedrekord bodies, one per line of $BODIES, each once per thread
-- (START: first body to send, to continue a kept log without duplicates;
-- WRITE_PATH: where to POST, default Rekor v1's, /api/v2/log/entries for Rekor v2)
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local counter = 0
local threads = tonumber(os.getenv("THREADS") or "1")
local start = tonumber(os.getenv("START") or "0")
local path = os.getenv("WRITE_PATH") or "/api/v1/log/entries"
tid = 0  -- global: thread:set() writes globals, a local would shadow it
setup = function(thread) thread:set("tid", tid); tid = tid + 1 end
init = function(args) counter = tid + start end
request = function()
  local b = bodies[(counter % #bodies) + 1]
  counter = counter + threads
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, b)
end
