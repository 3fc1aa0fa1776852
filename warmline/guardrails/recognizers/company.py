"""The company's own identifiers declared in configuration."""

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer


def company_recognizers(patterns: dict[str, str]) -> list[EntityRecognizer]:
    """One recognizer per company identifier declared in configuration (e.g. ACCOUNT_ID)."""
    return [
        PatternRecognizer(
            supported_entity=name,
            name=f"{name.title()}Recognizer",
            patterns=[Pattern(name=name.lower(), regex=rf"\b{regex}\b", score=0.95)],
        )
        for name, regex in patterns.items()
    ]
