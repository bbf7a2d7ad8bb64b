"""The dedupe engine: normalization, exact and near duplicates, clusters and keep rules."""

from __future__ import annotations

import importlib
import io
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from pipeline.dedupe.clusters import UnionFind, choose_kept, components
from pipeline.dedupe.exact import exact_groups, normalize_for_exact
from pipeline.dedupe.near import INPUT_COLUMNS, DedupeConfig, find_duplicates, minhash_signatures

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "raw" / "sample"

# Three long, unrelated stories (function words shared, content not).
STORY_A = (
    "My brother asked me to co-sign the lease on his new apartment downtown. He lost his "
    "job in March and the landlord will not rent to him without a guarantor. I have savings "
    "for a house deposit and my partner says that if he misses rent we lose the deposit "
    "and maybe our own mortgage approval. He has paid me back before but it took two years. "
    "Our parents think family should always help each other and keep calling me selfish. "
    "I love him and I do not want him to end up on a friend's couch again. At the same time "
    "I worked extra shifts for three years to save that money and I am scared. He says he "
    "has interviews lined up next week and that it is only for six months. Should I sign "
    "it or tell him to find another way?"
)
STORY_B = (
    "I coach a youth soccer team on weekends and one of the parents keeps screaming at the "
    "referee from the sideline. Last Saturday the referee was a fifteen year old girl and "
    "she left the field crying at half time. The league rules say coaches are responsible "
    "for spectator behaviour, so the board wants me to ban him from the games. His son is "
    "our best player and the kid already has a rough time at home. If I ban the father the "
    "boy probably quits, and the other parents are split on what to do. I talked to the dad "
    "once and he laughed it off and said soccer is supposed to be passionate. Do I enforce "
    "the ban or try another conversation first?"
)
STORY_C = (
    "Our neighbourhood garden has a waiting list of forty people and I manage the plots. "
    "An elderly woman who has gardened there for twenty years can no longer keep her plot "
    "tidy, and weeds from it spread into the beds around it. The rules say a plot that is "
    "neglected for two months goes to the next person on the list. Several members have "
    "complained and one of them offered to help her, but she refuses any help and gets "
    "upset when anyone mentions it. Taking the plot away feels cruel, yet the people on "
    "the waiting list have waited for almost three years. What would be the fair thing?"
)


def post(
    post_id: str,
    title: str,
    body: str,
    created: int = 1_700_000_000,
    author: str | None = "someone",
) -> dict[str, object]:
    return {
        "post_id": post_id,
        "title": title,
        "body": body,
        "created_utc": created,
        "author_key": author,
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    df = pd.DataFrame(list(rows), columns=list(INPUT_COLUMNS))
    df["post_id"] = df["post_id"].astype("string")
    df["title"] = df["title"].astype("string")
    df["body"] = df["body"].astype("string")
    df["author_key"] = df["author_key"].astype("string")
    df["created_utc"] = df["created_utc"].astype("int64")
    return df


def as_clean_columns(corpus: pd.DataFrame) -> pd.DataFrame:
    """The synthetic corpus (raw posts' column names) as the engine takes it: clean's."""
    return corpus.rename(columns={"selftext": "body", "author": "author_key"})[
        list(INPUT_COLUMNS)
    ]


def as_records(dupes: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [(str(p), str(k), str(m))
            for p, k, m in zip(dupes["post_id"], dupes["kept_post_id"], dupes["method"],
                               strict=True)]


def edit_words(text: str, frac: float, seed: int) -> str:
    """Replace ``frac`` of the words with other words."""
    rng = np.random.default_rng(seed)
    words = text.split(" ")
    for i in rng.choice(len(words), size=max(1, round(frac * len(words))), replace=False):
        words[int(i)] = "zorblat" if i % 2 else "quimby"
    return " ".join(words)


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    bench_dir = str(REPO / "benchmarks")
    if bench_dir not in sys.path:
        sys.path.insert(0, bench_dir)
    return importlib.import_module("synthetic_dupes")


# ----------------------------------------------------------------------------- normalize


def test_normalize_for_exact_ignores_case_markdown_links_and_whitespace() -> None:
    a = normalize_for_exact("AITA for skipping my sister's wedding?",
                            "It's a **long** story &amp; [here](https://example.com/x) it is.\n\n"
                            "Thanks   r/AmItheAsshole!")
    b = normalize_for_exact("aita FOR skipping my sister’s wedding",
                            "It’s a long story & here it is. Thanks")
    assert a == b
    assert a == "aita for skipping my sister s wedding it s a long story here it is thanks"


def test_normalize_for_exact_nfkc_and_invisible_characters() -> None:
    assert normalize_for_exact("Ｆｕｌｌ\u3000width", "zero\u200bwidth café") == (
        "full width zerowidth café"
    )
    assert normalize_for_exact("Help", "Caf\u0065\u0301") == normalize_for_exact("help", "café")


@pytest.mark.parametrize(
    "note",
    [
        "\n\nEDIT: thanks everyone, I talked to him.",
        "\n\n**Edit 2:** wow this blew up",
        "\n\nUPDATE - we are fine now",
        " Edit: forgot to say he is 30.",
        "\n\nedit (clarification): it was last year\n\nand more words of the edit",
    ],
)
def test_normalize_for_exact_drops_trailing_edit_notes(note: str) -> None:
    assert normalize_for_exact("T", STORY_A + note) == normalize_for_exact("T", STORY_A)


def test_normalize_for_exact_drops_a_prepended_update_line_only() -> None:
    text = "UPDATE: solved, see below\n" + STORY_B
    assert normalize_for_exact("T", text) == normalize_for_exact("T", STORY_B)
    # A word that merely starts with "edit" in the story is kept.
    assert "editor" in normalize_for_exact("T", "My editor: a long story. " + STORY_B)


@pytest.mark.parametrize(
    ("copy", "original"),
    [
        ("I said this&not that to him.", "I said this \u00ac that to him."),  # entity without ;
        ("The flat is 40 m\u00b2 and I got a PlayStation\u2122.",
         "The flat is 40 m2 and I got a PlayStationTM."),  # NFKC, clean applies NFC
        ("My ex wrote wo\u202erd in it.", "My ex wrote word in it."),  # a bidi control
        ("I typed `[click](here)` in chat.", "I typed click in chat."),  # link in inline code
    ],
)
def test_clean_text_still_needs_the_matching_key(copy: str, original: str) -> None:
    """Dedupe gets clean's text, which still differs where normalize_for_exact does not:
    its unescaping, NFKC, invisible characters and link text are no repeat of clean's."""
    from pipeline.clean.normalize_text import normalize

    a, b = normalize(STORY_A + " " + copy), normalize(STORY_A + " " + original)
    assert a != b
    assert normalize_for_exact("T", a) == normalize_for_exact("T", b)
    dupes = find_duplicates(frame(post("x1", "T", a, 1), post("x2", "T", b, 2)), DedupeConfig(),
                            progress=False)
    assert as_records(dupes) == [("x2", "x1", "exact")]


def test_normalize_for_exact_missing_parts() -> None:
    assert normalize_for_exact(None, None) == ""  # type: ignore[arg-type]
    assert normalize_for_exact(pd.NA, "Hi!") == "hi"  # type: ignore[arg-type]
    assert normalize_for_exact("", "...!!! ***") == ""


def test_exact_groups_never_groups_empty_texts() -> None:
    groups = exact_groups(["a b", "", "c", "a b", ""])
    assert groups[0] == groups[3]
    assert len({groups[1], groups[4], groups[0], groups[2]}) == 4


# ----------------------------------------------------------------------------- exact


def test_crosspost_is_an_exact_duplicate() -> None:
    df = frame(
        post("aaa1", "Should I co-sign my brother's lease?", STORY_A, 1_700_000_000, "u1"),
        post("aaa2", "Should I co-sign my brother's lease?", STORY_A, 1_700_000_600, "u1"),
        post("bbb1", "Soccer dad problem", STORY_B, 1_700_000_100, "u2"),
    )
    dupes = find_duplicates(df, DedupeConfig(), progress=False)
    assert as_records(dupes) == [("aaa2", "aaa1", "exact")]
    assert dupes["score"].tolist() == [100.0]


def test_edit_appended_repost_is_an_exact_duplicate() -> None:
    df = frame(
        post("a1", "Co-sign or not?", STORY_A, 1_700_000_000),
        post("a2", "co-sign or NOT", STORY_A + "\n\nEDIT: thanks all, I said no.", 1_700_090_000),
    )
    assert as_records(find_duplicates(df, DedupeConfig(), progress=False)) == [
        ("a2", "a1", "exact")
    ]


# ----------------------------------------------------------------------------- near


@pytest.mark.parametrize("frac", [0.05, 0.08, 0.10])
def test_light_word_edits_are_near_duplicates(frac: float) -> None:
    edited = edit_words(STORY_A, frac, seed=int(frac * 100))
    df = frame(
        post("a1", "Co-sign or not?", STORY_A, 1_700_000_000, "u1"),
        post("a2", "Co-sign or not?", edited, 1_700_500_000, "u9"),
        post("b1", "Soccer dad", STORY_B, 1_700_000_000, "u2"),
    )
    dupes = find_duplicates(df, DedupeConfig(), progress=False)
    assert as_records(dupes) == [("a2", "a1", "near")]
    assert 85.0 <= dupes["score"].iloc[0] < 100.0


def test_reordered_sentences_and_added_sentence_are_near_duplicates() -> None:
    sentences = STORY_B.split(". ")
    reordered = ". ".join(sentences[3:] + sentences[:3])
    added = STORY_B + " Also the referee's mother was there and filmed everything."
    df = frame(
        post("b1", "Soccer dad", STORY_B, 1_700_000_000),
        post("b2", "Soccer dad", reordered, 1_700_000_500),
        post("b3", "Soccer dad (again)", added, 1_700_001_000),
    )
    dupes = find_duplicates(df, DedupeConfig(), progress=False)
    assert as_records(dupes) == [("b2", "b1", "near"), ("b3", "b1", "near")]


def test_same_author_retelling_is_found_even_when_lsh_misses_it() -> None:
    retold = edit_words(STORY_C, 0.12, seed=3)
    rows = (
        post("c1", "Community garden plot", STORY_C, 1_700_000_000, "gardener"),
        post("c2", "Garden plot dilemma, part 2", retold, 1_705_000_000, "gardener"),
    )
    # Bands that only match near-identical texts: only the author path can find the pair.
    strict = {"num_perm": 120, "bands": 6, "rows": 20}
    found = find_duplicates(frame(*rows), DedupeConfig(**strict), progress=False)
    assert as_records(found) == [("c2", "c1", "near")]
    off = DedupeConfig(**strict, same_author_candidates=False)
    assert find_duplicates(frame(*rows), off, progress=False).empty
    other_author = frame(rows[0], {**rows[1], "author_key": "someone_else"})
    assert find_duplicates(other_author, DedupeConfig(**strict), progress=False).empty


def test_short_post_that_is_a_token_subset_of_a_long_one_is_not_a_duplicate() -> None:
    short_body = ". ".join(STORY_A.split(". ")[:3]) + "."
    title = "Should I co-sign?"
    # The trap: token_set_ratio calls the short post a perfect match of the long one.
    assert fuzz.token_set_ratio(normalize_for_exact(title, short_body),
                                normalize_for_exact(title, STORY_A)) == 100
    df = frame(
        post("long", title, STORY_A, 1_700_000_000, "u1"),
        post("short", title, short_body, 1_700_000_100, "u1"),
    )
    assert find_duplicates(df, DedupeConfig(), progress=False).empty
    # Even with a threshold the pair passes, the length guard alone keeps them apart ...
    assert find_duplicates(df, DedupeConfig(threshold=30.0), progress=False).empty
    # ... and without the guard that low threshold would merge them.
    loose = DedupeConfig(threshold=30.0, min_length_ratio=0.0)
    assert as_records(find_duplicates(df, loose, progress=False)) == [
        ("short", "long", "near")
    ]


def test_unrelated_posts_are_never_merged(synthetic: ModuleType) -> None:
    corpus = synthetic.make_corpus(400, seed=5, dup_fraction=0.0, negative_fraction=0.0)
    handwritten = frame(
        post("ha", "Lease", STORY_A), post("hb", "Soccer", STORY_B), post("hc", "Garden", STORY_C)
    )
    df = pd.concat([as_clean_columns(corpus), handwritten], ignore_index=True)
    assert find_duplicates(df, DedupeConfig(), progress=False).empty


def test_near_false_finds_exact_duplicates_only() -> None:
    df = frame(
        post("a1", "T", STORY_A, 1), post("a2", "T", STORY_A, 2),
        post("a3", "T", edit_words(STORY_A, 0.05, seed=1), 3),
    )
    assert as_records(find_duplicates(df, DedupeConfig(near=False), progress=False)) == [
        ("a2", "a1", "exact")
    ]


def test_empty_and_very_short_texts_do_not_crash() -> None:
    df = frame(
        post("e1", "", "", 1, None),
        post("e2", "", "", 2, None),
        post("e3", "!!!", "   ", 3, "[deleted]"),
        {**post("e4", "x", "y", 4), "title": None, "body": None},
        post("s1", "help", "", 5),
        post("s2", "Help!", "", 6),
        post("s3", "help me", "", 7),
        post("s4", "🙂", "🙂🙂", 8),
        post("s5", "a", "b c d e f g", 9),
    )
    dupes = find_duplicates(df, DedupeConfig(), progress=False)
    # Identical short texts are exact duplicates; texts with no words are never merged.
    assert as_records(dupes) == [("s2", "s1", "exact")]
    assert find_duplicates(df.iloc[:0], DedupeConfig(), progress=False).empty


# ----------------------------------------------------------------------------- keep rules


def cluster_frame() -> pd.DataFrame:
    return frame(
        post("k2", "Lease?", STORY_A, 1_700_000_500),
        post("k1", "Lease?", STORY_A, 1_700_000_500),  # same time as k2: post_id breaks the tie
        post("k3", "Lease? (long version)", STORY_A + " He also owes our aunt money.",
             1_700_000_900),
        post("k4", "Lease", edit_words(STORY_A, 0.06, seed=2), 1_700_000_700),
        post("zz", "Soccer", STORY_B, 1_600_000_000),
    )


def test_keep_earliest_then_lowest_post_id() -> None:
    dupes = find_duplicates(cluster_frame(), DedupeConfig(keep="earliest"), progress=False)
    assert as_records(dupes) == [
        ("k2", "k1", "exact"), ("k3", "k1", "near"), ("k4", "k1", "near")
    ]
    assert dupes["score"].iloc[0] == 100.0
    assert (dupes["score"].iloc[1:] >= 85.0).all()


def test_keep_longest() -> None:
    dupes = find_duplicates(cluster_frame(), DedupeConfig(keep="longest"), progress=False)
    assert as_records(dupes) == [
        ("k1", "k3", "near"), ("k2", "k3", "near"), ("k4", "k3", "near")
    ]


def test_output_contract() -> None:
    from pipeline.schemas import DUPLICATES

    dupes = find_duplicates(cluster_frame(), DedupeConfig(), progress=False)
    assert list(dupes.columns) == ["post_id", "kept_post_id", "score", "method"]
    assert str(dupes["post_id"].dtype) == "string" and dupes["score"].dtype == np.float64
    DUPLICATES.validate(dupes)
    assert not set(dupes["kept_post_id"]) & set(dupes["post_id"])
    keys = list(zip(dupes["kept_post_id"], dupes["post_id"], strict=True))
    assert keys == sorted(keys)
    empty = find_duplicates(frame(post("a", "T", STORY_A)), DedupeConfig(), progress=False)
    assert list(empty.columns) == list(dupes.columns) and empty.empty


def test_input_errors() -> None:
    df = cluster_frame()
    with pytest.raises(ValueError, match="missing input columns"):
        find_duplicates(df.drop(columns=["author_key"]), DedupeConfig(), progress=False)
    with pytest.raises(ValueError, match="not unique"):
        find_duplicates(pd.concat([df, df.iloc[:1]]), DedupeConfig(), progress=False)
    with pytest.raises(ValueError, match="keep"):
        DedupeConfig(keep="newest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bands"):
        DedupeConfig(bands=50, rows=3, num_perm=128)


# ----------------------------------------------------------------------------- determinism


def test_deterministic_and_independent_of_row_order(synthetic: ModuleType) -> None:
    corpus = synthetic.make_corpus(600, seed=11)
    posts = as_clean_columns(corpus)
    first = find_duplicates(posts, DedupeConfig(), progress=False)
    again = find_duplicates(posts, DedupeConfig(), progress=False)
    shuffled = posts.sample(frac=1.0, random_state=3).reset_index(drop=True)
    reordered = find_duplicates(shuffled, DedupeConfig(), progress=False)
    assert not first.empty
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, reordered)


@pytest.mark.slow
def test_signatures_are_stable_across_processes() -> None:
    # Hashes come from the bytes (no Python hash randomisation): pin one band key.
    sigs = minhash_signatures(["the quick brown fox jumps over the lazy dog"], DedupeConfig())
    again = minhash_signatures(["the quick brown fox jumps over the lazy dog"], DedupeConfig())
    assert (sigs.band_keys == again.band_keys).all()
    other = minhash_signatures(["the quick brown fox jumps over the lazy dog"],
                               DedupeConfig(seed=14))
    assert (sigs.band_keys != other.band_keys).any()
    script = (
        "from pipeline.dedupe.near import DedupeConfig, minhash_signatures;"
        "print(int(minhash_signatures(['the quick brown fox jumps over the lazy dog'],"
        " DedupeConfig()).band_keys[0, 0]))"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=REPO, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert int(out.stdout) == int(sigs.band_keys[0, 0])


# ----------------------------------------------------------------------------- clusters


def test_union_find_roots_are_smallest_members() -> None:
    uf = UnionFind(6)
    uf.union_pairs(np.array([5, 3, 4]), np.array([3, 1, 0]))
    assert uf.labels().tolist() == [0, 1, 2, 1, 0, 1]
    assert components(4, np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == [
        0, 1, 2, 3
    ]


def test_choose_kept_rules_and_ties() -> None:
    labels = np.array([0, 0, 0, 3])
    created = np.array([5, 5, 9, 1])
    lengths = np.array([10, 10, 50, 1])
    assert choose_kept(labels, created, lengths, "earliest").tolist() == [0, 0, 0, 3]
    assert choose_kept(labels, created, lengths, "longest").tolist() == [2, 2, 2, 3]
    with pytest.raises(ValueError):
        choose_kept(labels, created, lengths, "random")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- corpora


def test_planted_corpus_recall_and_precision(synthetic: ModuleType) -> None:
    corpus = synthetic.make_corpus(2_000, seed=7)
    # its speed is bench_dedupe.py's figure, not an assertion here
    dupes = find_duplicates(as_clean_columns(corpus), DedupeConfig(), progress=False)
    labels = synthetic.predicted_labels(corpus["post_id"], dupes)
    m = synthetic.pair_metrics(corpus["truth"].to_numpy(), labels)
    assert m.truth_pairs > 300
    assert m.recall >= 0.95, m
    assert m.precision >= 0.98, m
    kinds = synthetic.kind_report(corpus, labels)["merged_with_source"]
    for neg in synthetic.NEG_KINDS:
        assert kinds[neg] == 0.0, kinds


@pytest.mark.skipif(not (SAMPLE / "sample_truth.jsonl").exists(), reason="no bundled sample")
def test_bundled_sample_duplicates(synthetic: ModuleType) -> None:
    """The bundled sample's planted exact_dup/near_dup posts, among its templated advice
    posts (many share a dilemma frame: hard negatives)."""
    import zstandard

    truth = {}
    for line in (SAMPLE / "sample_truth.jsonl").read_text().splitlines():
        rec = json.loads(line)
        truth[rec["id"]] = rec
    rows = []
    for dump in sorted(SAMPLE.glob("*.zst")):
        with dump.open("rb") as fh:
            reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(fh)
            for line in io.TextIOWrapper(reader, encoding="utf-8"):
                if line.strip():
                    rec = json.loads(line)
                    if truth.get(rec["id"], {}).get("kind") in ("advice", "exact_dup", "near_dup"):
                        rows.append(post(rec["id"], rec["title"], rec["selftext"],
                                         int(float(rec["created_utc"])), rec.get("author")))
    if not rows:
        pytest.skip("sample has no advice posts")
    df = frame(*rows)

    def root(i: str) -> str:
        while truth[i]["dup_of"]:
            i = truth[i]["dup_of"]
        return i

    dupes = find_duplicates(df, DedupeConfig(), progress=False)
    labels = synthetic.predicted_labels(df["post_id"], dupes)
    m = synthetic.pair_metrics(df["post_id"].map(root).to_numpy(), labels)
    assert m.truth_pairs > 0
    assert m.recall >= 0.95, m
    assert m.precision >= 0.98, m
