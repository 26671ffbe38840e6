-- wrk script for bench/intake.py: POST /api/v1/events/reports as signed-in grid workers.
-- args: data file (lines "session KEY", "csrf TOKEN", "category CODE", "point LNG LAT",
-- "photo PATH"), run tag (makes client keys unique across runs).
-- Each request: a random worker's session, the next precomputed point, a fresh client key.

local sessions, points, categories = {}, {}, {}
local csrf, tag, photo = "", "", nil
local counter, next_point = 0, 1
statuses, numbers = {}, {}  -- globals: done() reads them with thread:get()
local boundary = "----civicgridbench7d3f"
local threads = {}

-- Runs in the main state once per thread: number the threads, keep them for done().
function setup(thread)
   thread:set("thread_id", #threads)
   threads[#threads + 1] = thread
end

function init(args)
   for line in io.lines(args[1]) do
      local kind, a, b = line:match("^(%S+) (%S+) ?(%S*)$")
      if kind == "session" then
         sessions[#sessions + 1] = a
      elseif kind == "csrf" then
         csrf = a
      elseif kind == "category" then
         categories[#categories + 1] = a
      elseif kind == "point" then
         points[#points + 1] = { a, b }
      elseif kind == "photo" then
         local f = assert(io.open(a, "rb"))
         photo = f:read("*a")
         f:close()
      end
   end
   thread_id = thread_id or 0  -- a global, set by setup()
   tag = args[2] .. "-" .. thread_id
   math.randomseed(os.time() + thread_id * 7919)
   -- threads start at different places in the list of points
   next_point = (thread_id * 7331) % #points + 1
end

local function field(name, value)
   return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name
      .. "\"\r\n\r\n" .. value .. "\r\n"
end

request = function()
   counter = counter + 1
   local p = points[next_point]
   next_point = next_point % #points + 1
   local body = field("category", categories[math.random(#categories)])
      .. field("description", "巡查发现问题，编号 " .. tag .. "-" .. counter .. "，请处理。")
      .. field("lng", p[1])
      .. field("lat", p[2])
      .. field("client_key", tag .. "-" .. counter)
   if photo then
      body = body .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"photos\"; "
         .. "filename=\"report.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" .. photo .. "\r\n"
   end
   body = body .. "--" .. boundary .. "--\r\n"
   local headers = {
      ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
      ["Cookie"] = "sessionid=" .. sessions[math.random(#sessions)] .. "; csrftoken=" .. csrf,
      ["X-CSRFToken"] = csrf,
   }
   return wrk.format("POST", nil, headers, body)
end

response = function(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 201 then
      local number = body:match('"number":%s*"(%w+)"')
      if number then numbers[#numbers + 1] = number end
   end
end

function done(summary, latency, requests)
   local out = io.open(os.getenv("INTAKE_RESULT") or "/dev/stdout", "w")
   local counts, all_numbers = {}, {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
      for _, number in ipairs(thread:get("numbers")) do
         all_numbers[#all_numbers + 1] = number
      end
   end
   out:write(string.format(
      "summary %d %d %d %d %d %d %d\n",
      summary.duration, summary.requests, summary.errors.connect, summary.errors.read,
      summary.errors.write, summary.errors.status, summary.errors.timeout
   ))
   out:write(string.format(
      "latency %d %d %d %d %d\n",
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max
   ))
   for status, n in pairs(counts) do
      out:write(string.format("status %d %d\n", status, n))
   end
   for _, number in ipairs(all_numbers) do
      out:write("number " .. number .. "\n")
   end
   out:close()
end
