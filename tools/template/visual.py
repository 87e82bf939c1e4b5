"""The picture side of a template: exact transition times and kinds, camera motion, shot scale.

One decode of every frame at 144 lines (grey) serves the first two:

* **transitions**: around each boundary the shot detector found (decoded reference frames
  only, so a cut may sit a frame or two late), the run of frames that change more than the
  shots either side do is the transition: one frame is a cut (placed on the frame that
  changes most), a longer run is gradual: a *fade* when the picture dips to black (its middle
  is the darkest frames), a *slide* when tracked corners show a good part of the picture
  moving sideways fast (at least 1.5 % of the width per frame, one direction), else a
  *dissolve*; the middle of a slide is the middle of its run, of a dissolve where the frames
  stop looking like the outgoing shot and start looking like the incoming one;
* **camera motion**: Lucas-Kanade tracks of corners between frames 0.08 s apart, a
  similarity transform fitted with RANSAC (moving people are outliers): the frame centre's
  shift per second is pan (x) or tilt (y), the log scale per second is zoom. Corners on text
  found on screen are left out (a sticker does not move with the camera).

**Shot scale** reads two frames per slot at 384 lines: the tallest face (mediapipe, see
:mod:`tools.analysis.body`) as a share of the frame height (>= 0.28 close-up, >= 0.09
medium, else wide); a person found by the pose model without a face is medium or wide by
shoulder width; with nobody in the picture, the size of the picture's structures decides
(:func:`structure_size`: >= 3.3 close-up, >= 2.7 medium, else wide), measured on the
generated references' photos; this is the weakest of the template's measures.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Frames", "Cut", "decode_grey", "refine_boundary", "camera_motion", "shot_scale", "mouth_motion", "structure_size", "MOTION_MIN",
           "ZOOM_MIN", "VERSION"]

VERSION = "2"
ROWS = 144
MOTION_MIN = 0.02  # pan / tilt: frame widths (heights) per second
ZOOM_MIN = 0.025  # zoom: log scale per second
SLIDE_MIN = 0.015  # slide: frame widths per frame


@dataclass
class Frames:
    """Every decoded frame (grey, ``ROWS`` lines) and its time."""

    t: np.ndarray
    grey: list[np.ndarray]
    fps: float

    def index(self, t: float) -> int:
        return int(np.clip(np.searchsorted(self.t, t - 1e-4), 0, len(self.t) - 1))

    def diff(self, k: int) -> float:
        """Mean absolute grey difference between frame k-1 and k (0..255)."""
        if k <= 0 or k >= len(self.grey):
            return 0.0
        return float(np.abs(self.grey[k].astype(np.int16) - self.grey[k - 1]).mean())


@dataclass(frozen=True)
class Cut:
    """A refined boundary."""

    t: float
    kind: str  # cut | dissolve | fade | slide
    seconds: float  # length of a gradual transition (0 for a cut)


def decode_grey(path: str | os.PathLike, max_fps: float = 30.0) -> Frames:
    """Every frame (at most ``max_fps`` a second) as small grey pictures."""
    import cv2

    from tools.core.media import frames, probe

    info = probe(path)
    rate = info.video.fps if info.video is not None and info.video.fps else 25.0
    fps = None if rate <= max_fps + 0.5 else max_fps
    ts, greys = [], []
    for f in frames(path, fps=fps, size=ROWS, refs_only=False, fast=True):
        ts.append(f.t)
        greys.append(cv2.cvtColor(f.image, cv2.COLOR_RGB2GRAY))
    return Frames(np.asarray(ts, np.float64), greys, float(fps or rate))


def _base(fr: Frames, a: int, b: int) -> float:
    vals = [fr.diff(j) for j in range(max(1, a), min(len(fr.grey), b))]
    return float(np.median(vals)) if vals else 0.0


def _run(fr: Frames, k: int) -> tuple[int, int]:
    """The frames around ``k`` that change more than the shot on their side does (each side its own
    level: a pan on one side does not stretch the transition)."""
    far = int(round(0.8 * fr.fps))
    peak = fr.diff(k)
    left = _base(fr, k - 2 * far, k - far)
    right = _base(fr, k + far, k + 2 * far)
    lo = k
    while lo - 1 > 0 and fr.diff(lo - 1) > left + 0.25 * max(0.0, peak - left) and k - lo < 2 * fr.fps:
        lo -= 1
    hi = k
    while hi + 1 < len(fr.grey) and fr.diff(hi + 1) > right + 0.25 * max(0.0, peak - right) and hi - k < 2 * fr.fps:
        hi += 1
    return lo, hi


def _slide_share(fr: Frames, lo: int, hi: int) -> float:
    """Share of the run's frame steps where a good part of the picture moves sideways fast, all
    one way (tracked corners; text that stays put is simply the other part)."""
    import cv2

    w = fr.grey[0].shape[1]
    votes = []
    for k in range(max(1, lo), hi + 1):
        pts = cv2.goodFeaturesToTrack(fr.grey[k - 1], maxCorners=150, qualityLevel=0.01, minDistance=4)
        if pts is None or len(pts) < 6:
            votes.append(0)
            continue
        nxt, ok, _ = cv2.calcOpticalFlowPyrLK(fr.grey[k - 1], fr.grey[k], pts, None, winSize=(21, 21), maxLevel=4)
        flow = (nxt - pts).reshape(-1, 2)[ok.ravel() == 1]
        if len(flow) < 6:
            votes.append(0)
            continue
        dx, dy = flow[:, 0] / w, np.abs(flow[:, 1]) / w
        side = (np.abs(dx) >= SLIDE_MIN) & (dy < 0.5 * np.abs(dx))
        leftward, rightward = float((side & (dx < 0)).mean()), float((side & (dx > 0)).mean())
        votes.append(-1 if leftward >= 0.3 and leftward > rightward else 1 if rightward >= 0.3 else 0)
    if not votes:
        return 0.0
    v = np.asarray(votes)
    return float(max((v == -1).mean(), (v == 1).mean()))


def _crossing(fr: Frames, lo: int, hi: int) -> float:
    """When a dissolve is half done: the (interpolated) time a frame is as far from the outgoing
    shot as from the incoming one, each taken a quarter second beyond the run (a run cut short at
    one end does not pull the middle)."""
    m = max(2, int(round(0.25 * fr.fps)))
    ia, ib = max(0, lo - m), min(len(fr.grey) - 1, hi + m)
    a, b = fr.grey[ia].astype(np.int16), fr.grey[ib].astype(np.int16)
    ks = np.arange(ia, ib + 1)
    gap = np.array([float(np.abs(fr.grey[k] - a).mean()) - float(np.abs(fr.grey[k] - b).mean()) for k in ks])
    j = int(np.flatnonzero(gap >= 0)[0]) if (gap >= 0).any() else len(ks) - 1
    if j == 0:
        return float(fr.t[ks[0]])
    u = -gap[j - 1] / (gap[j] - gap[j - 1]) if gap[j] != gap[j - 1] else 0.5
    return float(fr.t[ks[j - 1]] + u * (fr.t[ks[j]] - fr.t[ks[j - 1]]))


def _fade(fr: Frames, k0: int) -> Cut | None:
    """A dip to black within half a second of ``k0`` (text that stays on screen keeps the dip from
    reaching black: the darkest frame only has to be under 45 % of the brightness either side)."""
    reach = int(round(0.6 * fr.fps))
    a, b = max(0, k0 - reach), min(len(fr.grey), k0 + reach + 1)
    lum = np.array([float(fr.grey[j].mean()) for j in range(a, b)])
    d = int(np.argmin(lum))
    pre, post = float(lum[:d + 1].max()), float(lum[d:].max())
    if min(pre, post) < 30 or lum[d] > 0.45 * min(pre, post):
        return None
    lo = d
    while lo > 0 and lum[lo - 1] < lum[d] + 0.9 * (pre - lum[d]):
        lo -= 1
    hi = d
    while hi + 1 < len(lum) and lum[hi + 1] < lum[d] + 0.9 * (post - lum[d]):
        hi += 1
    darkest = np.flatnonzero(lum[lo:hi + 1] <= lum[d] + 0.1 * (min(pre, post) - lum[d])) + lo
    t = float(np.mean(fr.t[a + darkest]))
    return Cut(t, "fade", round((hi - lo + 2) / fr.fps, 3))


def refine_boundary(fr: Frames, t: float, kind: str) -> Cut:
    """Exact time, kind and length of a boundary the shot detector put near ``t``."""
    k0 = fr.index(t)
    span = max(2, int(round(0.3 * fr.fps)))
    cand = range(max(1, k0 - span), min(len(fr.grey), k0 + span // 2 + 1))
    k = max(cand, key=fr.diff)
    fade = _fade(fr, k)
    if fade is not None:
        return fade
    lo, hi = _run(fr, k)
    n = hi - lo + 1
    if n <= 2 and kind == "cut" or n <= 1:
        return Cut(float(fr.t[k]), "cut", 0.0)
    seconds = round(n / fr.fps, 3)
    if _slide_share(fr, lo, hi) >= 0.5:  # the middle of the run (the picture moves at a steady pace)
        return Cut(float((fr.t[lo - 1] + fr.t[hi]) / 2), "slide", seconds)
    if kind == "cut" and n <= 3:
        return Cut(float(fr.t[k]), "cut", 0.0)
    return Cut(_crossing(fr, lo, hi), "dissolve", seconds)


def _pair_matrix(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
    """The similarity transform (2x3) taking frame a to b, from tracked corners outside ``mask``'s
    zeros (None: no texture)."""
    import cv2

    pts = cv2.goodFeaturesToTrack(a, maxCorners=200, qualityLevel=0.01, minDistance=5, mask=mask)
    if pts is None or len(pts) < 8:
        return None
    nxt, ok, _ = cv2.calcOpticalFlowPyrLK(a, b, pts, None, winSize=(15, 15), maxLevel=2)
    good = ok.ravel() == 1
    if good.sum() < 8:
        return None
    m, inl = cv2.estimateAffinePartial2D(pts[good], nxt[good], method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if m is None or inl is None or inl.sum() < 6:
        return None
    return m


def _pair_motion(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None
                 ) -> tuple[float, float, float] | None:
    """(centre dx, centre dy in frame fractions, log scale) from frame a to b, or None (no texture)."""
    m = _pair_matrix(a, b, mask)
    if m is None:
        return None
    h, w = a.shape
    cx, cy = w / 2, h / 2
    dx = m[0, 0] * cx + m[0, 1] * cy + m[0, 2] - cx
    dy = m[1, 0] * cx + m[1, 1] * cy + m[1, 2] - cy
    return dx / w, dy / h, float(np.log(np.hypot(m[0, 0], m[1, 0])))


def mouth_motion(fr: Frames, face: tuple[float, float, float, float], start: float, end: float) -> float:
    """How much the lower third of a face moves against its upper part once the camera's motion is
    undone (ratio of mean residuals; about 1 for a still face or a photo, more for a talking one)."""
    import cv2

    a, b = fr.index(start), fr.index(end)
    gap = max(1, int(round(0.12 * fr.fps)))
    h, w = fr.grey[0].shape
    x0, y0, x1, y1 = int(face[0] * w), int(face[1] * h), int(np.ceil(face[2] * w)), int(np.ceil(face[3] * h))
    if x1 - x0 < 6 or y1 - y0 < 9:
        return 0.0
    mid, low = y0 + (y1 - y0) // 3, y0 + 2 * (y1 - y0) // 3
    ratios = []
    for k in range(a, max(a, b - gap), max(gap, int(round(0.25 * fr.fps)))):
        m = _pair_matrix(fr.grey[k], fr.grey[k + gap])
        if m is None:
            continue
        warped = cv2.warpAffine(fr.grey[k], m, (w, h))
        res = np.abs(warped.astype(np.int16) - fr.grey[k + gap])
        top, mouth = float(res[y0:mid, x0:x1].mean()), float(res[low:y1, x0:x1].mean())
        ratios.append(mouth / max(top, 1.0))
    return float(np.median(ratios)) if ratios else 0.0


def _text_mask(shape: tuple[int, int], boxes: Sequence[tuple[float, float, float, float]]) -> np.ndarray | None:
    """255 except over the text boxes (x0, y0, x1, y1 fractions, grown a little): text does not move
    with the camera."""
    if not boxes:
        return None
    h, w = shape
    mask = np.full((h, w), 255, np.uint8)
    for x0, y0, x1, y1 in boxes:
        mx, my = 0.02 + 0.15 * (x1 - x0), 0.02 + 0.3 * (y1 - y0)
        mask[max(0, int((y0 - my) * h)):int(np.ceil((y1 + my) * h)), max(0, int((x0 - mx) * w)):
             int(np.ceil((x1 + mx) * w))] = 0
    return mask


def camera_motion(fr: Frames, start: float, end: float,
                  text: Sequence[tuple[float, float, float, float]] = ()) -> tuple[str, dict[str, float]]:
    """The camera motion of the stretch ``start..end`` (transitions left out) and its rates per second;
    ``text``: boxes of the text on screen then (x0, y0, x1, y1 fractions), left out of the tracking."""
    a, b = fr.index(start), fr.index(end)
    mask = _text_mask(fr.grey[0].shape, text)
    gap = max(1, int(round(0.08 * fr.fps)))
    step = max(gap, int(round(0.2 * fr.fps)))
    got = [(m, (fr.t[k + gap] - fr.t[k])) for k in range(a, max(a, b - gap), step)
           if (m := _pair_motion(fr.grey[k], fr.grey[k + gap], mask)) is not None]
    if not got:
        return "static", {"pan": 0.0, "tilt": 0.0, "zoom": 0.0}
    rates = np.array([[m[0] / dt, m[1] / dt, m[2] / dt] for m, dt in got if dt > 0])
    pan, tilt, zoom = (float(np.median(rates[:, i])) for i in range(3))
    scores = {"pan": abs(pan) / MOTION_MIN, "tilt": abs(tilt) / MOTION_MIN, "zoom": abs(zoom) / ZOOM_MIN}
    best = max(scores, key=scores.get)
    rounded = {"pan": round(pan, 4), "tilt": round(tilt, 4), "zoom": round(zoom, 4)}
    return (best if scores[best] >= 1.0 else "static"), rounded


def structure_size(rgb: np.ndarray) -> float:
    """How large the picture's structures are: Laplacian energy at a quarter of the resolution over
    the energy at full resolution, less 20 x the Canny edge density. Large for a close-up of an
    object (big smooth shapes), small for a wide shot (many small details)."""
    import cv2

    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    fine = float(np.abs(cv2.Laplacian(g, cv2.CV_32F)).mean())
    small = cv2.resize(g, (max(8, g.shape[1] // 4), max(8, g.shape[0] // 4)), interpolation=cv2.INTER_AREA)
    coarse = float(np.abs(cv2.Laplacian(small, cv2.CV_32F)).mean())
    edges = float((cv2.Canny(rgb, 80, 160) > 0).mean())
    return coarse / max(fine, 1e-3) - 20.0 * edges


def shot_scale(images: Sequence[np.ndarray]) -> tuple[str, dict]:
    """Close-up, medium or wide from one or more RGB frames of a shot, and the measures used
    (``face_box``: the tallest face, x0 y0 x1 y1 fractions, when there is one)."""
    from tools.analysis.body import look

    face, shoulders, structure, face_box = 0.0, 0.0, [], None
    for img in images:
        body = look(img, hands=False, mask=False)
        for box in body.faces:
            if box[3] - box[1] > face:
                face, face_box = box[3] - box[1], [round(float(v), 4) for v in box]
        if body.upright and body.pose is not None:
            shoulders = max(shoulders, abs(float(body.pose[11][0] - body.pose[12][0])))
        structure.append(structure_size(img))
    size = float(np.mean(structure)) if structure else 0.0
    info = {"face": round(face, 3), "shoulders": round(shoulders, 3), "structure": round(size, 3),
            "face_box": face_box}
    if face > 0:
        return ("close-up" if face >= 0.28 else "medium" if face >= 0.09 else "wide"), info
    if shoulders > 0:
        return ("medium" if shoulders >= 0.25 else "wide"), info
    return ("close-up" if size >= 3.3 else "medium" if size >= 2.7 else "wide"), info
