"""Refusals a client can act on, each with a stable code for the error frame."""


class UnknownConversation(LookupError):
    code = "unknown_conversation"
    message = "No conversation with that id (and token)."


class NotAllowed(PermissionError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
