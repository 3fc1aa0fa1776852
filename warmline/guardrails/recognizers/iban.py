"""IBANs followed by a word, read with the letters' case.

Presidio's IBAN recognizer runs under the registry's case-insensitive flags, so its
pattern's optional last groups of four characters take the word after the number as
more of it ("from ES84 0182 3156 1182 3893 7785 with reference": " with" reads as a
group), every prefix it then checks carries the word, the checksum fails and the IBAN
is left in clear. An IBAN is written in capitals and digits; read with case, a word in
lower case after it is no part of it. Presidio's own recognizer stays beside this one for
IBANs typed in lower case.
"""

import re

from presidio_analyzer.predefined_recognizers import IbanRecognizer


def cased_iban_recognizer() -> IbanRecognizer:
    """Presidio's recognizer under its own default flags less IGNORECASE (the `regex`
    module Presidio compiles with shares `re`'s flag values)."""
    return IbanRecognizer(regex_flags=re.MULTILINE | re.DOTALL, name="CasedIbanRecognizer")
