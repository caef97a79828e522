-- POST /api/v2/signingCert requests (key + proof of possession), one per line of $BODIES,
-- with the identity token of $TOKEN_FILE in the Authorization header (as sigstore-go sends it)
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local f = io.open(os.getenv("TOKEN_FILE")); local token = f:read("*l"); f:close()
local counter = 0
local threads = tonumber(os.getenv("THREADS") or "1")
tid = 0
local threadList = {}
setup = function(thread) thread:set("tid", tid); tid = tid + 1; table.insert(threadList, thread) end
init = function(args) counter = tid end
request = function()
  local b = bodies[(counter % #bodies) + 1]
  counter = counter + threads
  return wrk.format("POST", "/api/v2/signingCert", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, b)
end
-- answers by status, summed over the threads in done() (as writes.lua): "status 200=N 503=N"
counts = {}
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
