"""MMCircuitEval-style multimodal circuit QA.

- `load`:      the official problem schema (JSON / JSONL / parquet splits) into one item per sub-question
- `score`:     closed types (single, multi, blank); `openscore`: open answers (BLEU-4, ROUGE, MiniLM, LLM judge)
- `generate`:  problems about our own circuits and example decks, answers computed by ngspice
- `adapter`:   prompts (text, or text + images), schemas and scorers for the batch runner; `run`, `cli_app`
"""
