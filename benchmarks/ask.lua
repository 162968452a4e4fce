-- wrk script: POST /api/ask with a different question on each request (loopback only).
local questions = {
  "How does ketamine work?", "What is BDNF?", "Can ketamine help with PTSD?",
  "how fast does ketamine work for depression", "what is bipolar disorder",
  "Does ketamine affect serotonin?", "what are the side effects of ketamine",
  "Who gives the infusion?", "ketamin for depresion", "is ketamine addictive",
  "What is a ketamine infusion?", "hello", "what is neuroplasticity",
  "How do I schedule a consultation?", "what does glutamate do", "can ketamine help anxiety",
}
-- Built once per thread, so the load generator spends its time sending, not formatting.
local requests = {}
init = function(args)
  for i, q in ipairs(questions) do
    requests[i] = wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"},
                             '{"question": "' .. q .. '"}')
  end
end
local n = 0
request = function()
  n = n + 1
  return requests[(n % #requests) + 1]
end
