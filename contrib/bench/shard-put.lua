-- contrib/bench/shard-put.lua -- wrk script of contrib/bench/shard (issue 5).
--
-- PUT /kv/KEY with a fixed value, KEY = "k" and 6 digits, drawn uniformly
-- from the key intervals given on the command line, which are those of the
-- ranges that the targeted raftd leads: a node answers 307 for a key of a
-- range it does not lead, and wrk does not follow redirects.
--
--   wrk ... -s shard-put.lua http://ADDR -- SEED INTERVALS VALUE
--     SEED       number; thread N seeds math.random with SEED * 1000 + N
--     INTERVALS  "LO-HI,LO-HI,...", key numbers, LO inclusive, HI
--                exclusive (0-125000 means k000000 to k124999)
--     VALUE      the body of every PUT
--
-- Every reply but 204 is counted; done() prints, summed over threads,
--   bench-bad-replies: N      (replies other than 204)
--   bench-redirects: N        (of which 307: a key sent to the wrong node)
--   bench-first-bad: STATUS   (the first unexpected status seen, 0 if none)
-- which contrib/bench/shard reads.  Not a test; nothing here asserts.

local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
	table.insert(threads, thread)
end

bad = 0
redirects = 0
first_bad = 0

local los = {}
local widths = {}
local total = 0
local val = ""

function init(args)
	local seed = tonumber(args[1])
	if seed == nil or args[2] == nil or args[3] == nil then
		error("usage: wrk ... -s shard-put.lua URL -- SEED LO-HI[,LO-HI...] VALUE")
	end
	math.randomseed(seed * 1000 + tid)
	for lo, hi in string.gmatch(args[2], "(%d+)-(%d+)") do
		lo = tonumber(lo)
		hi = tonumber(hi)
		if hi <= lo or hi > 1000000 then
			error("bad key interval " .. lo .. "-" .. hi)
		end
		table.insert(los, lo)
		table.insert(widths, hi - lo)
		total = total + (hi - lo)
	end
	if total == 0 then
		error("no key interval in '" .. args[2] .. "'")
	end
	val = args[3]
end

function request()
	local r = math.random(0, total - 1)
	local i = 1
	while r >= widths[i] do
		r = r - widths[i]
		i = i + 1
	end
	return wrk.format("PUT", string.format("/kv/k%06d", los[i] + r), nil, val)
end

function response(status, headers, body)
	if status ~= 204 then
		bad = bad + 1
		if status == 307 then redirects = redirects + 1 end
		if first_bad == 0 then first_bad = status end
	end
end

function done(summary, latency, requests)
	local n, r, f = 0, 0, 0
	for _, t in ipairs(threads) do
		n = n + (t:get("bad") or 0)
		r = r + (t:get("redirects") or 0)
		if f == 0 then f = t:get("first_bad") or 0 end
	end
	io.write(string.format("bench-bad-replies: %d\n", n))
	io.write(string.format("bench-redirects: %d\n", r))
	io.write(string.format("bench-first-bad: %d\n", f))
end
