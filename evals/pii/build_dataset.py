#!/usr/bin/env python3
"""Generate the labelled PII-redaction evaluation set for Warmline.

Writes evals/pii/messages.jsonl next to this file. Every message is rendered from a
sentence template whose slots are filled from value pools, and every gold span offset
is computed while the text is assembled -- nothing is typed by hand. The output is
deterministic (fixed seed, stdlib only), so re-running produces a byte-identical file.

    python3 evals/pii/build_dataset.py           # (re)write messages.jsonl, print counts
    python3 evals/pii/build_dataset.py --check   # fail if messages.jsonl is stale

Template slot syntax: {TYPE[n][@sub][|mod]}
    TYPE  span slots: PERSON FIRST SURNAME EMAIL PHONE CARD IBAN SSN DOB ADDRESS IP ACCT
          hard-negative slots (never spans): ORDER ERR PRICE QTY ODATE DDATE TIME FW
          PRODUCT VER TRACK ZIP CITY COMPANY CARDEND
    n     index: the same TYPE+n in one template is the same value (repeats);
          PERSON, FIRST and SURNAME with the same n are the same person.
    @sub  locale/country/brand (es de fr us uk in br au jp ng mx pl tr nl it;
          amex mc visa discover; v4 v6; child; isp carrier retail tech;
          m f = gender of a person slot, for "my wife", "my son", "Mr", "Mrs").
    |mod  lower (as typed in lower case), nodash (SSN), misspell (PERSON).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

SEED = 20260311
HERE = Path(__file__).resolve().parent
OUT_PATH = HERE / "messages.jsonl"

# --------------------------------------------------------------------------------------
# Entity types, tags, quotas
# --------------------------------------------------------------------------------------

SPAN_SLOTS = {
    "PERSON": "PERSON",
    "FIRST": "PERSON",
    "SURNAME": "PERSON",
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER",
    "CARD": "CREDIT_CARD",
    "IBAN": "IBAN_CODE",
    "SSN": "US_SSN",
    "DOB": "DATE_OF_BIRTH",
    "ADDRESS": "ADDRESS",
    "IP": "IP_ADDRESS",
    "ACCT": "ACCOUNT_ID",
}
NEGATIVE_SLOTS = (
    "ORDER ERR PRICE QTY ODATE DDATE TIME FW PRODUCT VER TRACK ZIP CITY COMPANY CARDEND"
).split()

TYPE_TAG = {
    "PERSON": "person",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "DATE_OF_BIRTH": "dob",
    "ADDRESS": "address",
    "IP_ADDRESS": "ip",
    "ACCOUNT_ID": "account",
}
TAG_ORDER = [*TYPE_TAG.values(), "hard_negative", "multilingual_name"]

MIN_SPANS = {
    "PERSON": 80,
    "EMAIL_ADDRESS": 50,
    "PHONE_NUMBER": 60,
    "CREDIT_CARD": 45,
    "IBAN_CODE": 20,
    "US_SSN": 20,
    "DATE_OF_BIRTH": 25,
    "ADDRESS": 35,
    "IP_ADDRESS": 20,
    "ACCOUNT_ID": 20,
}
MIN_RECORDS = 320
MIN_EMPTY_RECORDS = 60
MIN_NON_EN_RECORDS = 10
MIN_PHONE_COUNTRIES = 8
MIN_TEMPLATES_PER_SITUATION = 40

# Literal words in a template that are deliberate distractors (names-as-words, product
# and company names, brands). A record whose template contains one of these, or uses a
# hard-negative slot, or comes from the GENERAL distractor group, is tagged hard_negative.
TRAP_PATTERNS = [
    r"\bI will\b",
    r"\bWill\b",
    r"(?i)\bgrace period\b",
    r"(?i)\bthe bill\b",
    r"(?i)\bbill me\b",
    r"(?i)\bapple\b",
    r"(?i)\bamazon\b",
    r"(?i)\bgoogle\b",
    r"(?i)\balexa\b",
    r"(?i)\bpaypal\b",
    r"(?i)\blumen\b",
    r"(?i)\b(visa|amex|mastercard|discover card)\b",
    r"\bMark\b",
    r"\bHope\b",
    r"\bSummer\b",
    r"\bMax\b",
    r"\b(Jordan|Georgia|Paris|Lyon|Victoria|Florence|Chelsea)\b",
    r"(?i)\brose gold\b",
    r"\bexp \d\d/\d\d\b",
    r"(?i)\blast (four|4)\b",
]
TRAP_RE = [re.compile(p) for p in TRAP_PATTERNS]

# Capitalised literal words that may look like names but are intended as words.
LITERAL_NAME_ALLOW = {
    "Will",
    "Grace",
    "Bill",
    "Rose",
    "Price",
    "Mark",
    "Hope",
    "Summer",
    "Max",
    "Jordan",
    "Georgia",
    "Paris",
    "Florence",
    "Victoria",
    "Lumen",
    "Austin",
    "Charlotte",
    "Madison",
    "Eugene",
    "Jackson",
    "Chelsea",
    "Martin",
    "Costa",
    "Lyon",
    "Nam",
    "Reed",
    "Hall",
}

BIRTH_CONTEXT = re.compile(
    r"(?i)(born|birth|\bdob\b|b-?day|nacid|nací|nacimiento|geboren|geburt|\bné\b|\bnée\b|"
    r"naissance|\bnee\b)"
)

# --------------------------------------------------------------------------------------
# Value pools
# --------------------------------------------------------------------------------------


class Span(TypedDict):
    start: int
    end: int
    type: str
    value: str


class Row(TypedDict):
    id: str
    text: str
    spans: list[Span]
    tags: list[str]
    language: str


@dataclass(frozen=True)
class Name:
    full: str
    origin: str
    given: str
    surname: str
    gender: str  # "f", "m" or "u" (unisex / unclear); used by "my wife", "my son"... slots


FEMALE_GIVEN = set(
    "Emily Sarah Jessica Hannah Ashley Megan Grace Rose Mary-Jane Sarah-Louise Latoya Olivia "
    "María Lucía Carmen Ana Sofía Begoña Zoë Lena Katrin Anna-Lena Élodie Inès Hélène Maëlys "
    "Agnieszka Małgorzata Ayşe Elif Zeynep Fatima Layla Fang Aiko Sakura Priya Ananya Sneha "
    "Deepika Ngozi Adaeze Folake Mai Châu Beatriz Inês Luíza Åsa Aoife".split()
)
UNISEX_GIVEN = set("Camille Noor Min Jie Yuki Oluwaseun Yang Chris".split())


def _n(full: str, origin: str, given: str | None = None, surname: str | None = None) -> Name:
    first, _, rest = full.partition(" ")
    given = given or first
    gender = "f" if given in FEMALE_GIVEN else "u" if given in UNISEX_GIVEN else "m"
    return Name(full, origin, given, surname or rest, gender)


NAMES = [
    # English / Irish-English, incl. hyphens and apostrophes, and names that are words
    _n("James Carter", "en"),
    _n("Emily Watson", "en"),
    _n("Michael Brooks", "en"),
    _n("Sarah Mitchell", "en"),
    _n("David Thompson", "en"),
    _n("Jessica Reed", "en"),
    _n("Kevin Walsh", "en"),
    _n("Hannah Price", "en"),
    _n("Tyler Morgan", "en"),
    _n("Ashley Parker", "en"),
    _n("Brandon Hayes", "en"),
    _n("Megan Foster", "en"),
    _n("Grace Holloway", "en"),
    _n("Will Turner", "en"),
    _n("Bill Hendricks", "en"),
    _n("Rose Whitaker", "en"),
    _n("Mary-Jane O'Neil", "en"),
    _n("Liam O'Connor", "en"),
    _n("Sarah-Louise McAllister", "en"),
    _n("Patrick O'Sullivan", "en"),
    _n("Dwayne Jackson", "en"),
    _n("Latoya Harris", "en"),
    _n("Chris Hall", "en"),
    _n("Olivia Bennett-Clarke", "en"),
    # Spanish
    _n("José Núñez", "es"),
    _n("María González", "es"),
    _n("Alejandro Fernández", "es"),
    _n("Lucía Martín", "es"),
    _n("Javier Ortega", "es"),
    _n("Carmen Ruiz", "es"),
    _n("Ana López", "es"),
    _n("Sofía Castillo Herrera", "es"),
    _n("Iñigo Etxeberria", "es"),
    _n("Begoña Muñoz", "es"),
    # German
    _n("Zoë Müller", "de"),
    _n("Jürgen Schäfer", "de"),
    _n("Lena Hoffmann", "de"),
    _n("Matthias Weiß", "de"),
    _n("Katrin Bäcker", "de"),
    _n("Anna-Lena Krüger", "de"),
    _n("Felix Braun", "de"),
    _n("Günter Groß", "de"),
    # French
    _n("Élodie Lefèvre", "fr"),
    _n("François Dubois", "fr"),
    _n("Camille Rousseau", "fr"),
    _n("Inès Moreau", "fr"),
    _n("Jean-Baptiste Lemaire", "fr"),
    _n("Hélène Girard", "fr"),
    _n("Maëlys Garnier", "fr"),
    # Polish
    _n("Łukasz Wójcik", "pl"),
    _n("Agnieszka Kowalska", "pl"),
    _n("Paweł Zieliński", "pl"),
    _n("Małgorzata Nowak", "pl"),
    _n("Krzysztof Wiśniewski", "pl"),
    # Turkish
    _n("Ayşe Yılmaz", "tr"),
    _n("Mehmet Öztürk", "tr"),
    _n("Elif Şahin", "tr"),
    _n("Emre Çelik", "tr"),
    _n("Zeynep Aydın", "tr"),
    # Arabic
    _n("Mohammed Al-Farsi", "ar"),
    _n("Fatima Haddad", "ar"),
    _n("Omar Abdullah", "ar"),
    _n("Layla Nasser", "ar"),
    _n("Youssef El-Amin", "ar"),
    _n("Noor Al-Hashimi", "ar"),
    # Chinese (romanised, family name first)
    _n("Wang Fang", "zh", "Fang", "Wang"),
    _n("Li Wei", "zh", "Wei", "Li"),
    _n("Zhang Min", "zh", "Min", "Zhang"),
    _n("Chen Jie", "zh", "Jie", "Chen"),
    _n("Liu Yang", "zh", "Yang", "Liu"),
    _n("Huang Xiaoming", "zh", "Xiaoming", "Huang"),
    # Japanese (given name first, as usually typed in English chats)
    _n("Yuki Tanaka", "ja"),
    _n("Haruto Sato", "ja"),
    _n("Aiko Suzuki", "ja"),
    _n("Kenji Watanabe", "ja"),
    _n("Sakura Itō", "ja"),
    # Indian
    _n("Priya Sharma", "in"),
    _n("Rahul Verma", "in"),
    _n("Ananya Iyer", "in"),
    _n("Arjun Reddy", "in"),
    _n("Sneha Patel", "in"),
    _n("Vikram Nair", "in"),
    _n("Deepika Krishnamurthy", "in"),
    # Nigerian
    _n("Chinedu Okafor", "ng"),
    _n("Ngozi Adeyemi", "ng"),
    _n("Oluwaseun Balogun", "ng"),
    _n("Adaeze Nwosu", "ng"),
    _n("Emeka Eze", "ng"),
    _n("Folake Adebayo", "ng"),
    # Vietnamese (family name first)
    _n("Nguyễn Văn An", "vi", "An", "Nguyễn"),
    _n("Trần Thị Mai", "vi", "Mai", "Trần"),
    _n("Lê Hoàng Nam", "vi", "Nam", "Lê"),
    _n("Phạm Minh Châu", "vi", "Châu", "Phạm"),
    # Portuguese / Brazilian
    _n("João Silva", "pt"),
    _n("Beatriz Costa", "pt"),
    _n("Gonçalo Araújo", "pt"),
    _n("Inês Carvalho", "pt"),
    _n("Thiago Pereira", "pt"),
    _n("Luíza Gonçalves", "pt"),
    # Nordic / Irish
    _n("Søren Ødegaard", "no"),
    _n("Åsa Lindqvist", "sv"),
    _n("Björn Håkansson", "sv"),
    _n("Seán O'Brien", "ga"),
    _n("Aoife Ní Bhriain", "ga", "Aoife", "Ní Bhriain"),
]

# Only IANA-reserved domains (RFC 2606: example.com/.net/.org and their subdomains), so no
# address in the set can belong to a real mailbox. They still pass public-suffix checks.
EMAIL_DOMAINS = {
    "en": ["example.com", "mail.example.com", "example.net", "example.org", "inbox.example.com"],
    "es": ["example.com", "correo.example.net", "example.org"],
    "de": ["example.net", "post.example.com", "example.org"],
    "fr": ["example.org", "courriel.example.com", "example.net"],
    "other": ["example.com", "example.net", "example.org", "mail.example.net"],
}
WORK_DOMAINS = [
    "brightpath.example.com",
    "kessler-bau.example.net",
    "studio-rive.example.org",
    "harbor-dental.example.com",
]

US_STREETS = [
    "Maple",
    "Oak",
    "Cedar",
    "Pine",
    "Elm",
    "Willow",
    "Lakeview",
    "Sunset",
    "Highland",
    "Washington",
    "Lincoln",
    "Park",
    "Hillcrest",
    "Riverside",
    "Franklin",
    "Magnolia",
]
US_SUFFIX = ["St", "Street", "Ave", "Avenue", "Rd", "Blvd", "Drive", "Lane", "Ct", "Way"]
US_CITIES = [
    ("Denver", "CO", "80205"),
    ("Austin", "TX", "78704"),
    ("Portland", "OR", "97214"),
    ("Seattle", "WA", "98103"),
    ("Chicago", "IL", "60614"),
    ("Brooklyn", "NY", "11215"),
    ("Oakland", "CA", "94610"),
    ("Boston", "MA", "02130"),
    ("Atlanta", "GA", "30307"),
    ("Madison", "WI", "53703"),
    ("Phoenix", "AZ", "85004"),
    ("Columbus", "OH", "43215"),
    ("Mountain View", "CA", "94043"),
]
UK_STREETS = ["Victoria", "Church", "Station", "Elm", "Queens", "Mill", "Park", "Grange"]
UK_SUFFIX = ["Road", "Street", "Lane", "Avenue", "Close", "Gardens", "Crescent"]
UK_CITIES = [
    ("London", "SE15 4QT"),
    ("Manchester", "M14 5TQ"),
    ("Leeds", "LS6 2AB"),
    ("Bristol", "BS3 1QP"),
    ("Glasgow", "G12 8QQ"),
    ("Edinburgh", "EH6 5JD"),
    ("Cardiff", "CF24 3AA"),
    ("Birmingham", "B13 9HD"),
]
DE_STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Lindenallee",
    "Schillerstraße",
    "Goethestraße",
    "Friedrichstraße",
    "Kastanienweg",
    "Am Mühlbach",
    "Rosenstraße",
]
DE_CITIES = [
    ("10115", "Berlin"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("20095", "Hamburg"),
    ("60311", "Frankfurt am Main"),
    ("70173", "Stuttgart"),
    ("04109", "Leipzig"),
]
ES_STREETS = [
    "Calle de Alcalá",
    "Calle Mayor",
    "Gran Vía",
    "C/ del Doctor Fleming",
    "Avenida Diagonal",
    "Calle de la Constitución",
    "Paseo de Colón",
    "Calle Real",
    "Avenida de América",
]
ES_FLOORS = ["", "", ", 3º 2ª", ", 2ºB", ", 1º izda", ", 4ºC"]
ES_CITIES = [
    ("28014", "Madrid"),
    ("08018", "Barcelona"),
    ("46001", "Valencia"),
    ("41004", "Sevilla"),
    ("29015", "Málaga"),
    ("48001", "Bilbao"),
]
FR_STREETS = [
    "rue de la Paix",
    "avenue Jean Jaurès",
    "boulevard Victor Hugo",
    "rue des Lilas",
    "avenue du Général Leclerc",
    "rue Saint-Honoré",
    "place de la République",
    "allée des Tilleuls",
]
FR_CITIES = [
    ("75002", "Paris"),
    ("69007", "Lyon"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
]

MONTHS = {
    "en": "January February March April May June July August September October November "
    "December".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November "
    "Dezember".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
    "décembre".split(),
}
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

PRODUCTS = [
    "Lumen Hub 2",
    "Lumen Hub Mini",
    "Lumen Cam Pro",
    "Lumen Doorbell",
    "Lumen Thermo",
    "Lumen Smart Plug",
    "Lumen Bulb E27",
    "Lumen Lock",
    "Lumen Motion Sensor",
    "Lumen Cam Outdoor",
    "Lumen Siren",
]
COMPANIES = {
    "carrier": ["UPS", "FedEx", "DHL", "USPS", "Royal Mail"],
    "isp": ["Comcast", "Xfinity", "Verizon", "Spectrum", "Vodafone", "BT", "Virgin Media"],
    "retail": ["Amazon", "Best Buy", "Home Depot", "Costco", "Currys", "MediaMarkt"],
    "tech": ["Google", "Apple", "Amazon", "Samsung", "Philips Hue", "Ring", "Nest"],
}
CITIES = {
    "en": [
        "Denver",
        "Austin",
        "Leeds",
        "Phoenix",
        "Toronto",
        "Dublin",
        "Glasgow",
        "Sacramento",
        "Brighton",
        "Charlotte",
        "Madison",
        "Eugene",
        "Jackson",
        "Florence",
        "Chelsea",
    ],
    "es": ["Sevilla", "Zaragoza", "Málaga", "Valladolid"],
    "de": ["Köln", "Dresden", "Bremen", "Nürnberg"],
    "fr": ["Lyon", "Lille", "Nantes", "Rennes"],
}
ZIPS = {
    "en": ["80202", "78704", "97214", "60614", "10001", "94107", "30307", "M1 1AE", "LS1 4DY"],
    "es": ["28013", "08001", "41001"],
    "de": ["10115", "80331", "01067"],
    "fr": ["75011", "69002", "35000"],
}
QTYS = ["2", "3", "two", "three", "4", "5", "six", "10", "12"]
TIMES = ["10:30", "7:45am", "22:15", "6pm", "8:00 PM", "14:05", "9.30am", "11:59 pm", "3:20"]
PHONE_LIKE_ORDERS = ["LH-415555", "LH-555019", "LH-202555", "LH-079460", "LH-900123"]
ERROR_CODES = ["E-1042", "E-2001", "E-3107", "E-4040", "E-1120", "E-5003", "E-7719", "E-0420"]

PHONE_WEIGHTS = [
    ("us", 22),
    ("uk", 12),
    ("de", 7),
    ("fr", 7),
    ("es", 7),
    ("in", 7),
    ("br", 6),
    ("au", 6),
    ("jp", 6),
    ("ng", 5),
    ("mx", 4),
    ("pl", 4),
    ("tr", 4),
    ("nl", 4),
]
ADDRESS_WEIGHTS = [("us", 35), ("uk", 25), ("de", 14), ("es", 13), ("fr", 13)]
IBAN_COUNTRIES = ["DE", "GB", "FR", "ES", "NL", "IT"]
IBAN_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "ES": 24, "NL": 18, "IT": 27}
LANG_TO_IBAN = {"de": "DE", "fr": "FR", "es": "ES", "uk": "GB", "nl": "NL", "it": "IT"}

# --------------------------------------------------------------------------------------
# Check-digit helpers
# --------------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    for check in "0123456789":
        if luhn_valid(partial + check):
            return partial + check
    raise AssertionError("unreachable")


def iban_from_bban(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def iban_valid(value: str) -> bool:
    compact = value.replace(" ", "")
    country = compact[:2]
    if IBAN_LENGTHS.get(country) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def ssn_valid(value: str) -> bool:
    digits = value.replace("-", "")
    if not re.fullmatch(r"\d{9}", digits):
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        area not in {"000", "666"}
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def ascii_fold(text: str) -> str:
    special = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i", "đ": "d", "æ": "ae"}
    text = "".join(special.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------


class Gen:
    """All value generators share one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phone_countries: Counter[str] = Counter()
        self.address_countries: Counter[str] = Counter()
        self.iban_countries: Counter[str] = Counter()
        self.card_brands: Counter[str] = Counter()
        self.ip_versions: Counter[str] = Counter()
        self._pending: list[tuple[Counter[str], str]] = []
        self.message: dict[str, str] = {}  # per-message state (currency, first price)
        self._name_queues: dict[str, list[Name]] = {}
        self.names_used: Counter[str] = Counter()
        self.situations: Counter[str] = Counter()

    def note(self, counter: Counter[str], key: str) -> None:
        """Remember a statistic; it is only counted if the value is kept (see commit)."""
        self._pending.append((counter, key))

    def commit(self) -> None:
        for counter, key in self._pending:
            counter[key] += 1
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()

    # -- helpers --
    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def subscriber(self, n: int) -> str:
        """n digits that do not start with 0 (a subscriber number after an area code)."""
        return self.rng.choice("123456789") + self.digits(n - 1)

    def weighted(self, pairs: list[tuple[str, int]]) -> str:
        keys = [k for k, _ in pairs]
        weights = [w for _, w in pairs]
        return self.rng.choices(keys, weights=weights, k=1)[0]

    # -- people --
    def person(self, locale: str | None, gender: str | None = None) -> Name:
        """Next name from a shuffled cycle, so every pool name is used before any repeats."""
        if locale in {"es", "de", "fr"}:
            family = locale
        else:
            family = "en" if self.rng.random() < 0.35 else "other"
        queue = self._name_queues.setdefault(family, [])
        while True:
            for i, name in enumerate(queue):
                if gender not in {"f", "m"} or name.gender == gender:
                    return queue.pop(i)
            pool = [
                n for n in NAMES if n.origin == family or (family == "other" and n.origin != "en")
            ]
            queue.extend(self.rng.sample(pool, len(pool)))

    def email(self, name: Name | None, sub: str | None) -> str:
        if name is None:  # somebody else's address: drawn at random, not from the cycle
            pool = [n for n in NAMES if sub not in {"es", "de", "fr"} or n.origin == sub]
            name = self.rng.choice(pool)
        first = re.sub(r"[^a-z-]", "", ascii_fold(name.given).lower())
        last = re.sub(r"[^a-z-]", "", ascii_fold(name.surname).lower().replace(" ", ""))
        last = last.replace("-", "") if self.rng.random() < 0.5 else last
        yy = str(self.rng.randint(70, 99)) if self.rng.random() < 0.5 else self.digits(2)
        origin_key = name.origin if name.origin in EMAIL_DOMAINS else "other"
        if self.rng.random() < 0.1:
            domain = self.rng.choice(WORK_DOMAINS)
        else:
            domain = self.rng.choice(EMAIL_DOMAINS[origin_key])
        pattern = self.rng.randrange(8)
        local = [
            f"{first}.{last}",
            f"{first}{last}{yy}",
            f"{first[0]}{last}",
            f"{first}_{last}{yy}",
            f"{last}.{first}",
            f"{first}.{last}+lumen",
            f"{first}{yy}",
            f"{first[0]}.{last}{self.digits(3)}",
        ][pattern]
        address = f"{local}@{domain}"
        if self.rng.random() < 0.05:
            address = address.upper()
        return address

    # -- numbers --
    def phone(self, sub: str | None) -> str:
        country = sub if sub in dict(PHONE_WEIGHTS) else self.weighted(PHONE_WEIGHTS)
        self.note(self.phone_countries, country)
        r, d, nz = self.rng, self.digits, self.subscriber
        if country == "us":
            area = r.choice(["415", "212", "303", "512", "617", "206", "312", "720", "646"])
            line = "01" + d(2)
            forms = [
                f"({area}) 555-{line}",
                f"{area}.555.{line}",
                f"+1 {area} 555 {line}",
                f"{area}-555-{line}",
                f"+1 ({area}) 555-{line}",
                f"{area} 555 {line}",
                f"+1-{area}-555-{line}",
                f"{area}555{line}",
            ]
        elif country == "uk":
            tail = d(3)
            forms = [
                f"+44 20 7946 0{tail}",
                f"020 7946 0{tail}",
                f"07700 900{tail}",
                f"+44 7700 900{tail}",
                f"+44 (0)20 7946 0{tail}",
                f"0161 496 0{tail}",
            ]
        elif country == "de":
            forms = [
                f"+49 30 {nz(6)}",
                f"030 {nz(8)}",
                f"+49 151 {nz(8)}",
                f"0151 {nz(4)} {d(4)}",
                f"+49 (0)89 {nz(7)}",
            ]
        elif country == "fr":
            p = [nz(2)] + [d(2) for _ in range(3)]
            forms = [
                f"+33 1 {p[0]} {p[1]} {p[2]} {p[3]}",
                f"06 {p[0]} {p[1]} {p[2]} {p[3]}",
                f"+33 6 {p[0]} {p[1]} {p[2]} {p[3]}",
                f"01.{p[0]}.{p[1]}.{p[2]}.{p[3]}",
            ]
        elif country == "es":
            forms = [
                f"+34 6{d(2)} {d(3)} {d(3)}",
                f"6{d(2)} {d(2)} {d(2)} {d(2)}",
                f"+34 91 {nz(3)} {d(2)} {d(2)}",
                f"+34 6{d(8)}",
            ]
        elif country == "in":
            forms = [f"+91 9{d(4)} {d(5)}", f"+91-9{d(4)}-{d(5)}", f"09{d(4)} {d(5)}"]
        elif country == "br":
            forms = [f"+55 11 9{d(4)}-{d(4)}", f"(11) 9{d(4)}-{d(4)}", f"+55 (21) 9{d(4)}-{d(4)}"]
        elif country == "au":
            forms = [
                f"+61 2 {nz(4)} {d(4)}",
                f"04{d(2)} {d(3)} {d(3)}",
                f"+61 4{d(2)} {d(3)} {d(3)}",
                f"(02) {nz(4)} {d(4)}",
            ]
        elif country == "jp":
            forms = [f"+81 3-{nz(4)}-{d(4)}", f"090-{d(4)}-{d(4)}", f"+81 90-{d(4)}-{d(4)}"]
        elif country == "ng":
            forms = [
                f"+234 803 {d(3)} {d(4)}",
                f"0803 {d(3)} {d(4)}",
                f"+234 81{d(1)} {d(3)} {d(4)}",
            ]
        elif country == "mx":
            forms = [f"+52 55 {nz(4)} {d(4)}", f"+52 1 55 {nz(4)} {d(4)}"]
        elif country == "pl":
            forms = [f"+48 5{d(2)} {d(3)} {d(3)}", f"+48 {nz(2)} {d(3)} {d(2)} {d(2)}"]
        elif country == "tr":
            forms = [f"+90 53{d(1)} {d(3)} {d(2)} {d(2)}", f"053{d(1)} {d(3)} {d(2)} {d(2)}"]
        else:  # nl
            forms = [f"+31 6 {nz(8)}", f"06-{nz(8)}", f"+31 20 {nz(3)} {d(4)}"]
        return r.choice(forms)

    def card(self, sub: str | None) -> str:
        brand = sub if sub in {"visa", "mc", "amex", "discover"} else None
        if brand is None:
            brand = self.weighted([("visa", 45), ("mc", 30), ("amex", 15), ("discover", 10)])
        self.note(self.card_brands, brand)
        if brand == "visa":
            number = luhn_complete("4" + self.digits(14))
        elif brand == "mc":
            if self.rng.random() < 0.7:
                prefix = str(self.rng.randint(51, 55))
            else:
                prefix = str(self.rng.randint(2221, 2720))
            number = luhn_complete(prefix + self.digits(15 - len(prefix)))
        elif brand == "amex":
            number = luhn_complete(self.rng.choice(["34", "37"]) + self.digits(12))
        else:
            number = luhn_complete("6011" + self.digits(11))
        sep = self.rng.choice([" ", " ", "-", ""])
        if len(number) == 15:
            return sep.join([number[:4], number[4:10], number[10:]])
        return sep.join(number[i : i + 4] for i in range(0, 16, 4))

    def iban(self, sub: str | None) -> str:
        country = LANG_TO_IBAN.get(sub or "") or self.rng.choice(IBAN_COUNTRIES)
        self.note(self.iban_countries, country)
        r, d = self.rng, self.digits
        if country == "DE":
            bban = r.choice(["37040044", "50010517", "10020030", "70150000"]) + d(10)
        elif country == "GB":
            bban = r.choice(["NWBK", "BARC", "LOYD", "MIDL", "HBUK"]) + d(6) + d(8)
        elif country == "FR":
            bank, branch, account = r.choice(["30006", "20041", "30004", "10278"]), d(5), d(11)
            key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
            bban = f"{bank}{branch}{account}{key:02d}"
        elif country == "ES":
            bank, branch, account = r.choice(["2100", "0049", "0182", "2085"]), d(4), d(10)
            bban = f"{bank}{branch}{es_dc('00' + bank + branch)}{es_dc(account)}{account}"
        elif country == "NL":
            while True:
                account = d(10)
                if sum(int(c) * (10 - i) for i, c in enumerate(account)) % 11 == 0:
                    break
            bban = r.choice(["ABNA", "INGB", "RABO", "TRIO"]) + account
        else:  # IT
            rest = r.choice(["03069", "02008", "05034"]) + d(5) + d(12)
            bban = it_cin(rest) + rest
        iban = iban_from_bban(country, bban)
        if r.random() < 0.6:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def ssn(self, mod: str | None) -> str:
        while True:
            area = self.rng.randint(1, 899)
            if area != 666:
                break
        value = f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
        if value in {"078-05-1120", "219-09-9999", "123-45-6789"}:
            return self.ssn(mod)
        return value.replace("-", "") if mod == "nodash" else value

    def account_id(self) -> str:
        return "ACC-" + self.digits(8)

    def ip(self, sub: str | None) -> str:
        version = sub if sub in {"v4", "v6"} else self.weighted([("v4", 72), ("v6", 28)])
        self.note(self.ip_versions, version)
        r = self.rng
        if version == "v4":
            prefix = r.choice(["192.0.2", "198.51.100", "203.0.113", "192.168.1", "10.0.0"])
            return f"{prefix}.{r.randint(2, 254)}"
        h = [f"{r.randint(1, 0xFFFF):x}" for _ in range(4)]
        forms = [
            f"2001:db8:{h[0]}::{h[1]}:{h[2]}",
            f"2001:db8:85a3::8a2e:{h[0]}:{h[1]}",
            f"fe80::{h[0]}:{h[1]}:{h[2]}:{h[3]}",
            f"2001:0db8:0000:0000:0000:ff00:{int(h[0], 16):04x}:{int(h[1], 16):04x}",
            f"2001:db8::{h[3]}",
        ]
        return r.choice(forms)

    # -- dates --
    def _date(self, y0: int, y1: int) -> tuple[int, int, int]:
        return self.rng.randint(y0, y1), self.rng.randint(1, 12), self.rng.randint(1, 28)

    def full_date(self, y: int, m: int, d: int, lang: str) -> str:
        if lang in {"es", "de", "fr"}:
            month = MONTHS[lang][m - 1]
            forms = {
                "es": [f"{d} de {month} de {y}", f"{d:02d}/{m:02d}/{y}"],
                "de": [f"{d:02d}.{m:02d}.{y}", f"{d}. {month} {y}"],
                "fr": [f"{d} {month} {y}", f"{d:02d}/{m:02d}/{y}"],
            }[lang]
            return self.rng.choice(forms)
        month = MONTHS["en"][m - 1]
        suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        forms = [
            f"{d} {month} {y}",
            f"{month} {d}, {y}",
            f"{m:02d}/{d:02d}/{y}",
            f"{d:02d}/{m:02d}/{y}",
            f"{y}-{m:02d}-{d:02d}",
            f"{d:02d}.{m:02d}.{y}",
            f"{d}{suffix} {month} {y}",
            f"{month[:3]} {d} {y}",
            f"{m}/{d}/{str(y)[2:]}",
        ]
        return self.rng.choice(forms)

    def dob(self, sub: str | None, lang: str) -> str:
        y, m, d = self._date(2009, 2016) if sub == "child" else self._date(1941, 2004)
        return self.full_date(y, m, d, sub if sub in {"es", "de", "fr"} else lang)

    def order_date(self, sub: str | None, lang: str) -> str:
        y, m, d = self._date(2025, 2025)
        if self.rng.random() < 0.3:
            y, m = 2026, self.rng.randint(1, 2)
        lang = sub if sub in {"es", "de", "fr"} else lang
        if lang == "en" and self.rng.random() < 0.3:
            return f"{MONTHS['en'][m - 1]} {d}"
        return self.full_date(y, m, d, lang)

    def short_date(self, sub: str | None, lang: str) -> str:
        m, d = self.rng.randint(1, 12), self.rng.randint(1, 28)
        lang = sub if sub in {"es", "de", "fr"} else lang
        if lang == "es":
            return f"{d} de {MONTHS['es'][m - 1]}"
        if lang == "de":
            return f"{d}. {MONTHS['de'][m - 1]}"
        if lang == "fr":
            return f"{d} {MONTHS['fr'][m - 1]}"
        month = MONTHS["en"][m - 1]
        return self.rng.choice(
            [
                f"{d} {month}",
                f"{month} {d}",
                f"{month} {d}th" if d in range(4, 21) else f"{month} {d}",
                self.rng.choice(WEEKDAYS),
                f"{self.rng.choice(WEEKDAYS)} the {d}th" if d in range(4, 21) else f"{d}/{m}",
            ]
        )

    # -- address --
    def address(self, sub: str | None) -> str:
        country = sub if sub in dict(ADDRESS_WEIGHTS) else self.weighted(ADDRESS_WEIGHTS)
        self.note(self.address_countries, country)
        r = self.rng
        if country == "us":
            n = r.randint(1, 30)
            unit = r.choice(
                ["", "", "", f", Apt {n}{r.choice('ABCD')}", f" Apt {n}", f", Unit {n}", f" #{n}0"]
            )
            street = f"{r.randint(12, 9800)} {r.choice(US_STREETS)} {r.choice(US_SUFFIX)}{unit}"
            city, state, zipcode = r.choice(US_CITIES)
            if r.random() < 0.12:
                zipcode += "-" + self.digits(4)
            form = r.random()
            if form < 0.72:
                return f"{street}, {city}, {state} {zipcode}"
            if form < 0.86:
                return f"{street}, {city} {state} {zipcode}"
            return street
        if country == "uk":
            if r.random() < 0.06:
                return "221B Baker Street, London NW1 6XE"
            flat = f"Flat {r.randint(1, 12)}, " if r.random() < 0.25 else ""
            city, postcode = r.choice(UK_CITIES)
            street = f"{r.randint(1, 240)} {r.choice(UK_STREETS)} {r.choice(UK_SUFFIX)}"
            return f"{flat}{street}, {city} {postcode}"
        if country == "de":
            plz, city = r.choice(DE_CITIES)
            number = f"{r.randint(1, 140)}{r.choice(['', '', '', 'a', 'b'])}"
            return f"{r.choice(DE_STREETS)} {number}, {plz} {city}"
        if country == "es":
            cp, city = r.choice(ES_CITIES)
            return f"{r.choice(ES_STREETS)} {r.randint(1, 220)}{r.choice(ES_FLOORS)}, {cp} {city}"
        cp, city = r.choice(FR_CITIES)
        prefix = r.choice(["", "", "", f"Appt {r.randint(2, 40)}, ", "Bât. B, "])
        bis = " bis" if r.random() < 0.1 else ""
        return f"{prefix}{r.randint(1, 180)}{bis} {r.choice(FR_STREETS)}, {cp} {city}"

    # -- hard negatives --
    def negative(self, kind: str, sub: str | None, lang: str) -> str:
        r = self.rng
        if kind == "ORDER":
            if r.random() < 0.2:
                return r.choice(PHONE_LIKE_ORDERS)
            return "LH-" + str(r.randint(100000, 999999))
        if kind == "ERR":
            return r.choice(ERROR_CODES) if r.random() < 0.6 else f"E-{r.randint(1000, 9999)}"
        if kind == "PRICE":
            # One currency per message; a second price ({PRICE2}) is always the higher one.
            amounts = ["4.99", "9.99", "19.99", "49.99", "79", "129", "199.99", "249"]
            if "price" in self.message:
                amounts = [a for a in amounts if float(a) > float(self.message["price"])]
                amount = r.choice(amounts or ["299"])
            else:
                amount = r.choice(amounts[:-1])
                self.message["price"] = amount
            if lang != "en" or sub == "eu":
                amount = amount.replace(".", ",")
                style = self.message.setdefault("eur", r.choice(["{a} €", "€{a}", "{a}€"]))
                return style.format(a=amount)
            return self.message.setdefault("currency", r.choice("$$$£€")) + amount
        if kind == "QTY":
            return r.choice(QTYS)
        if kind == "ODATE":
            return self.order_date(sub, lang)
        if kind == "DDATE":
            return self.short_date(sub, lang)
        if kind == "TIME":
            return r.choice(TIMES)
        if kind == "FW":
            version = f"{r.randint(2, 3)}.{r.randint(0, 19)}.{r.randint(0, 9)}"
            return r.choice([f"v{version}", f"v{version}", f"fw {version}", f"v{version}-beta"])
        if kind == "VER":
            return f"{r.randint(2, 6)}.{r.randint(0, 20)}.{r.randint(0, 9)}.{r.randint(1, 40)}"
        if kind == "PRODUCT":
            return r.choice(PRODUCTS)
        if kind == "TRACK":
            return self.tracking()
        if kind == "ZIP":
            return r.choice(ZIPS[lang if lang in ZIPS else "en"])
        if kind == "CITY":
            return r.choice(CITIES[lang if lang in CITIES else "en"])
        if kind == "COMPANY":
            if sub == "carrier":  # agrees with the tracking number's format in the same message
                carrier = self.message.get("carrier") or r.choice(COMPANIES["carrier"])
                self.message["carrier"] = carrier
                return carrier
            return r.choice(COMPANIES[sub if sub in COMPANIES else r.choice(sorted(COMPANIES))])
        if kind == "CARDEND":
            return self.digits(4)
        raise KeyError(kind)

    def tracking(self) -> str:
        r = self.rng
        formats = {"UPS": "ups", "USPS": "usps", "Royal Mail": "royal", "DHL": "dhl"}
        formats["FedEx"] = "fedex"
        carrier = self.message.get("carrier") or r.choice(sorted(formats))
        self.message["carrier"] = carrier
        kind = formats[carrier]
        if kind == "ups":
            alnum = "".join(r.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(6))
            value = f"1Z{alnum}{self.digits(10)}"
        elif kind == "usps":
            digits = "9400" + self.digits(18)
            value = " ".join(digits[i : i + 4] for i in range(0, 22, 4))
        elif kind == "royal":
            value = f"{r.choice(['AB', 'RR', 'JD', 'LX'])}{self.digits(9)}GB"
        elif kind == "dhl":
            value = "JJD" + self.digits(18)
        else:
            value = " ".join([self.digits(4), self.digits(4), self.digits(4)])
        digits = re.sub(r"\D", "", value)
        assert not (len(digits) == 16 and luhn_valid(digits)), value
        return value


def es_dc(digits: str) -> int:
    weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    rest = 11 - sum(int(c) * w for c, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest == 11 else 1 if rest == 10 else rest


def it_cin(rest: str) -> str:
    odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25]
    odd += [24, 23]
    total = 0
    for i, ch in enumerate(rest):
        value = int(ch) if ch.isdigit() else ord(ch) - 65
        total += odd[value] if i % 2 == 0 else value
    return chr(65 + total % 26)


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------

REFUND = [
    "hi, i want a refund for {ORDER}. the {PRODUCT} stopped working after 2 days",
    "Hello, my name is {PERSON} and I'd like to return order {ORDER}. It cost {PRICE} and "
    "never worked properly.",
    "refund please!!! order {ORDER}, email on the account is {EMAIL}",
    "This is {FIRST}, I returned the {PRODUCT} on {ODATE} but still no refund. You can reach me "
    "at {PHONE}.",
    "Can you refund the {PRICE} to my card {CARD}? That's the one I paid with.",
    "I was charged twice for {ORDER}, please refund one of them to {CARD}",
    "refund to my bank instead pls, IBAN {IBAN}, account holder {PERSON}",
    "Hi its {PERSON}, {EMAIL}, i sent back {QTY} cameras and got refunded for only one",
    "My husband {PERSON@m} ordered the {PRODUCT} by mistake, can we get a refund? His number is "
    "{PHONE}",
    "Where is my refund? Order {ORDER}, {PRICE}, returned {ODATE}. Account {ACCT}.",
    "i want my money back. {PERSON|lower}, {EMAIL|lower}, {PHONE}",
    "Good afternoon. I am writing on behalf of my mother, {PERSON@f}, who was sold a {PRODUCT} she "
    "cannot use. Please refund {PRICE} to her card {CARD}.",
    "the refund went to my old card {CARD} which is cancelled, can you send it to {CARD2} instead",
    "Refund status for {ACCT}? It's been 14 days.",
    "Hi, {FIRST} here again. Still waiting on the refund for {ORDER}. Call me on {PHONE} or "
    "{PHONE2}",
    "please cancel {ORDER} and refund, I found it cheaper. name {PERSON}, email {EMAIL}",
    "Return label was sent to the wrong address. I'm at {ADDRESS}, not the old place",
    "I need a return label sent to {ADDRESS}. Order {ORDER}.",
    "refund for lumen plus? i cancelled on {ODATE} but got billed {PRICE} anyway. acct {ACCT}",
    "Mrs {SURNAME@f} here, I would like a full refund of {ORDER} please",
    "Could you refund via bank transfer? {IBAN} ({PERSON}). Thanks",
    "I paid {PRICE} with card ending {CARDEND} and the refund hasn't shown up",
    "Hi, the refund of {PRICE} for {ORDER} still isn't on my statement, it's been {QTY} weeks",
    "do you refund shipping? the {PRODUCT} was {PRICE2} plus {PRICE} shipping",
    "Return window question: I bought the {PRODUCT} on {ODATE}, can I still return it?",
    "I will dispute it with my bank if you don't refund me, simple as that",
    "Is the grace period for returns 30 days or 14? Order {ORDER}",
    "refund refund refund. {ORDER}. {ERR} on setup every time",
    "my refund was for {PRICE} but it should be {PRICE2}, I paid full price for the {PRODUCT}",
    "Hi team, returning {QTY} {PRODUCT} units from {ORDER}, how do I print the label?",
    "Refund request: {PERSON}, order {ORDER}, card {CARD}, phone {PHONE}",
    "hello, I'm {FIRST} and my refund for {ORDER} was sent to {EMAIL} but i dont use that email "
    "anymore, use {EMAIL2}",
    "the courier picked up the return from {ADDRESS} on {ODATE}, still no money",
    "please put the refund on {CARD}. Name on card: {PERSON}.",
    "My dad {PERSON@m} (DOB {DOB}) can't manage the app, I'm requesting the refund for him",
    "I'm {PERSON}, account {ACCT}. Refund the Lumen Plus renewal please, I never use it",
    "You refunded {PRICE} to {IBAN} but that account is closed. Send to {IBAN2} please",
    "got an email saying refund issued but nothing. {EMAIL}. order {ORDER}",
    "can i get store credit instead of a refund?",
    "Refund for {ORDER}? Contact me at {EMAIL} or {PHONE}, ask for {FIRST}",
    "I'd like to return the {PRODUCT}. It was a gift from {PERSON}, is that a problem?",
    "Still no refund!! I returned it from {ADDRESS} weeks ago. Call {PHONE}",
    "hey its {FIRST|lower} lol, refund for the {PRODUCT} pls, i ordered the wrong colour",
    "Dear Lumen Home, please refund order {ORDER} to the original payment method. Regards, "
    "{PERSON}",
    "Refund: {ORDER} / {ACCT} / {EMAIL}",
    "ok so i ordered the {PRODUCT} on {ODATE} and it worked for like a week then it just died, i "
    "did the reset thing you said and it still shows {ERR}, i want my money back, its {PRICE} "
    "which is not nothing, my name is {PERSON|lower} and the order was {ORDER}",
    "Refund to {CARD} please. Again, the card is {CARD}, not the one on file.",
    "Dr. {PERSON} here. The {PRODUCT} I bought for the clinic is faulty, refund to {IBAN} please",
    "i was born {DOB} so im not a minor, why does the refund form say i need a guardian?",
]

DELIVERY = [
    "where is my order {ORDER}?? it said arriving {DDATE}",
    "Tracking number {TRACK} hasn't updated since {ODATE}",
    "Hi, this is {PERSON}. My {PRODUCT} was supposed to arrive {DDATE} but nothing yet.",
    "Please deliver to {ADDRESS} instead, I moved last week",
    "my address is {ADDRESS}, the driver keeps saying it doesn't exist",
    "package marked delivered but not here. {ADDRESS}. order {ORDER}",
    "Can the courier call me at {PHONE} before delivery? I work nights",
    "the delivery guy left it at {ADDRESS2} which is my neighbour, please update to {ADDRESS}",
    "Order {ORDER}, shipped with tracking {TRACK}, supposed to come by {DDATE} before {TIME}",
    "i live in {CITY} and it says no delivery to my area??",
    "Do you deliver to {ZIP}? I'm looking at the {PRODUCT}",
    "Shipping update please. {PERSON}, {PHONE}, {EMAIL}",
    "I'm away until {DDATE}, can you hold the parcel? Order {ORDER}",
    "Ship it to my office: {ADDRESS}. Ask for {PERSON} at reception",
    "my wife {FIRST@f} ordered it, her email is {EMAIL}, can you check where it is",
    "it came damaged, box crushed. {QTY} of the bulbs broken. order {ORDER}",
    "Delivery failed again. Contact {PHONE} or {EMAIL}. Address: {ADDRESS}",
    "hi is {ORDER} still arriving {DDATE}? i need it before my trip",
    "The {COMPANY@carrier} tracking {TRACK} says returned to sender, why?",
    "i ordered on {ODATE} and still nothing, this is ridiculous",
    "Can I change the delivery address for {ORDER}? New one: {ADDRESS}",
    "package went to my old address at {ADDRESS}. i'm now at {ADDRESS2}",
    "hello my name is {PERSON|lower} order {ORDER} never came",
    "Could the driver ring {PHONE} on arrival? The buzzer at {ADDRESS} doesn't work",
    "Delivery was supposed to be {DDATE} between {TIME} and {TIME2}, nobody came",
    "{FIRST} here - parcel for {ORDER} is stuck in customs, what do I do?",
    "Please don't leave it at the door, last time it was stolen. {ADDRESS}, phone {PHONE}",
    "tracking {TRACK} shows delivered to {CITY}, I'm not even in {CITY}",
    "my partner {PERSON@f} will sign for it, she's home all day",
    "I will be home after {TIME}, can delivery come later?",
    "Is express shipping {PRICE}? Need the {PRODUCT} by {DDATE}",
    "My order {ORDER} has {QTY} items but only one arrived",
    "Where's my stuff. {ACCT}",
    "Hi Lumen, ordered {QTY} {PRODUCT} on {ODATE}, account {ACCT}, email {EMAIL}, nothing arrived",
    "The parcel for {PERSON} at {ADDRESS} was left in the rain",
    "please update my number for delivery texts to {PHONE}, old one was {PHONE2}",
    "Send it to {PERSON}, {ADDRESS}. It's a gift so no invoice in the box please",
    "hey can u ship to a {COMPANY@retail} locker in {CITY}? zip {ZIP}",
    "delivery estimate for {ZIP}?",
    "The courier said he called {PHONE} but I never got a call. Is that the number you have?",
    "Missing parcel. Order {ORDER}, tracking {TRACK}. My name is {PERSON}.",
    "hi i think the address is wrong on my order, it should be {ADDRESS} (i typed the zip wrong)",
    "Order arrived today, thanks {FIRST}! You were very helpful yesterday",
    "so the tracking said out for delivery at {TIME} and then nothing, i waited all day at "
    "{ADDRESS} and nobody came, no card no nothing, can someone call me on {PHONE} because "
    "this is the second time, order {ORDER}",
    "Address on the order is {ADDRESS} — yes, {ADDRESS}, I checked it twice",
    "Please ship to my son {PERSON@m} at {ADDRESS2}, he's setting it up for me. His number {PHONE}",
]

ACCOUNT = [
    "I can't log in, my email is {EMAIL}",
    "locked out of my account {ACCT}, reset link never arrives at {EMAIL}",
    "Hi I'm {PERSON}, forgot my password and the reset goes to an old email {EMAIL}. New one is "
    "{EMAIL2}",
    "2FA code goes to {PHONE} which I no longer have. Please change it to {PHONE2}",
    "someone logged into my account from {IP}, that wasn't me!!",
    "Security alert said login from {IP} in {CITY}. Not me. Account {ACCT}",
    "please verify me: {PERSON}, born {DOB}, email {EMAIL}",
    "What do you need to verify my identity? My date of birth is {DOB} and my account is {ACCT}",
    "i get {ERR} when i try to sign in on the app version {FW}",
    "the app says {ERR} account locked, try again at {TIME}",
    "I made two accounts by accident, {EMAIL} and {EMAIL2}, can you merge them?",
    "Can't sign in. It's {FIRST}. Phone on file should be {PHONE}.",
    "my son {PERSON@m} (dob {DOB@child}) set up the account and now he's moved out, how do I take "
    "it over",
    "Change account email from {EMAIL} to {EMAIL2} please. Account {ACCT}",
    "my login email is {EMAIL|lower}, i keep getting wrong password even after reset",
    "Hi, my account {ACCT} shows someone else's name, {PERSON}. I'm {PERSON2}.",
    "I think I got hacked. New device logged in from {IP} and {IP2}",
    "Password reset emails are going to spam maybe? {EMAIL}",
    "The verification SMS never comes to {PHONE}",
    "account ID? I think it's {ACCT} but maybe {ACCT2}",
    "Hello. I am {PERSON}, account holder. My date of birth is {DOB}. Please unlock my account.",
    "i forgot which email i used, maybe {EMAIL} or {EMAIL2}? my name is {PERSON}",
    "Is there a grace period before my account gets deleted for inactivity?",
    "Sign in with Apple doesn't work, I get {ERR}",
    "Can I log in with Google instead? I will use the same email",
    "Why does the app log me out every day at {TIME}?",
    "My router IP is {IP} if that helps with the login issue",
    "locked out after update to {FW}. acct {ACCT}",
    "Hi {FIRST} from support told me to message here, my account is {ACCT} and email {EMAIL}",
    "I'm {PERSON}, SSN {SSN}, they asked me for it on the phone to verify?? is that legit",
    "Why was I asked for my social security number {SSN}? I just want to log in",
    "Shared access: please add my wife {PERSON@f} ({EMAIL}) to the home",
    "remove {PERSON@f} from my household, we divorced. her email is {EMAIL}",
    "I changed phones and lost the authenticator. Phone {PHONE}, email {EMAIL}, born {DOB}",
    "login works on web but not on the {PRODUCT} app, {ERR}",
    "hi can you tell me what email is on account {ACCT}?",
    "the account was my late father's, {PERSON@m}. I need access to the cameras at {ADDRESS}",
    "Sign-in from unknown IP {IP}. Please lock it. {EMAIL}",
    "my username is {EMAIL} and my backup is {PHONE}, still can't get in",
    "Account recovery form asks for DOB, mine is {DOB}. name {PERSON|lower}",
    "It keeps saying invalid email but it's definitely {EMAIL}. I typed {EMAIL} like five times",
    "I can't reset my password, the link expires at {TIME}",
    "To verify: full name {PERSON}, date of birth: {DOB}, last four of SSN {CARDEND}, account "
    "{ACCT}",
    "i dont remember my password or my email. i think its {EMAIL|lower}. my phone is {PHONE} and "
    "my date of birth is {DOB}, the account is under my name {PERSON|lower}, please help i "
    "have cameras i cant see",
    "Verification asked for my SSN, here it is: SSN {SSN|nodash}. Name {PERSON}",
    "locked out. born on {DOB}, account {ACCT}, phone {PHONE}. please call",
    "they locked my account and want my social. fine: {SSN}. account {ACCT}",
]

BILLING = [
    "Why was I charged {PRICE} on {ODATE}? I cancelled Lumen Plus",
    "please update my card to {CARD}, the old one expired",
    "My card {CARD} was declined but it works everywhere else",
    "I see two charges of {PRICE} on my card ending {CARDEND}",
    "Can I pay by direct debit? My IBAN is {IBAN}",
    "Direct debit from {IBAN} failed, the name on the account is {PERSON}",
    "Invoice should say {COMPANY@retail}, address {ADDRESS}, not my personal name",
    "hi the bill for this month is {PRICE2} but it's usually {PRICE}",
    "what's the grace period if my payment fails? card {CARD}",
    "Billing address is {ADDRESS}, card is {CARD}, name {PERSON}",
    "I was charged for {QTY} Lumen Plus subscriptions, account {ACCT}",
    "Please charge {CARD} instead of PayPal from now on",
    "Can you send invoices to {EMAIL} rather than {EMAIL2}? Our accountant needs them",
    "My card number is {CARD}, exp 09/27. please just take the payment",
    "Price went up from {PRICE} to {PRICE2}, why?",
    "I'm {PERSON} and I want to dispute the charge on {ODATE} for {PRICE}",
    "card {CARD} and the cvv is on the back lol do you need it?",
    "SEPA mandate: {IBAN}, {PERSON}, {ADDRESS}",
    "Why does my statement say LUMEN*HOME {PRICE}?",
    "my credit card is {CARD} ... no wait that's my old one, use {CARD2}",
    "refund the annual plan? charged {PRICE} to {CARD}",
    "Our business account {ACCT} needs VAT invoices, email {EMAIL}",
    "i want to pay the bill with a different card, {CARD}",
    "Tax form question: my SSN is {SSN}, do you need it for the invoice?",
    "the account is in my name, {PERSON}, SSN {SSN}, for the payment plan application",
    "Financing application: name {PERSON}, DOB {DOB}, SSN {SSN|nodash}, phone {PHONE}",
    "Apple Pay keeps failing at checkout with {ERR}",
    "Does Lumen Plus cost {PRICE} a month or a year?",
    "hello, I'd like to switch from monthly to yearly. Account {ACCT}. Card on file {CARD}",
    "why is there a {PRICE} fee on my card, I never ordered {ORDER}",
    "Please stop charging {CARD}. I cancelled on {ODATE}. My email is {EMAIL}",
    "Bank transfer details? I sent {PRICE} from {IBAN} with reference {ORDER}",
    "Payment for {ORDER} failed, tried {CARD} and {CARD2}",
    "i paid with amex {CARD@amex} but the receipt shows visa??",
    "Can {PERSON@f} be added as a second payer? Her card is {CARD}",
    "Charge of {PRICE} on {ODATE} at {TIME}, is that the Lumen Plus renewal?",
    "Update billing email to {EMAIL}, phone {PHONE}. Thanks, {FIRST}",
    "The invoice for {ORDER} has my old address, {ADDRESS}. Please reissue",
    "Hi, Mr {SURNAME@m} here, your direct debit from {IBAN} was taken twice",
    "Bill me at {EMAIL} please, not by post",
    "my discover card {CARD@discover} got charged, my mastercard {CARD2@mc} should have been used",
    "Please switch the direct debit to {IBAN}. Account holder {PERSON}, account {ACCT}",
    "so i got charged {PRICE} on {ODATE} and again {PRICE2} a few days later and i only have one "
    "hub, the card is {CARD} and my email is {EMAIL}, please sort it out, i am not paying twice "
    "for the same thing",
    "For the credit check: {PERSON}, born {DOB}, SSN {SSN}, {ADDRESS}",
    "pay from {IBAN}. I repeat {IBAN}. The card {CARD} is blocked",
    "My SSN is {SSN} and my wife's is {SSN2}, the financing form wants both??",
    "credit application for the {PRODUCT} bundle: {PERSON}, SSN {SSN}, born {DOB}",
]

PRIVACY = [
    "Please delete all my data. {PERSON}, {EMAIL}",
    "GDPR request: send me a copy of all data you hold on {EMAIL}, account {ACCT}",
    "I want you to erase my phone number {PHONE} from your systems",
    "Why do you store my IP {IP}? Delete it",
    "Under CCPA I request deletion. Name: {PERSON}. Address: {ADDRESS}. Email: {EMAIL}",
    "do you sell my data to {COMPANY@tech}?",
    "How long do you keep camera recordings? I read {QTY} days somewhere",
    "Remove my ex {PERSON} from every record on account {ACCT}",
    "someone used my name {PERSON} and my DOB {DOB} to open an account, I never did",
    "Data access request for {PERSON} (born {DOB}), account {ACCT}, reply to {EMAIL}",
    "Please stop sending marketing to {EMAIL} and texts to {PHONE}",
    "I accidentally pasted my SSN {SSN} in the chat earlier, please delete it",
    "please delete the message where i sent my card {CARD}, that was a mistake",
    "Does the {PRODUCT} record audio? I will not keep it if it does",
    "Who has access to my camera footage? I live at {ADDRESS}",
    "Close my account {ACCT} and delete everything. Confirm to {EMAIL}",
    "Is my data stored in the EU? I'm in {CITY}",
    "I'm a lawyer representing {PERSON}. Please preserve all records for account {ACCT}",
    "your privacy policy version {VER} says something different from {VER2}",
    "please unsubscribe {EMAIL} from everything",
    "Remove my old address {ADDRESS} and old number {PHONE} from my profile",
    "Why does the app log IP {IP} and {IP2} for my devices?",
    "My daughter {FIRST@f} is 12, born {DOB@child}, and has an account. Delete it please",
    "Erase my data. SSN {SSN}, DOB {DOB}, name {PERSON}. I don't want any of it on file",
    "i got a data breach notice?? my email {EMAIL} was in it?",
    "Delete the recordings from {DDATE}, they show my neighbour {PERSON}",
    "How do I download my data? Is it under Settings > Privacy?",
    "Who is {PERSON} and why is their email {EMAIL} on my account {ACCT}?",
    "opt out of data sharing with {COMPANY@tech} please, account {ACCT}",
    "Please confirm you deleted {EMAIL|lower} and {PHONE}",
    "Request to rectify: my name is spelled {PERSON}, not {PERSON|misspell}",
    "the grace period for deleting data is 30 days? I want it gone now",
    "Do you keep my IPv6 address {IP@v6}?",
    "DSAR: {PERSON}, {ADDRESS}, {PHONE}, {EMAIL}. Please respond within 30 days.",
    "Please anonymise the orders {ORDER} and {ORDER2}",
    "What's the legal basis for keeping my date of birth ({DOB}) on file?",
    "My IP keeps showing as {IP} in the activity log but I don't recognise it",
    "I'd like my account {ACCT} deleted, but keep the warranty on the {PRODUCT}",
    "Delete everything linked to {PHONE}. I'm {FIRST}",
    "Does {COMPANY@tech} get my data when I link Alexa?",
    "Please correct my birth date, it should be {DOB} not {DOB2}. Account {ACCT}",
    "hi, i never made an account with you but i get emails at {EMAIL}. someone typed my email "
    "by mistake i guess, their name on the emails is {PERSON}, please remove my address from "
    "your list",
    "Why is my SSN {SSN} visible in the app under Profile? Remove it",
    "Please remove SSN {SSN|nodash} from my file, I only gave it for financing which I cancelled",
    "Right to erasure: {PERSON}, {ADDRESS}, IP {IP}. Thank you.",
    "why does my activity log show {IP} and then {IP} again an hour later, is it me?",
]

DEVICE = [
    "my {PRODUCT} keeps showing {ERR}",
    "Hub won't connect after firmware {FW}. Error {ERR}",
    "The {PRODUCT} is offline, my router is {IP} and the hub got {IP2}",
    "camera stuck on update {FW}, it's been like that since {TIME}",
    "version {VER} of the app crashes on launch",
    "{PRODUCT} blinking red, error {ERR}, order {ORDER}",
    "Hi, {FIRST} here, the doorbell at {ADDRESS} isn't ringing",
    "My thermostat shows {ERR} and then reboots. Device IP {IP}. Account {ACCT}",
    "Works with Apple TV? Mine says {ERR}",
    "the app says the hub is at {IP@v6}, is that normal?",
    "Can a tech call me at {PHONE}? The {PRODUCT} install is beyond me",
    "It's {PERSON}, the smart lock locked me out at {TIME} last night!!",
    "the sensor reports {QTY} degrees wrong",
    "i reset it {QTY} times still {ERR}",
    "Will the {PRODUCT} work with {COMPANY@isp} wifi?",
    "bulbs flicker since {FW}, I have {QTY} of them",
    "my dad {PERSON@m} can't pair his {PRODUCT}, can you call him on {PHONE}?",
    "Port forwarding for the hub at {IP} - which ports?",
    "the camera shows someone else's house?? my account is {ACCT}, email {EMAIL}",
    "Error {ERR} at {TIME} every single day. Firmware {FW}.",
    "please send a technician to {ADDRESS}, ask for {PERSON}, phone {PHONE}",
    "is {VER} the latest hub version? mine says {FW}",
    "Hi there, the {PRODUCT} from order {ORDER} won't turn on",
    "my email {EMAIL} doesn't get the motion alerts anymore",
    "Device log says blocked connection from {IP}. Should I worry?",
    "Warranty claim. {PERSON}, {ORDER}, {PRODUCT} dead after {QTY} months, phone {PHONE}",
    "Hello, the motion sensor triggers at {TIME} with nobody home",
    "Setup fails with {ERR} on my {PRODUCT}, router IP {IP}, app {FW}",
    "{FIRST|lower} here, the {PRODUCT} keeps dropping wifi",
    "The {PRODUCT} chimes at {TIME} for no reason, it's driving my husband mad",
    "My neighbour {PERSON@f} has the same {PRODUCT} and hers works fine",
    "Replacement unit for {ORDER} please. Ship to {ADDRESS}",
    "Which DNS should I use? Currently {IP} and {IP2}",
    "Hi, I'm {PERSON}. The Lumen Hub 2 won't update past {FW}. My account ID is {ACCT}.",
    "My wife {FIRST@f} says the cameras went offline at {TIME}. IP of the hub was {IP}",
    "Mark as resolved please, it works now",
    "The {PRODUCT} chirps every minute, battery at 15%",
    "Can you remote in? My public IP is {IP}, I'm {FIRST}",
    "I installed it at my mum's place, {ADDRESS}, but it won't see her wifi",
    "the hub keeps assigning itself {IP}, conflicts with my printer",
    "call me please {PHONE} the alarm won't stop",
    "it's {FIRST}. alarm going off, code {ERR}, help!!! {PHONE}",
    "ok so the {PRODUCT} worked fine until the {FW} update last night and now it just shows {ERR} "
    "and the light goes orange then red, i unplugged it {QTY} times and reset the router too, "
    "nothing, i have {QTY2} cameras depending on it",
    "Hub IP {IP}, gateway {IP2}, DNS {IP3}. Still {ERR}.",
    "Ms {SURNAME@f} again. Technician never came to {ADDRESS}. Call {PHONE} or {PHONE2}",
]

GENERAL = [
    "hello?? anyone there",
    "Good morning, quick question",
    "hey hey, are you a bot or a person",
    "Thanks, that fixed it!",
    "I will try that tonight and let you know",
    "Is the grace period still 14 days?",
    "Apple TV support coming soon?",
    "can you explain the bill please",
    "Does it work with Amazon Alexa and Google Home?",
    "I live in {CITY}, do you ship there?",
    "My zip code is {ZIP}, is same-day delivery available?",
    "Bought {QTY} bulbs for {PRICE}, is there a bundle discount?",
    "Order {ORDER} says processing since {ODATE}",
    "Error {ERR} again. Firmware {FW}.",
    "what time do you close? its {TIME} here",
    "Lumen Hub 2 vs Lumen Hub Mini, which one?",
    "Is {VER} a beta build? the app shows it under About",
    "Will there be a Black Friday sale?",
    "Hope you're well! Quick one about Lumen Plus pricing",
    "my bill went up to {PRICE}, why",
    "rose gold or matte black for the doorbell?",
    "Happy new year! the {PRODUCT} is great",
    "Jordan or Georgia, do you ship to either country?",
    "Hi! It's me again about order {ORDER}",
    "ok thx bye",
    "Paris or Lyon warehouse? my order {ORDER} shows both",
    "Summer sale ends when? {PRODUCT} was {PRICE} last week",
    "Tracking says {TRACK}, carrier {COMPANY@carrier}",
    "Delivery to postcode {ZIP} possible?",
    "Was the {DDATE} delivery slot cancelled?",
    "I'd like to speak to a manager please",
    "Hey Lumen team, love the product",
    "Is there a Lumen store in {CITY}?",
    "Max temperature for the outdoor camera?",
    "Victoria station pickup point available?",
    "Hi Lumen! Amazon says {PRICE} but your site says {PRICE2}",
    "the bill says {QTY} items but I got {QTY2}",
    "I'll be out {DDATE}, can it wait till {DDATE2}?",
    "Will it survive -20°C?",
    "Nice, thank you so much, have a good day",
    "order {ORDER} and {ORDER2} should be merged",
    "my order number is {ORDER}, error {ERR}, firmware {FW}, ordered {ODATE}",
    "the delivery date says {ODATE} but I ordered on {ODATE2}",
    "Your site says {ZIP} is outside the delivery area, I'm in {CITY}",
    "Tracking {TRACK} stuck at the {CITY} depot since {DDATE}",
    "Chelsea or Florence colourway for the {PRODUCT}?",
    "is the {PRODUCT} on sale for {PRICE} at {COMPANY@retail}?",
    "hi, you there?",
    "Good evening! The {PRODUCT} arrived {DDATE} at {TIME}, all good",
    "How many {PRODUCT} units can one hub handle? I have {QTY}",
]

SITUATIONS = {
    "refund": REFUND,
    "delivery": DELIVERY,
    "account_access": ACCOUNT,
    "billing": BILLING,
    "privacy_request": PRIVACY,
    "device_trouble": DEVICE,
}

LANG_TEMPLATES = {
    "es": [
        "Hola, me llamo {PERSON} y quiero devolver el pedido {ORDER}. Mi correo es {EMAIL}",
        "Buenas, el pedido {ORDER} no ha llegado. Mi dirección es {ADDRESS@es}",
        "Por favor, cambien mi tarjeta a {CARD}. Gracias, {FIRST}",
        "Mi número es {PHONE@es}, llámenme cuando llegue el repartidor",
        "Nací el {DOB} y la app dice que soy menor de edad, error {ERR}",
        "Quiero el reembolso en mi cuenta {IBAN}, titular {PERSON}",
        "el hub da el error {ERR} desde la versión {FW}, ¿qué hago?",
        "soy {PERSON|lower}, borren todos mis datos por favor, cuenta {ACCT}",
        "Mi pedido {ORDER} de {PRICE} llega el {DDATE}?",
        "Hola, escribo desde {CITY}, ¿hacen envíos al {ZIP}?",
        "Fecha de nacimiento: {DOB}. Cuenta {ACCT}. No puedo entrar, el teléfono es {PHONE@es}",
    ],
    "de": [
        "Hallo, ich bin {PERSON}, meine Bestellung {ORDER} ist nicht angekommen. Adresse: "
        "{ADDRESS@de}",
        "Bitte buchen Sie per Lastschrift von {IBAN} ab. Kontoinhaber: {PERSON}",
        "Meine Telefonnummer ist {PHONE@de}, bitte rufen Sie mich an",
        "Geburtsdatum {DOB}, Kundenkonto {ACCT}. Ich komme nicht mehr rein.",
        "Fehler {ERR} nach dem Update auf {FW}",
        "Bitte löschen Sie alle meine Daten, E-Mail {EMAIL}",
        "Die Rechnung über {PRICE} wurde doppelt abgebucht, Karte {CARD}",
        "Lieferung am {DDATE}? Ich wohne in {CITY}",
        "Ich heiße {PERSON} und bin am {DOB} geboren, die App lässt mich trotzdem nicht rein",
        "Guten Tag, {PERSON} hier. Neue Lieferadresse: {ADDRESS@de}, Tel. {PHONE@de}",
        "mein Router hat die IP {IP}, der Hub zeigt {ERR}",
    ],
    "fr": [
        "Bonjour, je m'appelle {PERSON}, ma commande {ORDER} n'est jamais arrivée",
        "Mon adresse est {ADDRESS@fr}, merci de livrer là-bas",
        "Vous pouvez me joindre au {PHONE@fr}",
        "Remboursement sur mon IBAN {IBAN} svp, titulaire {PERSON}",
        "née le {DOB}, je n'arrive pas à me connecter, compte {ACCT}",
        "Le {PRODUCT} affiche l'erreur {ERR}, version {FW}",
        "Merci de supprimer mes données : {EMAIL}, {PHONE@fr}",
        "Commande {ORDER} de {PRICE}, livraison prévue le {DDATE}",
        "Ma carte {CARD} a été débitée deux fois",
        "Bonjour, c'est {FIRST}. Ma date de naissance est le {DOB}, mon compte {ACCT}",
        "j'habite à {CITY}, vous livrez au {ZIP} ?",
    ],
}

# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------

SLOT_RE = re.compile(r"\{([A-Z]+)(\d?)(?:@([a-z0-9]+))?(?:\|([a-z]+))?\}")
PERSON_GROUP = {"PERSON", "FIRST", "SURNAME"}
LOWERCASE_STYLE_TYPES = {"PERSON", "FIRST", "SURNAME", "EMAIL", "ADDRESS", "PRODUCT", "CITY"}
TYPO_PROTECT = {
    "lumen",
    "born",
    "birth",
    "grace",
    "period",
    "apple",
    "amazon",
    "google",
    "alexa",
    "paris",
    "victoria",
    "florence",
    "summer",
    "birthday",
    "social",
    "security",
    "geboren",
    "nacido",
    "chelsea",
    "georgia",
    "jordan",
    "paypal",
    "mastercard",
    "discover",
    "nacimiento",
    "naissance",
    "geburtsdatum",
    "will",
    "bill",
    "mark",
    "hope",
    "rose",
}
COMMON_TYPOS = {
    "receive": "recieve",
    "address": "adress",
    "definitely": "definately",
    "tomorrow": "tommorow",
    "because": "becuase",
    "account": "acount",
    "please": "plese",
    "delivery": "delivary",
    "password": "pasword",
    "received": "recieved",
    "cancelled": "canceled",
    "anymore": "any more",
    "refund": "refudn",
    "charged": "chrged",
    "waiting": "wating",
}


@dataclass
class Segment:
    text: str
    kind: str  # "literal", "negative" or a span slot name
    origin: str | None = None


@dataclass
class Record:
    text: str
    spans: list[Span]
    tags: list[str]
    language: str
    situation: str
    template: str = field(repr=False, default="")


def split_template(template: str) -> list[tuple[str, tuple[str, str, str | None, str | None]]]:
    """Return [(literal_before, (TYPE, index, sub, mod))...] with a final ("", ("", ...))."""
    parts: list[tuple[str, tuple[str, str, str | None, str | None]]] = []
    pos = 0
    for m in SLOT_RE.finditer(template):
        base, idx, sub, mod = m.group(1), m.group(2), m.group(3), m.group(4)
        if base not in SPAN_SLOTS and base not in NEGATIVE_SLOTS:
            raise ValueError(f"unknown slot {base} in {template!r}")
        parts.append((template[pos : m.start()], (base, idx, sub, mod)))
        pos = m.end()
    parts.append((template[pos:], ("", "", None, None)))
    for literal, _ in parts:
        assert "{" not in literal and "}" not in literal, template
    return parts


def lower_as_typed(value: str, rng: random.Random) -> str:
    lowered = value.lower()
    if lowered != ascii_fold(lowered) and rng.random() < 0.5:
        return ascii_fold(lowered)
    return lowered


def misspell(value: str, rng: random.Random) -> str:
    words = value.split(" ")
    target = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[target]
    if len(word) < 4:
        words[target] = word + word[-1]
        return " ".join(words)
    i = rng.randrange(1, len(word) - 2)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if swapped == word:
        swapped = word[:i] + word[i + 1 :]
    words[target] = swapped
    return " ".join(words)


def add_typos(segments: list[Segment], rng: random.Random, count: int) -> None:
    for _ in range(count):
        candidates = [
            (si, m)
            for si, seg in enumerate(segments)
            if seg.kind == "literal"
            for m in re.finditer(r"(?<![\w'])[A-Za-z]{4,}(?![\w'])", seg.text)
            if m.group(0).lower() not in TYPO_PROTECT
        ]
        if not candidates:
            return
        si, m = rng.choice(candidates)
        word = m.group(0)
        if word.lower() in COMMON_TYPOS and rng.random() < 0.7:
            new = COMMON_TYPOS[word.lower()]
        else:
            op = rng.randrange(3)
            i = rng.randrange(1, len(word) - 2)
            if op == 0:
                new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            elif op == 1:
                new = word[:i] + word[i + 1 :]
            else:
                new = word[:i] + word[i] + word[i:]
        seg = segments[si]
        seg.text = seg.text[: m.start()] + new + seg.text[m.end() :]


def template_is_hard_negative(template: str) -> bool:
    literal = SLOT_RE.sub(" ", template)
    if any(slot in NEGATIVE_SLOTS for slot, *_ in SLOT_RE.findall(template)):
        return True
    return any(p.search(literal) for p in TRAP_RE)


def fill_slot(
    gen: Gen,
    base: str,
    idx: str,
    sub: str | None,
    mod: str | None,
    lang: str,
    people: dict[str, Name],
    home: str,
) -> str:
    """One value for a slot. `home` is the message's country: most phone numbers, addresses
    and IBANs in one message agree with it, the rest come from anywhere."""
    effective_sub = sub or (lang if lang != "en" else None)
    rng = gen.rng
    if base == "EMAIL":
        owner = people.get(idx) if rng.random() < 0.9 else None
        return gen.email(owner, effective_sub)
    if base == "PHONE":
        return gen.phone(effective_sub or (home if rng.random() < 0.75 else None))
    if base == "CARD":
        return gen.card(sub)
    if base == "IBAN":
        return gen.iban(effective_sub or (home if rng.random() < 0.8 else None))
    if base == "SSN":
        return gen.ssn(mod)
    if base == "DOB":
        return gen.dob(sub, lang)
    if base == "ADDRESS":
        return gen.address(effective_sub or (home if rng.random() < 0.85 else None))
    if base == "IP":
        return gen.ip(sub)
    if base == "ACCT":
        return gen.account_id()
    return gen.negative(base, sub, lang)


def render(template: str, lang: str, situation: str, gen: Gen) -> Record:
    rng = gen.rng
    gen.message = {}
    parts = split_template(template)
    slots = [slot for _, slot in parts if slot[0]]
    # A repeated slot (same TYPE and index) is the same value, so it must ask for the same
    # sub-type; person slots may add a gender on one occurrence only.
    subs: dict[tuple[str, str], set[str | None]] = {}
    for base, idx, sub, _ in slots:
        subs.setdefault(("P" if base in PERSON_GROUP else base, idx), set()).add(sub)
    for key, seen in subs.items():
        assert len(seen - {None}) <= 1 and (key[0] == "P" or len(seen) == 1), (template, key)

    # Resolve values: persons first (e-mails are derived from them), then the rest.
    people: dict[str, Name] = {}
    locale = lang if lang != "en" else None
    for base, idx, _sub, _ in slots:
        if base in PERSON_GROUP and idx not in people:
            genders = {s for b, i, s, _ in slots if b in PERSON_GROUP and i == idx and s}
            gender = genders.pop() if genders else None
            chosen = gen.person(locale, gender)
            while any(chosen == other for other in people.values()):
                chosen = gen.person(locale, gender)
            people[idx] = chosen
            gen.names_used[chosen.full] += 1
    home = "us" if any(base == "SSN" for base, *_ in slots) else gen.weighted(PHONE_WEIGHTS)
    values: dict[tuple[str, str], str] = {}
    for base, idx, sub, mod in slots:
        key = ("P" if base in PERSON_GROUP else base, idx)
        if base in PERSON_GROUP:
            person = people[idx]
            value = {"PERSON": person.full, "FIRST": person.given, "SURNAME": person.surname}[base]
            values[(base, idx)] = value
            continue
        if key in values:
            continue
        # Two different slots of one message never share a value (retry on collision).
        for _attempt in range(50):
            gen.discard()
            value = fill_slot(gen, base, idx, sub, mod, lang, people, home)
            if value not in values.values():
                gen.commit()
                break
        else:
            raise AssertionError(f"cannot fill {base}{idx} uniquely in {template!r}")
        values[key] = value

    lowercase_style = lang == "en" and rng.random() < 0.13
    segments: list[Segment] = []
    for literal, (base, idx, _sub, mod) in parts:
        if literal:
            segments.append(Segment(literal.lower() if lowercase_style else literal, "literal"))
        if not base:
            continue
        value = values[(base, idx)]
        origin = people[idx].origin if base in PERSON_GROUP else None
        if mod == "misspell":
            value = misspell(value, rng)
        if mod == "lower" or (lowercase_style and base in LOWERCASE_STYLE_TYPES):
            value = lower_as_typed(value, rng)
        kind = base if base in SPAN_SLOTS else "negative"
        segments.append(Segment(value, kind, origin))

    typo_rate = 0.3 if lang == "en" else 0.12
    if rng.random() < typo_rate:
        add_typos(segments, rng, 1 if rng.random() < 0.7 else 2)

    text, pos = "", 0
    spans: list[Span] = []
    multilingual = False
    for seg in segments:
        if seg.kind in SPAN_SLOTS:
            spans.append(
                {
                    "start": pos,
                    "end": pos + len(seg.text),
                    "type": SPAN_SLOTS[seg.kind],
                    "value": seg.text,
                }
            )
            if seg.origin not in {None, "en"}:
                multilingual = True
        text += seg.text
        pos += len(seg.text)

    kinds = {TYPE_TAG[str(s["type"])] for s in spans}
    tags = [t for t in TYPE_TAG.values() if t in kinds]
    if situation == "general" or template_is_hard_negative(template):
        tags.append("hard_negative")
    if multilingual:
        tags.append("multilingual_name")
    return Record(text, spans, tags, lang, situation, template)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
EMAIL_ANYWHERE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]")
CARD_RUN = re.compile(r"(?<![\dA-Za-z])(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)(?![A-Za-z])")
IBAN_ANYWHERE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")
SSN_ANYWHERE = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")


def validate_span(text: str, span: Span) -> None:
    start, end, etype, value = span["start"], span["end"], span["type"], span["value"]
    assert 0 <= start < end <= len(text), (text, span)
    assert text[start:end] == value, (text, span)
    assert value == value.strip() and value[-1] not in ".,;:!?)", span
    assert start == 0 or not text[start - 1].isalnum(), (text, span)
    assert end == len(text) or not text[end].isalnum(), (text, span)
    if etype == "CREDIT_CARD":
        digits = re.sub(r"[ -]", "", value)
        assert digits.isdigit() and luhn_valid(digits), value
        assert re.match(r"^(4\d{15}|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|6011\d{12})$", digits)
    elif etype == "IBAN_CODE":
        assert iban_valid(value), value
        assert value.replace(" ", "")[:2] in IBAN_COUNTRIES, value
    elif etype == "US_SSN":
        assert ssn_valid(value), value
        if "-" not in value:
            assert re.search(r"(?i)SSN:? $", text[:start]), (text, value)
    elif etype == "ACCOUNT_ID":
        assert re.fullmatch(r"ACC-\d{8}", value), value
    elif etype == "IP_ADDRESS":
        ipaddress.ip_address(value)
    elif etype == "EMAIL_ADDRESS":
        assert EMAIL_RE.match(value), value
        assert re.search(r"(?i)\.example\.(com|net|org)$|@example\.(com|net|org)$", value), value
    elif etype == "PHONE_NUMBER":
        assert re.fullmatch(r"\+?[\d ().-]+", value), value
        assert 8 <= len(re.sub(r"\D", "", value)) <= 13, value
    elif etype == "DATE_OF_BIRTH":
        context = text[max(0, start - 60) : start] + " " + text[end : end + 30]
        assert BIRTH_CONTEXT.search(context), (text, value)
    elif etype == "ADDRESS":
        assert any(ch.isdigit() for ch in value), value
    elif etype == "PERSON":
        assert not any(ch.isdigit() for ch in value), value
        assert not re.match(r"(?i)(mr|mrs|ms|dr)\b", value), value


def validate_outside(text: str, spans: list[Span], all_name_tokens: set[str]) -> None:
    """Nothing outside the gold spans may itself be a valid instance of a strict type."""
    masked = list(text)
    for s in spans:
        for i in range(s["start"], s["end"]):
            masked[i] = " "
    rest = "".join(masked)
    assert not EMAIL_ANYWHERE.search(rest), text
    assert not re.search(r"(?i)ACC-\d{8}", rest), text
    assert not SSN_ANYWHERE.search(rest), text
    for m in CARD_RUN.finditer(rest):
        assert not luhn_valid(re.sub(r"\D", "", m.group(0))), (text, m.group(0))
    for m in IBAN_ANYWHERE.finditer(rest):
        compact = m.group(0).replace(" ", "")
        length = IBAN_LENGTHS.get(compact[:2])
        assert not (length and iban_valid(compact[:length])), (text, m.group(0))
    for token in re.findall(r"\b[A-ZÀ-Ý][\w'-]+", rest):
        assert token not in all_name_tokens or token in LITERAL_NAME_ALLOW, (text, token)


def validate(records: list[Row]) -> None:
    name_tokens = {tok for n in NAMES for tok in n.full.split(" ") if len(tok) >= 3}
    texts: set[str] = set()
    for rec in records:
        text = rec["text"]
        spans = rec["spans"]
        assert isinstance(text, str)
        assert isinstance(spans, list)
        assert text not in texts, f"duplicate text: {text}"
        texts.add(text)
        assert 3 <= len(text.split()) <= 60, (len(text.split()), text)
        previous_end = -1
        for span in spans:
            validate_span(text, span)
            assert span["start"] >= previous_end, f"overlapping spans in {rec['id']}"
            previous_end = span["end"]
        validate_outside(text, spans, name_tokens)
        tags = rec["tags"]
        assert tags == [t for t in TAG_ORDER if t in tags], tags
        kinds = [TYPE_TAG[s["type"]] for s in spans]
        assert [t for t in tags if t in TYPE_TAG.values()] == [
            t for t in TYPE_TAG.values() if t in kinds
        ]


def check_quotas(records: list[Row], gen: Gen) -> None:
    per_type = Counter(s["type"] for r in records for s in r["spans"])
    for etype, minimum in MIN_SPANS.items():
        assert per_type[etype] >= minimum, f"{etype}: {per_type[etype]} < {minimum}"
    assert len(records) >= MIN_RECORDS, len(records)
    empty = sum(1 for r in records if not r["spans"])
    assert empty >= MIN_EMPTY_RECORDS, empty
    assert sum(1 for r in records if r["language"] != "en") >= MIN_NON_EN_RECORDS
    assert len(gen.phone_countries) >= MIN_PHONE_COUNTRIES, gen.phone_countries
    for name, templates in SITUATIONS.items():
        assert len(set(templates)) >= MIN_TEMPLATES_PER_SITUATION, (name, len(set(templates)))
    assert set(gen.iban_countries) == set(IBAN_COUNTRIES), gen.iban_countries
    assert set(gen.address_countries) == {"us", "uk", "de", "es", "fr"}, gen.address_countries
    assert set(gen.card_brands) == {"visa", "mc", "amex", "discover"}, gen.card_brands
    assert set(gen.ip_versions) == {"v4", "v6"}
    unused = [n.full for n in NAMES if n.full not in gen.names_used]
    assert not unused, f"names never used in a PERSON span: {unused}"
    multi_spans = sum(1 for r in records if len({s["type"] for s in r["spans"]}) >= 2)
    assert multi_spans >= 100, multi_spans
    repeats = sum(1 for r in records if len({s["value"] for s in r["spans"]}) < len(r["spans"]))
    assert repeats >= 5, repeats


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------


def build() -> tuple[list[Row], Gen]:
    rng = random.Random(SEED)
    gen = Gen(rng)
    rendered: list[Record] = []
    for situation, templates in SITUATIONS.items():
        rendered.extend(render(t, "en", situation, gen) for t in templates)
    rendered.extend(render(t, "en", "general", gen) for t in GENERAL)
    for lang, templates in LANG_TEMPLATES.items():
        rendered.extend(render(t, lang, "localized", gen) for t in templates)

    # Second pass: templates that carry PII are filled again with fresh values.
    for situation, templates in SITUATIONS.items():
        for t in templates:
            if any(base in SPAN_SLOTS for base, *_ in SLOT_RE.findall(t)) and rng.random() < 0.75:
                rendered.append(render(t, "en", situation, gen))
    for lang, templates in LANG_TEMPLATES.items():
        for t in templates:
            if any(base in SPAN_SLOTS for base, *_ in SLOT_RE.findall(t)):
                rendered.append(render(t, lang, "localized", gen))

    rng.shuffle(rendered)
    gen.situations.update(rec.situation for rec in rendered)
    records: list[Row] = []
    for i, rec in enumerate(rendered, start=1):
        records.append(
            {
                "id": f"pii-{i:04d}",
                "text": rec.text,
                "spans": rec.spans,
                "tags": rec.tags,
                "language": rec.language,
            }
        )
    validate(records)
    check_quotas(records, gen)
    return records, gen


def serialise(records: list[Row]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def report(records: list[Row], gen: Gen) -> str:
    per_type = Counter(s["type"] for r in records for s in r["spans"])
    per_tag = Counter(t for r in records for t in r["tags"])
    per_lang = Counter(r["language"] for r in records)
    lines = [
        f"records: {len(records)}",
        f"records without any span: {sum(1 for r in records if not r['spans'])}",
        f"spans: {sum(per_type.values())}",
        "",
        "| entity type | spans |",
        "|---|---:|",
        *(f"| {t} | {per_type[t]} |" for t in MIN_SPANS),
        "",
        "| tag | records |",
        "|---|---:|",
        *(f"| {t} | {per_tag[t]} |" for t in TAG_ORDER),
        "",
        "languages: " + ", ".join(f"{k}={v}" for k, v in sorted(per_lang.items())),
        "phone countries: " + ", ".join(f"{k}={v}" for k, v in sorted(gen.phone_countries.items())),
        "address countries: "
        + ", ".join(f"{k}={v}" for k, v in sorted(gen.address_countries.items())),
        "IBAN countries: " + ", ".join(f"{k}={v}" for k, v in sorted(gen.iban_countries.items())),
        "card brands: " + ", ".join(f"{k}={v}" for k, v in sorted(gen.card_brands.items())),
        "IP versions: " + ", ".join(f"{k}={v}" for k, v in sorted(gen.ip_versions.items())),
        f"distinct people (pool names used): {len(gen.names_used)} of {len(NAMES)}",
        "records per situation: "
        + ", ".join(f"{k}={v}" for k, v in sorted(gen.situations.items())),
        "templates: "
        + ", ".join(f"{k}={len(v)}" for k, v in SITUATIONS.items())
        + f", general={len(GENERAL)}, "
        + ", ".join(f"{k}={len(v)}" for k, v in LANG_TEMPLATES.items()),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if messages.jsonl is stale")
    args = parser.parse_args()
    records, gen = build()
    content = serialise(records)
    if args.check:
        current = OUT_PATH.read_text(encoding="utf-8") if OUT_PATH.exists() else ""
        if current != content:
            print(f"{OUT_PATH} is stale; re-run build_dataset.py", file=sys.stderr)
            return 1
        print(f"{OUT_PATH} is up to date ({len(records)} records)")
        return 0
    OUT_PATH.write_text(content, encoding="utf-8")
    print(f"wrote {OUT_PATH} ({len(records)} records)")
    print(report(records, gen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
