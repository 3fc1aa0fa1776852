"""Names introduced by the writer, also in lower case and other languages."""

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from warmline.guardrails.recognizers.context import RegexGroupRecognizer

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]{2,}"
_NOT_A_NAME = {
    "a", "able", "about", "absolutely", "afraid", "again", "all", "also", "an", "and",
    "annoyed", "anyone", "asking", "at", "back", "been", "being", "bit", "broken", "calling",
    "cancelling", "charged", "confused", "customer", "dad", "das", "daughter", "der", "die",
    "done", "ein", "eine", "el", "everyone", "everything", "ex", "fine", "for", "from",
    "frustrated", "getting", "glad", "going", "guys", "happy", "having", "he", "here", "how",
    "husband", "in", "is", "it", "just", "la", "le", "little", "looking", "lot", "lumen", "me",
    "mom", "more", "most", "moving", "much", "mum", "muy", "my", "new", "no", "not", "nothing",
    "now", "ok", "okay", "on", "out", "partner", "pretty", "quite", "ready", "really",
    "regarding", "ridiculous", "sehr", "she", "so", "someone", "something", "son", "sorry",
    "still", "support", "sure", "team", "tehre", "that", "the", "there", "they", "this", "to",
    "too", "trop", "trying", "un", "una", "unable", "unacceptable", "urgent", "very", "waiting",
    "was", "we", "what", "who", "why", "wife", "wondering", "working", "worried", "writing",
    "yes", "you", "your",
}  # fmt: skip


class IntroducedNameRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        follower = rf"(?:\s+(?!and\b|from\b|with\b|here\b|and\b|my\b|i\b){_NAME_WORD}){{0,2}}"
        super().__init__(
            "PERSON",
            [
                r"(?i:\b(?:my name is|my name's|name is|name:?|naame|nmae|call me|i am called|"
                r"signed|je m'appelle|me llamo|mi nombre es|ich heiße|ich heisse|mein name ist|"
                r"customer name|account holder|cardholder|titular|titulaire|kontoinhaber(?:in)?:?|"
                r"i'm|i am|it'?s|its|c'est|soy|ich bin|thanks|thank you|gracias|merci|danke|"
                r"cheers|regards|my (?:husband|wife|dad|father|mum|mom|mother|son|daughter|"
                r"partner|ex|brother|sister|friend),?|gift from|someone else's name,?|"
                r"on behalf of(?: my \w+,)?|(?:mrs|mr|ms|miss|dr)\.?)\s+)"
                rf"(?P<value>{_NAME_WORD}{follower})",
                # "Elif here", "adaeze here": a name signing in at the start of a message.
                rf"^(?:hi,?\s+|hello,?\s+|hey,?\s+)?(?P<value>{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
                r"(?=\s+here\b)",
                # "this is Ana Ruiz": a name only when capitalised, never "this is terrible".
                r"\b[Tt]his is\s+"
                r"(?P<value>[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+){0,2})",
            ],
            score=0.9,
        )

    def accept(self, value: str) -> bool:
        return not any(ch.isdigit() for ch in value) and value.split()[0].lower() not in _NOT_A_NAME

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Trim a captured name at the first word that is not a name ("ana lopez and ...")."""
        trimmed = []
        for result in super().analyze(text, entities, nlp_artifacts):
            words = text[result.start : result.end].split()
            kept = [words[0]]
            for word in words[1:]:
                if word.lower().strip(",.") in _NOT_A_NAME:
                    break
                kept.append(word)
            value = " ".join(kept).rstrip(",.;:!?")
            trimmed.append(RecognizerResult("PERSON", result.start, result.start + len(value),
                                            result.score))  # fmt: skip
        return trimmed
