"""After the export: canaries judged against their gates, drift between runs, successors
before the sunset."""
