"""Speech tags: which of 21 tags each sentence of a stream carries (multi-label, Chinese and English).

Two levels, both small linear models over fast features (character 1-3-gram TF-IDF,
multilingual e5-small embeddings, and overlap with the product's fact-sheet fields):

1. the **group**: the E-SyncVidStory script label the sentence serves (产品功效, 引导购买,
   ...), trained on the real ad narrations of the dev split, teacher sentences, and
   hand-written English voice-over lines labelled with their script label
   (``tools/data/tag_lines_en.jsonl``: the Chinese ads alone taught it little English);
2. the **tag within the group** (引导购买 -> price / promotion / call_to_action /
   logistics_after_sales), trained on sentences the local LLM wrote for every tag
   (``reelwright train tags --teacher``: the seed's GPT labels, distilled) and the
   taxonomy's own examples.

A tag's score is P(group) x P(tag | group). Optionally the LLM gives a second opinion
(JSON-schema constrained to the tag ids) for sentences the model is unsure of.

    >>> model = TagModel.load()                                             # doctest: +SKIP
    >>> model.predict(["买二送一，今晚下单再送小样"])[0].argmax()               # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from tools.core.errors import TagError

__all__ = ["Tag", "taxonomy", "tag_ids", "group_of", "groups", "TagModel", "TagError", "fact_overlap",
           "teacher_sentences", "second_opinion", "training_set", "fit", "DEFAULT_MODEL", "VERSION"]

VERSION = "1"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "data" / "tag_model.npz"
Embed = Callable[[list[str]], np.ndarray]
_CATS = ("efficacy", "quality", "material", "texture", "appearance", "general", "audience", "promotion", "pain",
         "production", "certification", "brand", "after_sales", "price", "size")


_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True)
class Tag:
    id: str
    zh: str
    en: str
    esync: str
    definition: str
    examples: tuple[str, ...]


@lru_cache(maxsize=1)
def taxonomy() -> tuple[Tag, ...]:
    data = json.loads((resources.files("tools") / "data" / "speech_tags.json").read_text(encoding="utf-8"))
    return tuple(Tag(t["id"], t["zh"], t["en"], t["esync"], t["definition"], tuple(t["examples"]))
                 for t in data["tags"])


def tag_ids() -> list[str]:
    return [t.id for t in taxonomy()]


def group_of(tag: str) -> str:
    """The E-SyncVidStory label a tag maps onto (many tags to one label)."""
    for t in taxonomy():
        if t.id == tag:
            return t.esync
    raise KeyError(f"unknown speech tag {tag!r}; known: {', '.join(tag_ids())}")


def groups() -> list[str]:
    from tools.core.labels import label_names

    return list(label_names())


def fact_overlap(text: str, facts: dict[str, list[str]] | None) -> np.ndarray:
    """Per fact category: the best share of a phrase's character bigrams found in ``text``."""
    from tools.core.labels import field_category

    out = np.zeros(len(_CATS), np.float32)
    if not facts:
        return out
    low = text.lower()
    for field, phrases in facts.items():
        cat = field_category(field)
        if cat not in _CATS:
            continue
        k = _CATS.index(cat)
        for p in phrases:
            p = p.lower().strip()
            if len(p) < 2:
                continue
            grams = {p[i:i + 2] for i in range(len(p) - 1)}
            out[k] = max(out[k], sum(g in low for g in grams) / len(grams))
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class TagModel:
    """The two-level tag model: arrays only (vocabulary, IDF, weights), saved as one ``.npz``."""

    def __init__(self, vocab: list[str], idf: np.ndarray, group_names: list[str], group_w: np.ndarray,
                 group_b: np.ndarray, tag_w: np.ndarray, tag_b: np.ndarray, meta: dict | None = None):
        self.vocab = vocab
        self.index = {g: i for i, g in enumerate(vocab)}
        self.idf = idf.astype(np.float32)
        self.group_names = group_names
        self.group_w, self.group_b = group_w.astype(np.float32), group_b.astype(np.float32)
        self.tag_w, self.tag_b = tag_w.astype(np.float32), tag_b.astype(np.float32)
        self.meta = meta or {}
        self.tags = tag_ids()
        self.tag_group = np.array([group_names.index(group_of(t)) for t in self.tags])

    # ----------------------------------------------------------------- features

    def tfidf(self, texts: Sequence[str]) -> np.ndarray:
        """Character 1-3-gram TF-IDF exactly as scikit-learn's (sublinear tf, l2), without scikit-learn."""
        out = np.zeros((len(texts), len(self.vocab)), np.float32)
        for r, text in enumerate(texts):
            t = _SPACES.sub(" ", text.lower())
            for n in (1, 2, 3):
                for i in range(len(t) - n + 1):
                    j = self.index.get(t[i:i + n])
                    if j is not None:
                        out[r, j] += 1.0
        nz = out > 0
        out[nz] = 1.0 + np.log(out[nz])  # sublinear tf
        out *= self.idf
        norm = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norm, 1e-8)

    def features(self, texts: Sequence[str], vectors: np.ndarray,
                 facts: Sequence[dict[str, list[str]] | None] | None = None) -> np.ndarray:
        overlap = np.stack([fact_overlap(t, (facts[i] if facts else None)) for i, t in enumerate(texts)]) \
            if len(texts) else np.zeros((0, len(_CATS)), np.float32)
        return np.hstack([self.tfidf(texts), vectors.astype(np.float32), 2.0 * overlap])

    # ----------------------------------------------------------------- predict

    def predict(self, texts: Sequence[str], embed: Embed, facts: Sequence[dict | None] | None = None,
                vectors: np.ndarray | None = None) -> np.ndarray:
        """(n, 21) tag scores in 0..1: P(group) x P(tag | group)."""
        if not len(texts):
            return np.zeros((0, len(self.tags)), np.float32)
        vecs = vectors if vectors is not None else embed(list(texts))
        x = self.features(texts, vecs, facts)
        pg = _sigmoid(x @ self.group_w.T + self.group_b)  # (n, G), one-vs-rest
        xt = np.hstack([self.tfidf(texts), vecs.astype(np.float32)])
        pt = _softmax(xt @ self.tag_w.T + self.tag_b)  # (n, 21)
        within = np.zeros_like(pt)
        for g in range(len(self.group_names)):
            members = self.tag_group == g
            if members.any():
                within[:, members] = pt[:, members] / np.maximum(pt[:, members].sum(axis=1, keepdims=True), 1e-8)
        return (pg[:, self.tag_group] * within).astype(np.float32)

    def group_scores(self, texts: Sequence[str], embed: Embed, facts: Sequence[dict | None] | None = None,
                     vectors: np.ndarray | None = None) -> np.ndarray:
        """(n, labels) P(benchmark label): the sum of each label's tag scores from :meth:`predict`."""
        vecs = vectors if vectors is not None else embed(list(texts))
        return _sigmoid(self.features(texts, vecs, facts) @ self.group_w.T + self.group_b)

    # ----------------------------------------------------------------- files

    def save(self, path: str | os.PathLike = DEFAULT_MODEL) -> Path:
        from tools.core.files import save_npz

        return save_npz(path, {"vocab": np.array(self.vocab), "idf": self.idf,
                               "group_names": np.array(self.group_names),
                               "group_w": self.group_w.astype(np.float16), "group_b": self.group_b,
                               "tag_w": self.tag_w.astype(np.float16), "tag_b": self.tag_b,
                               "meta": np.array(json.dumps(self.meta, ensure_ascii=False))},
                        compressed=True, mode=0o644)

    @classmethod
    def load(cls, path: str | os.PathLike = DEFAULT_MODEL) -> TagModel:
        return _load(str(path))


@lru_cache(maxsize=2)
def _load(path: str) -> TagModel:
    import hashlib

    from tools.core.files import load_npz

    z = load_npz(path, TagError, "tag model", "reelwright train tags")
    try:
        meta = {**json.loads(str(z["meta"])), "digest": hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]}
        return TagModel(list(z["vocab"]), z["idf"], list(z["group_names"]), z["group_w"].astype(np.float32),
                        z["group_b"], z["tag_w"].astype(np.float32), z["tag_b"], meta)
    except (KeyError, ValueError) as exc:
        raise TagError(f"tag model {path} is damaged ({exc}): run `reelwright train tags`") from None


def teacher_sentences(llm, per_tag: int = 12, languages: Sequence[str] = ("zh", "en"),
                      progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Sentences the LLM writes for every tag and language: [{"text", "tag", "language"}]."""
    from prompts import render

    schema = {"title": "sentences", "type": "object", "required": ["sentences"], "additionalProperties": False,
              "properties": {"sentences": {"type": "array", "minItems": 1, "maxItems": per_tag,
                                           "items": {"type": "string", "minLength": 4, "maxLength": 80}}}}
    products = "lipstick, face serum, coffee beans, snacks, wireless earbuds, a phone case, a dress, sneakers, a sofa"
    jobs = [(t, lang) for t in taxonomy() for lang in languages]
    out: list[dict] = []
    for k, (tag, lang) in enumerate(jobs):
        prompt = render("tag_teacher.j2", tag=tag, n=per_tag, language=lang, products=products)
        got = llm.structured([("user", prompt)], schema)
        seen = set()
        for s in got["sentences"]:
            s = s.strip()
            if s and s not in seen and s not in tag.examples:
                seen.add(s)
                out.append({"text": s, "tag": tag.id, "language": lang})
        if progress is not None:
            progress(k + 1, len(jobs))
    return out


# --------------------------------------------------------------------------- training


@dataclass
class TrainingSet:
    texts: list[str]
    groups: np.ndarray  # (n, G) multi-hot over E-SyncVidStory labels
    tags: np.ndarray  # (n,) tag index, -1 when only the group is known
    facts: list[dict | None]
    products: list[str]


def training_set(records: Sequence[dict], teacher: Sequence[dict], group_names: Sequence[str]) -> TrainingSet:
    """Real ad clips (group labels, their fact sheets) + teacher and taxonomy sentences (tag labels)."""
    ids = tag_ids()
    single = {g: [t.id for t in taxonomy() if t.esync == g] for g in group_names}
    texts, gs, ts, facts, products = [], [], [], [], []
    for r in records:
        for c in r["clips"]:
            labs = [lab for lab in c["labels"] if lab in group_names]
            if not labs or not c.get("narration"):
                continue
            texts.append(c["narration"])
            gs.append([g in labs for g in group_names])
            only = [single[g] for g in labs]
            ts.append(ids.index(only[0][0]) if len(labs) == 1 and len(only[0]) == 1 else -1)
            facts.append(r["facts"])
            products.append(r["product"])
    extra = [{"text": e, "tag": t.id} for t in taxonomy() for e in t.examples] + list(teacher)
    for row in extra:
        texts.append(row["text"])
        if "tag" in row:
            gs.append([g == group_of(row["tag"]) for g in group_names])
            ts.append(ids.index(row["tag"]))
        else:  # a line labelled with its script label only (the hand-written English lines)
            from tools.core.labels import get_label

            gs.append([g == get_label(row["label"]).zh for g in group_names])
            ts.append(-1)
        facts.append(None)
        products.append("teacher")
    return TrainingSet(texts, np.array(gs, dtype=np.int64), np.array(ts), facts, products)


def fit(data: TrainingSet, vectors: np.ndarray, group_names: Sequence[str], c_group: float = 4.0,
        c_tag: float = 2.0, max_features: int = 20000) -> TagModel:
    """Fit both levels. ``vectors``: e5 passage embeddings of ``data.texts``."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=3,
                          max_features=max_features, lowercase=True)
    vec.fit(data.texts)
    vocab = [None] * len(vec.vocabulary_)
    for gram, j in vec.vocabulary_.items():
        vocab[j] = gram
    model = TagModel(vocab, vec.idf_, list(group_names), np.zeros((len(group_names), 1)), np.zeros(len(group_names)),
                     np.zeros((len(tag_ids()), 1)), np.zeros(len(tag_ids())))
    tf = csr_matrix(model.tfidf(data.texts))
    overlap = np.stack([fact_overlap(t, f) for t, f in zip(data.texts, data.facts, strict=True)])
    x = hstack([tf, csr_matrix(vectors), csr_matrix(2.0 * overlap)]).tocsr()
    gw = np.zeros((len(group_names), x.shape[1]), np.float32)
    gb = np.full(len(group_names), -8.0, np.float32)  # a group never seen stays off
    for g in range(len(group_names)):
        y = data.groups[:, g]
        if 0 < y.sum() < len(y):
            m = LogisticRegression(C=c_group, max_iter=3000).fit(x, y)
            gw[g], gb[g] = m.coef_[0], m.intercept_[0]
    known = data.tags >= 0
    xt = hstack([tf, csr_matrix(vectors)]).tocsr()[known]
    m = LogisticRegression(C=c_tag, max_iter=3000).fit(xt, data.tags[known])
    tw = np.zeros((len(tag_ids()), xt.shape[1]), np.float32)
    tb = np.full(len(tag_ids()), -8.0, np.float32)
    tw[m.classes_], tb[m.classes_] = m.coef_, m.intercept_
    return TagModel(vocab, vec.idf_, list(group_names), gw, gb, tw, tb,
                    {"version": VERSION, "texts": len(data.texts), "real": int((np.array(data.products) != "teacher").sum()),
                     "teacher": int((np.array(data.products) == "teacher").sum())})


def second_opinion(texts: Sequence[str], scores: np.ndarray, llm, threshold: float = 0.35,
                   limit: int | None = None) -> tuple[np.ndarray, int]:
    """Ask the LLM (tag ids as a JSON-schema enum) about sentences whose best tag scores below ``threshold``.

    The LLM's tags are raised to 0.6 (first) and 0.5 (others); the model's scores stay
    otherwise. Returns the new scores and how many sentences were asked about.
    """
    from prompts import render
    from tools.guard.injection import SPEECH, quote_data

    ids = tag_ids()
    schema = {"title": "tags", "type": "object", "required": ["tags"], "additionalProperties": False,
              "properties": {"tags": {"type": "array", "minItems": 1, "maxItems": 3,
                                      "items": {"type": "string", "enum": ids}}}}
    system = render("tag_judge.j2", tags=taxonomy())
    out = scores.copy()
    unsure = [i for i in np.argsort(scores.max(axis=1)) if scores[i].max() < threshold][:limit]
    for i in unsure:
        got = llm.structured([("system", system), ("user", quote_data(SPEECH, [texts[i]]))], schema)
        for rank, tag in enumerate(dict.fromkeys(got["tags"])):
            k = ids.index(tag)
            out[i, k] = max(out[i, k], 0.6 if rank == 0 else 0.5)
    return out, len(unsure)
