-- wrk script: the benchmark's independent load generator and filler.
-- Sends requests to presigned S3 paths read from a file (one per line; bench/loadgen.py
-- writes them), so wrk needs no SigV4 of its own.
-- Environment: WRK_PATHS (file), WRK_METHOD (GET | PUT), WRK_BODY_BYTES (PUT body size),
-- WRK_BODY_FILE (PUT body read from a file instead), WRK_HEADER ("Name: value", sent with
-- every request), WRK_THREADS (wrk's -t), WRK_ONCE=1: each thread sends its share once.
local threads, counter = {}, 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("WRK_THREADS") or "1")
  paths, next_path, ok_count, bad_count = {}, 0, 0, 0
  local k = 0
  for line in io.lines(os.getenv("WRK_PATHS")) do
    if k % n == tid then paths[#paths + 1] = line end
    k = k + 1
  end
  method = os.getenv("WRK_METHOD") or "GET"
  once = os.getenv("WRK_ONCE") == "1"
  -- wrk builds thread 0's first request once only to check it (script_verify_request):
  -- that one is never sent, so thread 0 answers it again on its first real call.
  verify_call = tid == 0
  if method == "PUT" then
    local file = os.getenv("WRK_BODY_FILE")
    if file then
      local f = io.open(file, "rb")
      body = f:read("*a")
      f:close()
    else
      body = string.rep("x", tonumber(os.getenv("WRK_BODY_BYTES") or "0"))
    end
  end
  local header = os.getenv("WRK_HEADER")
  if header then
    local name, value = header:match("^([^:]+):%s*(.*)$")
    headers = {[name] = value}
  end
end

function request()
  if verify_call then
    verify_call = false
    return wrk.format(method, paths[1], headers, body)
  end
  next_path = next_path + 1
  if next_path > #paths then
    if not once then
      next_path = 1
    else
      -- Every path was sent: idle on an unsigned HEAD / that S3 gateways refuse with
      -- 405, which is not counted, so only the real requests' answers end the run.
      return wrk.format("HEAD", "/")
    end
  end
  return wrk.format(method, paths[next_path], headers, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok_count = ok_count + 1
  elseif status ~= 405 or not once then
    bad_count = bad_count + 1
  end
  if once and ok_count + bad_count == #paths then
    -- wrk's main thread sleeps for -d; the harness interrupts it when all threads say this.
    io.stderr:write("WRK_THREAD_DONE\n")
    io.stderr:flush()
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + (t:get("ok_count") or 0)
    bad = bad + (t:get("bad_count") or 0)
  end
  io.write(string.format("WRK_RESULT ok=%d bad=%d seconds=%.3f bytes=%d\n",
    ok, bad, summary.duration / 1e6, summary.bytes))
end
