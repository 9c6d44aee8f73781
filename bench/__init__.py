"""Benchmarks of the ETL path (python -m bench): generator, subprocess measurements, profile, report."""
