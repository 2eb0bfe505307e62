"""The excerpt-scoring benchmark counts what it says (a constant embedder: cosine ties)."""

import numpy as np

from eval.benchmarks.bench_focus import SCORINGS, top_sentence_accuracy
from eval.tasks.base import Example


def _constant_embed(texts):
    return np.ones((len(texts), 4), dtype=np.float32) / 2.0  # every cosine is 1: ties


def test_overlap_finds_the_answer_sentence_when_cosine_cannot():
    passage = "Brask is a town on a river. The Velloran Bridge was designed by Marisol Dutrane."
    examples = [
        Example("a", "Who designed the Velloran Bridge?", ("Marisol Dutrane",), (("t", passage),)),
        Example("b", "Where?", ("Brask",), (("t", "Brask is small."),)),  # one sentence
        Example("c", "Who?", ("river. The",), (("t", passage),)),  # across a sentence break
    ]
    accuracy, counted, left_out = top_sentence_accuracy(examples, _constant_embed)
    assert (counted, left_out) == (1, 2)
    cosine, overlap, total = (accuracy[name] for name in SCORINGS)
    assert cosine == 0.0  # ties go to the first sentence, which lacks the answer
    assert overlap == 1.0 and total == 1.0
