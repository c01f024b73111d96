"""Traffic: request logs read as plain records, and the workloads they imply."""
