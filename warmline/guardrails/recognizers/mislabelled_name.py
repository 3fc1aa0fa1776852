"""Single unknown words the NER found but labelled a place, nationality or title.

On social-media text the model often reads a rare given name as a place ("Jedidiah",
"Ayanda" GPE, "Evi" LOC). Such a word is offered as a weak name; the redactor keeps it
only when it is capitalised and no English or knowledge-base word (see
`Redactor._keep`), so "China" or "Paris" stay in clear. Organisations and products are
left out: with them, "Netflix", "McDonalds" and "Contactless" became names in Banking77
dev (4 messages of 3,000 instead of 1, for 0.606 of WNUT-17 dev names instead of 0.592).
"""

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

MISLABELLED_SCORE = 0.5
_LABELS = frozenset({"GPE", "LOC", "NORP", "WORK_OF_ART", "FAC"})


class MislabelledNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="MislabelledNameRecognizer")

    def load(self) -> None:
        """Nothing to load: it reads the entities the NLP engine already found."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        # The engine's own entity list is already mapped to Presidio's types; the spaCy
        # document keeps the model's labels.
        return [
            RecognizerResult("PERSON", ent.start_char, ent.end_char, MISLABELLED_SCORE)
            for ent in nlp_artifacts.tokens.ents
            if ent.label_ in _LABELS and len(ent) == 1 and ent.text[:1].isupper()
        ]
