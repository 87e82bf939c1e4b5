"""A learned highlight model in the spirit of PLD-VHD: pixel-level distinction over a window of frames.

PLD-VHD learns, for every pixel, whether it belongs to a highlight, from a short window
of frames, and reads the clip's score off that map. This is a small version that trains
on 2 CPU cores in seconds from shot-level labels:

* input: the three frames of the one-second window around a shot's middle, 36x64 RGB
  (stored by the concepts step), plus the two frame differences (11 channels);
* a fully convolutional net (3x3 convolutions with dilation 1, 2, 4: a 15-pixel view)
  gives one logit per pixel: the highlight map;
* the shot's logit is the mean of its top 30 % pixels (multiple-instance pooling: a shot
  is a highlight when some region of it is), trained with binary cross-entropy and
  flips / shifts / brightness changes as augmentation.

``reelwright train highlight`` fits it on the labelled highlight set
(:mod:`evals.highlights`) and writes ``tools/data/highlight_pld.npz``;
``reelwright eval highlights`` measures it by leave-one-video-out cross-validation
beside the feature scorer; ``Settings.highlight_model`` chooses what analysis uses.

    >>> model = PLDModel.load()                      # doctest: +SKIP
    >>> scores, maps = model.predict(windows)        # (shots,), (shots, 36, 64)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tools.core.errors import HighlightModelError

__all__ = ["PLDModel", "HighlightModelError", "DEFAULT_PATH", "VERSION"]

VERSION = "1"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "highlight_pld.npz"
_TOP = 0.30


def _net(width: int = 16):
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv2d(11, width, 3, padding=1), nn.ReLU(),
        nn.Conv2d(width, width, 3, padding=2, dilation=2), nn.ReLU(),
        nn.Conv2d(width, width, 3, padding=4, dilation=4), nn.ReLU(),
        nn.Conv2d(width, 1, 1),
    )


def _inputs(windows: np.ndarray):
    """(n, 3, 36, 64, 3) uint8 -> (n, 11, 36, 64) float tensor: frames and their differences."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(windows)).float().div_(255.0)  # n, 3, h, w, c
    x = x.permute(0, 1, 4, 2, 3)  # n, frames, c, h, w
    frames = (x - 0.45) / 0.25
    diff = (x[:, 1:] - x[:, :-1]).abs().mean(dim=2) * 4.0  # n, 2, h, w
    return torch.cat([frames.flatten(1, 2), diff], dim=1)


def _pool(maps):
    flat = maps.flatten(1)
    k = max(1, int(flat.shape[1] * _TOP))
    return flat.topk(k, dim=1).values.mean(dim=1)


def _augment(x, rng: np.random.Generator):
    import torch

    if rng.random() < 0.5:
        x = torch.flip(x, dims=[3])
    dy, dx = int(rng.integers(-3, 4)), int(rng.integers(-6, 7))
    x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    x = x.clone()
    x[:, :9] = x[:, :9] * float(rng.uniform(0.85, 1.15)) + float(rng.uniform(-0.2, 0.2))
    return x


@dataclass
class PLDModel:
    state: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    @classmethod
    def fit(cls, windows: np.ndarray, labels: np.ndarray, epochs: int = 100, seed: int = 0) -> PLDModel:
        """Train on shot windows ``(n, 3, 36, 64, 3)`` with 0/1 ``labels`` (deterministic for a seed)."""
        import torch

        labels = np.asarray(labels, np.float32)
        if len(labels) < 4 or labels.min() == labels.max():
            raise HighlightModelError("training needs at least 4 labelled shots of both kinds")
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        net = _net()
        x, y = _inputs(windows), torch.from_numpy(labels)
        pos = float(labels.mean())
        weight = torch.where(y > 0.5, torch.tensor(0.5 / pos), torch.tensor(0.5 / (1 - pos)))
        opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-3)
        loss_fn = torch.nn.BCEWithLogitsLoss(weight=weight)
        for _ in range(epochs):
            opt.zero_grad()
            logits = _pool(net(_augment(x, rng))[:, 0])
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
        state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        return cls(state, {"version": VERSION, "shots": int(len(labels)), "highlights": int(labels.sum()),
                           "epochs": epochs, "seed": seed, "final_loss": round(float(loss.detach()), 4)})

    def _module(self):
        import torch

        net = _net()
        net.load_state_dict({k: torch.from_numpy(v) for k, v in self.state.items()})
        net.eval()
        return net

    def predict(self, windows: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """Scores in 0..1 ``(n,)`` and highlight maps ``(n, 36, 64)`` (per-pixel probabilities)."""
        import torch

        net = self._module()
        scores, maps = [], []
        with torch.no_grad():
            for i in range(0, len(windows), batch):
                m = net(_inputs(windows[i:i + batch]))[:, 0]
                scores.append(torch.sigmoid(_pool(m)).numpy())
                maps.append(torch.sigmoid(m).numpy())
        if not scores:
            return np.zeros(0, np.float32), np.zeros((0, 36, 64), np.float32)
        return np.concatenate(scores), np.concatenate(maps)

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for k in sorted(self.state):
            h.update(k.encode())
            h.update(self.state[k].tobytes())
        return h.hexdigest()[:12]

    def save(self, path: str | Path = DEFAULT_PATH) -> Path:
        from tools.core.files import save_npz

        meta = dict(self.meta, digest=self.digest)
        return save_npz(path, {**{f"w:{k}": v for k, v in self.state.items()},
                               "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)})

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> PLDModel:
        from tools.core.files import load_npz

        z = load_npz(path, HighlightModelError, "highlight model", "reelwright train highlight")
        try:
            return cls({k[2:]: v for k, v in z.items() if k.startswith("w:")}, json.loads(bytes(z["meta"]).decode()))
        except (KeyError, ValueError) as exc:
            raise HighlightModelError(f"{path}: not a highlight model file ({exc})") from None
