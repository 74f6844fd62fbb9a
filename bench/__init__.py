"""Benchmarks: run as scripts (python bench/<name>.py); they print figures and ratios, never assert."""
