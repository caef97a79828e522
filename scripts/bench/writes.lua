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
local threadList = {}
setup = function(thread) thread:set("tid", tid); tid = tid + 1; table.insert(threadList, thread) end
init = function(args) counter = tid + start end
request = function()
  local b = bodies[(counter % #bodies) + 1]
  counter = counter + threads
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, b)
end
-- answers by status, per thread, summed in done(): "status 201=N 409=N 503=N"
counts = {}  -- global: done() reads it from each thread with thread:get
response = function(status, headers, body) counts[status] = (counts[status] or 0) + 1 end
done = function(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threadList) do
    local c = t:get("counts")
    if c then for k, v in pairs(c) do total[k] = (total[k] or 0) + v end end
  end
  local s = "status"
  for k, v in pairs(total) do s = s .. " " .. k .. "=" .. v end
  io.write(s .. "\n")
end
