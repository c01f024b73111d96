"""After the export: canaries judged, drift between runs, successors before the sunset."""
