"""A server asks for a completion (MCP sampling): the user sees the request and allows it, the session's model answers.

The server's messages and system prompt are shown literally (the UIs' SamplingRequest). A refusal
goes back as the error the specification names for it (code -1, "the user rejected the request").
Only text is passed to the model; any other content is named in a placeholder. The model's answer
goes back as text, `maxTokens` when it was cut at the server's cap.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import mcp_types as types
from mcp.client.session import ClientRequestContext, SamplingFnT

from ..errors import AgentshError
from ..events import SampledMessage, SamplingRequest
from ..messages import Message, system
from ..models.base import ModelClient, ModelRequest, complete
from .elicitation import Ask

USER_REJECTED = -1  # the specification's code for "User rejected sampling request"
_ids = itertools.count(1)


def sampling_callback(server: str, ask: Ask, model: Callable[[], ModelClient]) -> SamplingFnT:
    """The ClientSession's sampling callback for `server`: `ask` asks the user; `model()` is the session's model now."""

    async def sample(
        context: ClientRequestContext, params: types.CreateMessageRequestParams,
    ) -> types.CreateMessageResult | types.CreateMessageResultWithTools | types.ErrorData:
        client = model()
        messages = [SampledMessage(role=m.role, text=_text(m)) for m in params.messages]
        request = SamplingRequest(
            id=f"sampling-{next(_ids)}", server=server, messages=messages, system_prompt=params.system_prompt,
            max_tokens=params.max_tokens, model=client.name, decision=asyncio.get_running_loop().create_future(),
        )
        if await ask(request) is not True:
            return types.ErrorData(code=USER_REJECTED, message="the user declined to let the model answer this request")
        try:
            response = await complete(client, _model_request(params, messages))
        except AgentshError as failure:
            return types.ErrorData(code=types.INTERNAL_ERROR, message=f"the model could not answer: {failure}")
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(text=response.message.content), model=response.model or client.name,
            stop_reason="maxTokens" if response.finish_reason == "length" else "endTurn",
        )

    return sample


def _model_request(params: types.CreateMessageRequestParams, messages: list[SampledMessage]) -> ModelRequest:
    conversation = [Message(role="assistant" if m.role == "assistant" else "user", content=m.text) for m in messages]
    if params.system_prompt:
        conversation.insert(0, system(params.system_prompt))
    return ModelRequest(messages=conversation, temperature=params.temperature, max_tokens=params.max_tokens)


def _text(message: types.SamplingMessage) -> str:
    parts = [block.text if isinstance(block, types.TextContent) else f"[{block.type} content, not passed to the model]"
             for block in message.content_as_list]
    return "\n".join(parts)
