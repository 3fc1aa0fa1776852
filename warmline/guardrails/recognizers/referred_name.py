"""Single words the NER calls a company in a message that speaks of a person.

On social-media text the model labels many people organisations ("Trump", "Womble",
"Muselk"): a company's name and a person's look alike. What tells them apart is what
else the message says: a person is "he" or "she" ("Womble knew … his crosshair", "He
looks like raggedydan"); a bank or a shop is "it" or "they". So a single capitalised
word labelled an organisation is offered as a weak name when the message has a personal
pronoun of the third person; the redactor keeps it only when it is no English or
knowledge-base word (see `Redactor._keep`), as it keeps the places the model mislabels.
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from warmline.guardrails.recognizers.mislabelled_name import MISLABELLED_SCORE

_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)


class ReferredNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="ReferredNameRecognizer")

    def load(self) -> None:
        """Nothing to load: it reads the entities the NLP engine already found."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        if not _PERSON_PRONOUN.search(text):
            return []
        return [
            RecognizerResult("PERSON", ent.start_char, ent.end_char, MISLABELLED_SCORE)
            for ent in nlp_artifacts.tokens.ents
            if ent.label_ == "ORG"
            and len(ent) == 1
            and ent.text[:1].isupper()
            and not ent.text.isupper()  # acronyms: "RT", "BBC"
        ]
