#!/usr/bin/env python3
"""Held-out PII redaction eval set for the Lumen Home customer-service chat.

Every message below was written by hand, one by one, and is independent of
the other data and code in this repository. Nothing is generated from
templates; the only computed parts are credit-card check digits (Luhn), which
are spliced in with f-strings so the numbers are guaranteed valid.

Entry format:  (text, [(value, TYPE), ...])  or  (text, [(value, TYPE), ...], meta)
  * value must appear verbatim in text. Offsets are computed with str.find;
    a value listed twice in the same entry maps to successive occurrences.
    Occurrences glued to a letter/digit (e.g. "Will" inside "William") are
    skipped so a span always starts and ends at a token edge.
  * meta is an optional space-separated string: "hn" marks a message that
    contains hard negatives (order numbers, error codes, prices, non-birth
    dates, version strings, name-like words, ...); "de" / "fr" / "es" set the
    language (default "en").

Span conventions:
  PERSON         the name as written, without titles (Mr, Dr, ...)
  PHONE_NUMBER   as written, incl. leading + and country code
  CREDIT_CARD    full number as written incl. separators (partial "ending 4444"
                 is NOT a span)
  DATE_OF_BIRTH  only dates the text says are birth dates
  ADDRESS        the full postal address as written: from the house number
                 (or the street, where the number follows it, e.g. DE/ES) up to
                 the postcode -- or up to the city where the city follows the
                 postcode (DE, FR, ES). A city, street or zip on its own is not
                 a span.
  IP_ADDRESS     v4 or v6 literal (private ranges included)
  ACCOUNT_ID     ACC- followed by 8 digits

Run from the repository root:  python3 evals/pii/holdout_source.py
"""

import ipaddress
import itertools
import json
import os
import re
from collections import Counter


# --------------------------------------------------------------------------
# helpers for valid card numbers
# --------------------------------------------------------------------------
def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) >= 12 and total % 10 == 0


def with_luhn(partial: str) -> str:
    """Append the Luhn check digit to a digit string."""
    for check in "0123456789":
        if luhn_valid(partial + check):
            return partial + check
    raise ValueError(partial)


def group(number: str, sizes, sep: str) -> str:
    out, i = [], 0
    for s in sizes:
        out.append(number[i : i + s])
        i += s
    assert i == len(number), (number, sizes)
    return sep.join(out)


def iban_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    s = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97 == 1


# computed (not well-known test) numbers
CARD_VISA_A = group(with_luhn("453914880343646"), (4, 4, 4, 4), " ")
CARD_MC_B = with_luhn("542523343010990")
CARD_VISA_C = group(with_luhn("491761720094382"), (4, 4, 4, 4), "-")


# --------------------------------------------------------------------------
# the messages
# --------------------------------------------------------------------------
MESSAGES = [
    # 1
    (
        "hi my name is Daniela Ruiz and my hub keeps dropping wifi, order LH-482913. can someone call me back on +1 (415) 555-0132 thx",
        [("Daniela Ruiz", "PERSON"), ("+1 (415) 555-0132", "PHONE_NUMBER")],
        "hn",
    ),
    # 2
    (
        "hub says E-1042 again after the update to firmware 3.8.2, tried unplugging it twice already. order was LH-559201 if that helps",
        [],
        "hn",
    ),
    # 3
    (
        "Hello, I would like to cancel Lumen Plus before the renewal. Account is ACC-40918273 and the email on file is m.okafor@protonmail.com. Thanks, Michael",
        [
            ("ACC-40918273", "ACCOUNT_ID"),
            ("m.okafor@protonmail.com", "EMAIL_ADDRESS"),
            ("Michael", "PERSON"),
        ],
        "hn",
    ),
    # 4
    (
        "does the Grace period still apply if my payment failed on the 3rd? dont want to lose my camera history",
        [],
        "hn",
    ),
    # 5
    (
        "pls update my card, new one is 4111 1111 1111 1111 exp 09/27. the old one got cancelled by the bank",
        [("4111 1111 1111 1111", "CREDIT_CARD")],
        "hn",
    ),
    # 6
    ("Will the Lumen Doorbell 2 work with the old chime wiring? house is from the 70s", [], "hn"),
    # 7
    (
        "ok so the tech was supposed to come to 1847 W Fullerton Ave, Apt 3R, Chicago, IL 60614 between 9 and 12 and nobody showed up. reference LH-300127",
        [("1847 W Fullerton Ave, Apt 3R, Chicago, IL 60614", "ADDRESS")],
        "hn",
    ),
    # 8
    (
        "my husband Rahul set up the account with his email rahul.mehta82@gmail.com but i want to be added as a second admin. im Anjali",
        [("Rahul", "PERSON"), ("rahul.mehta82@gmail.com", "EMAIL_ADDRESS"), ("Anjali", "PERSON")],
    ),
    # 9
    ("Bill me annually instead of monthly please, the yearly price was $99.99 right?", [], "hn"),
    # 10
    (
        "Guten Tag, mein Rauchmelder piept ständig (Fehler E-2210). Bitte rufen Sie mich unter 0151 23456789 an. Viele Grüße, Jürgen Weiß",
        [("0151 23456789", "PHONE_NUMBER"), ("Jürgen Weiß", "PERSON")],
        "hn de",
    ),
    # 11
    (
        "hi, I was double charged for order LH-771204. card was 5555-5555-5555-4444, both charges show $149.00 on 12 March. can you refund one",
        [("5555-5555-5555-4444", "CREDIT_CARD")],
        "hn",
    ),
    # 12
    (
        "where is my package?? tracking says 1Z999AA10123456784 and it hasnt moved since tuesday",
        [],
        "hn",
    ),
    # 13
    (
        "For identity verification: date of birth 14/03/1988, the account is in my name, Siobhán O'Connor.",
        [("14/03/1988", "DATE_OF_BIRTH"), ("Siobhán O'Connor", "PERSON")],
    ),
    # 14
    (
        "camera keeps showing the amber light and the app says 'device offline'. living in Denver if that matters for the server region",
        [],
        "hn",
    ),
    # 15
    (
        "I'm trying to log in from abroad and it says suspicious login blocked from 84.17.43.201. that was me, I'm in Lisbon this week",
        [("84.17.43.201", "IP_ADDRESS")],
        "hn",
    ),
    # 16
    (
        "my email changed, old: kate.w@yahoo.co.uk new: katherine.walsh@btinternet.com please update both logins",
        [
            ("kate.w@yahoo.co.uk", "EMAIL_ADDRESS"),
            ("katherine.walsh@btinternet.com", "EMAIL_ADDRESS"),
        ],
    ),
    # 17
    (
        "The Lumen Cam Pro I got for $89 doesnt pair, stuck at 'searching' step 3 of 5. Tried 2.4GHz band too",
        [],
        "hn",
    ),
    # 18
    (
        "Hola, quiero cambiar la dirección de envío a Calle de Alcalá 123, 4º izq, 28009 Madrid. Mi pedido es LH-640018. Gracias, Lucía Fernández",
        [("Calle de Alcalá 123, 4º izq, 28009 Madrid", "ADDRESS"), ("Lucía Fernández", "PERSON")],
        "hn es",
    ),
    # 19
    (
        "refund should go to my bank please, IBAN DE89 3704 0044 0532 0130 00, its in my own name",
        [("DE89 3704 0044 0532 0130 00", "IBAN_CODE")],
    ),
    # 20
    (
        "is there a student discount for lumen plus? saw a 20% off code somewhere but it expired 31/01",
        [],
        "hn",
    ),
    # 21
    (
        "yo its marcus, call me at 404-555-0187 after 5pm eastern, the thermostat is stuck at 85 and its killing me",
        [("marcus", "PERSON"), ("404-555-0187", "PHONE_NUMBER")],
        "hn",
    ),
    # 22
    (
        "Need to verify ownership for the transfer, previous owner was my dad and he passed. My SSN 512-48-3301, DOB 07/22/1974",
        [("512-48-3301", "US_SSN"), ("07/22/1974", "DATE_OF_BIRTH")],
    ),
    # 23
    (
        "Order LH-118734 arrived with the wrong plug (US instead of UK). Box says model LHT-200, batch 2023-11-07.",
        [],
        "hn",
    ),
    # 24
    (
        "please ship the replacement to 27 Holloway Road, Flat 2, London N7 8JG, not the old address. thanks",
        [("27 Holloway Road, Flat 2, London N7 8JG", "ADDRESS")],
    ),
    # 25
    (
        "My dog keeps triggering the motion sensor at 3am lol, can I set a pet mode? Hub firmware is 4.12.0.3",
        [],
        "hn",
    ),
    # 26
    (
        "hi this is Nguyễn Thị Lan, my account is ACC-20573318. I moved back home, new phone +84 912 345 678",
        [
            ("Nguyễn Thị Lan", "PERSON"),
            ("ACC-20573318", "ACCOUNT_ID"),
            ("+84 912 345 678", "PHONE_NUMBER"),
        ],
    ),
    # 27
    (
        "card declined again. trying amex 378282246310005 exp 11/26, can u see why",
        [("378282246310005", "CREDIT_CARD")],
        "hn",
    ),
    # 28
    (
        "Just wanted to say the support agent yesterday was great, fixed my E-3307 in 5 minutes. 10/10",
        [],
        "hn",
    ),
    # 29
    (
        "Bonjour, je n'arrive pas à me connecter. Mon adresse mail est claire.dubois@orange.fr et mon numéro 06 12 34 56 78. Merci",
        [("claire.dubois@orange.fr", "EMAIL_ADDRESS"), ("06 12 34 56 78", "PHONE_NUMBER")],
        "fr",
    ),
    # 30
    (
        "wife's name is Mei Ling Tan, she'll be home for the install on friday. my number is +65 9123 4567 if she doesnt pick up",
        [("Mei Ling Tan", "PERSON"), ("+65 9123 4567", "PHONE_NUMBER")],
        "hn",
    ),
    # 31
    (
        "why did my Lumen Plus go from $7.99 to $9.99 a month?? nobody told me. renewal date 2024-06-01",
        [],
        "hn",
    ),
    # 32
    (
        "Good morning, I'd like to dispute a charge on card 6011 1111 1111 1117. I never ordered LH-902211. Regards, Oluwaseun Adeyemi",
        [("6011 1111 1111 1117", "CREDIT_CARD"), ("Oluwaseun Adeyemi", "PERSON")],
        "hn",
    ),
    # 33
    (
        "the app shows someone logged in from 2001:db8:85a3::8a2e:370:7334 at 02:14, that is NOT me. changed my password already",
        [("2001:db8:85a3::8a2e:370:7334", "IP_ADDRESS")],
        "hn",
    ),
    # 34
    (
        "Can I return the Lumen Smart Plug (4-pack) bought on Black Friday? Still sealed, receipt # 55820193",
        [],
        "hn",
    ),
    # 35
    (
        "dob 2 feb 1991, full name aleksandra nowak, the account email is ola.nowak@wp.pl I think. forgot which one I used",
        [
            ("2 feb 1991", "DATE_OF_BIRTH"),
            ("aleksandra nowak", "PERSON"),
            ("ola.nowak@wp.pl", "EMAIL_ADDRESS"),
        ],
    ),
    # 36
    (
        "Installer said the wire colours are wrong. Red to R, white to W, but theres a blue one too?? Unit is LHT-300",
        [],
        "hn",
    ),
    # 37
    (
        "Please charge 5105 1051 0510 5100 instead for the Lumen Plus yearly",
        [("5105 1051 0510 5100", "CREDIT_CARD")],
        "hn",
    ),
    # 38
    (
        "Hallo, ich möchte mein Abo kündigen. Kundennummer ACC-77310452, Adresse Lindenstraße 8, 50674 Köln. Danke, Katrin Hoffmann",
        [
            ("ACC-77310452", "ACCOUNT_ID"),
            ("Lindenstraße 8, 50674 Köln", "ADDRESS"),
            ("Katrin Hoffmann", "PERSON"),
        ],
        "de",
    ),
    # 39
    (
        "Is Mark as resolved supposed to close the ticket? I clicked it by accident, issue isn't fixed (E-1042 still)",
        [],
        "hn",
    ),
    # 40
    (
        "My mother Hiroko Tanaka (born 5 May 1949) lives alone and I'd like the fall alerts sent to me as well. she's at +81 90-1234-5678",
        [
            ("Hiroko Tanaka", "PERSON"),
            ("5 May 1949", "DATE_OF_BIRTH"),
            ("+81 90-1234-5678", "PHONE_NUMBER"),
        ],
    ),
    # 41
    (
        "the hub LED is blinking purple 3 times then red. manual page 14 says reset but that did nothing",
        [],
        "hn",
    ),
    # 42
    (
        "SSN for the financing application: 287-65-4321. and yes the income is correct",
        [("287-65-4321", "US_SSN")],
    ),
    # 43
    (
        "Can you send the invoices to accounts@brightlane-properties.com instead? We manage 40 units with Lumen locks. Thanks, Facilities team",
        [("accounts@brightlane-properties.com", "EMAIL_ADDRESS")],
        "hn",
    ),
    # 44
    (
        "Hope this gets to someone: ordered 3 sensors, got 2. packing slip says qty 3, LH-204417",
        [],
        "hn",
    ),
    # 45
    (
        "ip of my router is 192.168.1.47 and the cam is on 192.168.1.112, both show connected but app says offline",
        [("192.168.1.47", "IP_ADDRESS"), ("192.168.1.112", "IP_ADDRESS")],
    ),
    # 46
    (
        "Bonjour, je voudrais payer Lumen Plus par prélèvement SEPA : FR14 2004 1010 0505 0001 3M02 606, titulaire Antoine Lefèvre.",
        [("FR14 2004 1010 0505 0001 3M02 606", "IBAN_CODE"), ("Antoine Lefèvre", "PERSON")],
        "hn fr",
    ),
    # 47
    (
        "got a text saying my Lumen account is locked and to confirm my SSN 532-70-1189 via a link, i think i already replied with it :( is that you guys??",
        [("532-70-1189", "US_SSN")],
        "hn",
    ),
    # 48
    (
        "hey its Kwame again. the new address is 55 Orchard Lane, Apt 12B, Brooklyn, NY 11201, please move the order over",
        [("Kwame", "PERSON"), ("55 Orchard Lane, Apt 12B, Brooklyn, NY 11201", "ADDRESS")],
    ),
    # 49
    (
        "Delivery was scheduled for 14 Nov between 8:00-12:00 but the courier came at 7:15 when no one was home",
        [],
        "hn",
    ),
    # 50
    (
        "Dear Lumen team, I request deletion of all my data under GDPR. Name: Ingrid Johansson, email ingrid.johansson@telia.se, phone +46 70 123 45 67.",
        [
            ("Ingrid Johansson", "PERSON"),
            ("ingrid.johansson@telia.se", "EMAIL_ADDRESS"),
            ("+46 70 123 45 67", "PHONE_NUMBER"),
        ],
    ),
    # 51
    (
        "whats the difference between Lumen Plus and Lumen Plus Family? is 5 cameras the limit",
        [],
        "hn",
    ),
    # 52
    (
        "Me llamo José Luis Fernández Ortega, mi número de cuenta es ACC-55120987 y mi fecha de nacimiento es 23/07/1985. No me llega el código de verificación",
        [
            ("José Luis Fernández Ortega", "PERSON"),
            ("ACC-55120987", "ACCOUNT_ID"),
            ("23/07/1985", "DATE_OF_BIRTH"),
        ],
        "es",
    ),
    # 53
    (
        "Please put my Visa 4012 8888 8888 1881 on file from now on",
        [("4012 8888 8888 1881", "CREDIT_CARD")],
    ),
    # 54
    (
        "E-5001 when I try to add a second user. we're on the Lumen Plus annual plan since march",
        [],
        "hn",
    ),
    # 55
    (
        "my son Tomás (he's 16) keeps changing the thermostat, can I lock it? my email is fernanda.costa@uol.com.br",
        [("Tomás", "PERSON"), ("fernanda.costa@uol.com.br", "EMAIL_ADDRESS")],
    ),
    # 56
    ("Will someone please reply, this is my 4th message about LH-330985. 2 weeks now.", [], "hn"),
    # 57
    (
        "Routing the refund: GB29 NWBK 6016 1331 9268 19. same name as on the Lumen account",
        [("GB29 NWBK 6016 1331 9268 19", "IBAN_CODE")],
    ),
    # 58
    (
        "Sensor battery says 12% but I changed it yesterday (CR2032). Is that a known bug in v2.1.7?",
        [],
        "hn",
    ),
    # 59
    (
        "i need the previous owner's account removed from my doorbell. I bought the house at 3920 Magnolia Dr, Austin, TX 78704 in june",
        [("3920 Magnolia Dr, Austin, TX 78704", "ADDRESS")],
        "hn",
    ),
    # 60
    ("call me on 07700 900456 pls, cant type much, on a train", [("07700 900456", "PHONE_NUMBER")]),
    # 61
    (
        "Are Lumen devices compatible with Matter 1.2? Looking at the Lumen Hub Mini for my flat in Manchester",
        [],
        "hn",
    ),
    # 62
    (
        "Hi! Trying to add my mum as a user but the invite to zainab.hussain@hotmail.co.uk never arrives. Her name's Zainab Hussain, mine is Amina",
        [
            ("zainab.hussain@hotmail.co.uk", "EMAIL_ADDRESS"),
            ("Zainab Hussain", "PERSON"),
            ("Amina", "PERSON"),
        ],
    ),
    # 63
    (
        "Ich habe Bestellung LH-615502 am 3. Mai aufgegeben und immer noch keine Versandbestätigung. Was ist da los?",
        [],
        "hn de",
    ),
    # 64
    (
        "card ending 4444 got replaced, new number 2223-0031-2200-3222 exp 04/29",
        [("2223-0031-2200-3222", "CREDIT_CARD")],
        "hn",
    ),
    # 65
    (
        "For the warranty claim: Mehmet Yılmaz, Hauptstraße 112, 70173 Stuttgart, Tel. +49 711 2345678",
        [
            ("Mehmet Yılmaz", "PERSON"),
            ("Hauptstraße 112, 70173 Stuttgart", "ADDRESS"),
            ("+49 711 2345678", "PHONE_NUMBER"),
        ],
    ),
    # 66
    (
        "How long is the warranty on the Lumen Lock? Mine is 13 months old and the keypad died",
        [],
        "hn",
    ),
    # 67
    (
        "My SSN is 401 22 8765 and my birthday is 11/09/1990, do you need anything else for the credit check",
        [("401 22 8765", "US_SSN"), ("11/09/1990", "DATE_OF_BIRTH")],
    ),
    # 68
    (
        "can i pay with paypal? my card keeps getting declined at checkout, total was £214.50",
        [],
        "hn",
    ),
    # 69
    (
        "the account is under my late father's name, Giuseppe Romano. Can it be transferred to me, Francesca Romano? ACC-31029847",
        [
            ("Giuseppe Romano", "PERSON"),
            ("Francesca Romano", "PERSON"),
            ("ACC-31029847", "ACCOUNT_ID"),
        ],
    ),
    # 70
    (
        "Bill is my landlord, not me, so please dont send him the invoices lol. just keep them on my account",
        [("Bill", "PERSON")],
    ),
    # 71
    ("Firmware 5.0.1 bricked my hub. Serial LMH-8K2-00457, purchased Dec 2022", [], "hn"),
    # 72
    (
        "Hi, I'm Chen Jing (陈静). my husband's number is +86 138 0013 8000, please call him for the install",
        [("Chen Jing", "PERSON"), ("陈静", "PERSON"), ("+86 138 0013 8000", "PHONE_NUMBER")],
    ),
    # 73
    (
        "Is there any way to get the footage from 2 nights ago? Someone took a package from my porch on Elm Street.",
        [],
        "hn",
    ),
    # 74
    (
        f"sent from my iphone. pls cancel order LH-880123 and refund to the original card {CARD_VISA_A}",
        [(CARD_VISA_A, "CREDIT_CARD")],
        "hn",
    ),
    # 75
    (
        "Bonjour, je m'appelle Camille Martin, née le 5 juin 1990. Je veux changer mon adresse : 12 rue des Lilas, 69003 Lyon.",
        [
            ("Camille Martin", "PERSON"),
            ("5 juin 1990", "DATE_OF_BIRTH"),
            ("12 rue des Lilas, 69003 Lyon", "ADDRESS"),
        ],
        "fr",
    ),
    # 76
    (
        "Lumen Plus trial ends on 30 September, will I be charged automatically? I don't want to be.",
        [],
        "hn",
    ),
    # 77
    (
        "got locked out after 5 tries, my login email is dmitri.volkov.1987@mail.ru",
        [("dmitri.volkov.1987@mail.ru", "EMAIL_ADDRESS")],
    ),
    # 78
    (
        "the guy at Costco said Lumen cams are on sale till the 15th for $59, can u price match my order LH-447120",
        [],
        "hn",
    ),
    # 79
    (
        "hi im trying to reach support for my grandma, her name is Aroha Ngata, her landline is +64 9 123 4567",
        [("Aroha Ngata", "PERSON"), ("+64 9 123 4567", "PHONE_NUMBER")],
    ),
    # 80
    (
        "Votre chatbot me renvoie toujours vers la FAQ. Je veux parler à un humain. Erreur E-4404 sur toutes les caméras.",
        [],
        "hn fr",
    ),
    # 81
    (
        f"Please update billing: Mastercard {CARD_MC_B}, expiry 08/28. thank you",
        [(CARD_MC_B, "CREDIT_CARD")],
        "hn",
    ),
    # 82
    (
        "this ip keeps trying to log into my account 203.0.113.57 can you block it",
        [("203.0.113.57", "IP_ADDRESS")],
    ),
    # 83
    ("When is the Lumen Doorbell 3 releasing? Saw a leak saying Q3 for €179", [], "hn"),
    # 84
    (
        "tax form needs SSN - it's 623-11-0458. why do you even need this for a refund??",
        [("623-11-0458", "US_SSN")],
    ),
    # 85
    (
        "Need to change the contact for ACC-90817264 from Liam Murphy to Saoirse Murphy, my wife. her mobile is +353 87 123 4567",
        [
            ("ACC-90817264", "ACCOUNT_ID"),
            ("Liam Murphy", "PERSON"),
            ("Saoirse Murphy", "PERSON"),
            ("+353 87 123 4567", "PHONE_NUMBER"),
        ],
    ),
    # 86
    (
        "Plus: the app crashes on Android 14 when I open the timeline. Pixel 7, app version 6.3.0 (build 6301)",
        [],
        "hn",
    ),
    # 87
    (
        "born 1983-08-19, name Kenji Watanabe, I need to reset 2FA since I lost my phone",
        [("1983-08-19", "DATE_OF_BIRTH"), ("Kenji Watanabe", "PERSON")],
    ),
    # 88
    (
        "Is it normal for the thermostat to click every 10 min? its model LHT-200 v2, installed 18/02/2024",
        [],
        "hn",
    ),
    # 89
    (
        "hola! el técnico no vino. mi dirección es Carrer de Mallorca 401, 2n 1a, 08013 Barcelona y mi móvil +34 612 345 678. pedido LH-520674",
        [
            ("Carrer de Mallorca 401, 2n 1a, 08013 Barcelona", "ADDRESS"),
            ("+34 612 345 678", "PHONE_NUMBER"),
        ],
        "hn es",
    ),
    # 90
    (
        "Transfer the refund to NL91ABNA0417164300 please, in the name of Daan de Vries",
        [("NL91ABNA0417164300", "IBAN_CODE"), ("Daan de Vries", "PERSON")],
    ),
    # 91
    (
        "my neighbour has the same doorbell and can see my camera?? we're both on Maple Court. how is that possible",
        [],
        "hn",
    ),
    # 92
    (
        "The order confirmation went to the wrong email, it should be fatima.benali@gmail.com not fatima.benali@gmial.com - typo on my side. Fatima Zahra Benali",
        [
            ("fatima.benali@gmail.com", "EMAIL_ADDRESS"),
            ("fatima.benali@gmial.com", "EMAIL_ADDRESS"),
            ("Fatima Zahra Benali", "PERSON"),
        ],
    ),
    # 93
    (
        "How do I export clips longer than 60 seconds? Lumen Plus says unlimited but the download stops at 1:00",
        [],
        "hn",
    ),
    # 94
    (
        "mi hija Valentina necesita acceso a la app. su correo es vale.gomez2009@gmail.com",
        [("Valentina", "PERSON"), ("vale.gomez2009@gmail.com", "EMAIL_ADDRESS")],
        "es",
    ),
    # 95
    (
        "I can give the installer the door code but please call first: (212) 555-0147. Address is 410 Park Ave S, Apt 7F, New York, NY 10016",
        [
            ("(212) 555-0147", "PHONE_NUMBER"),
            ("410 Park Ave S, Apt 7F, New York, NY 10016", "ADDRESS"),
        ],
    ),
    # 96
    (
        "E-1042 E-1042 E-1042 this is ridiculous. third hub in two months. LH-613390, LH-640771, LH-699032",
        [],
        "hn",
    ),
    # 97
    (
        "Hey! Chidi here. Can you move my renewal date? also my DOB is wrong on the account, should be 30/11/1992 not 1993",
        [("Chidi", "PERSON"), ("30/11/1992", "DATE_OF_BIRTH")],
        "hn",
    ),
    # 98
    (
        "Grace period for failed payments is 7 days right? Card is being replaced, should arrive by Monday",
        [],
        "hn",
    ),
    # 99
    (
        "my account number? ACC-64401928 i think. the app logged me out after the update",
        [("ACC-64401928", "ACCOUNT_ID")],
    ),
    # 100
    (
        "Can I name my cameras in the app? Like 'Front Door', 'Baby Room', 'Garage'. Right now they're Cam 1, Cam 2, Cam 3",
        [],
        "hn",
    ),
    # 101
    (
        "Need to speak to someone about the fire alarm. I'm at 88 Victoria Street, Edinburgh EH1 2HE. number is +44 131 496 0123",
        [
            ("88 Victoria Street, Edinburgh EH1 2HE", "ADDRESS"),
            ("+44 131 496 0123", "PHONE_NUMBER"),
        ],
    ),
    # 102
    (
        "Rose gold finish for the doorbell is out of stock everywhere, any idea when it's back? Located in Phoenix",
        [],
        "hn",
    ),
    # 103
    (
        "Hi, Will here (William Chen). Need the invoice for LH-771893 re-issued to my company name",
        [("Will", "PERSON"), ("William Chen", "PERSON")],
        "hn",
    ),
    # 104
    (
        "test payment failing with 3530111333300000 (JCB), is JCB even supported?",
        [("3530111333300000", "CREDIT_CARD")],
    ),
    # 105
    ("Camera footage shows timestamp 1970-01-01 00:00 on every clip. timezone bug?", [], "hn"),
    # 106
    (
        "please call my daughter sarah on 0412 345 678 she set everything up not me",
        [("sarah", "PERSON"), ("0412 345 678", "PHONE_NUMBER")],
    ),
    # 107
    (
        "My Lumen Plus invoice lists VAT 20% but I'm a business in Dublin, need reverse charge. VAT no is on my account already",
        [],
        "hn",
    ),
    # 108
    (
        "Mein Name ist Anna-Lena Schröder, geb. 02.11.1965. Ich habe mein Passwort vergessen und keinen Zugriff mehr auf a.schroeder@web.de",
        [
            ("Anna-Lena Schröder", "PERSON"),
            ("02.11.1965", "DATE_OF_BIRTH"),
            ("a.schroeder@web.de", "EMAIL_ADDRESS"),
        ],
        "de",
    ),
    # 109
    (
        "La app dice 'Tu sesión ha caducado (código E-0401)' cada vez que la abro. iPhone 13, iOS 17.4",
        [],
        "hn es",
    ),
    # 110
    (
        "ok im putting everything here so i dont have to repeat it: Omar Haddad, omar.haddad@outlook.com, +971 50 123 4567, ACC-18273645, 9 Rue de Rivoli, 75004 Paris",
        [
            ("Omar Haddad", "PERSON"),
            ("omar.haddad@outlook.com", "EMAIL_ADDRESS"),
            ("+971 50 123 4567", "PHONE_NUMBER"),
            ("ACC-18273645", "ACCOUNT_ID"),
            ("9 Rue de Rivoli, 75004 Paris", "ADDRESS"),
        ],
    ),
    # 111
    (
        "Is my data stored in the EU? Our company policy requires it. We have 12 Lumen hubs across 3 offices",
        [],
        "hn",
    ),
    # 112
    (
        "doorbell event log says 'stream requested by 10.0.0.23' - is that my own network or someone else?",
        [("10.0.0.23", "IP_ADDRESS")],
    ),
    # 113
    ("pls send a new return label, the one for LH-209918 expired on the 2nd", [], "hn"),
    # 114
    (
        "Name: Sung-min Park\nDOB: 1995.04.12\nIssue: cant add a fingerprint to the Lumen Lock",
        [("Sung-min Park", "PERSON"), ("1995.04.12", "DATE_OF_BIRTH")],
        "hn",
    ),
    # 115
    (
        "how do i turn off the 'Welcome home, Grace' greeting?? Grace moved out months ago",
        [("Grace", "PERSON"), ("Grace", "PERSON")],
    ),
    # 116
    ("use card 3782 822463 10005 please", [("3782 822463 10005", "CREDIT_CARD")]),
    # 117
    (
        "ordered the starter kit on 12/03, it says delivered 12/05 but nothing here. I'm in Leeds",
        [],
        "hn",
    ),
    # 118
    (
        "Sorry for the typo earlier, my number is +1 647 555 0199 not 0198",
        [("+1 647 555 0199", "PHONE_NUMBER")],
        "hn",
    ),
    # 119
    (
        "my ssn was on the form i uploaded by mistake (345-67-8901), can you delete that file please",
        [("345-67-8901", "US_SSN")],
    ),
    # 120
    (
        "Do you ship to Canada? Toronto specifically. Would need French packaging for Quebec I think",
        [],
        "hn",
    ),
    # 121
    (
        "hola, mi nombre es Ana Sofía Morales, mi IBAN es ES91 2100 0418 4502 0005 1332 para el reembolso del pedido LH-731455",
        [("Ana Sofía Morales", "PERSON"), ("ES91 2100 0418 4502 0005 1332", "IBAN_CODE")],
        "hn es",
    ),
    # 122
    (
        "My phone is +91 98765 43210 and email deepak.iyer@rediffmail.com. Please ask the technician to call before coming",
        [("+91 98765 43210", "PHONE_NUMBER"), ("deepak.iyer@rediffmail.com", "EMAIL_ADDRESS")],
    ),
    # 123
    (
        "On a scale of 1-10 how hard is it to install the Lumen Thermostat myself? I have a C wire",
        [],
        "hn",
    ),
    # 124
    (
        "Guten Tag, bitte überweisen Sie die Erstattung auf AT61 1904 3002 3457 3201. Kontoinhaber bin ich selbst. Bestellung LH-487016",
        [("AT61 1904 3002 3457 3201", "IBAN_CODE")],
        "hn de",
    ),
    # 125
    (
        "there's a login from fe80::1c2b:3aff:fe4d:9e10 in the activity log, is that one of my devices?",
        [("fe80::1c2b:3aff:fe4d:9e10", "IP_ADDRESS")],
    ),
    # 126
    ("pls stop emailing me about Lumen Plus upgrades, I unsubscribed 3 times", [], "hn"),
    # 127
    (
        "Dad's DOB is 19 August 1952, he's the account holder (Harold Jenkins). I'm helping him set up the fall detection",
        [("19 August 1952", "DATE_OF_BIRTH"), ("Harold Jenkins", "PERSON")],
    ),
    # 128
    (
        "Error E-7720 after the power outage. all 6 devices offline. zip 94110 if that helps to check for an outage",
        [],
        "hn",
    ),
    # 129
    (
        "Shipping address: 221 Baker St, Apt 4, San Francisco, CA 94117. Gate code 4471#. Phone 415.555.0163",
        [
            ("221 Baker St, Apt 4, San Francisco, CA 94117", "ADDRESS"),
            ("415.555.0163", "PHONE_NUMBER"),
        ],
        "hn",
    ),
    # 130
    (
        f"its a Visa debit {CARD_VISA_C}, not credit - does that matter for Lumen Plus?",
        [(CARD_VISA_C, "CREDIT_CARD")],
        "hn",
    ),
]


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
LANGS = {"en", "de", "fr", "es"}

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ACCOUNT_RE = re.compile(r"ACC-\d{8}")
DIGIT_RUN_RE = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
SSN_RE = re.compile(r"^(\d{3})[- ](\d{2})[- ](\d{4})$")


def is_edge(text, start, end):
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def check_value(value, typ):
    if typ == "CREDIT_CARD":
        assert luhn_valid(value), f"card fails Luhn: {value}"
    elif typ == "IBAN_CODE":
        assert iban_valid(value), f"bad IBAN: {value}"
    elif typ == "US_SSN":
        m = SSN_RE.match(value)
        assert m, f"bad SSN format: {value}"
        area, grp, serial = m.groups()
        assert area not in ("000", "666") and not area.startswith("9"), value
        assert grp != "00" and serial != "0000", value
    elif typ == "ACCOUNT_ID":
        assert ACCOUNT_RE.fullmatch(value), value
    elif typ == "EMAIL_ADDRESS":
        assert EMAIL_RE.fullmatch(value), value
    elif typ == "IP_ADDRESS":
        ipaddress.ip_address(value)
    elif typ == "PHONE_NUMBER":
        assert sum(c.isdigit() for c in value) >= 7, value


def build_record(idx, entry):
    text, spans_in = entry[0], entry[1]
    meta = entry[2].split() if len(entry) > 2 else []
    assert all(m == "hn" or m in LANGS for m in meta), meta
    lang = next((m for m in meta if m in LANGS), "en")

    cursor = {}
    spans = []
    for value, typ in spans_in:
        assert typ in TYPE_TAG, typ
        check_value(value, typ)
        pos = cursor.get(value, 0)
        while True:
            start = text.find(value, pos)
            assert start >= 0, f"[{idx}] value not found: {value!r}"
            end = start + len(value)
            if is_edge(text, start, end):
                break
            pos = start + 1
        cursor[value] = end
        spans.append({"start": start, "end": end, "type": typ, "value": value})

    spans.sort(key=lambda s: s["start"])
    for a, b in itertools.pairwise(spans):
        assert a["end"] <= b["start"], f"[{idx}] overlapping spans: {a} {b}"
    for s in spans:
        assert text[s["start"] : s["end"]] == s["value"]

    def covered(start, end):
        return any(s["start"] <= start and end <= s["end"] for s in spans)

    # nothing that is obviously PII may be left unlabelled
    for m in EMAIL_RE.finditer(text):
        assert covered(m.start(), m.end()), f"[{idx}] unlabelled email {m.group()}"
    for m in ACCOUNT_RE.finditer(text):
        assert covered(m.start(), m.end()), f"[{idx}] unlabelled account {m.group()}"
    for m in DIGIT_RUN_RE.finditer(text):
        if not any(s["start"] < m.end() and m.start() < s["end"] for s in spans):
            assert not luhn_valid(m.group()), f"[{idx}] unlabelled Luhn-valid number {m.group()}"

    tags = []
    for typ in TYPE_TAG:
        if any(s["type"] == typ for s in spans):
            tags.append(TYPE_TAG[typ])
    if "hn" in meta:
        tags.append("hard_negative")

    return {
        "id": f"holdout-{idx:04d}",
        "text": text,
        "spans": spans,
        "tags": tags,
        "language": lang,
    }


def main():
    assert len(MESSAGES) == 130, len(MESSAGES)
    texts = [m[0] for m in MESSAGES]
    assert len(set(texts)) == len(texts), "duplicate message"

    records = [build_record(i, e) for i, e in enumerate(MESSAGES, start=1)]

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "holdout.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    span_counts = Counter(s["type"] for r in records for s in r["spans"])
    rec_counts = Counter(t for r in records for t in {s["type"] for s in r["spans"]})
    no_pii = [r for r in records if not r["spans"]]
    print(f"wrote {len(records)} records to {out}")
    print(f"{'type':<15}{'spans':>7}{'records':>9}")
    for typ in TYPE_TAG:
        print(f"{typ:<15}{span_counts[typ]:>7}{rec_counts[typ]:>9}")
    print(f"{'TOTAL':<15}{sum(span_counts.values()):>7}")
    print(
        f"records with no PII: {len(no_pii)} "
        f"(with hard_negative tag: {sum('hard_negative' in r['tags'] for r in no_pii)})"
    )
    print(f"records tagged hard_negative: {sum('hard_negative' in r['tags'] for r in records)}")
    print("languages:", dict(Counter(r["language"] for r in records)))


if __name__ == "__main__":
    main()
