"""Postal addresses in US, UK, DE, ES and FR formats."""

from presidio_analyzer import Pattern, PatternRecognizer

_STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"parkway|pkwy|terrace|circle|square|sq|close|crescent|grove|gardens|hill|row|walk|mews)"
)
_US_SUFFIX = (
    r"(?:street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"parkway|pkwy|terrace|ter|circle|cir|square|sq|trail|trl|highway|hwy|pike|loop|plaza|plz|"
    r"alley|aly|expressway|expy|freeway|fwy|turnpike|tpke|crossing|xing|ridge|rdg|center|ctr|"
    r"close|crescent|grove|gardens|hill|row|walk|mews)"
)
_DIRECTION = (
    r"(?:n\.[ew]\.|s\.[ew]\.|n|s|e|w|ne|nw|se|sw|north|south|east|west|northeast|northwest|"
    r"southeast|southwest)\.?"
)
# A street name word, never a word of ordinary prose ("2 days on the way" is no address).
_NAME_WORD = (
    r"(?!(?:the|a|an|on|in|of|to|my|your|our|and|or|is|it|its|for|with|at|by|from|this|that|"
    r"more|days?|weeks?|hours?|minutes?|times?|items?|years?|months?|orders?|bulbs?|units?|"
    r"was|were|are|be|been|has|have|had|all|any|no|not|out|under|over)\b)[\w'.-]+"
)
_NUMBER = r"\d{1,6}[A-Za-z]?(?:-\d{1,4})?(?:\s+1/2)?"
# Capitalised words even under the patterns' (?i): a city or a street name.
_CAPITAL = r"(?-i:[A-Z][\w.'-]*)"
_CITY = rf"(?:,?\s+{_CAPITAL}(?:\s+{_CAPITAL}){{0,3}}){{0,2}}"
_UNIT = (
    r"(?:,?\s*(?:(?:apt|apartment|unit|suite|ste|flat|fl|floor|room|rm|bldg|building|dept|lot|"
    r"space|spc|#)\.?\s*#?\s*[\w-]{1,6}|(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|"
    r"ground|lower|upper)\s+(?:floor|fl|level)\b))"
)
# A rural route (RR, RFD, star route, highway contract route) or a military mail route (CMR,
# PSC) before its box number.
_ROUTE = (
    r"(?:rr|r\.r\.|rfd|rt|hcr|cmr|psc|(?:rural|star|hc|(?:hwy|highway)\s+contract)\s+"
    r"(?:route|rte)|hc)"
)
_UK_POSTCODE = r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}"
_EU_TAIL = r",?\s*\d{5}\s+[A-Za-zÀ-ÿ-]+(?:\s[A-Za-zÀ-ÿ-]+)?"
ADDRESS_PATTERNS = [
    # Flat 7, 240 Station Close, Birmingham B13 9HD / 221B Baker Street, London NW1 6XE
    rf"(?:(?:flat|apt|appt|unit)\s*\w{{1,4}},\s*)?\d{{1,5}}[A-Za-z]?\s+(?:[A-Za-z][a-z'-]+\s+)"
    rf"{{1,4}}{_STREET_SUFFIX}\b\.?{_UNIT}?,\s*[A-Za-z]+(?:\s[A-Za-z]+)?\s+{_UK_POSTCODE}\b",
    # 1600 Amphitheatre Parkway, Suite 5, Mountain View, 94043 / 1755 Howard Street DesPlaines
    rf"{_NUMBER}(?:\s+[NSEW]\d{{2,6}})?\s+(?:{_DIRECTION}\s+)?(?:{_NAME_WORD}\s+){{0,5}}?"
    rf"{_US_SUFFIX}\b\.?(?:\s+{_DIRECTION}\b)?{_UNIT}*{_CITY}(?:,?\s*\d{{5}}(?:-\d{{4}})?\b)?",
    # 500 South Central / 1020 West Bryn Mawr 211: a number, a direction, a capitalised name
    rf"{_NUMBER}\s+{_DIRECTION}\s+{_CAPITAL}(?:\s+{_CAPITAL}){{0,3}}(?:\s+\d{{1,5}}\b)?{_UNIT}*",
    # 6500 Highway 179 / 88175 US Highway 278 / 3904 Route # A / 2002 FM 544 (one blank run
    # before the road number: two around an optional "#" share a run of blanks between
    # them, quadratic time)
    rf"\d{{1,6}}\s+(?:{_DIRECTION}\s+)?(?:(?:us|u\.s\.|state|county|[a-z]{{2}})\s+)?"
    rf"(?:highway|hwy|route|rte|fm|cr|sr|county road|state road)\s*(?:no\.?\s*)?(?:#\s*)?\w{{1,5}}"
    rf"(?:\s+{_DIRECTION}\b)?{_UNIT}*",
    # 13125 Rte. 138 / 5965 State Rt. 140 / 2349 Old State Route 3: a road's abbreviation
    # with its dot, or its former line ("Old"), before a road number in digits ("rt"
    # without the dot is chat's retweet; "2 old route maps" counts maps; a house number of
    # one digit is a count too: "4 Rt. 66 stickers", "the 5 old route 66 souvenirs")
    rf"\d{{2,6}}\s+(?:{_DIRECTION}\s+)?(?:old\s+)?(?:(?:us|u\.s\.|state|county|[a-z]{{2}})\s+)?"
    rf"(?:highway|hwy|route|rte|rt(?=\.))\.?\s*(?:no\.?\s*)?(?:#\s*)?\d{{1,4}}[a-z]?\b"
    rf"(?:\s+{_DIRECTION}\b)?{_UNIT}*",
    # Highway 63 South: a capitalised road with its number and no house number
    rf"(?-i:Highway|Hwy|Route|Rte|State Road|County Road)\s+\d{{1,5}}\b(?:\s+{_DIRECTION}\b)?",
    # P.O. Box 123456 / Box # 63 / POB 19060 / PO Bx 433
    r"(?:p\.?\s*o\.?\s*(?:box|bx)|pob|post office box|box\s*#)\s*#?\s*\d{1,7}(?:-\d{1,7})?\b",
    # RR 2 Box 348 / HC 68 Box 23A / Star Route 24 Box # 45 / CMR 411 Box 3568: a rural
    # route or a military mail route and its box, the whole of many rural addresses
    rf"{_ROUTE}\s*(?:#\s*)?\d{{1,4}}[a-z]{{0,2}},?\s+box\s*(?:#\s*)?\d{{1,6}}[a-z]?\b",
    # Route Box # 201: a rural box with no route number is the route's too; "#" names the
    # box as the lone box's pattern below wants it ("en route box 3 of 4" counts boxes)
    r"(?:route|rte)\s+box\s*#\s*\d{1,6}[a-z]?\b",
    # Hauptstraße 5, 10115 Berlin / Friedrichstraße 15b, 70173 Stuttgart
    # (a bounded name: unbounded, "a-a-a-…" is re-read from every letter, quadratic time)
    rf"[A-Za-zÄÖÜäöüß-]{{1,40}}(?:straße|strasse|weg|allee|platz|gasse|ring|damm|ufer|chaussee)"
    rf"\s+\d{{1,4}}[a-z]?{_EU_TAIL}",
    # Calle de Alcalá 42, 28014 Madrid / C/ del Doctor Fleming 15, 3º 2ª, 29015 Málaga
    rf"(?:calle|c/|avenida|avda\.?|plaza|pza\.?|paseo|camino|ronda|carrer|gran v[ií]a|"
    rf"v[ií]a)\s+(?:(?:de|del|la|las|los|el)\s+)*(?:[A-Za-zÀ-ÿ]+\s+){{0,3}}\d{{1,4}}"
    rf"(?:,\s*\d+º\s*[A-Za-z]?(?:\s*\d+ª)?)?{_EU_TAIL}",
    # Appt 14, 16 rue Saint-Honoré, 75002 Paris / 12 bis avenue des Ternes, 75017 Paris
    rf"(?:(?:appt|apt|bât\.?|bat\.?)\s*\w{{1,4}},\s*)?\d{{1,4}}(?:\s*(?:bis|ter))?,?\s+(?:rue|"
    rf"avenue|av\.|boulevard|bd|place|allée|allee|chemin|impasse|quai|cours)\s+(?:(?:de|du|des|la|le|"
    rf"l')\s*)*[A-Za-zÀ-ÿ'-]+(?:[\s-][A-Za-zÀ-ÿ'-]+){{0,3}}{_EU_TAIL}",
]


def address_recognizer() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="ADDRESS",
        name="PostalAddressRecognizer",
        patterns=[
            Pattern(name=f"address_{i}", regex=rf"(?i)\b{p}", score=0.85)
            for i, p in enumerate(ADDRESS_PATTERNS)
        ],
    )
