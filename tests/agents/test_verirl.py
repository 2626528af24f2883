"""VeriRL: generated tasks, rewards from real iverilog runs, and RL steps that change a (tiny) policy."""
import shutil

import pytest

from agents.verirl.reward import score_completion, trivial_score
from agents.verirl.tasks import generate_tasks, split_tasks
from tests.agents.tiny_lm import tiny_policy
from agents.verirl.train import (RLConfig, advantages, balanced_weights, evaluate, reference_completion, rl, sft,
                                 trainable_parameters)

pytestmark = pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs Icarus Verilog")


def test_generated_references_pass_their_testbenches_and_wrong_answers_do_not():
    train, test = split_tasks(12, 8, seed=3)
    assert not {t.signature for t in train} & {t.signature for t in test}
    assert {t.level for t in train} == {1, 2, 3, 4}
    for t in train + test:
        assert score_completion(t, reference_completion(t)).status == "pass", t.id
    counter = next(t for t in generate_tasks(40, seed=5) if t.family == "counter")
    off_by_one = reference_completion(counter).replace("q + 1'b1", "q + 2'd2")
    s = score_completion(counter, off_by_one)
    assert s.status == "mismatch" and 0.1 <= s.reward < 1
    assert score_completion(counter, "  assign q = ;\nendmodule\n").status == "compile"
    assert score_completion(counter, "").reward == 0


def test_partial_credit_is_measured_above_the_all_zero_answer():
    det = next(t for t in generate_tasks(40, seed=1) if t.family == "detector")
    assert trivial_score(det) > 0.5                     # z is mostly 0, so a constant scores high ...
    s = score_completion(det, "  assign z = 1'b0;\nendmodule\n")
    assert s.status == "mismatch" and s.credit == 0 and s.reward == pytest.approx(0.1)   # ... but earns nothing


def test_advantages_and_balanced_weights():
    assert advantages([0.5, 0.5, 0.5]) is None
    a = advantages([0.0, 0.0, 0.0, 1.0])
    assert a[3] > 0 > a[0] and abs(sum(a)) < 1e-9
    g = advantages([0.0, 1.0, 0.2, 0.2], group=2)        # REINFORCE++-baseline: each prompt's own mean
    assert g[0] < 0 < g[1] and g[2] == g[3] == 0
    assert advantages([0.0, 0.0, 1.0, 1.0], group=2) is None
    w = balanced_weights([0.0, 0.0, 0.0, 1.0])
    assert w[3] > w[0] and sum(w) == pytest.approx(4)


def test_rl_steps_change_the_policy_with_rewards_from_real_simulations():
    import torch
    torch.set_num_threads(1)       # a tiny model: more threads only contend with the other test worker
    tasks = generate_tasks(4, seed=7, levels=(1,))
    lm, tok = tiny_policy(tasks)
    losses = sft(lm, tok, tasks, epochs=3, lr=3e-3, batch=4)
    assert losses[-1] < losses[0]
    before = [p.detach().clone() for p in lm.parameters()]
    cfg = RLConfig(steps=2, tasks_per_step=2, group=2, max_new_tokens=24, reference_mix=1.0, beta=0.05,
                   refresh_every=1, lr=1e-3)
    hist = rl(lm, tok, tasks, cfg)
    assert len(hist) == 2 and any(h.updated for h in hist)
    statuses = {k for h in hist for k in h.statuses}
    assert "pass" in statuses                         # the reference sample, run through iverilog
    assert statuses & {"compile", "mismatch", "empty", "timeout"}   # the tiny model's own samples
    assert any(not torch.equal(a, b) for a, b in zip(before, lm.parameters()))
    res = evaluate(lm, tok, tasks[:2], max_new_tokens=16)
    assert set(res) >= {"pass@1", "compile_rate", "mean_reward", "by_level", "items"}
    assert len(res["items"]) == 2 and all(i["status"] for i in res["items"])


def test_eda_verilog_train_cli_writes_results_and_a_reloadable_policy(tmp_path):
    import json

    import torch

    from tests.cli_runner import run_eda as eda
    torch.set_num_threads(1)
    lm, tok = tiny_policy(generate_tasks(6, seed=2))
    lm.save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    out = tmp_path / "run"
    code, text = eda("verilog", "train", "--model", tmp_path / "tiny", "-o", out, "--train-tasks", "3",
                     "--test-tasks", "2", "--sft-epochs", "1", "--steps", "1", "--group", "2",
                     "--tasks-per-step", "1", "--device", "cpu", "--max-new-tokens", "24")
    assert code == 0, text
    res = json.loads((out / "results.json").read_text())
    for stage in ("before", "after_sft", "after_rl"):
        assert 0 <= res[stage]["pass@1"] <= 1 and len(res[stage]["items"]) == 2
    assert len(res["history"]) == 1 and (out / "history.jsonl").read_text().count("\n") == 1
    assert (out / "report.md").read_text().startswith("# Verilog RL run")
    assert (out / "policy" / "config.json").is_file()
    code, text = eda("verilog", "train", "--model", tmp_path / "missing", "-o", tmp_path / "r2")
    assert code != 0 and "not a Hugging Face model folder" in text and "Traceback" not in text


def test_group_logprobs_run_the_prompt_once_and_match_the_full_computation():
    import torch

    from agents.verirl.policy import completion_logprobs, group_logprobs
    torch.set_num_threads(1)
    lm, tok = tiny_policy(generate_tasks(4, seed=7, levels=(1,)))
    prompt, comps = "module TopModule (input a, output y);", ["assign y = a;\nendmodule", "q", "assign y = ~a;"]
    s1, n1, _, _ = completion_logprobs(lm, tok, [prompt] * 3, comps)
    s1.sum().backward()
    g1 = [q.grad.clone() for q in lm.parameters()]
    lm.zero_grad()
    s2, n2, _, _ = group_logprobs(lm, tok, prompt, comps)
    s2.sum().backward()
    assert torch.allclose(s1, s2, atol=1e-4) and torch.equal(n1, n2)
    assert all(torch.allclose(a, q.grad, atol=1e-4) for a, q in zip(g1, lm.parameters()))
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]          # by hand: every logit, no cache
    ids = torch.tensor([p_ids + tok(comps[0], add_special_tokens=False)["input_ids"] + [tok.eos_token_id]])
    with torch.no_grad():
        lp = torch.log_softmax(lm(input_ids=ids).logits[0, :-1], -1)
    want = sum(float(lp[t, ids[0, t + 1]]) for t in range(len(p_ids) - 1, ids.shape[1] - 1))
    assert float(s1[0].detach()) == pytest.approx(want, abs=1e-3)


def test_train_layers_freezes_all_but_the_top_layers_in_rl():
    import torch
    torch.set_num_threads(1)
    tasks = generate_tasks(4, seed=7, levels=(1,))
    lm, tok = tiny_policy(tasks)
    top = trainable_parameters(lm, 1)
    assert {id(q) for q in top} == {id(q) for q in list(lm.model.layers[-1].parameters()) + list(lm.model.norm.parameters())}
    before = {k: v.detach().clone() for k, v in lm.named_parameters()}
    cfg = RLConfig(steps=2, tasks_per_step=2, group=2, max_new_tokens=16, reference_mix=1.0, beta=0.0, lr=1e-3,
                   train_layers=1)
    hist = rl(lm, tok, tasks, cfg)
    assert any(h.updated for h in hist)
    changed = {k for k, v in lm.named_parameters() if not torch.equal(before[k], v)}
    assert changed and all(k.startswith(("model.layers.1.", "model.norm.")) for k in changed)
    assert all(q.requires_grad for q in lm.parameters())          # everything trainable again afterwards
