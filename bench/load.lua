-- Mixed load for wrk: one connection per thread, each thread one simulated user.
-- bench_load.py writes the users into USERS (see bench/load_users.lua) and runs
--   wrk -t N -c N -d 60s -s bench/load.lua http://127.0.0.1:PORT
-- Kinds: "organiser" reads lists; "applicant" autosaves its draft (JSON); "finance" opens a
-- fund page, then records a one-yuan contribution with the page's hidden fields.

local users = dofile(os.getenv("LOAD_USERS"))
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

-- Per-thread state is global so that done() can read it with thread:get().

local function urlencode(s)
  return (string.gsub(s, "[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function init(args)
  me = users[((index - 1) % #users) + 1]
  tag = me.tag
  step, sent, acked, errors, last_ok, hidden = 0, 0, 0, 0, 0, ""
end

function request()
  step = step + 1
  local headers = {["Cookie"] = me.cookie}
  if me.kind == "organiser" then
    return wrk.format("GET", me.paths[(step % #me.paths) + 1], headers)
  elseif me.kind == "applicant" then
    sent = sent + 1
    headers["Accept"] = "application/json"
    headers["X-CSRF-Token"] = me.csrf
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local body = me.body .. "&summary=" .. urlencode(me.tag .. "-" .. sent)
    return wrk.format("POST", me.path, headers, body)
  else -- finance: a page, then a post with the page's hidden fields
    if step % 2 == 1 then
      return wrk.format("GET", me.page, headers)
    end
    sent = sent + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local body = "csrf_token=" .. urlencode(me.csrf) .. hidden ..
      "&kind=contribution&amount=1&counterparty=load&memo=" .. urlencode(me.tag .. "-" .. sent)
    return wrk.format("POST", me.path, headers, body)
  end
end

function response(status, headers, body)
  if status >= 400 then
    errors = errors + 1
    return
  end
  if me.kind == "applicant" then
    acked = acked + 1
    last_ok = sent
  elseif me.kind == "finance" then
    if step % 2 == 1 then
      hidden = ""
      for name, value in string.gmatch(body, '<input type="hidden" name="([%w_]+)" value="([^"]*)"') do
        if name ~= "csrf_token" then
          hidden = hidden .. "&" .. name .. "=" .. urlencode(value)
        end
      end
    elseif status == 303 then
      acked = acked + 1
    end
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("LOAD_REPORT"), "w")
  for _, thread in ipairs(threads) do
    out:write(string.format("%s %d %d %d %d\n", thread:get("tag"),
      thread:get("sent") or 0, thread:get("acked") or 0, thread:get("errors") or 0,
      thread:get("last_ok") or 0))
  end
  out:write(string.format("latency_p99_us %d\n", latency:percentile(99)))
  out:write(string.format("latency_p50_us %d\n", latency:percentile(50)))
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("duration_us %d\n", summary.duration))
  local e = summary.errors
  out:write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  out:write(string.format("non2xx3xx %d\n", e.status))
  out:close()
end
