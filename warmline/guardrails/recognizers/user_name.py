"""Social-media user names ("@NikoWavy", "@david_myers77"): a handle names one account,
most often one person's, as surely as the name itself.

Customers give them to be found ("my insta is @ana.lopez_"). Presidio has no recognizer
for them and its NER labels some of them as whatever the following word suggests. A
handle is an "@" that no address part precedes (so e-mails stay e-mails) followed by
up to thirty letters, digits, dots or underscores, as the large networks allow.
Measured on the Broad Twitter Corpus dev split (see evals/README.md).
"""

from presidio_analyzer import Pattern, PatternRecognizer

USER_NAME_SCORE = 0.85
_HANDLE = r"(?<![\w.+@-])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])"


def user_name_recognizer() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="USER_NAME",
        name="UserNameRecognizer",
        patterns=[Pattern("user name", _HANDLE, USER_NAME_SCORE)],
    )
