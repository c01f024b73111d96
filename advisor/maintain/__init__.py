"""Catalog maintenance as the front ends run it: imports from public sources, validated."""
