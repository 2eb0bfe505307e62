"""Evaluation: datasets, methods and baselines, metrics, reports, VRAM planner."""
