"""Recognizers added to Presidio's registry for what support chats contain.

Presidio's built-ins cover e-mail, cards (Luhn), IBAN (mod-97), SSN and IP
addresses. Support chats add: names introduced in lower case ("my name is ana
lopez"), dates that are birth dates (and only those), postal addresses in several
countries' formats, local phone formats (short numbers only after a phone word),
e-mails spelled out to dodge filters, IBANs with a word after them, social-media
user names, names after a greeting,
names in lower case after "im" or "this is" or signed after a dash,
and the company's own identifiers declared in configuration.
Each is a small recognizer in its own module, registered beside the built-ins as
Presidio intends.
"""

from presidio_analyzer import EntityRecognizer

from warmline.guardrails.recognizers.address import address_recognizer
from warmline.guardrails.recognizers.address_tail import AddressTailRecognizer
from warmline.guardrails.recognizers.addressed_name import AddressedNameRecognizer
from warmline.guardrails.recognizers.card import CardShapedRecognizer, card_recognizer
from warmline.guardrails.recognizers.company import company_recognizers
from warmline.guardrails.recognizers.date_of_birth import DateOfBirthRecognizer
from warmline.guardrails.recognizers.greeted_name import GreetedNameRecognizer
from warmline.guardrails.recognizers.iban import cased_iban_recognizer
from warmline.guardrails.recognizers.introduced_name import IntroducedNameRecognizer
from warmline.guardrails.recognizers.known_name import Dictionary, KnownNameRecognizer
from warmline.guardrails.recognizers.lower_introduced_name import LowerIntroducedNameRecognizer
from warmline.guardrails.recognizers.mislabelled_name import MislabelledNameRecognizer
from warmline.guardrails.recognizers.obfuscated_email import ObfuscatedEmailRecognizer
from warmline.guardrails.recognizers.phone_pattern import (
    PhonePatternRecognizer,
    RegionPhoneRecognizer,
)
from warmline.guardrails.recognizers.phone_shape import PhoneShapeRecognizer
from warmline.guardrails.recognizers.postcode import PostcodeRecognizer
from warmline.guardrails.recognizers.referred_name import ReferredNameRecognizer
from warmline.guardrails.recognizers.short_phone import ShortPhoneRecognizer
from warmline.guardrails.recognizers.token_model import TokenModelRecognizer
from warmline.guardrails.recognizers.user_name import user_name_recognizer

PHONE_REGIONS = (
    "US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "ES", "PT", "IT", "PL", "SE",
    "NO", "DK", "FI", "IN", "BR", "MX", "AR", "AU", "NZ", "JP", "CN", "KR", "SG", "NG", "ZA",
    "KE", "AE", "SA", "TR", "IL", "VN", "PH", "ID",
)  # fmt: skip


def extra_recognizers(
    company_patterns: dict[str, str], words: Dictionary
) -> list[EntityRecognizer]:
    return [
        card_recognizer(),
        CardShapedRecognizer(),
        cased_iban_recognizer(),
        PhonePatternRecognizer(),
        PhoneShapeRecognizer(),
        ShortPhoneRecognizer(),
        IntroducedNameRecognizer(words),
        LowerIntroducedNameRecognizer(words),
        MislabelledNameRecognizer(),
        KnownNameRecognizer(words),
        AddressedNameRecognizer(words),
        GreetedNameRecognizer(words),
        ReferredNameRecognizer(),
        DateOfBirthRecognizer(),
        address_recognizer(),
        AddressTailRecognizer(),
        PostcodeRecognizer(),
        ObfuscatedEmailRecognizer(),
        user_name_recognizer(),
        RegionPhoneRecognizer(supported_regions=PHONE_REGIONS, leniency=1),
        TokenModelRecognizer(words),
        *company_recognizers(company_patterns),
    ]
