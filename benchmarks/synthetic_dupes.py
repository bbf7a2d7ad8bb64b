"""Seeded synthetic Reddit-like corpus with planted near duplicates and hard negatives.

Posts are 100-300 words of sentences drawn from English function words plus a large pool of
pseudo-words (Zipf-distributed, with a per-post topic vocabulary), so unrelated posts share
function words and topical words the way real posts do, but not whole passages.

Planted duplicates (each a copy of a base post, or of another copy of it; one truth cluster
per base post):

- ``exact``: the same title and body reposted later;
- ``crosspost``: the same title and body in another subreddit minutes later;
- ``format``: the same words with different case, whitespace and markdown;
- ``edit``: reposted with an "EDIT: ..." note appended (or an "UPDATE:" line prepended);
- ``light_edit``: 5-10% of the words substituted, deleted or inserted;
- ``reorder``: sentences shuffled or moved;
- ``add_sentence`` / ``remove_sentence``: one sentence more or fewer;
- ``retell``: the same author telling the story again: new title, ~5% word edits, two
  sentences swapped.

Planted hard negatives (their own truth cluster; must NOT be merged with their source):

- ``subset_neg``: a short post made of the first sentences of a long post (every word of it
  occurs in the long one; at most 40% of its length): the token_set_ratio trap;
- ``template_neg``: the same skeleton with different details (most content words replaced);
- ``boilerplate_neg``: the same opening and closing sentences around a different story.

``make_corpus`` returns the posts (the engine's input columns plus ``subreddit``) and the truth
columns ``truth`` (cluster id), ``family`` (base post and everything derived from it, for
taking subsets that keep clusters whole), ``kind`` and ``source_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DUP_KINDS",
    "NEG_KINDS",
    "PairMetrics",
    "family_subset",
    "kind_report",
    "make_corpus",
    "pair_metrics",
    "predicted_labels",
]

FUNCTION_WORDS: tuple[str, ...] = (
    "i", "the", "and", "to", "a", "my", "was", "of", "that", "it", "in", "me", "he", "she", "is",
    "for", "but", "we", "with", "her", "have", "so", "this", "be", "on", "not", "they", "him",
    "about", "had", "at", "what", "do", "just", "like", "his", "know", "because", "when", "if",
    "would", "all", "out", "them", "up", "there", "feel", "as", "an", "or", "how", "one", "will",
    "think", "from", "get", "said", "now", "even", "been", "really", "are", "can", "time", "want",
    "don't", "no", "it's", "i'm", "then", "after", "more", "years", "our", "did", "didn't",
    "going", "being", "also", "back", "things", "which", "were", "since", "still", "told", "who",
    "only", "never", "make", "than", "over", "too", "much", "some", "could", "any", "into",
    "last", "something", "other", "should", "us", "your", "while", "doesn't", "very", "before",
    "ever", "always", "way", "well", "where", "those", "every", "through", "again", "same",
    "both", "here", "everything", "anything", "nothing", "someone", "anyone",
)
SUBREDDITS = (
    "AmItheAsshole", "relationship_advice", "Advice", "AskParents", "careerguidance",
    "personalfinance", "legaladvice", "offmychest", "TrueOffMyChest", "dating_advice",
    "WouldIBeTheAsshole", "family", "college", "work", "Parenting",
)
TITLE_PREFIXES = ("AITA for", "WIBTA if I", "Need advice:", "How do I", "Should I", "", "", "")
EDIT_NOTES = (
    "thanks everyone for the advice, I read every comment.",
    "wow this blew up, I will answer questions later.",
    "to clarify, we have been together for two years.",
    "I talked to her and we are fine now.",
    "some of you asked for an update, I will post one soon.",
    "forgot to mention that this happened last weekend.",
)
_ONSETS = (
    "b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "h", "j", "k", "l",
    "m", "n", "p", "pl", "pr", "r", "s", "sh", "sk", "sl", "sp", "st", "t", "th", "tr", "v", "w",
    "wh", "z",
)
_VOWELS = (
    "a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "oa", "ou", "y",
)
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng", "rt"]

DUP_KINDS: tuple[str, ...] = (
    "exact", "crosspost", "format", "edit", "light_edit", "reorder",
    "add_sentence", "remove_sentence", "retell",
)
NEG_KINDS: tuple[str, ...] = ("subset_neg", "template_neg", "boilerplate_neg")


@dataclass
class _Post:
    title: str
    sentences: list[str]
    topic: int
    author: str | None
    subreddit: str
    created: int
    family: int
    truth: int
    kind: str
    source: int  # index of the post it was derived from, -1 for a base post

    def body(self) -> str:
        paras = [" ".join(self.sentences[i : i + 4]) for i in range(0, len(self.sentences), 4)]
        return "\n\n".join(paras)


class _Words:
    """Vectorised word sampler: function words, a global Zipf pool and topic vocabularies."""

    def __init__(self, rng: np.random.Generator, vocab_size: int, n_topics: int) -> None:
        self.rng = rng
        words: set[str] = set()
        while len(words) < vocab_size:
            n = vocab_size - len(words)
            syl = rng.choice([1, 2, 3], size=n, p=[0.4, 0.45, 0.15])
            for s in syl:
                w = "".join(
                    _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
                    + _CODAS[rng.integers(len(_CODAS))]
                    for _ in range(int(s))
                )
                if len(w) > 2 and w not in FUNCTION_WORDS:
                    words.add(w)
        pool = sorted(words)
        rng.shuffle(pool)
        self.function = np.array(FUNCTION_WORDS, dtype=object)
        self.pool = np.array(pool, dtype=object)
        self.is_function = frozenset(FUNCTION_WORDS)
        fw = 1.0 / (np.arange(len(self.function)) + 1.5)
        self.p_function = np.cumsum(fw / fw.sum())
        gw = 1.0 / (np.arange(len(self.pool)) + 3.0)
        self.p_global = np.cumsum(gw / gw.sum())
        # Topic words come from the mid/low-frequency part of the pool.
        self.topics = rng.integers(300, len(self.pool), size=(n_topics, 200))
        tw = 1.0 / (np.arange(200) + 2.0)
        self.p_topic = np.cumsum(tw / tw.sum())

    def _pick(self, cdf: np.ndarray, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, self.rng.random(n)), len(cdf) - 1)

    def draw(self, topics: np.ndarray) -> np.ndarray:
        """One word per entry of ``topics`` (the topic of the word's post)."""
        n = len(topics)
        u = self.rng.random(n)
        out = self.pool[self._pick(self.p_global, n)]
        fmask = u < 0.45
        out[fmask] = self.function[self._pick(self.p_function, int(fmask.sum()))]
        tmask = (u >= 0.45) & (u < 0.72)
        cols = self._pick(self.p_topic, int(tmask.sum()))
        out[tmask] = self.pool[self.topics[topics[tmask], cols]]
        return out

    def sentences(self, topic: int, n_words: int) -> list[str]:
        """Sentences of 6-24 words with about ``n_words`` words in all."""
        lens = self.rng.integers(6, 25, size=n_words // 6 + 2)
        k = int(np.searchsorted(np.cumsum(lens), n_words)) + 1
        lens = lens[:k]
        words = self.draw(np.full(int(lens.sum()), topic)).tolist()
        out: list[str] = []
        pos = 0
        for n in lens:
            chunk = words[pos : pos + int(n)]
            pos += int(n)
            end = "?" if self.rng.random() < 0.1 else "."
            out.append(chunk[0].capitalize() + (" " + " ".join(chunk[1:]) if n > 1 else "") + end)
        return out

    def title(self, topic: int) -> str:
        n = int(self.rng.integers(4, 11))
        prefix = TITLE_PREFIXES[self.rng.integers(len(TITLE_PREFIXES))]
        words = " ".join(self.draw(np.full(n, topic)).tolist())
        return (prefix + " " + words).strip() + ("?" if self.rng.random() < 0.5 else "")


def _edit_words(words: list[str], frac: float, w: _Words, topic: int) -> list[str]:
    """Substitute (60%), delete (20%) or insert (20%) ``frac`` of the words."""
    rng = w.rng
    out = list(words)
    m = max(1, round(frac * len(words)))
    fresh = w.draw(np.full(m, topic)).tolist()
    for k in range(m):
        i = int(rng.integers(len(out)))
        op = rng.random()
        if op < 0.6:
            out[i] = fresh[k]
        elif op < 0.8 and len(out) > 2:
            del out[i]
        else:
            out.insert(i, fresh[k])
    return out


def _edit_sentences(sents: list[str], frac: float, w: _Words, topic: int) -> list[str]:
    words = " ".join(sents).split(" ")
    edited = _edit_words(words, frac, w, topic)
    # Re-split into sentences at the original sentence lengths (good enough for our purpose).
    out, pos = [], 0
    for s in sents:
        n = len(s.split(" "))
        out.append(" ".join(edited[pos : pos + n]))
        pos += n
    if pos < len(edited):
        out[-1] = out[-1] + " " + " ".join(edited[pos:])
    return [s for s in out if s]


def _make_variant(kind: str, src: _Post, w: _Words) -> _Post:
    rng = w.rng
    day = 86_400
    v = _Post(src.title, list(src.sentences), src.topic, src.author, src.subreddit,
              src.created, src.family, src.truth, kind, -1)
    if kind == "exact":
        v.created += int(rng.integers(day, 60 * day))
        if rng.random() < 0.5:
            v.author = None  # filled in by the caller with another author
    elif kind == "crosspost":
        v.created += int(rng.integers(60, 3600))
        v.subreddit = SUBREDDITS[(SUBREDDITS.index(src.subreddit) + 1
                                  + int(rng.integers(len(SUBREDDITS) - 1))) % len(SUBREDDITS)]
    elif kind == "format":
        v.created += int(rng.integers(3600, 7 * day))
        v.title = v.title.lower() if rng.random() < 0.5 else v.title.upper()
        i = int(rng.integers(len(v.sentences)))
        v.sentences[i] = "**" + v.sentences[i] + "**"
        j = int(rng.integers(len(v.sentences)))
        v.sentences[j] = v.sentences[j].replace(" ", "  ", 2).rstrip(".?") + "!!"
    elif kind == "edit":
        v.created += int(rng.integers(3600, 7 * day))
        note = EDIT_NOTES[rng.integers(len(EDIT_NOTES))]
        if rng.random() < 0.8:
            marker = ("EDIT:", "Edit:", "**Edit 2:**", "edit -", "UPDATE:")[rng.integers(5)]
            v.sentences = v.sentences + ["\n\n" + marker + " " + note]
        else:
            v.sentences = ["UPDATE: " + note + "\n\n"] + v.sentences
    elif kind == "light_edit":
        v.created += int(rng.integers(day, 30 * day))
        v.sentences = _edit_sentences(v.sentences, float(rng.uniform(0.05, 0.10)), w, v.topic)
        if rng.random() < 0.3:
            v.author = None
    elif kind == "reorder":
        v.created += int(rng.integers(day, 30 * day))
        if rng.random() < 0.5:
            order = rng.permutation(len(v.sentences))
            v.sentences = [v.sentences[i] for i in order]
        else:
            for _ in range(int(rng.integers(1, 4))):
                s = v.sentences.pop(int(rng.integers(len(v.sentences))))
                v.sentences.insert(int(rng.integers(len(v.sentences) + 1)), s)
    elif kind == "add_sentence":
        v.created += int(rng.integers(day, 30 * day))
        new = w.sentences(v.topic, int(rng.integers(8, 16)))[0]
        v.sentences.insert(int(rng.integers(len(v.sentences) + 1)), new)
    elif kind == "remove_sentence":
        v.created += int(rng.integers(day, 30 * day))
        if len(v.sentences) > 4:
            del v.sentences[int(rng.integers(len(v.sentences)))]
        else:  # too short to lose a sentence and stay a near duplicate: drop a few words
            v.sentences = _edit_sentences(v.sentences, 0.05, w, v.topic)
    elif kind == "retell":
        v.created += int(rng.integers(30 * day, 180 * day))
        v.title = w.title(v.topic)
        v.sentences = _edit_sentences(v.sentences, 0.05, w, v.topic)
        if len(v.sentences) > 2:
            i, j = (int(x) for x in rng.choice(len(v.sentences), 2, replace=False))
            v.sentences[i], v.sentences[j] = v.sentences[j], v.sentences[i]
    else:
        raise ValueError(kind)
    return v


def _make_negative(kind: str, src: _Post, w: _Words, truth: int) -> _Post:
    rng = w.rng
    v = _Post(src.title, list(src.sentences), src.topic, None, src.subreddit,
              src.created + int(rng.integers(3600, 90 * 86_400)), src.family, truth, kind, -1)
    if kind == "subset_neg":
        # First sentences of the long post, at most 40% of its words; title from its words.
        budget = 0.4 * sum(len(s.split(" ")) for s in src.sentences)
        keep, n = [], 0
        for s in src.sentences:
            n += len(s.split(" "))
            if n > budget and keep:
                break
            keep.append(s)
        v.sentences = keep
        v.title = " ".join(src.title.split(" ")[: max(2, len(src.title.split(" ")) // 2)])
    elif kind == "template_neg":
        def redo(sent: str) -> str:
            words = sent.split(" ")
            fresh = w.draw(np.full(len(words), v.topic)).tolist()
            out = [wd if wd.lower().strip(".?") in w.is_function or rng.random() < 0.25
                   else fresh[k] for k, wd in enumerate(words)]
            return " ".join(out)

        v.sentences = [redo(s) for s in v.sentences]
        v.title = redo(v.title)
    elif kind == "boilerplate_neg":
        n_words = sum(len(s.split(" ")) for s in src.sentences)
        middle = w.sentences(v.topic, max(30, n_words - 40))
        v.sentences = src.sentences[:2] + middle + src.sentences[-1:]
        v.title = w.title(v.topic)
    else:
        raise ValueError(kind)
    return v


def make_corpus(
    n_posts: int,
    seed: int = 0,
    dup_fraction: float = 0.15,
    negative_fraction: float = 0.06,
    vocab_size: int = 30_000,
    n_topics: int = 400,
) -> pd.DataFrame:
    """A corpus of exactly ``n_posts`` posts (for ``n_posts >= 10``).

    About ``dup_fraction`` of the base posts get 1-3 planted duplicates (each a variant of
    the base post or of an earlier variant), and ``negative_fraction`` of the base posts get a
    planted hard negative. Rows are in a seeded random order.
    """
    rng = np.random.default_rng(seed)
    w = _Words(rng, vocab_size, n_topics)
    authors = np.array([f"user{i:06d}" for i in rng.permutation(max(50, n_posts // 3))])
    kind_p = np.array([1, 1, 1, 1.5, 2, 1.5, 1, 1, 1.5])
    kind_p = kind_p / kind_p.sum()
    posts: list[_Post] = []
    truth = 0
    while len(posts) < n_posts:
        topic = int(rng.integers(n_topics))
        n_words = int(rng.integers(100, 301))
        author = None if rng.random() < 0.05 else str(authors[rng.integers(len(authors))])
        base = _Post(w.title(topic), w.sentences(topic, n_words), topic, author,
                     SUBREDDITS[rng.integers(len(SUBREDDITS))],
                     int(rng.integers(1_500_000_000, 1_600_000_000)), truth, truth, "base", -1)
        family = [base]
        u = rng.random()
        if u < dup_fraction:
            n_var = int(rng.choice([1, 2, 3], p=[0.6, 0.25, 0.15]))
            for _ in range(n_var):
                src_i = 0 if rng.random() < 0.7 else int(rng.integers(len(family)))
                kind = str(DUP_KINDS[rng.choice(len(DUP_KINDS), p=kind_p)])
                v = _make_variant(kind, family[src_i], w)
                v.source = src_i
                if v.author is None and kind in ("exact", "light_edit"):
                    v.author = str(authors[rng.integers(len(authors))])
                family.append(v)
        elif u < dup_fraction + negative_fraction:
            kind = NEG_KINDS[int(rng.integers(len(NEG_KINDS)))]
            if kind == "subset_neg" and n_words < 180:  # needs a long source post
                base.sentences += w.sentences(topic, 180 - n_words + 20)
            truth += 1
            v = _make_negative(kind, base, w, truth)
            v.author = str(authors[rng.integers(len(authors))])
            v.source = 0
            family.append(v)
        offset = len(posts)
        for p in family:
            if p.source >= 0:
                p.source += offset
        posts.extend(family)
        truth += 1
    posts = posts[:n_posts]
    n = len(posts)
    ids = rng.choice(36**7 - 36**6, size=n, replace=False) + 36**6
    post_ids = np.array([np.base_repr(int(i), 36).lower() for i in ids], dtype=object)
    df = pd.DataFrame(
        {
            "post_id": post_ids,
            "subreddit": [p.subreddit for p in posts],
            "title": [p.title for p in posts],
            "selftext": [p.body() for p in posts],
            "created_utc": np.array([p.created for p in posts], dtype=np.int64),
            "author": pd.array([p.author for p in posts], dtype="string"),
            "truth": np.array([p.truth for p in posts], dtype=np.int64),
            "family": np.array([p.family for p in posts], dtype=np.int64),
            "kind": [p.kind for p in posts],
            "source_id": [post_ids[p.source] if 0 <= p.source < n else None for p in posts],
        }
    )
    df["post_id"] = df["post_id"].astype("string")
    order = rng.permutation(n)
    return df.iloc[order].reset_index(drop=True)


def family_subset(corpus: pd.DataFrame, n_posts: int) -> pd.DataFrame:
    """The first whole families (in ``family`` order) holding about ``n_posts`` posts."""
    sizes = corpus.groupby("family").size().sort_index()
    keep = sizes.index[np.cumsum(sizes.to_numpy()) <= n_posts]
    return corpus[corpus["family"].isin(keep)].reset_index(drop=True)


def predicted_labels(post_ids: pd.Series, dupes: pd.DataFrame) -> np.ndarray:
    """Cluster label per post (its kept post's id, or its own id) from a duplicates frame."""
    kept = dict(zip(dupes["post_id"].astype(str), dupes["kept_post_id"].astype(str), strict=True))
    return np.array([kept.get(p, p) for p in post_ids.astype(str)], dtype=object)


@dataclass(frozen=True)
class PairMetrics:
    precision: float
    recall: float
    true_positive_pairs: int
    predicted_pairs: int
    truth_pairs: int


def pair_metrics(truth: np.ndarray, predicted: np.ndarray) -> PairMetrics:
    """Pairwise precision/recall of a clustering: a pair of posts counts when both are in one
    cluster."""

    def pairs(counts: np.ndarray) -> int:
        c = counts.astype(np.int64)
        return int((c * (c - 1) // 2).sum())

    frame = pd.DataFrame({"t": pd.factorize(truth)[0], "p": pd.factorize(predicted)[0]})
    tp = pairs(frame.groupby(["t", "p"]).size().to_numpy())
    pp = pairs(frame.groupby("p").size().to_numpy())
    tt = pairs(frame.groupby("t").size().to_numpy())
    return PairMetrics(
        precision=tp / pp if pp else 1.0,
        recall=tp / tt if tt else 1.0,
        true_positive_pairs=tp,
        predicted_pairs=pp,
        truth_pairs=tt,
    )


def kind_report(corpus: pd.DataFrame, predicted: np.ndarray) -> pd.DataFrame:
    """Per planted kind: how many posts, and the share merged with the post they came from
    (should be 1 for duplicate kinds and 0 for the hard negatives)."""
    label = dict(zip(corpus["post_id"].astype(str), predicted, strict=True))
    rows = corpus[corpus["kind"] != "base"]
    merged = [label[str(p)] == label[str(s)] for p, s in zip(rows["post_id"], rows["source_id"],
                                                            strict=True)]
    out = (
        pd.DataFrame({"kind": rows["kind"].to_numpy(), "merged": merged})
        .groupby("kind")["merged"].agg(["size", "mean"])
        .rename(columns={"size": "posts", "mean": "merged_with_source"})
    )
    return out
