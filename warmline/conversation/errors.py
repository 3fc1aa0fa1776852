"""Refusals a client can act on, each with a stable code for the error frame."""

from warmline.storage.conversations import Conversation, ConversationLog


class UnknownConversation(LookupError):
    code = "unknown_conversation"
    message = "No conversation with that id (and token)."


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
