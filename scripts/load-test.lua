-- wrk script for scripts/load-test: each request takes the next URL of the benchmark's
-- query mix (benches/scale.rs, `query_mix`), so every run sends the same mix in order.
-- All are full searches: ranking, facets and snippets.
local paths = {
  "/api/search?q=suicide&per_page=20",
  "/api/search?q=hospital&per_page=20",
  "/api/search?q=medication&per_page=20",
  "/api/search?q=mental+health&per_page=20",
  "/api/search?q=police+custody&per_page=20",
  "/api/search?q=drowning+OR+hanging&per_page=20",
  "/api/search?q=ambulance+OR+paramedic&per_page=20",
  "/api/search?q=%22voice+of+the+child%22&per_page=20",
  "/api/search?q=%22information+sharing%22&per_page=20",
  "/api/search?q=%22risk+assessment%22&per_page=20",
  "/api/search?q=title%3Alondon&per_page=20",
  "/api/search?q=text%3Aoverdose&per_page=20",
  "/api/search?q=mental+health&theme=adolescents&region=England&year_from=2018&per_page=20",
  "/api/search?q=&per_page=20",
  "/api/search?q=teenager+took+her+own+life&per_page=20",
  "/api/search?q=teenage+girl+overdose+mental+health+services&per_page=20",
  "/api/search?q=A%26E&per_page=20",
}

next_path = 0
local threads = 0

function setup(thread)
  -- Threads start at different points of the mix so they do not move in lockstep.
  thread:set("next_path", threads * 5)
  threads = threads + 1
end

function request()
  next_path = next_path + 1
  return wrk.format("GET", paths[(next_path % #paths) + 1])
end
