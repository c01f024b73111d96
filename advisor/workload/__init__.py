"""Workloads: what each job needs (the model and its YAML file), and templates per task."""
