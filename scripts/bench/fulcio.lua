-- POST /api/v2/signingCert requests (key + proof of possession), one per line of $BODIES,
-- with the identity token of $TOKEN_FILE in the Authorization header (as sigstore-go sends it)
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local f = io.open(os.getenv("TOKEN_FILE")); local token = f:read("*l"); f:close()
local counter = 0
local threads = tonumber(os.getenv("THREADS") or "1")
tid = 0
setup = function(thread) thread:set("tid", tid); tid = tid + 1 end
init = function(args) counter = tid end
request = function()
  local b = bodies[(counter % #bodies) + 1]
  counter = counter + threads
  return wrk.format("POST", "/api/v2/signingCert", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, b)
end
