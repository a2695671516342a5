-- Vote submissions for wrk: each thread posts its own pre-made votes (one file per thread,
-- written by bench_vote.py: "path<TAB>cookie<TAB>address<TAB>body" per line), then stops.
-- The address goes in X-Forwarded-For (the server runs behind a proxy, with --proxy-headers).
--   wrk -t N -c N -d 600s -s bench/vote.lua http://127.0.0.1:PORT
local prefix = os.getenv("VOTE_FILES")
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  for line in io.lines(prefix .. "." .. index) do
    local path, cookie, address, body = string.match(line, "^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    table.insert(lines, {path, cookie, body, address})
  end
  answered, sent, accepted, refused, other = 0, 0, 0, 0, 0
end

function request()
  -- The next line is the one after the last answered: wrk calls request() once more before
  -- connecting, to check the request's format (script_verify_request), and a counter moved
  -- there would skip a vote. This needs one connection per thread (-c equal to -t), so that
  -- a request is only asked for after the previous answer.
  local i = answered + 1
  if i > #lines then
    wrk.thread:stop()
    i = #lines
  end
  local item = lines[i]
  sent = sent + 1
  return wrk.format("POST", item[1], {["Cookie"] = item[2], ["X-Forwarded-For"] = item[4],
    ["Content-Type"] = "application/x-www-form-urlencoded"}, item[3])
end

function response(status, headers, body)
  answered = answered + 1
  if status == 303 then accepted = accepted + 1
  elseif status == 400 then refused = refused + 1
  else other = other + 1 end
  if answered >= #lines then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("VOTE_REPORT"), "w")
  local a, r, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + (thread:get("accepted") or 0)
    r = r + (thread:get("refused") or 0)
    o = o + (thread:get("other") or 0)
  end
  out:write(string.format("accepted %d\nrefused %d\nother %d\n", a, r, o))
  out:write(string.format("requests %d\nduration_us %d\n", summary.requests, summary.duration))
  local e = summary.errors
  out:write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  out:write(string.format("latency_p50_us %d\nlatency_p99_us %d\n", latency:percentile(50),
    latency:percentile(99)))
  out:close()
end
