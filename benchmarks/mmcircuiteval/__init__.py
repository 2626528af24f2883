"""MMCircuitEval-style multimodal circuit QA (first slice): the official schema loader and the
scorers of the closed question types (single, multi, blank). Open-answer scoring (BLEU-4, ROUGE,
embedding similarity, LLM judge) and the CLI command are not written yet."""
