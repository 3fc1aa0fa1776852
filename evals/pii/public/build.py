#!/usr/bin/env python3
"""Builds the public PII sets in this folder from text and labels written by others.

Run from the repository root with the source checkouts' git directories:

    python3 evals/pii/public/build.py WNUT17_GIT USADDRESS_GIT BANKING77_GIT [BTC_GIT]

- WNUT-17 (github.com/leondz/emerging_entities_17, CC-BY 4.0): sentences with a
  `person` entity; `emerging.dev.conll` → dev, `emerging.test.annotated` → test.
  Tokens are joined with single spaces; only person spans are gold.
- usaddress (github.com/datamade/usaddress, MIT): labelled address strings;
  `training/labeled.xml` → dev, `measure_performance/test_data/labeled.xml` and
  `us50_test_tagged.xml` → test (strings also in dev are dropped from test). The
  ADDRESS span runs from the first to the last address token (recipients left out);
  a `ZipCode` token is also a ZIP_CODE span.
- libphonenumber example numbers (Apache-2.0, as shipped in the `phonenumbers`
  package): every region's example number of each type a person has (fixed line,
  mobile, personal, VoIP; not toll-free, premium, shared-cost, UAN, pager or voicemail
  numbers, which are businesses'), written in the library's international, national
  and E.164 formats; regions alternate between dev and test in sorted order.
- Card test numbers published by card processors (PayPal, Recurly, as listed in
  github.com/rafaelklaessen/creditcard lib/testNumbers.js and
  github.com/recurly/recurly-js test/e2e/support/credit.cards.js): test only.
- Broad Twitter Corpus (github.com/GateNLP/broad_twitter_corpus, CC-BY 4.0), written
  to `btc_dev.jsonl` / `btc_test.jsonl` when its git directory is given: tweets with a
  `PER` entity, from the corpus's recommended split (`train_dev_test_conll/btc.dev`,
  the second half of section H → dev; `btc.test`, section F → test). Tokens are joined
  with single spaces, except that a user name's `@` is joined to the name it precedes
  ("@ NikoWavy" is "@NikoWavy"); only person spans are gold, user names of people
  included.
- Banking77 (github.com/PolyAI-LDN/task-specific-datasets, CC-BY 4.0): PII-free
  customer-support questions; the first 3,000 of `train.csv` → dev, all of
  `test.csv` → test. Scored for over-redaction: any placeholder is a false alarm.

The output is deterministic; nothing here is templated text.
"""

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import phonenumbers

OUT = Path(__file__).parent
CARDS = [
    # rafaelklaessen/creditcard lib/testNumbers.js (PayPal and Recurly test numbers)
    "4000000000000002", "4000000000000010", "4000000000000028", "4000000000000036",
    "4000000000000044", "4000000000000051", "4000000000000077", "4000000000000085",
    "4000000000000093", "4000000000000101", "4000000000000119", "4000000000000200",
    "4222222222222222", "4000000000000226", "4000000000000309", "4000000000000317",
    "4000000000000325", "4000000000000341", "4222222222222", "4012888888881881",
    "4111111111111111", "5105105105105100", "5555555555554444", "3566002020360505",
    "3530111333300000", "6011000990139424", "6011111111111117", "6011601160116611",
    "38520000023237", "30569309025904", "378734493671000", "371449635398431",
    "378282246310005", "341111111111111", "5431111111111111", "5610591081018250",
    "5019717010103742", "76009244561", "6331101999990016",
    # recurly/recurly-js test/e2e/support/credit.cards.js
    "4111 1111 1111 1111", "4111-1111-1111-1111", "5111 0051 1105 1128",
    "5111-0051-1105-1128", "3711 443711 44376", "3711-443711-44376",
    "6011 0160 1101 6011", "6011-0160-1101-6011", "3643-8936-438-936",
]  # fmt: skip
PERSONAL_PHONES = (
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.VOIP,
)
PHONE_FORMATS = (
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.E164,
)


def git_show(repo: str, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", repo, "show", f"HEAD:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def record(rid: str, text: str, spans: list[tuple[int, int, str]], source: str) -> dict:
    return {
        "id": rid,
        "text": text,
        "spans": [
            {"start": s, "end": e, "type": t, "value": text[s:e]} for s, e, t in sorted(spans)
        ],
        "tags": [source],
        "language": "en",
    }


def wnut(conll: str, prefix: str) -> list[dict]:
    out = []
    for block in conll.strip().split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if "\t" in line]
        text, spans, pos, open_start = "", [], 0, None
        for i, (token, tag) in enumerate(rows):
            if i:
                text += " "
                pos += 1
            if open_start is not None and tag != "I-person":
                spans.append((open_start, pos - 1, "PERSON"))
                open_start = None
            if tag == "B-person":
                open_start = pos
            text += token
            pos += len(token)
        if open_start is not None:
            spans.append((open_start, pos, "PERSON"))
        if spans:
            out.append(record(f"{prefix}-{len(out):04d}", text, spans, "wnut17"))
    return out


def btc(conll: str, prefix: str) -> list[dict]:
    out = []
    for block in conll.strip().split("\n\n"):
        rows = [line.split("\t") for line in block.splitlines() if "\t" in line]
        text, spans, open_start, glue = "", [], None, False
        for token, tag in rows:
            if text and not glue:
                text += " "
            glue = token == "@"
            continuing = tag == "I-PER" or (tag == "B-PER" and text.endswith("@"))
            if open_start is not None and not continuing:
                spans.append((open_start, len(text.rstrip(" ")), "PERSON"))
                open_start = None
            if tag == "B-PER" and open_start is None:
                open_start = len(text)
            text += token
        if open_start is not None:
            spans.append((open_start, len(text), "PERSON"))
        if spans:
            out.append(record(f"{prefix}-{len(out):04d}", text, spans, "btc"))
    return out


def usaddress(xml_texts: list[str], prefix: str, skip: set[str]) -> list[dict]:
    out = []
    for xml in xml_texts:
        for node in ET.fromstring(xml).iter("AddressString"):
            text, spans, first, last = "", [], None, None
            for child in node:
                start = len(text)
                text += child.text or ""
                if child.tag != "Recipient":
                    first = start if first is None else first
                    last = len(text)
                if child.tag == "ZipCode":
                    spans.append((start, len(text), "ZIP_CODE"))
                text += child.tail or ""
            text = text.strip()
            if first is None or text in skip or not re.search(r"\d", text):
                continue
            skip.add(text)
            spans.append((first, last, "ADDRESS"))
            out.append(record(f"{prefix}-{len(out):04d}", text, spans, "usaddress"))
    return out


def example_numbers(parity: int) -> Iterator[phonenumbers.PhoneNumber]:
    """The example number of each type a person has, of every other region in sorted order
    (`parity` 0: the dev half, 1: the test half), so no region is in both halves."""
    for i, region in enumerate(sorted(phonenumbers.SUPPORTED_REGIONS)):
        if i % 2 != parity:
            continue
        for kind in PERSONAL_PHONES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                yield number


def phones(parity: int, prefix: str) -> list[dict]:
    out, seen = [], set()
    for number in example_numbers(parity):
        for fmt in PHONE_FORMATS:
            text = phonenumbers.format_number(number, fmt)
            if text not in seen:
                seen.add(text)
                rid = f"{prefix}-{len(out):04d}"
                out.append(record(rid, text, [(0, len(text), "PHONE_NUMBER")], "phone"))
    return out


def banking(csv_text: str, prefix: str, limit: int | None) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(csv_text)))[:limit]
    return [record(f"{prefix}-{i:04d}", r["text"], [], "pii_free") for i, r in enumerate(rows)]


def write(name: str, records: list[dict]) -> None:
    with (OUT / name).open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(records), "messages", sum(len(r["spans"]) for r in records), "spans")


def main() -> None:
    wnut_git, address_git, banking_git = sys.argv[1:4]
    if len(sys.argv) > 4:
        btc_git = sys.argv[4]
        write("btc_dev.jsonl", btc(git_show(btc_git, "train_dev_test_conll/btc.dev"), "btc-dev"))
        write("btc_test.jsonl", btc(git_show(btc_git, "train_dev_test_conll/btc.test"), "btc-test"))
    dev_addresses = usaddress([git_show(address_git, "training/labeled.xml")], "addr-dev", set())
    seen = {r["text"] for r in dev_addresses}
    test_xml = [
        git_show(address_git, "measure_performance/test_data/labeled.xml"),
        git_show(address_git, "measure_performance/test_data/us50_test_tagged.xml"),
    ]
    cards = [record(f"card-{i:04d}", c, [(0, len(c), "CREDIT_CARD")], "card")
             for i, c in enumerate(CARDS)]  # fmt: skip
    write(
        "dev.jsonl",
        wnut(git_show(wnut_git, "emerging.dev.conll"), "wnut-dev")
        + dev_addresses
        + phones(0, "phone-dev"),
    )
    write(
        "test.jsonl",
        wnut(git_show(wnut_git, "emerging.test.annotated"), "wnut-test")
        + usaddress(test_xml, "addr-test", seen)
        + phones(1, "phone-test")
        + cards,
    )
    write(
        "clean_dev.jsonl", banking(git_show(banking_git, "banking_data/train.csv"), "b77-dev", 3000)
    )
    write(
        "clean_test.jsonl",
        banking(git_show(banking_git, "banking_data/test.csv"), "b77-test", None),
    )


if __name__ == "__main__":
    main()
