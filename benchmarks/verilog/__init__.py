"""Verilog generation harness: VerilogEval v1/v2 and RTLLM on Icarus Verilog (`eda verilog eval|check`).

Modules: `problems` (loaders, autodetection), `extract` (code out of model answers), `passk`
(unbiased pass@k), `runner` (resumable run directory, summary, report), `cli_app` (typer).
The simulation sandbox itself is `eda.verilog_sim`.
"""
