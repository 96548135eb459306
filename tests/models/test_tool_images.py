"""Where a tool result's images go in a request: after all the tool results of that answer, once, for a
model that takes images; nowhere for one that does not (the tool message says so)."""

from __future__ import annotations

from agentsh.messages import Attachment, Message, ToolCallPart, provider_messages, tool_result, user

PNG = Attachment(path="shots__take", kind="image", size=8, media_type="image/png", data="iVBORw0KGgo=")


def answer_with_calls(*ids: str) -> Message:
    return Message(role="assistant", tool_calls=[ToolCallPart(id=i, name="shots__take", arguments="{}") for i in ids])


def conversation() -> list[Message]:
    first, second = answer_with_calls("a", "b"), answer_with_calls("c")
    return [
        user("take two shots"), first,
        tool_result(first.tool_calls[0], "shot a\n[image: image/png, 8 bytes]", [PNG]), tool_result(first.tool_calls[1], "no shot"),
        second, tool_result(second.tool_calls[0], "shot c\n[image: image/png, 8 bytes]", [PNG]),
    ]


def shape(messages: list[dict]) -> list[str]:
    return [m["role"] + ("+image" if isinstance(m.get("content"), list) else "") for m in messages]


def test_the_images_follow_all_the_tool_results_of_their_answer():
    sent = provider_messages(conversation(), vision=True)
    assert shape(sent) == ["user", "assistant", "tool", "tool", "user+image", "assistant", "tool", "user+image"]
    assert sent[2]["content"] == "shot a\n[image: image/png, 8 bytes]\n[the image above is attached after the tool results]"
    assert sent[3]["content"] == "no shot"
    assert [p["type"] for p in sent[4]["content"]] == ["text", "text", "image_url"]


def test_a_model_without_vision_is_told_the_image_is_not_shown():
    sent = provider_messages(conversation(), vision=False)
    assert shape(sent) == ["user", "assistant", "tool", "tool", "assistant", "tool"]
    assert sent[2]["content"].endswith("\n[the image above is not shown to the model: it does not accept images]")


def test_a_user_message_after_the_images_joins_them_so_turns_still_alternate():
    sent = provider_messages([*conversation(), user("what do they show?")], vision=True)
    assert shape(sent)[-1] == "user+image" and len(sent) == 8
    assert sent[-1]["content"][-1] == {"type": "text", "text": "what do they show?"}
