"""Scores of one design: coupling R2 / MAE (on the transformed y, truth first), ground-class
macro-F1 and accuracy, ground-value R2 / MAE."""
from __future__ import annotations

import numpy as np


def design_scores(labels, pred: dict) -> dict:
    from sklearn.metrics import f1_score, mean_absolute_error, r2_score
    out: dict = {"pairs": int(len(labels.pair_y))}
    if len(labels.pair_y) >= 2 and not np.isnan(pred["pair_y"]).any():
        out["cc_r2"] = float(r2_score(labels.pair_y, pred["pair_y"]))
        out["cc_mae"] = float(mean_absolute_error(labels.pair_y, pred["pair_y"]))
    m = labels.ground_cls >= 0
    out["nets"] = int(m.sum())
    out["class_counts"] = np.bincount(labels.ground_cls[m], minlength=5).tolist()
    if m.sum() >= 2:
        yt, yp = labels.ground_cls[m], np.asarray(pred["ground_cls"])[m]
        out["ground_f1"] = float(f1_score(yt, yp, average="macro", zero_division=0))
        out["ground_acc"] = float((yt == yp).mean())
        out["ground_r2"] = float(r2_score(labels.ground_y[m], np.asarray(pred["ground_y"])[m]))
        out["ground_mae"] = float(mean_absolute_error(labels.ground_y[m], np.asarray(pred["ground_y"])[m]))
    return out
