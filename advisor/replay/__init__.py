"""Replaying a request log through a plan, as the plan's gateway would route it.

`traffic` turns logged requests into replay requests, each assigned to the workload its route
names; `behaviour` says how each planned offering answers when no real server does (the
catalog's figures or a probe run's, plus any failure rate the user imposes); `gateway` routes
each request down its workload's plan (canary weight, fallbacks, cooldowns, retries,
timeouts, context fallback) against an upstream: the behaviour model in process, or the
simulator over its real wire; `outcome` sums the answers up per workload and for the whole
log, every share and cost with its interval; `live` sends the log through a real gateway on
loopback running the plan's export.
"""
