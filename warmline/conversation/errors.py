"""Refusals a client can act on, each with a stable code for the error frame."""

from warmline.storage.conversations import Conversation, ConversationLog


class UnknownConversation(LookupError):
    code = "unknown_conversation"
    message = "No conversation with that id (and token)."


class Overloaded(RuntimeError):
    """No compute worker could start reading a customer's message within the turn's start
    deadline, or the serving process could not answer a new message in time now (its event
    loop runs late, or the messages it has taken would keep it waiting too long:
    `server/admission.py`). Nothing was stored: words that were never redacted are never
    kept, and the agent must see every message a customer sent. The client keeps the
    message and sends the same frame again (same `client_msg_id`) after a pause; "Talk to
    a person" needs no worker and is never refused so."""

    code = "busy"
    message = (
        "We're answering a lot of customers right now and couldn't read your message in time; "
        "it was not stored. Send it again in a moment (with the same client_msg_id), or ask "
        "for a person."
    )


class NotAllowed(PermissionError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def existing(log: ConversationLog, conversation_id: str) -> Conversation:
    """The conversation, or the refusal a client gets for an id that is not (or no longer) one."""
    conversation = await log.get(conversation_id)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    return conversation
