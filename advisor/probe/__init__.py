"""Probing as the front ends run it: one run lifecycle, and reading a run's figures back."""
