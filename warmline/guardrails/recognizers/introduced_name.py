"""Names introduced by the writer, also in lower case and other languages."""

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from warmline.guardrails.name_list import known_names
from warmline.guardrails.recognizers.context import RegexGroupRecognizer
from warmline.guardrails.recognizers.known_name import Dictionary

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]{2,}"
_NOT_A_NAME = {
    "a", "able", "about", "absolutely", "afraid", "again", "all", "also", "an", "and",
    "annoyed", "anyone", "asking", "at", "back", "been", "being", "bit", "broken", "calling",
    "cancelling", "charged", "confused", "customer", "dad", "das", "daughter", "der", "die",
    "done", "ein", "eine", "el", "everyone", "everything", "ex", "fine", "for", "from",
    "frustrated", "getting", "glad", "going", "guys", "happy", "having", "he", "here", "how",
    "husband", "in", "is", "it", "just", "la", "le", "little", "looking", "lot", "me",
    "mom", "more", "most", "moving", "much", "mum", "muy", "my", "new", "no", "not", "nothing",
    "now", "ok", "okay", "on", "out", "partner", "pretty", "quite", "ready", "really",
    "regarding", "ridiculous", "sehr", "she", "so", "someone", "something", "son", "sorry",
    "still", "support", "sure", "team", "tehre", "that", "the", "there", "they", "this", "to",
    "too", "trop", "trying", "un", "una", "unable", "unacceptable", "urgent", "very", "waiting",
    "was", "we", "what", "who", "why", "wife", "wondering", "working", "worried", "writing",
    "yes", "you", "your",
    # Spanish and German words that follow a greeting or "soy" / "ich bin" in the widget's
    # other languages ("Hola, mi pedido…", "Hallo, ich habe…", "soy cliente").
    "bitte", "brauche", "cliente", "es", "estoy", "habe", "hier", "ich", "ist", "mein",
    "meine", "meinen", "mi", "mich", "mir", "mis", "möchte", "necesito", "nuestro", "quiero",
    "su", "tengo", "tu", "wir", "ya", "yo",
    # "and" of the other languages ends a name as "and" does ("Jürgen Weber und …")
    "und", "et",
}  # fmt: skip


_FOLLOWER = rf"(?:\s+(?!and\b|from\b|with\b|here\b|and\b|my\b|i\b){_NAME_WORD}){{0,2}}"
# Phrases after which a name is all that can follow ("my name is", "regards").
_NAMING = (
    r"my name is|my name's|name is|name:?|naame|nmae|call me|i am called|signed|je m'appelle|"
    r"me llamo|mi nombre es|ich heiße|ich heisse|mein name ist|customer name|account holder|"
    r"cardholder|titular|titulaire|kontoinhaber(?:in)?:?|regards|(?:mrs|mr|ms|miss|dr)\.?"
)
# Phrases after which a name may follow, or any word: "I'm Sam" / "I'm interested",
# "thanks Ana" / "thanks again", "my daughter Mia" / "my daughter needs", greetings
# ("Hi Fleur") and sign-offs ("Much love, Miccoli", "Best, Ana").
_MAYBE_NAMING = (
    r"i'm|i am|it'?s|its|c'est|soy|ich bin|thanks|thank you|gracias|merci|danke|cheers|"
    r"hier ist|hi|hello|hey|dear|hola|bonjour|hallo|much love|love|best|best wishes|sincerely|"
    r"my (?:husband|wife|dad|father|mum|mom|mother|son|daughter|partner|ex|brother|sister|"
    r"friend),?|gift from|someone else's name,?|on behalf of(?: my \w+,)?"
)
_PROPER = frozenset({"PROPN"})
INTRODUCED_SCORE = 0.9
# After a phrase that may precede any word: below names introduced in words, and above the
# English readers' agreed names, so that when both find the same span Presidio keeps this
# one rather than whichever its set order puts first (the language check drops the
# English readers' names: "Gracias, Sofía" in Spanish was hidden or not by hash seed).
MAYBE_INTRODUCED_SCORE = 0.89


class IntroducedNameRecognizer(RegexGroupRecognizer):
    """Names introduced by the writer: "my name is ana lopez", "Elif here", "I'm Sam".

    After a phrase that may introduce a name or an ordinary word ("I'm interested",
    "it's happened", "on its way"), the first word must be a proper noun to the tagger.
    A name never starts with a stop word that is no given name ("signed up with Apple",
    "your name or tax ID"), and the words after its first are more of it only when they
    look it: capitalised after a capitalised name ("Ana Lopez", not "Hollis told"), no
    English word after a lower-case one ("ana lopez", not "kiki can you help"). A brand
    thanked or greeted ("Thanks, Revolut!", "Hi Amazon") is left to the redactor, which
    drops every reader's person there (`named_things`), as is the deploying company's
    own name ("Hi Lumen", "thanks Zentrix"), which the redactor is configured with.
    """

    def __init__(self, words: Dictionary) -> None:
        super().__init__(
            "PERSON",
            [
                rf"(?i:\b(?:{_NAMING})\s+)(?P<value>{_NAME_WORD}{_FOLLOWER})",
                # "Elif here", "adaeze here", "it's bongani here": a name signing in at the
                # start of a message.
                rf"^(?:hi,?\s+|hello,?\s+|hey,?\s+)?(?:it[’']?s\s+)?"
                rf"(?P<value>{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
                r"(?=\s+here\b)",
                # "this is Ana Ruiz": a name only when capitalised, never "this is terrible".
                r"\b[Tt]his is\s+"
                r"(?P<value>[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+){0,2})",
            ],
            score=INTRODUCED_SCORE,
        )
        self.maybe = re.compile(
            rf"(?i:\b(?:{_MAYBE_NAMING})\s*,?\s+)(?P<value>{_NAME_WORD}{_FOLLOWER})"
        )
        self._words = words

    def accept(self, value: str) -> bool:
        first = value.split()[0].lower()
        return (
            not any(ch.isdigit() for ch in value)
            and first not in _NOT_A_NAME
            and (first not in self._words.stop_words or first in known_names())
        )

    def _more_of_name(self, word: str, first: str) -> bool:
        """`word`, after the name's `first` word, is more of the same name."""
        capitals = word[:1].isupper() and first[:1].isupper()
        return capitals or self._words.may_be_name(word.casefold())

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Trim a captured name at the first word that is not a name ("ana lopez and ...").
        The tokens' tags are read into one table per message: built per match, a message
        of many "it's ab" took time quadratic in its length."""
        tagged = _tags(nlp_artifacts)
        found = [(result, None) for result in super().analyze(text, entities, nlp_artifacts)] + [
            (RecognizerResult("PERSON", *m.span("value"), MAYBE_INTRODUCED_SCORE), tagged)
            for m in self.maybe.finditer(text)
            if self.accept(m.group("value"))
        ]
        trimmed = []
        for result, tags in found:
            words = list(re.finditer(r"\S+", text[result.start : result.end]))
            kept: list[re.Match[str]] = []
            for word in words:
                bare = word.group(0).lower().strip(",.")
                if kept and (
                    bare in _NOT_A_NAME or not self._more_of_name(bare_case(word), kept[0].group(0))
                ):
                    break
                if not kept and tags is not None and tags.get(result.start) not in _PROPER:
                    break
                kept.append(word)
            if kept:
                end = result.start + kept[-1].end()
                value = text[result.start : end].rstrip(",.;:!?")
                trimmed.append(
                    RecognizerResult(
                        "PERSON", result.start, result.start + len(value), result.score
                    )
                )
        return trimmed


def bare_case(word: re.Match[str]) -> str:
    """A word as written, without the punctuation around it."""
    return word.group(0).strip(",.;:!?")


def _tags(nlp_artifacts: NlpArtifacts | None) -> dict[int, str]:
    """Part of speech by character offset of each token's start."""
    if nlp_artifacts is None or nlp_artifacts.tokens is None:
        return {}
    return {token.idx: token.pos_ for token in nlp_artifacts.tokens}
