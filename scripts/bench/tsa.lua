-- POST one DER timestamp query ($QUERY) over and over
local f = assert(io.open(os.getenv("QUERY"), "rb"))
local body = f:read("*a")
f:close()
request = function()
  return wrk.format("POST", "/api/v1/timestamp", {["Content-Type"] = "application/timestamp-query"}, body)
end
