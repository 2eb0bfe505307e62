"""The service as OpenAI clients use it: the official `openai` client against the real server
on loopback (models, plain and streamed chat with usage, fields at their defaults, stop
sequences, a multi-turn chat) and the chat rules (the last message is the question)."""

from __future__ import annotations

import httpx
import pytest

from tests.orchestrator import test_service

openai = pytest.importorskip("openai")

server = test_service.server  # the same server fixture, started once for this module


@pytest.fixture(scope="module")
def client(server):
    with openai.OpenAI(base_url=f"{server}/v1", api_key="unused", max_retries=0) as client:
        yield client


def ask(client, content, **options):
    messages = [{"role": "user", "content": content}]
    return client.chat.completions.create(model="hyperword", messages=messages, **options)


def test_models_list_and_retrieve(client):
    models = client.models.list()
    assert [m.id for m in models.data] == ["hyperword"]
    assert models.data[0].object == "model" and models.data[0].owned_by == "hyperword"
    assert client.models.retrieve("hyperword").id == "hyperword"
    with pytest.raises(openai.NotFoundError, match="serves 'hyperword'"):
        client.models.retrieve("gpt-4o")


def test_a_plain_chat_completion_with_its_report(client):
    completion = ask(client, "Who created Quibbit?", max_tokens=4, extra_body={"budget": 64})
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and isinstance(choice.message.content, str)
    assert choice.finish_reason in ("stop", "length")
    assert completion.usage.completion_tokens <= 4
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    report = completion.model_extra["hyperword"]
    assert report["budget"] == 64 and report["sources"][0]["doc_id"] == "language"


def test_fields_sent_at_their_defaults_are_accepted(client):
    defaults = dict(
        stop=None,
        n=1,
        frequency_penalty=0,
        presence_penalty=0,
        logprobs=False,
        top_logprobs=0,
        logit_bias={},
        tool_choice="none",
        response_format={"type": "text"},
        parallel_tool_calls=True,
        seed=3,
    )
    plain = ask(client, "Who created Quibbit?", max_tokens=3)
    sent = ask(client, "Who created Quibbit?", max_tokens=3, **defaults)
    assert sent.choices[0].message.content == plain.choices[0].message.content  # greedy
    refused = [
        {"frequency_penalty": 0.5},
        {"presence_penalty": -1},
        {"logprobs": True},
        {"n": 2},
        {"response_format": {"type": "json_object"}},
    ]
    for options in refused:
        name = next(iter(options))
        with pytest.raises(openai.UnprocessableEntityError, match=name):
            ask(client, "Who created Quibbit?", max_tokens=3, **options)


def test_streamed_with_usage_matches_the_plain_answer(client):
    question = "Where is the Orvik Lantern Festival held?"
    plain = ask(client, question, max_tokens=6).choices[0].message.content
    stream = ask(
        client, question, max_tokens=6, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens <= 6


def test_stop_sequences_end_the_answer_before_them(client):
    free = ask(client, "Who created Quibbit?", max_tokens=12, extra_body={"stop_at_newline": False})
    text = free.choices[0].message.content
    assert len(text) >= 4, text
    stop = text[2:4]
    for stream in (False, True):
        response = ask(
            client,
            "Who created Quibbit?",
            max_tokens=12,
            stop=[stop, "never-there"],
            stream=stream,
            extra_body={"stop_at_newline": False},
        )
        if stream:
            content = "".join(c.choices[0].delta.content or "" for c in response if c.choices)
        else:
            content = response.choices[0].message.content
            assert response.choices[0].finish_reason == "stop"
        assert content == text[: text.index(stop)].strip()
    with pytest.raises(openai.UnprocessableEntityError, match="stop"):
        ask(client, "Q?", stop=["a", "b", "c", "d", "e"])


def test_a_multi_turn_chat_reads_the_earlier_turns(client):
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Tell me about the Velloran Glass Bridge."},
    ]
    first = client.chat.completions.create(model="hyperword", messages=messages, max_tokens=4)
    assert first.model_extra["hyperword"]["sources"][0]["doc_id"] == "bridge"
    messages.append(first.choices[0].message)  # the client's own message object
    messages.append({"role": "user", "content": "Who designed it?"})
    second = client.chat.completions.create(
        model="hyperword", messages=messages, max_tokens=4, extra_body={"budget": 128}
    )
    report = second.model_extra["hyperword"]
    assert report["history_messages"] == 3 and report["history_dropped"] == 0
    assert report["tokens_per_level"]["history"] > 0
    assert report["context_tokens"] <= 128
    assert report["sources"][0]["doc_id"] == "bridge"  # the follow-up found the bridge


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        (
            [{"role": "user", "content": "Who created Quibbit?"}, {"role": "user", "content": ""}],
            "last user message is empty",
        ),
        ([{"role": "user", "content": [{"type": "text", "text": "  "}]}], "empty"),
        (
            [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A"}],
            "must be the user's question",
        ),
    ],
)
def test_the_last_message_must_be_a_user_question(client, messages, words):
    with pytest.raises(openai.BadRequestError, match=words):
        client.chat.completions.create(model="hyperword", messages=messages)


def test_an_unknown_model_path_is_a_clear_404(server):
    response = httpx.get(f"{server}/v1/models/nope/deeper")
    assert response.status_code == 404
    assert "no model 'nope/deeper'" in response.json()["error"]["message"]
