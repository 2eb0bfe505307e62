"""Task loaders on small generated files of every layout, and uniform sampling."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eval.exceptions import EvalError
from eval.tasks import TASKS, Example, get_task, sample_examples
from hyperword.exceptions import UnknownNameError

# -- small data files ----------------------------------------------------------------------


def squad_data(n_articles: int = 3, n_paragraphs: int = 4, n_questions: int = 3) -> dict:
    data = []
    for a in range(n_articles):
        paragraphs = []
        for p in range(n_paragraphs):
            qas = [
                {
                    "id": f"a{a}p{p}q{q}",
                    "question": f" Question {q} about article {a} paragraph {p}? ",
                    "answers": [
                        {"text": f"answer {a}.{p}.{q}", "answer_start": 0},
                        {"text": f"answer {a}.{p}.{q}", "answer_start": 0},
                        {"text": f"alt {q}", "answer_start": 3},
                    ],
                }
                for q in range(n_questions)
            ]
            paragraphs.append({"context": f"Context of article {a} paragraph {p}.", "qas": qas})
        data.append({"title": f"Article_{a}", "paragraphs": paragraphs})
    return {"version": "1.1", "data": data}


def write_json(path, obj, *, gz: bool = False):
    text = json.dumps(obj)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_jsonl(path, records, *, gz: bool = False):
    text = "".join(json.dumps(record) + "\n" for record in records)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def squad_file(tmp_path):
    return write_json(tmp_path / "squad.json", squad_data())


# -- registry ------------------------------------------------------------------------------


def test_all_loaders_are_registered():
    assert {"squad", "squad-distractor", "hotpotqa", "nq", "longdoc", "synthetic"} <= set(TASKS)
    with pytest.raises(UnknownNameError, match="unknown task 'nope'"):
        get_task("nope")


@pytest.mark.parametrize("task", ["squad", "squad-distractor", "hotpotqa", "nq", "longdoc"])
def test_file_tasks_need_an_existing_file(task, tmp_path):
    with pytest.raises(EvalError, match="needs a data file"):
        get_task(task)(None)
    with pytest.raises(EvalError, match="no file at"):
        get_task(task)(tmp_path / "missing.json")


@pytest.mark.parametrize("task", ["squad", "squad-distractor", "hotpotqa", "nq", "longdoc"])
def test_empty_files_are_refused(task, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(EvalError, match="is empty"):
        get_task(task)(path)


@pytest.mark.parametrize("task", ["squad", "squad-distractor", "hotpotqa", "nq", "longdoc"])
def test_unknown_options_are_refused(task, squad_file):
    with pytest.raises(EvalError, match="has no option bogus"):
        get_task(task)(squad_file, bogus=1)


# -- squad ---------------------------------------------------------------------------------


def test_squad_one_example_per_question(squad_file):
    examples = get_task("squad")(squad_file)
    assert len(examples) == 3 * 4 * 3
    first = examples[0]
    assert isinstance(first, Example)
    assert first.id == "a0p0q0"
    assert first.question == "Question 0 about article 0 paragraph 0?"
    assert first.answers == ("answer 0.0.0", "alt 0")  # deduplicated, in order
    assert first.documents == (("Article_0", "Context of article 0 paragraph 0."),)
    assert first.gold_titles == ("Article_0",)
    assert first.meta == {"article": "Article_0", "paragraph_index": 0}
    assert examples[-1].meta == {"article": "Article_2", "paragraph_index": 3}


def test_squad_reads_gzip_like_plain(tmp_path, squad_file):
    gz = write_json(tmp_path / "squad.json.gz", squad_data(), gz=True)
    assert get_task("squad")(gz) == get_task("squad")(squad_file)


@pytest.mark.parametrize(
    ("articles", "expected"),
    [
        (None, ["Article_0", "Article_1", "Article_2"]),
        ("-1:", ["Article_2"]),
        (":-1", ["Article_0", "Article_1"]),
        ("1:2", ["Article_1"]),
        (slice(0, 1), ["Article_0"]),
        (range(1, 3), ["Article_1", "Article_2"]),
    ],
)
def test_squad_article_selection(squad_file, articles, expected):
    examples = get_task("squad")(squad_file, articles=articles)
    assert sorted({ex.meta["article"] for ex in examples}) == expected


@pytest.mark.parametrize("articles", ["last", "1:x", "5:", 3])
def test_squad_bad_article_selection(squad_file, articles):
    with pytest.raises(EvalError, match="articles"):
        get_task("squad")(squad_file, articles=articles)


def test_squad_questions_per_paragraph_is_seeded_and_uniform(squad_file):
    load = get_task("squad")
    one = load(squad_file, questions_per_paragraph=1, seed=0)
    assert len(one) == 3 * 4
    assert one == load(squad_file, questions_per_paragraph=1, seed=0)
    picked = {
        ex.id[-2:]
        for seed in range(5)
        for ex in load(squad_file, questions_per_paragraph=1, seed=seed)
    }
    assert picked == {"q0", "q1", "q2"}  # not always the first question
    with pytest.raises(EvalError, match="questions_per_paragraph"):
        load(squad_file, questions_per_paragraph=0)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"version": "1.1"}', "lacks 'data'"),
        ('{"data": [{"title": "x"}]}', "lacks 'paragraphs'"),
        ("[1, 2]", "not an object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_squad_wrong_layout_names_the_expected_one(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalError, match=match) as info:
        get_task("squad")(path)
    assert "SQuAD" in str(info.value) or "JSON" in str(info.value)


# -- squad-distractor ----------------------------------------------------------------------


def test_distractor_hides_the_gold_paragraph_among_other_articles(squad_file):
    examples = get_task("squad-distractor")(squad_file, distractors=5, seed=3)
    assert len(examples) == 36
    for ex in examples:
        titles = [title for title, _ in ex.documents]
        assert len(titles) == 6 == len(set(titles))
        gold = f"{ex.meta['article']} #{ex.meta['paragraph_index']}"
        assert ex.gold_titles == (gold,)
        assert titles.count(gold) == 1
        assert titles.index(gold) == ex.meta["gold_position"]
        others = [t for t in titles if t != gold]
        assert all(not t.startswith(ex.meta["article"] + " ") for t in others)
        article, paragraph = ex.meta["article"], ex.meta["paragraph_index"]
        gold_text = dict(ex.documents)[gold]
        assert gold_text == f"Context of article {article[-1]} paragraph {paragraph}."
    positions = {ex.meta["gold_position"] for ex in examples}
    assert len(positions) > 2  # shuffled, not always first or last


def test_distractor_is_deterministic_per_seed(squad_file):
    load = get_task("squad-distractor")
    a = load(squad_file, distractors=4, seed=1)
    assert a == load(squad_file, distractors=4, seed=1)
    assert a != load(squad_file, distractors=4, seed=2)


def test_distractor_example_does_not_depend_on_other_questions(squad_file):
    load = get_task("squad-distractor")
    full = {ex.id: ex for ex in load(squad_file, distractors=3)}
    fewer = load(squad_file, distractors=3, questions_per_paragraph=1)
    assert all(full[ex.id] == ex for ex in fewer)


def test_distractor_zero_keeps_only_the_gold(squad_file):
    ex = get_task("squad-distractor")(squad_file, distractors=0)[0]
    assert ex.documents == (("Article_0 #0", "Context of article 0 paragraph 0."),)


@pytest.mark.parametrize(
    ("distractors", "match"),
    [(51, "from 0 to 50"), (-1, "from 0 to 50"), (True, "integer"), ("3", "integer")],
)
def test_distractor_count_out_of_range(squad_file, distractors, match):
    with pytest.raises(EvalError, match=match):
        get_task("squad-distractor")(squad_file, distractors=distractors)


def test_distractor_needs_enough_other_paragraphs(squad_file):
    # 3 articles x 4 paragraphs: 8 paragraphs in the other articles.
    assert get_task("squad-distractor")(squad_file, distractors=8)
    with pytest.raises(EvalError, match="only 8 paragraphs"):
        get_task("squad-distractor")(squad_file, distractors=9)


# -- hotpotqa ------------------------------------------------------------------------------

HOTPOT_OFFICIAL = [
    {
        "_id": "h1",
        "question": "Which city hosts the Velloran bridge?",
        "answer": "Brask",
        "type": "bridge",
        "level": "easy",
        "context": [
            ["Velloran Bridge", ["The Velloran Bridge is in Brask.", " It is made of glass."]],
            ["Quell River", ["The Quell River flows west."]],
            ["Brask", ["Brask is a town."]],
        ],
        "supporting_facts": [["Velloran Bridge", 0], ["Brask", 0], ["Velloran Bridge", 1]],
    },
    {
        "_id": "h2",
        "question": "Is it?",
        "answer": "yes",
        "context": [["A", ["a."]], ["B", ["b."]]],
        "supporting_facts": [["B", 0]],
    },
]

HOTPOT_IRCOT = [
    {
        "question_id": "i1",
        "question_text": "Who designed the bridge?",
        "answers_objects": [
            {"number": "", "date": {"day": "", "month": "", "year": ""}, "spans": ["Marisol"]}
        ],
        "contexts": [
            {
                "idx": 0,
                "title": "Bridge",
                "paragraph_text": "Designed by Marisol.",
                "is_supporting": True,
            },
            {"idx": 1, "title": "Other", "paragraph_text": "Unrelated.", "is_supporting": False},
            {"idx": 2, "title": "Third", "paragraph_text": "Also unrelated."},
        ],
    },
    {
        "question_id": "i2",
        "question_text": "How many?",
        "answers_objects": [{"number": "3", "spans": []}],
        "contexts": [{"title": "Count", "paragraph_text": "Three.", "is_supporting": True}],
    },
]


def test_hotpotqa_official_layout(tmp_path):
    path = write_json(tmp_path / "hotpot.json", HOTPOT_OFFICIAL)
    first, second = get_task("hotpotqa")(path)
    assert first.id == "h1"
    assert first.answers == ("Brask",)
    assert first.documents[0] == (
        "Velloran Bridge",
        "The Velloran Bridge is in Brask. It is made of glass.",
    )
    assert [title for title, _ in first.documents] == ["Velloran Bridge", "Quell River", "Brask"]
    assert first.gold_titles == ("Velloran Bridge", "Brask")
    assert first.meta == {"type": "bridge", "level": "easy"}
    assert second.gold_titles == ("B",)


def test_hotpotqa_ircot_layout_gzipped(tmp_path):
    path = write_jsonl(tmp_path / "hotpot.jsonl.gz", HOTPOT_IRCOT, gz=True)
    first, second = get_task("hotpotqa")(path)
    assert (first.id, first.question, first.answers) == (
        "i1",
        "Who designed the bridge?",
        ("Marisol",),
    )
    assert first.documents == (
        ("Bridge", "Designed by Marisol."),
        ("Other", "Unrelated."),
        ("Third", "Also unrelated."),
    )
    assert first.gold_titles == ("Bridge",)
    assert second.answers == ("3",)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("hello", "neither layout"),
        ('[{"question": "q"}]', "lacks '_id', 'answer', 'context'"),
        ('{"question": "q"}\n', "IRCoT"),
        (
            '[{"_id": 1, "question": "q", "answer": "a", "context": [["t", "not a list"]]}]',
            "title, \\[sentences\\]",
        ),
        ("[]", "no questions"),
    ],
)
def test_hotpotqa_wrong_layout(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalError, match=match):
        get_task("hotpotqa")(path)


# -- nq ------------------------------------------------------------------------------------

NQ_LINES = [
    {
        "question": "who got the first nobel prize in physics",
        "answers": ["Wilhelm Conrad Röntgen", "Röntgen", "Röntgen"],
        "ctxs": [
            {"title": "Nobel", "text": "The first prize went to Röntgen.", "isgold": True},
            {"title": "Other", "text": "Something else.", "isgold": False},
            {"title": "Third", "text": "More.", "isgold": False},
        ],
    },
    {
        "question": "q2",
        "answers": ["a"],
        "ctxs": [{"title": "T1", "text": "x"}, {"title": "T2", "text": "a", "hasanswer": True}],
    },
]


def test_nq_lines(tmp_path):
    path = write_jsonl(tmp_path / "nq.jsonl.gz", NQ_LINES, gz=True)
    first, second = get_task("nq")(path)
    assert first.id == "nq-1"
    assert first.answers == ("Wilhelm Conrad Röntgen", "Röntgen")
    assert len(first.documents) == 3
    assert first.gold_titles == ("Nobel",)
    assert second.gold_titles == ("T2",)  # falls back to hasanswer


def test_nq_max_documents(tmp_path):
    path = write_jsonl(tmp_path / "nq.jsonl", NQ_LINES)
    first, second = get_task("nq")(path, max_documents=1)
    assert first.documents == (("Nobel", "The first prize went to Röntgen."),)
    assert second.documents == (("T1", "x"),)
    assert second.gold_titles == ()
    with pytest.raises(EvalError, match="max_documents"):
        get_task("nq")(path, max_documents=0)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"question": "q"}\n', "lacks 'answers', 'ctxs'"),
        ("[1]\n", "not an object"),
        ("{bad\n", "line 1 is not valid JSON"),
    ],
)
def test_nq_wrong_layout(tmp_path, content, match):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalError, match=match) as info:
        get_task("nq")(path)
    assert "NQ-open" in str(info.value)


# -- longdoc -------------------------------------------------------------------------------


def test_longdoc_detects_each_layout_per_line(tmp_path):
    lines = [
        {
            "input": "A long report.",
            "instructions": ["Q1?", "Q2?"],
            "outputs": ["A1", "A2"],
            "title": "Report",
        },
        {"context": "A long story.", "input": "Who?", "answers": ["Ana", "Ana"], "_id": "lb1"},
        {"context": "Another.", "input": "What?", "answers": ["x"]},
    ]
    path = write_jsonl(tmp_path / "long.jsonl", lines)
    examples = get_task("longdoc")(path)
    assert [ex.id for ex in examples] == ["longdoc-1-0", "longdoc-1-1", "lb1", "longdoc-3"]
    assert examples[1].question == "Q2?"
    assert examples[1].answers == ("A2",)
    assert examples[1].documents == (("Report", "A long report."),)
    assert examples[2].answers == ("Ana",)
    assert examples[2].documents == (("document 2", "A long story."),)
    assert [ex.meta["layout"] for ex in examples] == ["l-eval", "l-eval", "longbench", "longbench"]


@pytest.mark.parametrize(
    ("record", "match"),
    [
        (
            {"input": "doc", "instructions": ["a", "b"], "outputs": ["x"]},
            "2 instructions but 1 outputs",
        ),
        ({"text": "doc"}, "neither 'instructions' nor 'context'"),
        ({"context": "doc", "input": "q"}, "lacks 'answers'"),
    ],
)
def test_longdoc_wrong_layout(tmp_path, record, match):
    path = write_jsonl(tmp_path / "bad.jsonl", [record])
    with pytest.raises(EvalError, match=match):
        get_task("longdoc")(path)


# -- synthetic -----------------------------------------------------------------------------


def test_synthetic_needle_is_in_its_gold_document():
    examples = get_task("synthetic")(None, n=10, haystack_words=200, seed=5)
    assert len(examples) == 10
    for ex in examples:
        (answer,) = ex.answers
        needle = ex.meta["needle"]
        gold = dict(ex.documents)[ex.gold_titles[0]]
        assert needle in gold and answer in needle
        assert sum(needle in text for _, text in ex.documents) == 1
        assert answer not in ex.question
        assert len(ex.documents) >= 3
        assert ex.meta["haystack_words"] >= 200
    assert len({ex.meta["relation"] for ex in examples}) > 1
    assert len({ex.meta["gold_position"] for ex in examples}) > 1


def test_synthetic_is_deterministic_per_seed_and_prefix_stable():
    load = get_task("synthetic")
    assert load(None, n=5, seed=1) == load(None, n=5, seed=1)
    assert load(None, n=5, seed=1) != load(None, n=5, seed=2)
    assert load(None, n=3, seed=1) == load(None, n=5, seed=1)[:3]


def test_synthetic_defaults_are_small_and_needle_depth_is_honoured():
    default = get_task("synthetic")()
    assert len(default) == 20
    assert all(len(ex.context.split()) < 450 for ex in default)
    start = get_task("synthetic")(None, n=3, needle_depth=0.0)
    assert all(ex.documents[0][1].startswith(ex.meta["needle"]) for ex in start)
    end = get_task("synthetic")(None, n=3, needle_depth=1.0)
    assert all(ex.documents[-1][1].endswith(ex.meta["needle"]) for ex in end)
    bare = get_task("synthetic")(None, n=1, haystack_words=0)[0]
    assert bare.documents == (("Passage 1", bare.meta["needle"]),)


@pytest.mark.parametrize(
    "options",
    [{"n": 0}, {"haystack_words": -1}, {"needle_depth": 1.5}, {"paragraph_words": 0}, {"bogus": 1}],
)
def test_synthetic_bad_options(options):
    with pytest.raises(EvalError):
        get_task("synthetic")(None, **options)


# -- sampling ------------------------------------------------------------------------------


def _examples(n: int) -> list[Example]:
    return [Example(id=f"e{i}", question="q", answers=("a",), documents=()) for i in range(n)]


def test_sample_examples_is_seeded_uniform_and_keeps_order():
    examples = _examples(100)
    sample = sample_examples(examples, limit=10, seed=0)
    assert len(sample) == 10
    assert sample == sample_examples(examples, limit=10, seed=0)
    assert sample != sample_examples(examples, limit=10, seed=1)
    assert sample != examples[:10]
    indices = [examples.index(ex) for ex in sample]
    assert indices == sorted(indices)
    assert max(indices) > 50


def test_sample_examples_keeps_all_when_limit_is_none_or_large():
    examples = _examples(5)
    assert sample_examples(examples, limit=None, seed=3) == examples
    assert sample_examples(examples, limit=50, seed=3) == examples
    for limit in (0, -2, 1.5, True):
        with pytest.raises(EvalError, match="limit"):
            sample_examples(examples, limit=limit, seed=0)


@given(
    n=st.integers(1, 60),
    small=st.integers(1, 60),
    extra=st.integers(0, 20),
    seed=st.integers(0, 99),
)
def test_smaller_samples_are_subsets_of_larger_ones(n, small, extra, seed):
    examples = _examples(n)
    smaller = sample_examples(examples, limit=small, seed=seed)
    larger = sample_examples(examples, limit=small + extra, seed=seed)
    assert len(smaller) == min(small, n)
    assert set(ex.id for ex in smaller) <= set(ex.id for ex in larger)
