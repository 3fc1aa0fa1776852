#!/usr/bin/env python3
"""Builds `phone_forms_dev.jsonl` and `phone_forms_test.jsonl`: the example numbers of
`build.py`'s phone set written the other ways people write them.

Run from the repository root: `python3 evals/pii/public/build_phone_forms.py`.

- Source: libphonenumber's example numbers (github.com/google/libphonenumber, Apache-2.0,
  as shipped in the `phonenumbers` package the lock file pins), the same numbers of the
  same types a person has (fixed line, mobile, personal, VoIP) as `build.py` takes.
- Forms, each as the library writes it: dialled from abroad with the international
  prefix of the United States ("011 44 20 7946 0958"), of Germany and most of the world
  ("00 44 20 …") and of Australia ("0011 44 20 …"), and as a `tel:` link (RFC 3966,
  "tel:+44-20-7946-0958", where only the number after "tel:" is gold). A form that
  `build.py` already writes (international, national, E.164) is left out, so the two
  sets share no text.
- Split: by region, as `build.py` splits its phones (regions alternate in sorted order),
  so that no number of a test region is in the dev file in another form.

The output is deterministic; nothing here is templated text.
"""

import phonenumbers
from build import example_numbers, phones, record, write

# Regions whose international prefix a customer dials from: 011, 00 and 0011.
DIALLED_FROM = ("US", "DE", "AU")
_RFC3966_SCHEME = "tel:"


def forms(number: phonenumbers.PhoneNumber) -> list[tuple[str, int]]:
    """Each form of `number` with where its gold span starts."""
    written = [
        (phonenumbers.format_out_of_country_calling_number(number, region), 0)
        for region in DIALLED_FROM
    ]
    link = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)
    return [*written, (link, len(_RFC3966_SCHEME) if link.startswith(_RFC3966_SCHEME) else 0)]


def phone_forms(parity: int, prefix: str) -> list[dict]:
    out, seen = [], {r["text"] for r in phones(parity, prefix)}
    for number in example_numbers(parity):
        for text, start in forms(number):
            if text not in seen:
                seen.add(text)
                rid = f"{prefix}-{len(out):04d}"
                out.append(record(rid, text, [(start, len(text), "PHONE_NUMBER")], "phone"))
    return out


def main() -> None:
    for name, parity in (("phone_forms_dev.jsonl", 0), ("phone_forms_test.jsonl", 1)):
        write(name, phone_forms(parity, name.removesuffix(".jsonl").replace("_", "-")))


if __name__ == "__main__":
    main()
