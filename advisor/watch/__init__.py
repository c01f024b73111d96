"""After the export: watching what a plan does in production (the canary's gates, drift,
successors)."""
