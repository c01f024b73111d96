"""Matching: hard constraints (one table), the catalog index, cost, score, ranked results."""
