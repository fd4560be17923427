"""Benchmarks of the app in a real browser: cold start, slider latency, server memory.

Run `.venv/bin/python -m bench` from the project root; it prints Markdown tables and
writes them to bench/RESULTS.md. Numbers are medians of one run on a shared machine:
compare them with each other (ratios), never assert them.
"""
