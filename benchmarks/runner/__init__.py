"""One batch runner for model benchmarks: adapter -> prompt -> model call -> extraction -> score -> report.

A benchmark is an `Adapter` (items, prompt, answer schema, scorer); `run_batch` does the rest:
bounded concurrency, LLM caching (through `eda.llm`), a resumable run directory, a progress bar,
`summary.json`, `report.md` and `accuracy.png`.
"""
