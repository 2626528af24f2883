"""VeriRL-style reinforcement learning for Verilog generation, rewarded by real Icarus Verilog testbenches.

`tasks` generates graded problems with references and testbenches, `reward` scores completions
(compile, partial credit from mismatches, trace-back rescoring), `policy` loads the causal LM
(the bundled SmolLM2 GGUF or any local Hugging Face folder), `train` runs the SFT warm start and
the RL updates.
"""
