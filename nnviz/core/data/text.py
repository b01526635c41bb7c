"""Short texts as token ids, and a generated sentiment data set for the course's "RNN sentiment" lesson.

A vocabulary is a list of words; a word's id is its index. Id 0 is ``<pad>`` and id 1 is ``<unk>`` (a
word the vocabulary lacks). :func:`encode` pads at the front, as Keras' ``pad_sequences`` does by default,
so the last time step always holds the last word: what a recurrent layer's final state has just read.

:func:`sentiment` writes short movie reviews from a small grammar, labelled positive or negative. Some
need word order to read right: "not" flips the adjective after it, and in "… but …" the second clause
decides. A model that only counts words cannot get those; an Embedding followed by a GRU or LSTM can.
"""

from __future__ import annotations

import re

import numpy as np

from nnviz.core.data.dataset import Dataset, split

PAD, UNK = "<pad>", "<unk>"

SUBJECTS = ("the movie", "the film", "the plot", "the acting", "the story", "the music", "the ending", "it")
VERBS = ("was", "is")
INTENSIFIERS = ("very", "really", "so", "quite")
POSITIVE = ("good", "great", "fun", "wonderful", "excellent", "brilliant", "moving", "funny")
NEGATIVE = ("bad", "boring", "awful", "dull", "terrible", "poor", "slow", "silly")
LIKE = ("loved", "liked", "enjoyed")
DISLIKE = ("hated", "disliked")

VOCABULARY = [PAD, UNK] + sorted({w for phrase in SUBJECTS for w in phrase.split()} | set(VERBS)
                                 | set(INTENSIFIERS) | set(POSITIVE) | set(NEGATIVE) | set(LIKE) | set(DISLIKE)
                                 | {"not", "but", "and", "i"})
LENGTH = 13   # the longest review the grammar writes: "the movie was not very good but the acting was not really great"

_WORD = re.compile(r"[a-z']+")


def tokenize(text: str) -> list[str]:
    """Lower-case words, punctuation dropped: ``"Not GOOD!" -> ["not", "good"]``."""
    return _WORD.findall(str(text).lower())


def encode(texts, vocabulary, length: int) -> np.ndarray:
    """Token ids ``(n, length)``: unknown words become ``<unk>``, short texts are padded at the front with
    ``<pad>``, long ones keep their last ``length`` words."""
    index = {w: i for i, w in enumerate(vocabulary)}
    unk, pad = index.get(UNK, 1), index.get(PAD, 0)
    out = np.full((len(texts), length), pad, dtype=np.int64)
    for row, text in enumerate(texts):
        ids = [index.get(w, unk) for w in tokenize(text)][-length:]
        if ids:
            out[row, length - len(ids):] = ids
    return out


def words(ids, vocabulary) -> list[str]:
    """The word of every token id of one row, ``<pad>`` included (an id outside the vocabulary is ``<unk>``)."""
    n = len(vocabulary)
    return [vocabulary[i] if 0 <= i < n else UNK for i in (int(v) for v in np.asarray(ids).reshape(-1))]


def decode(ids, vocabulary) -> str:
    """The words of one row of token ids, without the padding."""
    return " ".join(w for w in words(ids, vocabulary) if w != PAD)


def _clause(rng, positive: bool, negate: bool) -> str:
    """"the plot was (not) (very) boring" or "i loved it", whose meaning is ``positive``."""
    if rng.random() < 0.25:   # "i loved it" / "i hated it"
        words = LIKE if positive else DISLIKE
        return f"i {rng.choice(words)} it"
    word_positive = positive != negate          # "not" flips what the adjective means
    adjective = rng.choice(POSITIVE if word_positive else NEGATIVE)
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS)]
    if negate:
        parts.append("not")
    if rng.random() < 0.4:
        parts.append(rng.choice(INTENSIFIERS))
    parts.append(adjective)
    return " ".join(parts)


def review(rng, positive: bool, negation: float, contrast: float) -> str:
    """One review whose sentiment is ``positive``."""
    if rng.random() < contrast:    # "<the opposite> but <this>": the clause after "but" decides
        first = _clause(rng, not positive, rng.random() < negation)
        return f"{first} but {_clause(rng, positive, rng.random() < negation)}"
    text = _clause(rng, positive, rng.random() < negation)
    if rng.random() < 0.2 and not text.startswith("i "):
        text += f" and {_clause(rng, positive, False)}"
    return text


def sentiment(n_samples: int = 2000, negation: float = 0.3, contrast: float = 0.3, seed: int | None = 0,
              test_ratio: float = 0.2, val_ratio: float = 0.1) -> Dataset:
    """Generated movie reviews, half positive and half negative, as token ids ``(n, 13)`` (see the module)."""
    n = int(n_samples)
    if n < 10:
        raise ValueError(f"n_samples must be at least 10, got {n}")
    for name, share in (("negation", negation), ("contrast", contrast)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be a share between 0 and 1, got {share}")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    rng.shuffle(y)
    texts = [review(rng, bool(label), negation, contrast) for label in y]
    x = encode(texts, VOCABULARY, LENGTH)
    x_train, y_train, x_val, y_val, x_test, y_test = split(x, y.astype(np.int64), test_ratio, val_ratio,
                                                           None if seed is None else (seed, 1))
    return Dataset(
        name="sentiment", task="binary",
        x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, x_test=x_test, y_test=y_test,
        feature_names=[f"word {t + 1}" for t in range(LENGTH)], class_names=["negative", "positive"],
        kind="text", vocabulary=list(VOCABULARY),
        description=(f"{n:,} generated movie reviews of up to {LENGTH} words ({len(VOCABULARY)} words in all), "
                     "positive or negative. 'not' flips a word and after 'but' the second half decides, so "
                     "word order matters: an Embedding and a GRU or LSTM read it."),
        params={"n_samples": n, "negation": negation, "contrast": contrast, "seed": seed,
                "test_ratio": test_ratio, "val_ratio": val_ratio},
    )
