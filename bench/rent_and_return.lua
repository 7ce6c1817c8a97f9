-- Q18 for wrk: each connection rents its own copy for its own customer, then returns it.
--
-- Run with one connection per thread (`wrk -tN -cN`): a thread's Lua state is then one
-- connection's, so `response()` can hand the rent's rental id to the next `request()`, the
-- return. bench/queries.py (RentAndReturn) prepends a side's part, which defines
--   SLOTS          {{copy, customer}, ...}: one per thread, in thread order
--   HEADERS        extra request headers (our bearer token; none for PostGraphile)
--   rent_body(copy, customer, now)     the rent's JSON body
--   return_body(rental_id, now)        the return's JSON body
-- where `now` is the current UTC time as ISO 8601 text with microseconds.
-- requests/s counts both mutations; a GraphQL error or an answer without a rental id counts
-- as a failure, printed by done() as `failures: N` (bench/queries.py refuses a run with any).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } q18_timeval;
  int gettimeofday(q18_timeval *tv, void *tz);
]]
local timeval = ffi.new("q18_timeval")

local function now()
  ffi.C.gettimeofday(timeval, nil)
  return os.date("!%Y-%m-%dT%H:%M:%S", tonumber(timeval.tv_sec))
    .. string.format(".%06dZ", tonumber(timeval.tv_usec))
end

-- main state: number the threads, keep them for done()
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("slot", #threads)
end

-- thread state
local copy, customer
local rental = nil -- the rental to return next; nil: rent next
local failures = 0

function init(args)
  local mine = SLOTS[slot]
  copy, customer = mine[1], mine[2]
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  for name, value in pairs(HEADERS) do
    wrk.headers[name] = value
  end
end

function request()
  if rental == nil then
    return wrk.format(nil, nil, nil, rent_body(copy, customer, now()))
  end
  return wrk.format(nil, nil, nil, return_body(rental, now()))
end

function response(status, headers, body)
  local failed = status ~= 200 or body:find('"errors":%s*%[%s*{') ~= nil
  if rental == nil then
    local id = body:match('"rentalId":%s*(%d+)')
    if failed or id == nil then
      failures = failures + 1
    else
      rental = id
    end
  else
    if failed or not body:find('"returnDate":%s*"') then
      failures = failures + 1
    end
    rental = nil -- rent again (after a failed return, the next rent fails too: counted)
  end
  wrk.thread:set("failures", failures)
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("failures") or 0)
  end
  io.write(string.format("failures: %d\n", total))
end
