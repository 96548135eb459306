"""A server asks the user to fill in a form (MCP elicitation): the form goes to the UI through the running turn.

The schema is checked first (`forms.form_fields`): one MCP does not allow is refused to the server
with an error, and the user is not bothered. The answer is checked again before it goes back, so a
server only ever receives values that fit its own schema. URL-mode elicitation (open a web page) is
declined: agentsh does not open links a server chooses.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as types
from mcp.client.session import ClientRequestContext, ElicitationFnT

from ..events import ElicitationRequest, SamplingRequest
from ..forms import FormAnswer, FormError, check_answers, form_fields

Ask = Callable[[ElicitationRequest | SamplingRequest], Awaitable[Any]]
_ids = itertools.count(1)


def elicitation_callback(server: str, ask: Ask) -> ElicitationFnT:
    """The ClientSession's elicitation callback for `server`: `ask` puts the form to the user (Session.ask_user)."""

    async def elicit(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult | types.ErrorData:
        if not isinstance(params, types.ElicitRequestFormParams):
            return types.ElicitResult(action="decline")
        try:
            fields = form_fields(params.requested_schema)
        except FormError as problem:
            return types.ErrorData(code=types.INVALID_PARAMS, message=f"agentsh cannot show this form: {problem}")
        request = ElicitationRequest(
            id=f"elicitation-{next(_ids)}", server=server, message=params.message, requested_schema=params.requested_schema,
            answer=asyncio.get_running_loop().create_future(),
        )
        answer = await ask(request)
        if not isinstance(answer, FormAnswer) or answer.action != "accept":
            return types.ElicitResult(action=answer.action if isinstance(answer, FormAnswer) else "cancel")
        try:
            return types.ElicitResult(action="accept", content=check_answers(fields, answer.content or {}))
        except FormError:  # a UI let through an answer that does not fit: nothing unchecked reaches the server
            return types.ElicitResult(action="cancel")

    return elicit
