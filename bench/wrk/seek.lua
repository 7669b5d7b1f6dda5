-- Seek storm: every request asks for a random BENCH_SPAN-byte range of a BENCH_SIZE-byte file.
-- Each thread seeds from BENCH_SEED and its own number, so every server gets the same offsets.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local size = tonumber(os.getenv("BENCH_SIZE"))
local span = tonumber(os.getenv("BENCH_SPAN"))
local seed = tonumber(os.getenv("BENCH_SEED") or "1")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  math.randomseed(seed * 7919 + thread_number)
end

function request()
  local first = math.random(0, size - span)
  return wrk.format(nil, nil, { ["Range"] = "bytes=" .. first .. "-" .. (first + span - 1) })
end
