"""People in a frame: faces, hands, body pose and the person mask (mediapipe 0.10.21, bundled models).

mediapipe 0.10.21 is the last release whose wheel bundles its models (face detection,
hands, pose, selfie segmentation); later releases download them at run time, which
fails offline. Its metadata pins ``numpy<2`` and ``opencv-contrib-python``; we install
it without dependencies (the Makefile does) beside numpy 2 and our one OpenCV
(contrib-headless < 5) and pin ``protobuf < 5`` (its solution graphs need the 4.x
descriptor API). The tests run it that way; ``pip check`` names the pins it ignores.

A face counts when mediapipe scores it 0.85 or more, or 0.6 or more and OpenCV's Haar
cascade (an independent detector) finds a face centred inside it: measured on the demo,
real faces score 0.71-0.94 and the full-range model's flukes on latte art and galaxy
photos 0.62-0.69, which no Haar face confirms.

When mediapipe cannot be imported, :func:`look` falls back to OpenCV's Haar face
cascade and reports no hands, pose or mask (``Body.source == "opencv"``).

    >>> body = look(rgb_image)                  # doctest: +SKIP
    >>> body.largest_face, len(body.hands)      # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from tools.core.quiet import native_quiet

__all__ = ["Body", "look", "available", "hand_near_face"]

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame


@dataclass
class Body:
    faces: list[Box] = field(default_factory=list)
    hands: list[np.ndarray] = field(default_factory=list)  # (21, 2) landmark x, y fractions per hand
    pose: np.ndarray | None = None  # (33, 3) x, y, visibility
    mask: np.ndarray | None = None  # (18, 32) float32 person probability
    source: str = "mediapipe"

    @property
    def largest_face(self) -> float:
        """The tallest face's height as a fraction of the frame height (0: none)."""
        return max((b[3] - b[1] for b in self.faces), default=0.0)

    @property
    def person_share(self) -> float:
        return float(self.mask.mean()) if self.mask is not None else 0.0

    @property
    def upright(self) -> bool:
        """A pose that looks like a person: the nose above both shoulders, the shoulders at least
        8 % of the frame apart and the nose between them (the pose model also "finds" shoulders
        in a coffee cup)."""
        if self.pose is None:
            return False
        nose, left, right = self.pose[0], self.pose[11], self.pose[12]
        lo, hi = sorted((left[0], right[0]))
        return bool(nose[1] < min(left[1], right[1]) and hi - lo >= 0.08 and lo - 0.05 <= nose[0] <= hi + 0.05)

    def visible(self, *points: int, min_visibility: float = 0.5) -> bool:
        """Whether all the given pose landmarks (mediapipe indices) are visible in the frame, on a
        plausible (``upright``) pose."""
        if self.pose is None or not self.upright:
            return False
        p = self.pose[list(points)]
        return bool(((p[:, 2] >= min_visibility) & (p[:, 1] >= 0) & (p[:, 1] <= 1)).all())


@lru_cache(maxsize=1)
def available() -> bool:
    try:
        import mediapipe  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means: use the fallback
        return False
    return True


_lock = threading.Lock()  # mediapipe graphs are not re-entrant


@lru_cache(maxsize=1)
def _solutions():
    with native_quiet():  # the graphs log (absl, TF Lite) from their own threads while they start
        import mediapipe as mp

        s = mp.solutions
        made = (s.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.6),
                s.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=0,
                              min_detection_confidence=0.5),
                s.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=False),
                s.selfie_segmentation.SelfieSegmentation(model_selection=0))
        for solution in made:  # a first (static, stateless) frame: they finish starting inside the block
            solution.process(np.zeros((64, 64, 3), np.uint8))
    return made


@lru_cache(maxsize=1)
def _haar():
    import cv2

    return cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml"))


def _haar_faces(image: np.ndarray) -> list[Box]:
    import cv2

    h, w = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    found = _haar().detectMultiScale(grey, scaleFactor=1.15, minNeighbors=5, minSize=(24, 24))
    return [(x / w, y / h, (x + fw) / w, (y + fh) / h) for (x, y, fw, fh) in found]


def look(image: np.ndarray, hands: bool = True, pose: bool = True, mask: bool = True, faces: bool = True) -> Body:
    """Faces, hands, pose and the person mask (each optional) in one RGB frame."""
    if not available():
        return Body(faces=_haar_faces(image) if faces else [], source="opencv")
    import cv2

    image = np.ascontiguousarray(image)
    face_s, hands_s, pose_s, seg_s = _solutions()
    body = Body()
    with _lock, native_quiet():  # landmark calculators warn once, on the first frame they see a hand
        r = face_s.process(image) if faces else None
        unsure = []
        for d in (r.detections or ()) if r is not None else ():
            b = d.location_data.relative_bounding_box
            box = (max(0.0, b.xmin), max(0.0, b.ymin), min(1.0, b.xmin + b.width), min(1.0, b.ymin + b.height))
            (body.faces if d.score[0] >= 0.85 else unsure).append(box)
        if unsure:
            haar = [((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1 in _haar_faces(image)]
            body.faces += [b for b in unsure if any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for x, y in haar)]
        if hands:
            r = hands_s.process(image)
            for lm in r.multi_hand_landmarks or ():
                body.hands.append(np.array([(p.x, p.y) for p in lm.landmark], np.float32))
        if pose:
            r = pose_s.process(image)
            if r.pose_landmarks is not None:
                body.pose = np.array([(p.x, p.y, p.visibility) for p in r.pose_landmarks.landmark], np.float32)
        if mask:
            r = seg_s.process(image)
            if r.segmentation_mask is not None:
                body.mask = cv2.resize(r.segmentation_mask.astype(np.float32), (32, 18), interpolation=cv2.INTER_AREA)
    return body


def hand_near_face(body: Body, margin: float = 0.3) -> float:
    """The share of a hand's fingertips inside a face box grown by ``margin`` (0 when no face/hand)."""
    best = 0.0
    for x0, y0, x1, y1 in body.faces:
        mx, my = (x1 - x0) * margin, (y1 - y0) * margin
        for hand in body.hands:
            tips = hand[[4, 8, 12, 16, 20]]
            inside = (tips[:, 0] >= x0 - mx) & (tips[:, 0] <= x1 + mx) & (tips[:, 1] >= y0 - my) & (tips[:, 1] <= y1 + my)
            best = max(best, float(inside.mean()))
    return best
