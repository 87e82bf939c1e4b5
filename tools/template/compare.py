"""How alike two ads are: their templates compared figure by figure.

``reelwright template compare REF.mp4 OUT.mp4`` extracts both videos and calls
:func:`compare_templates`, a pure function of two :class:`~tools.template.model.Template`
objects, so it is testable without any video. Its answer has exactly the keys of
:data:`KEYS`:

- ``shots_ref``, ``shots_out``: the slots of each;
- ``rhythm_spearman``: Spearman's rank correlation of the slot durations (as shares of each
  ad's length) after aligning the slots by relative time: each slot is paired with the slot
  of the other ad playing at its middle (relative time), both ways, each pair once. Durations
  closer than :data:`TIE_SECONDS` (as a share of the reference's length) rank as ties, so a
  frame of jitter in an even rhythm reads as even; two even rhythms correlate 1, an even one
  against an uneven one 0; fewer than two pairs: 1 when the single slots agree (both ads one
  slot), else 0;
- ``scale_transition_mse``: the mean squared difference of the 3x3 shot-scale transition
  matrices (close-up, medium, wide; from one slot to the next), each normalised to sum to 1
  over its transitions (all zero with one slot);
- ``transition_agreement``: the slot boundaries (starts of the slots after the first) matched
  one to one by relative time (within :data:`BOUNDARY_SECONDS` of the reference's time),
  the share with the same transition kind over the larger number of boundaries (an extra or
  missing boundary disagrees); 1 when neither has a boundary;
- ``cuts_on_beat_ref``, ``cuts_on_beat_out``: each template's ``audio.cuts_on_beat`` (null
  without music);
- ``label_edit_distance``: the Levenshtein distance of the storyline label sequences
  (``storyline``, or the first label of each labelled slot when it is empty);
- ``overlay_iou``: per role, the overlay boxes matched one to one for the largest total IoU;
  the summed IoU over the summed larger count per role (an unmatched box counts 0); 1 when
  neither ad shows text, 0 when only one does.

    >>> compare_templates(ref, out)["rhythm_spearman"]      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tools.template.model import Overlay, Template

__all__ = ["KEYS", "SCALES", "TIE_SECONDS", "BOUNDARY_SECONDS", "compare_templates", "aligned_durations",
           "spearman", "scale_transitions", "transition_agreement", "edit_distance", "overlay_iou",
           "storyline_of"]

KEYS = ("shots_ref", "shots_out", "rhythm_spearman", "scale_transition_mse", "transition_agreement",
        "cuts_on_beat_ref", "cuts_on_beat_out", "label_edit_distance", "overlay_iou")
SCALES = ("close-up", "medium", "wide")
TIE_SECONDS = 0.12  # durations closer than this (about 3 frames at 25-30 fps) rank as ties
BOUNDARY_SECONDS = 0.75  # slot boundaries this close (in relative time, as reference seconds) are the same one


def _shares(t: Template) -> tuple[np.ndarray, np.ndarray]:
    """Each slot's duration and middle as shares of the template's length."""
    d = np.array([s.duration for s in t.slots], float)
    total = float(d.sum()) or 1.0
    starts = np.concatenate([[0.0], np.cumsum(d)[:-1]])
    return d / total, (starts + d / 2) / total


def _slot_at(shares: np.ndarray, when: float) -> int:
    ends = np.cumsum(shares)
    return int(min(np.searchsorted(ends, when, side="right"), len(shares) - 1))


def aligned_durations(ref: Template, out: Template) -> tuple[np.ndarray, np.ndarray]:
    """The paired slot durations (shares of each ad's length), aligned by relative time."""
    dr, mr = _shares(ref)
    do, mo = _shares(out)
    pairs = {(i, _slot_at(do, float(m))) for i, m in enumerate(mr)}
    pairs |= {(_slot_at(dr, float(m)), j) for j, m in enumerate(mo)}
    ordered = sorted(pairs)
    return np.array([dr[i] for i, _ in ordered]), np.array([do[j] for _, j in ordered])


def _tied_ranks(values: np.ndarray, tol: float) -> np.ndarray:
    """Ranks (1-based, average over ties) where sorted neighbours closer than ``tol`` tie."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), float)
    k = 0
    while k < len(order):
        m = k
        while m + 1 < len(order) and values[order[m + 1]] - values[order[m]] <= tol:
            m += 1
        ranks[order[k:m + 1]] = (k + m) / 2 + 1
        k = m + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float], tol: float = 0.0) -> float:
    """Spearman's rank correlation with ties within ``tol``; 1 when both are constant, 0 when one is."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2:
        return 1.0 if len(a) == 1 else 0.0
    ra, rb = _tied_ranks(a, tol), _tied_ranks(b, tol)
    sa, sb = float(ra.std()), float(rb.std())
    if sa == 0 or sb == 0:
        return 1.0 if sa == sb else 0.0
    return float(np.clip(np.mean((ra - ra.mean()) * (rb - rb.mean())) / (sa * sb), -1.0, 1.0))


def scale_transitions(t: Template) -> np.ndarray:
    """The 3x3 matrix of scale changes from one slot to the next (rows: from), summing to 1."""
    m = np.zeros((3, 3))
    for a, b in zip(t.slots, t.slots[1:], strict=False):
        m[SCALES.index(a.scale), SCALES.index(b.scale)] += 1
    return m / m.sum() if m.sum() else m


def _boundaries(t: Template) -> list[tuple[float, str]]:
    d, _ = _shares(t)
    starts = np.cumsum(d)[:-1]
    return [(float(x), s.transition_in) for x, s in zip(starts, t.slots[1:], strict=True)]


def transition_agreement(ref: Template, out: Template, seconds: float = BOUNDARY_SECONDS) -> float:
    """The share of slot boundaries with the same transition kind (see the module doc)."""
    from scipy.optimize import linear_sum_assignment

    br, bo = _boundaries(ref), _boundaries(out)
    if not br and not bo:
        return 1.0
    if not br or not bo:
        return 0.0
    tol = seconds / max(ref.duration, 1e-6)
    dist = np.abs(np.array([x for x, _ in br])[:, None] - np.array([x for x, _ in bo])[None, :])
    rows, cols = linear_sum_assignment(dist)
    same = sum(1 for i, j in zip(rows, cols, strict=True) if dist[i, j] <= tol and br[i][1] == bo[j][1])
    return same / max(len(br), len(bo))


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance (insertions, deletions, substitutions) of two sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def storyline_of(t: Template) -> list[str]:
    """The template's storyline labels (its ``storyline``, else each labelled slot's first label)."""
    return list(t.storyline) or [s.labels[0] for s in t.slots if s.labels]


def overlay_iou(ref: Sequence[Overlay], out: Sequence[Overlay]) -> float:
    """Mean IoU of the overlay boxes matched by role (see the module doc)."""
    from scipy.optimize import linear_sum_assignment

    if not ref and not out:
        return 1.0
    total, count = 0.0, 0
    for role in sorted({o.role for o in ref} | {o.role for o in out}):
        a = [o.box for o in ref if o.role == role]
        b = [o.box for o in out if o.role == role]
        count += max(len(a), len(b))
        if a and b:
            iou = np.array([[x.iou(y) for y in b] for x in a])
            rows, cols = linear_sum_assignment(-iou)
            total += float(iou[rows, cols].sum())
    return total / count if count else 1.0


def compare_templates(ref: Template, out: Template) -> dict:
    """How alike ``out`` is to ``ref``: a dict with exactly :data:`KEYS` (see the module doc)."""
    a, b = aligned_durations(ref, out)
    tol = TIE_SECONDS / max(ref.duration, 1e-6)
    if len(ref.slots) == 1 or len(out.slots) == 1:
        rhythm = 1.0 if len(ref.slots) == len(out.slots) else 0.0
    else:
        rhythm = spearman(a, b, tol)
    mse = float(np.mean((scale_transitions(ref) - scale_transitions(out)) ** 2))
    answer = {"shots_ref": len(ref.slots), "shots_out": len(out.slots),
              "rhythm_spearman": round(rhythm, 4), "scale_transition_mse": round(mse, 6),
              "transition_agreement": round(transition_agreement(ref, out), 4),
              "cuts_on_beat_ref": ref.audio.cuts_on_beat, "cuts_on_beat_out": out.audio.cuts_on_beat,
              "label_edit_distance": edit_distance(storyline_of(ref), storyline_of(out)),
              "overlay_iou": round(overlay_iou(ref.overlays, out.overlays), 4)}
    return {k: answer[k] for k in KEYS}
