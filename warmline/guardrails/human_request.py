"""Detect an explicit request for a person, honouring negations.

"I don't need an agent, just tell me the price" must not escalate, while
"can I talk to a human", "how do I contact an agent?" or "how to speak with a
fucking human agent" must, in whatever words; the request is the one signal a
customer controls directly, so it is treated as evidence, not as a score to tune.

Two readers agree on the verdict: phrase rules, which say exactly which words
asked, and, when the caller has the message's MiniLM embedding (the one retrieval
computes for its search), a logistic model over it and the message's character
n-grams that catches wordings the rules never saw (`request_model`). Negations,
questions about the bot itself and statements of what the customer is ("I'm a project
manager") silence both, up to the clause they fill; a negation that only asks ("why don't
you put me through to a human?"), only complains ("you don't listen, get me an agent") or
only says the way is unknown ("I don't know how to reach an agent") silences neither.
Text is expected to be spelling-folded first (see `spelling.fold`).
"""

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from warmline.guardrails.company import COMPANY, DEFAULT_COMPANY, with_company
from warmline.guardrails.evidence import Signal
from warmline.guardrails.request_model import request_probability, request_threshold
from warmline.guardrails.request_wordings import FRENCH, GERMAN, SPANISH

# Swearing inside the phrase is tone, not wording: "speak with a fucking human agent".
_INTENSIFIER = re.compile(
    r"\b(?:f+u+c+k+(?:ing|in'?|en)?|f\*+(?:ing|in)?|fkn|fking|freaking|frick(?:ing|in)|"
    r"frigging|effing|bloody|god ?damn(?:ed)?|damn(?:ed)?|goddam|flipping|stupid)\b\s*",
    re.IGNORECASE,
)
_DET = r"(?:(?:a|an|the|your|some|one of your|a member of your|any|real|live|actual|human|proper|"
# At most four qualifiers: unbounded, "human human human …" backtracked for 26 s at 800 characters.
_DET += COMPANY + r"|customer service|customer|service|support|another|different|other) ){0,4}"
# Not a person, in the words that may qualify one: a device or another bot ("talk to the
# google assistant"), or sales, whose enquiries the bot takes ("your sales people").
_NOT_A_PERSON_WORDS = (
    "sales",
    "google",
    "alexa",
    "siri",
    "cortana",
    "bixby",
    "virtual",
    "voice",
    "digital",
    "smart",
    "ai",
    "a.i.",
    "bot",
    "chatbot",
    "chat bot",
)
_NOT_A_PERSON = rf"(?:{'|'.join(map(re.escape, _NOT_A_PERSON_WORDS))})(?!\w)"
# The same words just before a person word ("google assistant please"), which `_rules`
# reads before a bare person word and "please" or "now" (`_PERSON_NOW`).
_NOT_A_PERSON_BEFORE = re.compile(rf"\b{_NOT_A_PERSON} $", re.IGNORECASE)
# Sales as whom the customer names after the person or the verb: "someone from your sales
# team", "connect me to the sales team".
_OF_SALES = r"(?:(?:\w+ )?(?:from|in|of) )?(?:the |your )?sales\b"
# A store, shop, branch or office and a day to come: "speak to someone at the branch on
# friday" is a visit to plan, not a person to reach now; "someone at your office", and
# "at your office today" or "right now", is still one: today is when the customer is.
_IN_STORE_ON_A_DAY = (
    r"\b(?:in|at) (?:the |your |a )?(?:store|shop|branch|office)\b(?=[^.!?]{0,12}\b(?:"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|weekend|tomorrow|next (?:week|month)|"
    r"this week|the \d{1,2}(?:st|nd|rd|th))\b)"
)
# When the staff work, not whether one is there now: a day, a part of the day, an hour or
# a season ("on weekends", "at 9pm", "in the evenings", "after 6pm", "24/7").
_WORKING_HOURS = (
    r"\b(?:(?:on|at|during|over|in|after|before|from|until|till|outside|by) (?:the )?"
    r"(?:weekends?|weekdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|"
    r"(?:bank |public )?holidays?|christmas|easter|nights?|evenings?|mornings?|afternoons?|"
    r"(?:business|office|opening|working) hours|"
    # An hour, not a wait: "after 6pm", not "in 5 minutes".
    r"\d{1,2}(?::\d\d)?(?: ?[ap]\.?m\b)?(?! ?(?:minutes?|mins?|seconds?|secs?)\b)|"
    r"midnight|noon|lunch(?:time)?)\b|24/7|24 hours|a?round the clock)"
)
# Such a time later in the clause, and at work at it: "staff working on sundays", "agents
# available to talk about billing after 6pm".
_HOURS_IN_CLAUSE = rf"[^.!?,;]{{0,40}}{_WORKING_HOURS}"
_AT_WORK_WHEN = rf"(?:working|on duty|available)\b{_HOURS_IN_CLAUSE}"
# Now, which an availability question may name without asking when: "is a human available
# at this time?", "at the moment", "at present".
_NOW = r"(?:at (?:this (?:time|moment|minute|hour)|the (?:moment|minute))|at present)\b"
# After "available": not when, in its clause ("available on Sundays", "available 24/7",
# "available to talk about billing on weekends": opening hours, which the bot answers), nor
# to come or visit ("available to visit my house"). Asked with no time, "are agents
# available to talk about billing?" asks for one: a customer who asks whether a person can
# talk wants one now, and a yes from the bot would leave them waiting for nothing; so does
# one who asks whether anyone is there now to answer ("is anyone available at the moment to
# tell me the price"), which `_QUESTION_TO_ANYONE` leaves to "anyone who can tell me".
# "On the phone" or "on the line" is how, not when: "is an agent available on the phone".
_NOW_AVAILABLE = (
    rf"(?! (?!{_NOW})(?:on(?! the (?:phone|line)\b)|at|in|during|after|before|from|24|"
    r"to (?!chat|talk|speak|help))\b)"
    rf"(?!{_HOURS_IN_CLAUSE})"
)
# After a verb of talking or contacting, any two words may qualify the person ("a real
# rasa employee"), but not "my": "email my boss" is a chore, not a request.
# Nor "about": "send an email about swim team practice" names a subject, not a person;
# nor what is no person (`_NOT_A_PERSON`); nor a conjunction that opens a clause of its
# own ("out of reach when other people call me"; "speak to you or a human" asks).
_ANY_DET = (
    r"(?:(?!my\b|about\b|regarding\b|(?:when|whenever|where|while|if|because|than)\b|"
    rf"{_NOT_A_PERSON})[\w'-]+ ){{0,4}}?"
)
_PERSON = (
    r"(?:person|persons|human|humans|agent|agents|representative|representatives|operator|"
    r"someone|somebody|anyone|anybody|people|staff|employee|employees|advisor|adviser|"
    r"technicians?|manager|supervisor|support team|team member|team|member of (?:your|the) team|"
    r"customer (?:service|care|support)|tier 2(?: support)?|whoever|reception(?:ist)?|front desk|"
    r"concierge|housekeeping|cleaners|department|"
    r"complaints department|cancellations? team|billing team|real one|being|boss|founders?|"
    r"owners?|ceo|developers?|assistant|associate|specialist|consultant|reps?|"
    r"representitives?|represenatives?|agnets?|huamns?|(?:one of )?your colleagues?|staff member|"
    r"member of (?:your |the )?staff|human being)"
)
_CONTACT = (
    # "message" and "contact" the verbs, not the nouns: "I left a message to online customer
    # service", "synchronize the contact person" (a phone's contact list).
    r"(?:(?<!a )(?<!the )(?<!my )(?<!your )(?<!sync )(?<!synchronize )(?<!synchronise )"
    r"(?<!import )(?<!export )(?<!restore )(?<!delete )(?<!save )contact(?:ing)?|"
    # Not "out of reach when other people call me", a phone with no signal.
    r"(?<!out of )reach(?:ing)?|email(?:ing)?|(?<!a )(?<!the )(?<!my )(?<!your )message|"
    r"get (?:hold of|in touch with|through to)|be (?:put )?in touch with|"
    r"put (?:me|us) in touch with|touch base with)"
)
# What a customer names after "speak to the" that is not a person (in its first two
# words): the bot, a device, a meeting, or `_NOT_A_PERSON`.
_NOT_SOMEONE = (
    r"(?!(?:\w+ )?(?:(?:machine|robot|computer|hub|app|device|speaker|car|phone|plant|dog|"
    r"cat|kids?|children|baby|mirror|meeting|conference|call|wi-?fi|network|internet|printer|"
    rf"tv|server)\b|{_NOT_A_PERSON}))"
)
# A bare person word asked for at once: "agent please", "human now"; not a device or a bot
# named before it ("google assistant please": `_NOT_A_PERSON_BEFORE`), whose whole match
# `_rules` passes over: "google support team please" is Google's team, not ours, so the
# "team please" inside it is not tried on its own.
_PERSON_NOW = rf"{_PERSON} (?:please|now|asap)\b"
_PERSON_NOW_FOUND = re.compile(_PERSON_NOW, re.IGNORECASE)
# One's own device, joined to another ("connect my cellphone with computer terminal of 91
# Assistant", an app), which asks for no one.
_DEVICE = (
    r"(?:phone|cellphone|cell phone|mobile|smartphone|computer|laptop|pc|tablet|ipad|iphone|"
    r"device|watch|tv|printer|router|modem|headphones|earbuds|speaker|car)s?\b"
)
# Where the staff are: "where are the humans" asks for one; "where are your agents? in
# India?" or "... based?" asks where they work (`_PLACE_AFTER`), which the bot answers; "in
# hiding?" or one from a department asked for ("from billing please") still asks.
_WHERE_STAFF = (
    r"\bwhere (?:are|is) (?:the|your|a|all the|any) (?:real |actual |live )?(?:humans?|agents?|"
    r"representatives?|operators?|real (?:people|person))"
)
_PLACE_AFTER = (
    r"[\s.!?,;]*+(?:(?:are|is) (?:they|it|he|she) )?"
    r"(?:(?:in|from)\b(?! (?:hiding|\w+ (?:please|pls))\b)|based|located|overseas|abroad|"
    r"offshore)\b"
)
# Counted people are a booking's size, not whom to reach: "a table for four persons please".
_COUNTS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_NO_COUNT_BEFORE = (
    "".join(rf"(?<!\b{w} )" for w in (*_COUNTS, "per", "each")) + r"(?<!\d )(?<!\d\d )"
)
# A role the customer holds, given alone as an answer to a question about them ("Owner",
# "CEO", "developer"), which asks for no one.
_ROLE = r"(?:owner|founder|ceo|developer|boss)s?\W*+$"
# Who made or owns the bot, which asks what it is ("is there a person who programmed you",
# "are there people who built you", "is there another person that controls you"), as
# `IDENTITY_QUESTION` does. Whether one is behind or runs the chat now ("is there anyone
# behind this chat??", "is a human running this chat?") asks whether a person is there,
# which is a request.
_BEHIND_THE_BOT = (
    r" (?:who|that) (?:\w+ )?(?:controls?|owns?|made|created|built|programm?ed|trained|wrote|"
    r"designed|developed|coded) (?:you|this (?:bot|chat))\b"
)
# Another way offered beside whom to talk to, which asks for a way, not a person: "who can
# I talk to about my neighbour's dog, or is there a form?".
_OR_ANOTHER_WAY = (
    r"[^.!]{0,80}?\bor (?:is there|are there|do you have|should i|can i|could i|do i) "
    r"(?:\w+ ){0,3}?(?:form|website|web ?site|site|page|link|number|e-?mail|address|portal|app)s?\b"
)
# One person, whom a matter is taken to or whom a customer likes to have
# (`_REQUEST_PATTERNS`): not a team, a desk or a service.
_ONE_PERSON = (
    r"(?:person|human|human being|agent|representative|rep|operator|someone|somebody|"
    r"manager|supervisor|advis[eo]r|specialist|consultant|colleague|employee)"
)
_LIKED_PERSON = rf"(?:{_ONE_PERSON}|staff member|member of (?:your |the )?staff)\b(?! else\b)"
# What the customer writes, read by someone (`_REQUEST_PATTERNS`): this chat, alone or
# named ("is anyone reading this?", "these messages"), or the customer's messages.
_MESSAGES = r"(?:messages?|chats?|conversation|e-?mails?|texts?|replies|questions?)"
_THIS_CHAT = rf"(?:(?:this|these) {_MESSAGES}\b|(?:this|these)(?=\s*+(?:[.!?,;]|$)))"
_MY_MESSAGES = rf"(?:my|our) {_MESSAGES}\b"
# The managers, contacted with a determiner ("contact your management"), or spoken or
# complained to, alone too ("complain to management"): not a feature named after what it
# manages, after a verb that is also a noun ("set up email management", "contact management
# is not syncing", "reach account management settings", "time management tools").
_MANAGEMENT = r"(?:the|your|senior|upper) management"
# The customer's matter, escalated (`_REQUEST_PATTERNS`).
_MATTER = r"(?:complaint|case|issue|problem|ticket|matter|claim|query|request|concern)"
_REQUEST_PATTERNS = [
    # Any addressee after a verb of talking or connecting: hotels' "speak to the
    # restaurant", "connect me to the spa", banks' "talk to your mortgage team". A word with
    # one or a contact ("a word with the chef", "put me in touch with the venue") is often
    # with someone who is not staff, the customer's own errand: those need a person word
    # (`_CONTACT`, "have a word with").
    r"\b(?:speak|talk|chat)(?:ing)? (?:directly )?(?:to|with) (?:the|your|a|an|some|one of your) "
    rf"{_NOT_SOMEONE}\w+",
    rf"\b(?:connect|transfer|put) (?:me|us)(?: through)? (?:to|with) (?:the|your|a|an|some) "
    rf"{_NOT_SOMEONE}\w+",
    # Put through, whoever to: "put me through to room service" (never money: "transfer me
    # to savings" names no line). Got through to a time or a step is lasting ("will 5GB get
    # me through to the end of the month?"): "get me through to" needs a person.
    rf"\b(?:put|connect|transfer) (?:me|us) through to {_NOT_SOMEONE}"
    r"(?!(?:the )?(?:end|next|rest|last|final)\b)\w+|"
    rf"\bget (?:me|us) through to {_DET}{_PERSON}\b",
    # Asking, or asked again by the customer ("I've been asking for a human", "I already
    # asked for a human"); not asked of one ("I was asked for a person's name") nor by
    # another ("my husband asked for a manager").
    r"(?:\b(?:request(?:ing)?|ask(?:ing)? for|looking for|demand(?:ing)?|bring (?:me )?|summon)|"
    r"\b(?:i|we)(?:'ve| have|'d| had)? (?:already |just )?(?:requested|asked for|demanded)) "
    r"(?:a |an |the |some |to (?:speak|talk) (?:to|with) )?(?:real |live |human |actual )?"
    r"(?:person|human|agent|representative|rep|operator|supervisor|manager|someone|somebody|"
    r"call ?back)\b(?!['’]s)",
    rf"\b(?:deal|sort (?:this|it) out) with {_DET}{_PERSON}\b",
    # Asking it of one: "I want to directly ask that refund from an agent"; not a request
    # received ("I got a request from someone asking for my PIN").
    r"(?<!\ba )(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bgot )(?<!\breceived )(?<!\bhad )"
    rf"\b(?:ask|request)\b[^.!?]{{0,30}}\bfrom {_DET}(?:person|human|agent|representative|"
    r"operator|someone|somebody|staff)\b",
    # Taking the matter to one: "discuss this with a person", "raise it with a human".
    rf"\b(?:discuss|raise|take up|go over)(?: (?:this|it|that|my \w+|the \w+))? with {_DET}"
    rf"(?:{_ONE_PERSON}|staff)\b",
    # Asked in person: "ask an agent directly".
    r"\bask (?:a |an |one of your |your )?(?:real |live |human |actual )?(?:person|human|agent|"
    r"representative|operator|staff member) (?:directly|personally|myself)\b",
    # Or about the customer's matter, asked for: "I want to ask a human about the overdraft",
    # "can I ask someone about my bill"; not a plan or another's ("I'm going to ask someone
    # about it at the pharmacy", "your FAQ says to ask an agent about rates").
    r"\b(?:(?:can|could|may) (?:i|we)|(?:i|we) (?:want|need|would like|['’]d like|wanna)(?: to)?|"
    r"let (?:me|us)) (?:please )?(?:just )?ask (?:a |an |one of your |your )?"
    r"(?:real |live |human |actual )?(?:person|human|agent|representative|operator|staff member|"
    r"someone|somebody) (?:directly|personally|myself|about|regarding)\b",
    r"\b(?:is|are) (?:a|an|any|some) (?:real |live |actual )?(?:person|human|agent|"
    r"representative|operator)s? able to\b",
    r"\b(?:is|are) (?:any|some)(?:one|body) (?:from [\w ]{1,20}? )?(?:online|available|around|"
    rf"free)\b{_NOW_AVAILABLE}",
    rf"\btake (?:me|us) to {_DET}{_PERSON}\b",
    r"\blive[ -](?:chat|support|help|operator|rep)\b",
    rf"\b(?:help|assistance|support) from {_DET}(?:person|human|agent|representative|rep|operator|"
    r"staff|someone|somebody|team)\b",
    # Whoever's, and however many: "are your agents available", "is one of your reps
    # available now", "is your supervisor around?"; not what time they are, nor when
    # (`_NOW_AVAILABLE`). "Around" ends the question: "is the staff around the pool
    # trained?" is a place.
    r"(?<!\btime )(?<!\bwhen )(?<!\bhours )"
    r"\b(?:is|are) (?:there )?(?:a |an |any |the |your |(?:any|one|some) of (?:your|the) )?"
    r"(?:real |live |human )?(?:person|human|agent|representative|rep|operator|advisor|adviser|"
    r"staff|manager|supervisor)s? (?:now |currently |still |even )?"
    rf"(?:available\b{_NOW_AVAILABLE}|around(?: (?:right )?now| today| at the moment)?\s*+"
    r"(?:[.!?]|$))",
    # On the line, on the case or on alone: "put your supervisor on", "get a human on the
    # phone", "put a person on this right away", "put an agent on my ticket"; not on an
    # account or a policy ("can I put someone on my account", "put someone on this plan").
    r"\b(?:get|put) (?:a |an |some |the |your )?(?:person|human|agent|someone|somebody|"
    r"representative|manager|supervisor)s? on(?: the (?:line|phone)\b|"
    rf"(?: (?:it|this|that|(?:my|the|this) {_MATTER}))?(?=\s*+(?:[.!?,;]|please\b|pls\b|now\b|"
    r"asap\b|right (?:now|away)\b|immediately\b|today\b|$)))",
    r"^\W*i (?:need|want) (?:some )?(?:support|assistance)\W*$",
    rf"\b(?:talk(?:ing)?|speak(?:ing)?|chat(?:ting)?|communicate|converse|"
    # Had, or wanted: "have a word with", "I need a quick word with the manager".
    rf"(?:have|want|need|get|(?:would|['’]d) like) a (?:quick )?(?:chat|word|talk|conversation)|"
    rf"consult(?:ing)?|complain(?:ing)?|"
    rf"(?:make|file|lodge|raise) a complaint)(?: directly)? (?:to|with) "
    rf"(?:{_ANY_DET}{_PERSON}|{_MANAGEMENT}|management)\b",
    rf"\b{_CONTACT} (?:{_ANY_DET}{_PERSON}|{_MANAGEMENT})\b",
    r"\b(?:contact|reach|call) (?:the |your )?(?:support|help ?desk)\b"
    r"(?! (?:article|page|docs?)\b)",
    # "make a transfer to a new person" moves money, not the chat.
    rf"\b(?<!a )(?<!the )(?:transfer(?:red)?|connect(?:ed)?|put|pass|escalate|send|forward|hand|"
    rf"route|switch|transition)"
    rf"(?: me| this| it| us| my (?!{_DEVICE})\w+| (?:a|the|this) (?:conversation|chat|call))? "
    # "pass me on to a human", "put me on with someone from the front desk".
    rf"(?:over |back |on )?"
    rf"(?:to|through to|through|with) {_ANY_DET}{_PERSON}\b",
    # Not what a person gives or owns: "need a manager's approval", "want an agent account";
    # nor where a thing got ("did the parcel get to someone else?": see the menu rule).
    # Nor whether one is needed: "do I need a person to sign for it?".
    rf"\b(?:get|give|want|(?<!\bdo i )(?<!\bdo we )(?:need|have)|prefer|find|gimme) (?:me )?"
    rf"(?:(?<!get )to )?{_DET}{_PERSON}\b"
    r"(?!(?:['’]s)? (?:approval|sign-?off|signature|permission|account|login|password)\b)",
    # Liked as wanted, but only a person to talk, look or help ("I'd like a human to look at
    # my claim") or a person alone ("I'd like an agent please"): liked, housekeeping, the
    # concierge or a staff discount are a hotel's or a shop's service ("I'd like the front
    # desk to hold my luggage", "I'd like someone else to collect my parcel").
    r"\b(?:would|['’]d) like "
    rf"{_DET}{_LIKED_PERSON}(?: from [\w ]{{1,20}}?)?"
    # (What the person is to do is looked at, not matched: "at my claim" after it is no
    # place `_NOT_A_REQUEST_AFTER` should read.)
    r"(?= to (?:(?:speak|talk|chat) (?:to|with) me|look|help|review|check|go (?:over|through)|"
    r"call|ring|phone|contact|get back|deal|handle|assist|sort|explain|discuss|take over)\b|"
    r"\W*+(?:please|pls|now|asap)?\W*+$)",
    rf"\b(?:is there|are there|anyone there|any) (?:also |still |even |actually |really )?{_DET}"
    r"(?:person|human|humans|people|agents?|someone|somebody|anyone|anybody|representatives?|staff|operators?)\b"
    r"(?! (?:here |there )?(?:who|that) (?:can|could|will|would|might|knows?)\b(?! help\b))"
    rf"(?!{_BEHIND_THE_BOT})",
    rf"\b(?:could|can|will) {_DET}(?:person|human|agent|manager|supervisor) (?:review|check|look|"
    r"call|help)\b",
    rf"\b{_DET}(?:manager|supervisor|person|human|agent) (?:calls?|to call|ring) me\b",
    rf"\b{_NO_COUNT_BEFORE}{_PERSON_NOW}",
    # Alone, or after an interjection that turns the bot down, set off by punctuation: "no!
    # human!", "stop. agent." (an answer, "yes, the technician", names whom it was); or
    # said again: "I said agent"; or asked first: "please escalate". A role the customer
    # holds, alone ("Owner", "CEO"), answers a question about them (`_ROLE`). Possessive:
    # "human , , , …" re-read its commas.
    r"^\W*+(?:(?:no|stop)\s*+[.!,;:?-]++\s*+|"
    r"(?:i|we) (?:already )?(?:said|told you)\W++(?:(?:i|we) (?:want|need)\s++)?)?"
    r"(?:please\W++)?"
    rf"(?:(?:{_DET}(?!{_ROLE}){_PERSON}|transfer me|escalate|escalate this|human hand ?off|"
    r"hand ?off)"
    r"\W*+){1,4}(?:please|pls|now|help)?\W*+$",
    r"\bescalate (?:this|me|my|to)\b",
    # Escalation of the customer's matter wanted or asked of us: "I want this escalated",
    # "I'd like to escalate", "can my complaint be escalated?", "could you escalate this?".
    # Not one retold or asked about ("my complaint was escalated", "why did my ticket get
    # escalated?", "will my ticket be escalated automatically?"), nor privileges, a
    # membership or a fan speed raised ("can my privileges be escalated to admin?", "would
    # you escalate the fan speed").
    rf"\b(?:want|need|like) (?:(?:this|it|that) |(?:my|the) {_MATTER} )?escalated\b|"
    r"\b(?:want|like|wish) to escalate\b|"
    rf"\b(?:can|could) (?:this|it|that|my {_MATTER}) be escalated\b|"
    r"\b(?:can|could|would|will) you (?:please )?escalate(?: (?:this|it|that|me|my "
    rf"{_MATTER})\b|(?=\s*+(?:[.!?,;]|please\b|$)))",
    # Yes to a person, the word bare: "ok. human.", "yes, agent" (with an article it names
    # whom it was: "yes, the technician").
    r"^\W*+(?:ok|okay|yes|yeah|yep)\s*+[.!,;:?-]++\s*+(?:a )?(?:human|agent|person|operator|"
    r"representative|real person|live agent)\W*+(?:please|pls|now)?\W*+$",
    # Wanting to hear from one: "I want to be contacted by someone"; not a call that came
    # or keeps coming ("I was contacted by someone", "I'm being emailed by someone").
    r"\b(?:be|get) (?:contacted|called(?: back)?|phoned|rung|reached|emailed) by "
    rf"{_ANY_DET}{_PERSON}\b",
    # Whether anyone is there at all: "does anyone actually work there?", "where are the
    # humans?"; not when ("does anyone work there on Sundays").
    r"\bdoes (?:any|some)(?:one|body) (?:actually |even |still |really )?work (?:there|here)\b"
    r"(?! (?:on|at|in|during|after|before|from)\b)",
    # Ending its clause: not where they are based ("where are your representatives based?",
    # "where are your agents? in India?").
    rf"{_WHERE_STAFF}(?=\s*(?:[.!?,;]|$))(?!{_PLACE_AFTER})",
    # Handed on, whoever to, at the end of the message: "Hi can you transfer me".
    r"\b(?:transfer|connect|put) me(?: through)?(?: (?:please|pls|now))?\W*$",
    # Past the menu to one: "skip the recorded menu and go straight to a live person", "how
    # do I get to a human"; going somewhere asked by no one is where money or a parcel went
    # ("did my payment go to someone else?").
    r"(?:\b(?:skip|jump)|\b(?:can|could|may) (?:i|we)(?: just)? (?:go|get)|"
    r"\b(?:let|help|assist|allow) (?:me|us) (?:to )?(?:go|get)|"
    r"\b(?:i|we) (?:want|need|would like|'d like|wanna) to (?:go|get)|"
    r"\bhow (?:do|can) (?:i|we) (?:go|get)|\bhow to (?:go|get)|"
    r"\b(?:menu|options|queue|bot)\W+(?:and |then )?(?:go|get)|\bplease (?:go|get)|"
    r"\b(?:go|get) (?:straight|directly|right)) (?:through )?to (?:a |an |the )?"
    r"(?:real |live |human |actual )?(?:person|human|agent|representative|rep|operator|someone|"
    r"somebody)\b(?! else\b)",
    r"\b(?:call ?back|callback)\b(?! (?:my|to)\b)",
    r"\b(?:call|ring|phone) me back\b|\bgive me a (?:call|ring)\b",
    # Not a question about a call that came or a name: "why did someone call me", "what do
    # people call me"; nor when others call ("out of reach when other people call me").
    # Nor one the customer had ("I had a guy contact me asking for my PIN").
    r"(?<!\bdid )(?<!\bdo )(?<!\bdoes )(?<!\bother )(?<!\bwhen )(?<!\bwhenever )(?<!\bhad )"
    rf"\b(?:someone|somebody|an? \w+|{_PERSON}s?)(?: from [\w ]{{1,20}}?)? (?:to |should |can |"
    r"could |please |will )?(?:call|ring|phone) me\b",
    # Hearing back is a call too, asked for: "could a member of staff get back to me",
    # "please have someone contact me"; not one expected or allowed ("will a courier contact
    # me before delivery?", "I'm happy for an agent to contact me by email").
    r"(?:\b(?:can|could|would) (?:you (?:please )?(?:have|get) )?|(?:^|\bplease )(?:have|get|let) |"
    r"\b(?:i|we) (?:need|want|would like|['’]d like) )(?:please )?"
    rf"(?:someone|somebody|{_DET}{_PERSON}s?)(?: from [\w ]{{1,20}}?)? (?:to )?(?:please )?"
    r"(?:contact|get back to|reach out to) me\b",
    # The whole message: "please call me", "can you ring me?" (not "call me Bob").
    r"^\W*+(?:(?:please|can you|could you|would you)\s++(?:please\s++)?)?(?:call|ring|phone) me"
    r"(?:\s++(?:please|pls|asap|now|today|back|later|tomorrow))?\W*+$",
    # Whom the customer can talk to: "who can I talk to about this?", "anyone I could speak
    # with?"; not whom to contact ("who do I contact for lost luggage" asks for a way).
    # Nothing after, or a matter or help ("who can I talk to for free?" is about a plan).
    r"\bwho (?:can|could) (?:i|we) (?:talk|speak|chat) (?:to|with)(?=\s*+(?:[.!?,;]|$)|"
    r" (?:about|regarding|concerning|re|for (?:help|assistance|support|this|that|it|my)|here|"
    rf"there|now|directly|please|at (?:your|the) (?:company|bank|office))\b)(?!{_OR_ANOTHER_WAY})|"
    r"\b(?:any|some)(?:one|body) (?:(?:who|that) )?(?:i|we) (?:can|could|may) "
    r"(?:talk|speak|chat)\b",
    # A bare person word after a contact retold and when it was, with no stop between: "I
    # called yesterday agent", "emailed twice already human".
    r"\b(?:called|phoned|rang|emailed|messaged|wrote|contacted|tried)\b[^.!?,;]{0,30}?"
    r"\b(?:yesterday|today|twice|again|already|earlier|before|ago|(?:last|this) (?:week|month|"
    r"night|morning|time))\s++(?:(?:a|an|real|live)\s++)?(?:human|agent|operator|representative|"
    r"person|someone|somebody)\W*+(?:please|pls|now)?\W*+$",
    r"\bany(?:one|body) there\b[^.!]{0,12}\b(?:person|human)\b",
    # Whether anyone reads what the customer writes: "is anybody actually reading these
    # messages?", "is a human reading this?", "does anyone even read my emails?": this chat
    # or the customer's messages only, not refunds, discounts or parcels got or checked ("is
    # anyone actually getting refunds from you?", "is anyone still reading the blog?"). Not
    # who may read them ("is anyone reading my messages if I share my account?", "does
    # anyone read my chat history?"): with no adverb, this chat only.
    r"\b(?:is|are) (?:(?:any|some)(?:one|body)|(?:a|an|any) (?:real |actual |live )?(?:person|"
    r"human|agent)) (?:(?:actually|even|ever|really|still) (?:reading|seeing|checking|answering|"
    rf"getting|receiving) (?:{_THIS_CHAT}|{_MY_MESSAGES})|(?:reading|seeing|checking|answering|"
    rf"getting|receiving) {_THIS_CHAT})|"
    r"\bdoes (?:any|some)(?:one|body) (?:actually|even|ever|really) (?:read|see|check|answer|get) "
    rf"(?:{_THIS_CHAT}|{_MY_MESSAGES})",
    r"\b(?:real|actual)\W+(?:person|human)\b",
    r"\b(?:some|any)(?:one|body) (?:real|human|alive)\b(?! quick)",
    r"\b(?:contact|reach) me by phone\b",
    r"\b(?:book|schedule|arrange|request|want|need|get) (?:a )?phone (?:appointment|call)\b",
    r"\b(?:get|let) me out of (?:this|the) (?:bot|chat ?bot|robot|automated)",
    r"\bnot you,? (?:a |an )?(?:human|person|real person|agent)\b",
    r"\b(?:don'?t|do not) (?:want|wanna|like|wish|need)(?: to (?:talk|speak|chat)(?:ing)? "
    r"(?:to|with))? (?:a |an |the |this |your )?(?:bot|chat ?bot|machine|robot|computer|ai)\b",
    # The bot is whom the customer talks to: "I don't want to talk to you".
    r"\b(?:don'?t|do not) (?:want|wanna|wish) to (?:talk|speak|chat) (?:to|with) you\b",
    r"\b(?:human|live|personal|manual) (?:support|help|assistance|service|customer service)\b",
    r"\b(?:stop (?:the|this) bot|no (?:more )?bots?)\b",
    r"\b(?:not|don'?t feel|never feel) comfortable\b[^.!?]{0,50}"
    r"\b(?:machine|bot|robot|computer)s?\b",
]
_REQUEST_PATTERNS += SPANISH + GERMAN + FRENCH
_REQUEST = "|".join(f"(?:{p})" for p in _REQUEST_PATTERNS)


@lru_cache(maxsize=8)
def _request(company: str) -> re.Pattern[str]:
    """The request rules compiled for the company's name ("a Lumen agent"), once per name."""
    return re.compile(with_company(_REQUEST, company), re.IGNORECASE)


# Words that refuse or deny, which both readers honour.
_NEGATORS = (
    r"don'?t|do not|doesn'?t|didn'?t|haven'?t|hasn'?t|no need|not|never|without|nicht|"
    r"no quiero|no necesito"
)
_NEGATION = re.compile(
    rf"\b(?:{_NEGATORS}|nobody|no one|(?<!what )do (?:i|we) (?:really )?need to|does it|"
    r"can the \w+|will the \w+|kein(?:en|e)?)\b[^.!?,;]{0,22}$|\bno $",
    re.IGNORECASE,
)
# For the model, which has no words to point at: a negated person anywhere silences it,
# as does asking whether one is needed ("do I need to talk to an agent to cancel?").
_NEGATED_PERSON = re.compile(
    rf"\b(?:{_NEGATORS}|kein\w*|(?<!what )do (?:i|we) (?:really )?(?:need|have) (?:to|an?))\b"
    r"[^.!?,;]{0,30}\b(?:agent|human|person|people|someone|somebody|anyone|anybody|"
    r"representative|operator|staff|persona|humano|menschen|mitarbeiter|berater|escalat)"
    # A complaint that nobody answers: "el servicio al cliente no contesta nunca".
    r"|\b(?:service|support|agents?|servicio|soporte|atenci[oó]n|kundenservice|kundendienst|"
    r"hotline|mitarbeiter)\b[^.!?]{0,25}\b(?:no|never|nunca|nie|nicht|doesn'?t|don'?t|"
    r"didn'?t|won'?t)\s+(?:contesta\w*|responde\w*|answer\w*|repl\w*|respond\w*|antwort\w*)",
    re.IGNORECASE,
)
# Someone else's instruction, retold: "(they) ask me to contact with the construction team".
_TOLD = (
    r"\b(?:asks?|asked|tells?|told|advised?|advises|recommends?|recommended|instructs?|"
    r"instructed) (?:me|us) to"
)
_TOLD_TO = re.compile(_TOLD + r"\s*$", re.I)
# Another's request, retold: "she requested a callback", "my husband asked for a manager".
_ANOTHERS_REQUEST = (
    r"\b(?:he|she|they|my \w+|his \w+|her \w+|their \w+) (?:already |also |just )?"
    r"(?:requested|booked|arranged|scheduled|(?:asked|requested|demanded) for)\b"
)
# The rest of a clause up to what the rules matched, when it opens no clause of its own:
# "I called the customer service for human service", not "I called twice and I want a
# human".
_REST_OF_CLAUSE = (
    r"(?:(?!\b(?:and|but|so|then|now|please|pls|want|need|would|can|could|let)\b)[^.!?,;]){0,34}"
)
# Before what the rules matched, a contact that happened or was hard, retold:
# - a promise made ("I was promised a call back on Monday", "your customer service have
#   promised to call me back"; the model may still hear a request after a promise: "my
#   husband was promised a callback, can someone call him"), or another's request;
# - the customer's own contact, made ("I called the customer service for human service but
#   ...", "I've sent a private message to China Telecom Customer Service", "after contacting
#   the customer service staff") or failed ("I couldn't get in touch with people who would
#   meet me"), or a statement that it is hard ("it's difficult to reach your customer
#   service"; asked, "why is it so hard to talk to a human?" wants one): asked now, it
#   would say so ("can I talk to a human?");
# - the way to one, as someone told it ("you can dial 10010 for the manual service").
_RETOLD_BEFORE = re.compile(
    rf"(?:(?:{_ANOTHERS_REQUEST}|\b(?:was|were|been) offered|\bpromised)"
    r"(?: (?:a|an|the|me|us|him|her|them|to)){0,2}|"
    r"\b(?:i|we) (?:couldn'?t|could not|(?:was|were)(?:n'?t| not) able to|(?:was|were) unable to)|"
    r"\bafter|\b(?:it'?s|it is|it was)(?: so| very| too| really)? (?:difficult|hard|impossible|"
    r"tough)(?: for (?:me|us))? to) $",
    re.I,
)
# The same with words between, which a request opening a clause of its own ends
# (`_OPENS_A_CLAUSE`): "I called yesterday need a human" retells a call, then asks.
_CONTACT_RETOLD_BEFORE = re.compile(
    r"(?:\b(?:i|we)(?:'ve| have| had)? (?:already |just |also )?(?:called|phoned|rang|dialed|"
    rf"dialled|sent|left|wrote|emailed|messaged|contacted)\b{_REST_OF_CLAUSE}|"
    r"\b(?:you|they) (?:can|could|should|may|must|need to|have to) (?:dial|call|ring|phone|press)"
    rf"\b{_REST_OF_CLAUSE}) $",
    re.I,
)
# What the rules matched, when it opens a clause of its own rather than naming whom a
# contact retold was to or who did something: a modal, an imperative, "I want|need",
# "please" or someone asked ("i called twice could a human help me", "connect me to an
# agent as you said", "@Support Is anyone available?"); not "the manual service" in "till
# the manual service answered".
_OPENS_A_CLAUSE = re.compile(
    r"(?:can|could|will|would|may|need|want|let|get|give|gimme|talk|speak|chat|connect|"
    r"transfer|put|pass|escalate|take|bring|please|pls|(?:i|we) (?:want|need)|is|are|"
    r"(?:some|any)(?:one|body))\b",
    re.I,
)
# A bare person word and "please", which opens a clause too after a contact retold ("I
# called for an hour human please") or a salutation ("Dear Sir Human Please"), though not
# inside an account's name ("@Lumen Support Agent Please check my bill").
_PERSON_PLEASE = re.compile(rf"{_PERSON} (?:please|pls)$", re.I)
# Before a person word, what makes it the one a contact retold reached, not a bare word:
# "I wrote to the manager please respond", "I emailed your support team please check".
_NAMED_BEFORE = re.compile(r"\b(?:to|for|with|from|of|the|a|an|your|our|my|their)\s++$", re.I)
# The word before such a verb that makes it a purpose or a difficulty, not a clause: "I
# called to speak to a manager", "a miracle for you to put through the customer service
# hotline"; wanting it ("I want to speak to a human") still asks.
_TO_BEFORE = re.compile(r"(?<!\bwant )(?<!\bneed )(?<!\blike )(?<!\bwish )\bto $", re.I)
# Whom the message is to: a run of capitalised words an @-mention or "Dear" opens ("@China
# Unicom Liaoning Customer Service Please answer in public", "Dear Customer Service Please
# help"), which names an account, not someone asked for; a salutation ("Dear Sir") names
# no account, so a bare person word after it asks ("Dear Sir Human Please").
_ADDRESSED_BEFORE = re.compile(r"(?:@\s*+|\b[Dd]ear\s++)(?:[A-Z0-9][\w.&'’-]*+\s++){0,6}$")
_SALUTATION_BEFORE = re.compile(r"\b(?:sir|madam|team|all)\s++$", re.I)
# After the person: a contact retold, or a person met where they work ("speak to someone in
# the store next Tuesday"), or sales, whose enquiries the bot takes ("someone from your sales
# team").
_NOT_A_REQUEST_AFTER = re.compile(
    r"^\s*(?:i (?:spoke|talked)|was|were|yesterday|last|at my|to activate|needs to|local|"
    rf"{_IN_STORE_ON_A_DAY}|{_OF_SALES}|"
    # When they work: "do you have people working at weekends?".
    rf"{_AT_WORK_WHEN})",
    re.I,
)
# After a person named, not asked for (`_names_whom`): the person as who did something,
# retold ("till the manual service answered my phone"), as what a line is ("put through the
# customer service hotline"), or a contact made on another's word ("I contact the customer
# service according to what you tell me"). After a request in a clause of its own they are
# the customer's own words ("connect me to customer service line", "talk to a person said
# it twice", "connect me to an agent as you said"). "give me the customer service number"
# asks for a way to reach a person, as "give me the phone number of a real person" does,
# and is heard.
_WHO_DID_OR_A_LINE_AFTER = re.compile(
    r"^\s*(?:(?:answered|told|said|replied|hung up|refused|promised|explained|informed)\b|"
    r"(?:hotline|line|number)s?\b|(?:according to (?:what )?(?:you|they|he|she)|as (?:you|they|he|"
    r"she) (?:said|told|asked|advised|suggested|instructed|recommended))\b)",
    re.I,
)


def _opens_a_clause(found: str, before: str) -> bool:
    """Whether the request `found`, after the text `before` it, opens a clause of its own:
    a verb, modal or someone asked, not a purpose ("I called to speak to a manager")."""
    return bool(_OPENS_A_CLAUSE.match(found)) and not _TO_BEFORE.search(before)


def _names_whom(found: str, before: str) -> bool:
    """Whether what the rules matched, `found` after `before`, only names a person: whom a
    message is to, whom a contact retold reached, or who did something."""
    if _opens_a_clause(found, before):
        return False
    if _PERSON_PLEASE.match(found) and not _NAMED_BEFORE.search(before):
        return bool(_ADDRESSED_BEFORE.search(before)) and not _SALUTATION_BEFORE.search(before)
    return True


# "are you a bot?", "is this a bot or a real person": a question about who is answering,
# which deserves a straight answer, not a handoff the customer did not ask for.
IDENTITY_QUESTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya)\W+)?(?:are you|is this|is that|am i (?:talking|chatting|"
    r"speaking) (?:to|with))\s+(?:a |an )?(?:bot|robot|chat ?bot|ai|machine|human|real person|"
    r"person)(?:\s+or\s+(?:a |an )?(?:real |actual )?(?:person|human|bot|robot|ai))?\W*$",
    re.IGNORECASE,
)
# Wider than IDENTITY_QUESTION (which the responder answers): any remark about what the
# bot is ("you sound like a real human", "could you be a real person") is not a request.
_ABOUT_THE_BOT = re.compile(
    r"^\W*(?:\w+\W+){0,4}?(?:are you|r u|you'?re|you are|your? (?:sound|seem|act)|could you be|"
    r"can you (?:act|be|think)|am i (?:talking|chatting|speaking) (?:to|with)|is this|"
    r"is it true you'?re?|tell me (?:if|whether) you(?:'?re| are)|you (?:a|an))\b[^.!?,;]{0,30}"
    # Possessive: "are you real" and a long run of spaces re-read the run from each space.
    r"\b(?:real|actual|live|human|person|bot|robot|ai)\b[^.!?]*+[.!?]*+\s*+$",
    re.IGNORECASE,
)
# What the customer is ("I'm a project manager", "I am a real person"), which asks for no
# one; a request may follow in a clause of its own.
_ABOUT_THE_CUSTOMER = re.compile(
    r"^\W*(?:i'?m|i am|we'?re|we are) (?:also |just |only )?(?:a|an) (?:\w+ ){0,2}?\w+"
    # Possessive: "i'm a customer,,,,…!x" re-read the commas from each comma.
    r"[^\w,;]*+(?:[,;][^.!?]*+)?[.!?]*+\s*+$",
    re.IGNORECASE,
)
# A clause's end: a comma or semicolon, or "and", "but" or "so" before the customer ("you
# are a bot and I want a real person").
_CLAUSE_BREAK = re.compile(r"[,;]|\b(?:and|but|so)\b(?= (?:i|we)\b)", re.I)


def _rules(text: str, company: str) -> Signal:
    for match in _request(company).finditer(text):
        found = match.group(0)
        before = text[max(0, match.start() - 28) : match.start()]
        if _NEGATION.search(before) or _TOLD_TO.search(before):
            continue
        before = text[max(0, match.start() - 48) : match.start()]
        after = text[match.end() : match.end() + 48]
        if _RETOLD_BEFORE.search(before) or _NOT_A_REQUEST_AFTER.match(after):
            continue
        if _PERSON_NOW_FOUND.fullmatch(found) and _NOT_A_PERSON_BEFORE.search(before):
            continue
        if _in_a_contact_expected(text, match.start()):
            continue
        if _names_whom(found, before) and (
            _CONTACT_RETOLD_BEFORE.search(before)
            or (found[:1].isupper() and _ADDRESSED_BEFORE.search(before))
            or _WHO_DID_OR_A_LINE_AFTER.match(after)
        ):
            continue
        return Signal(score=1.0, evidence=[found.strip()])
    return Signal()


def _in_a_contact_expected(text: str, start: int) -> bool:
    """Whether what the rules matched at `start` is inside a contact the customer expects
    when something happens ("will an agent call me when my refund is processed?")."""
    spans = _EXPECTED_CONTACT.finditer(text, max(0, start - 48), start + 80)
    return any(m.start() <= start < m.end() for m in spans)


def _after_first_clause(text: str) -> str:
    """What follows the first clause (`_CLAUSE_BREAK`), or nothing: "you're a bot, I want a
    person" asks in its second clause."""
    parts = _CLAUSE_BREAK.split(text, maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


# A negation that asks for what it names rather than refusing it: "why don't you let me
# talk to a human", "how come you don't put me through", "can I not speak to a real
# person?", "could you not put me through to someone", "is there not a human I can speak
# to", "don't you have a real person I can talk to?". The question's "not" goes, so the
# request reads as asked. Only these: "don't you put me through to a human, just answer",
# "can you not connect me to a person, I just want the answer", "would you not put me
# through to an agent again", "why don't you have live chat", "don't you have staff
# discounts?", "is there not a charge to speak to an agent" read the same words the other
# way, so they keep their negation. Each alternative captures what it keeps.
_HAND_ME_ON = r"\s+(?:just\s+)?(?:let|put|transfer|connect|pass|hand|get)\s+(?:me|us)\b"
# Someone to have, and what may follow: "a real person I can talk to", "any humans working
# there", "someone who can help", "any agents?"; not a thing named after one ("staff
# discounts", "an agent portal"), where they are ("agents in the UK") or someone who can
# answer ("someone who can tell me", as "is there someone who can tell me"). Someone for the
# customer's trouble is heard, asked with "not" or without: "don't you have staff to fix
# this?" and "do you not have any people working on this bug?" want a person on it, as "do
# you have people working on this bug?" does, and a person is who can say so.
_SOMEONE_TO_HAVE = (
    r"\s+have\s+(?:(?:a|an|any|some)\s+)?(?:(?:real|live|actual|human)\s+)?(?:humans?|people|"
    r"persons?|agents?|representatives?|operators?|someone|somebody|anyone|anybody|staff|"
    r"employees?)\b(?!\s+(?!(?:i|we|to|available|working|there|here|around|left|"
    r"(?:who|that) (?:can |could |will )?(?:help|talk|speak|chat))\b)\w)"
)
# Where a clause opens: the message's start, or a stop or comma and spaces (spaces only:
# "\W*" after each of a run of commas re-read the run from each, quadratic).
_CLAUSE_OPENING = r"^\W*+|[.!?,;]\s*+"
_ASKING_NEGATION = re.compile(
    rf"(\b(?:why|how come)\s+do)n'?t(?=\s+you{_HAND_ME_ON})|"
    rf"(\b(?:why|how come)(?:\s+do)?\s+you)\s+(?:don'?t|do\s+not|not)(?={_HAND_ME_ON})|"
    # Asked of the bot only when the person ends the message or its question: not "could you
    # not transfer me to an agent every time I say help".
    rf"(\b(?:can|could|would|will)\s+you)\s+not(?={_HAND_ME_ON}[^.!?,;]{{0,40}}?\b{_PERSON}"
    r"(?:\s*\?|\W*+(?:please|pls|now)?\W*+$))|"
    r"(\b(?:(?:can|could|may|might) (?:i|we)|is there|are there))\s+not\b"
    r"(?=\s+(?:(?:a|an|any|some)\s+)?(?:(?:real|live|actual|human)\s+)?(?:speak|talk|chat|"
    r"get|be|have|person|people|humans?|agents?|representatives?|operators?|someone|somebody|"
    r"anyone|anybody)\b)|"
    # Opening its clause: not "why don't you have live chat".
    rf"((?:{_CLAUSE_OPENING})do)n'?t(?=\s+you{_SOMEONE_TO_HAVE})|"
    rf"((?:{_CLAUSE_OPENING})do\s+you)\s+not(?={_SOMEONE_TO_HAVE})",
    re.IGNORECASE,
)
# Not knowing the way to a person is no refusal of one: "I don't know how to reach an
# agent", "I can't figure out where to talk to a person", "I don't see a way to ...".
_NOT_KNOWING_HOW = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|didn'?t|can'?t|cannot|couldn'?t|not)\s+(?:\w+\s+)?"
    r"(?:know|understand|see|find|figure out|work out|remember)\s+"
    # The way to do it, not whether it would help: "I don't see how speaking to an agent
    # changes anything".
    r"(?=(?:how|where|a way|the way|any way) to\b)",
    re.IGNORECASE,
)

# A complaint about us negates no request that follows it: "you don't listen just get me
# an agent", "this isn't helping transfer me", "not helpful at all talk to a person". Its
# "not" goes; "it doesn't help to talk to an agent" (what follows is what does not help)
# and "I don't need help" (not the complaint) keep theirs, as does a complaint whose
# object is the talk that follows ("I'm not happy talking to a person").
_COMPLAINT_NEGATION = re.compile(
    r"\b(?:don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|not|never)\s+"
    r"(?=(?:(?:really|even|actually|quite|seem to|at all)\s+)?(?:understand\w*|listen\w*|"
    r"get(?:ting)? it|help(?:s|ing|ful)?|work(?:s|ing)?|trust\w*|have time|make sense|"
    r"happy|satisfied)\b(?!\s+(?:to|if|when|by|with|\w+ing)\b))",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    """`text` with swearing inside a phrase dropped, and negations that only ask, only
    say the way is unknown or only complain left out, so the rules and the model's
    silences read the request itself."""
    text = _ASKING_NEGATION.sub(
        lambda m: "".join(filter(None, m.groups())), _INTENSIFIER.sub("", text)
    )
    text = _COMPLAINT_NEGATION.sub("", _NOT_KNOWING_HOW.sub("", text))
    return " ".join(text.split())


# Talking to the bot itself or to one's own ("speak to me in Dutch", "users can talk to
# my bot in German"): words the model reads close to a request that ask for no one.
_TALKING_TO_US = re.compile(
    r"\b(?:speak|talk|communicate|chat)\w* (?:\w+ )?(?:to|with) (?:me|us|my|you|the bot|"
    r"(?:the |a )?(?:google|alexa|siri|cortana|bixby|virtual|voice))\b|"
    # In which language, or through what ("I want to talk English", "talk me through the
    # setup"), and sales, whose enquiries the bot takes ("can I speak to the sales team").
    r"\b(?:speak|talk|communicate|chat)\w* (?:in )?(?:english|spanish|french|german|italian|"
    r"portuguese|dutch|chinese|mandarin|cantonese|japanese|korean|arabic|hindi|russian|polish|"
    r"turkish)\b|\b(?:talk|walk) (?:me|us) through\b|"
    rf"\b(?:speak|talk|chat|connect|transfer|put)\w* (?:\w+ ){{0,3}}?(?:to|with) {_OF_SALES}",
    re.I,
)
# A subject to talk about by phone or at once asks for whoever answers: "I want to talk
# about my complaint on the phone", "I need to speak about my account urgently".
_HOW_OR_SOON = (
    r"phone|call|line|urgent(?:ly)?|asap|immediately|right now|in person|face to face|video"
)
_HEAD_COUNT = rf"(?:{'|'.join(_COUNTS)}|\d+) (?:more )?(?:persons?|people|adults|guests)\b"
# A subject to talk about that ends the message, with no one named in it ("I'd like to talk
# about my bill", "let's chat about something else"), a head count ("just one person", "a
# room for 3 people") and who made the bot ("is there a person who programmed you"): words
# the model reads close to a request that ask for no one.
_TOPIC_COUNT_OR_MAKER = re.compile(
    # The subject ends the message, and no one is named in it ("I need to talk about my
    # account, can you pass me on" asks to be passed on), nor a way or a hurry (`_HOW_OR_SOON`).
    rf"^(?![\s\S]*?\b(?:{_PERSON}|{_HOW_OR_SOON})\b)"
    r"[\s\S]*?\b(?:talk|speak|chat)(?:s|ing)? about\b[^.!?,;]{0,60}[.!?\s]*+$|"
    # A head count opens the message, is booked for ("a room for 3 people") or, after
    # "just" or "only", is all the message says ("just one person"); "just one person who
    # can actually help please" asks for one.
    rf"(?:^\W*+|\bfor ){_HEAD_COUNT}(?! (?:who|that)\b)|\b(?:just|only) {_HEAD_COUNT}\W*+$|"
    rf"\b(?:person|human|someone|somebody|anyone|anybody|people|humans)(?:{_BEHIND_THE_BOT})",
    re.I,
)
# A question put to anyone who knows ("is there anyone who can tell me why my order is
# late") wants an answer, not a person; "anyone who can help" still asks for one.
_QUESTION_TO_ANYONE = re.compile(
    r"\b(?:any|some)(?:one|body) (?:here |there )?(?:who|that) (?:can|could|will|would|might|"
    r"knows?)\b(?! help\b)",
    re.I,
)
# A person as what an account, a payment or a department is about: "add another person to
# my account", "transfer money to another person", "human resources"; and a contact made
# before ("I left a message with your support team yesterday"), which the customer reports.
_PERSON_AS_A_THING = re.compile(
    r"\b(?:add|remove|transfer|send|pay|move|share|invite|register)\b[^.!?]{0,30}"
    r"\b(?:another|a new|an other|other|a second|this|that) (?:person|people|user|member)\b|"
    r"\b(?:person|people) (?:i|i'?m|i am|we)\b[^.!?]{0,15}\bpay|"
    r"\bhuman resources\b|"
    # Put on a policy or an account: "can I put someone on my account".
    r"\b(?:put|add|get)\s+(?:someone|somebody|(?:a|another|one) (?:person|people|user))\s+on\s+"
    r"(?:my|our|the|this) (?:\w+ )?(?:account|policy|plan|lease|insurance|card|booking|"
    r"reservation)\b|"
    # A contact that kept coming, or another's request (`_ANOTHERS_REQUEST`): "I was being
    # contacted by someone from your team every day", "my husband asked for a manager".
    r"\b(?:was|were|am|i'?m|is|are|been) being (?:contacted|called|phoned|rung|emailed|"
    rf"messaged) by\b|{_ANOTHERS_REQUEST}|"
    r"\b(?:i|we) (?:already |just )?(?:left|sent|spoke|talked|called|emailed|wrote|contacted|"
    r"messaged|chatted)\b",
    re.I,
)
# A phone's contact list or an account's contact person, kept in step, moved or changed
# ("synchronize the contact person to the cloud", "import my contacts", "change the contact
# person on the account"), not the verb ("I lost my card, can I contact someone").
_CONTACT_LIST = re.compile(
    r"\b(?:sync\w*|synchroni[sz]\w*|import\w*|export\w*|back(?:ed|ing)? ?up|restor\w*|"
    r"delet\w*|sav(?:e|ed|ing)|lost|copy|copied|chang\w*|updat\w*|edit\w*)\b[^.!?,]{0,20}"
    r"\b(?:contacts|contact (?:list|person|people|book|details))\b",
    re.I,
)
# A request the customer received, which they report: "I got a request from someone
# asking for my PIN".
_REQUEST_RECEIVED = re.compile(
    r"\b(?:got|received|had|get|receive|a|an|the|this|that) (?:\w+ )?requests? from\b", re.I
)
_RETOLD = re.compile(_TOLD + r" (?:contact|talk|speak|call|reach|get in touch|email|message)", re.I)
# Joining a call or a device, which the rules already pass over ("connect me to the
# conference call"; not "a call with an agent"): the model reads the verb of handing on.
_JOINING_A_THING = re.compile(
    r"(?:\b(?:connect|join|dial|add)\w* (?:me |us )?(?:in)?(?:to|with) (?:the |a |an |my |this )?"
    r"(?:conference|meeting|call|wi-?fi|network|internet|printer|tv|speaker|bluetooth)\b|"
    rf"\b(?:connect|pair|link|sync|synchroni[sz]e)\w* (?:my|the|this|a) {_DEVICE})"
    r"(?![^.!?]{0,30}\b(?:agent|person|human|representative|operator|someone|somebody|staff)\b)",
    re.I,
)
# A greeting that names whom it greets ("Hello Agent", "Hi advisor") says hello, and "in
# person" or "in the store" on a day is how to meet, not whom ("Can I book an in person
# session", "could I speak to someone in the store next Tuesday?").
_GREETING_OR_IN_PERSON = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\W+(?:there\W+)?\w+\W*$|"
    rf"\bin[ -]person\b|{_IN_STORE_ON_A_DAY}",
    re.I,
)
# When or where the staff work, which the rules pass over too (`_NOW_AVAILABLE`,
# `_AT_WORK_WHEN`, `_PLACE_AFTER`): "is an agent available at weekends", "don't you have
# staff working on sundays?", "where are your agents? in India?".
_WHEN_OR_WHERE_STAFF_WORK = re.compile(rf"\b{_AT_WORK_WHEN}|{_WHERE_STAFF}{_PLACE_AFTER}", re.I)
# A page or form named after its purpose ("the contact support page is broken") is a thing.
_CONTACT_THING = re.compile(
    r"\b(?:contact|support|help|customer service)(?: us| support)? (?:page|form|link|article|"
    r"button|section|number|address|widget|portal|site|system|software|platform|tool|solution|"
    r"automation|bot|chat ?bot|app)s?\b",
    re.I,
)


# A contact the customer expects when something happens to a thing, asked about: "will
# someone contact me when my order ships?", "will an agent call me once the refund is
# processed?", "... if there is a problem with my order?". The thing names the event: "will
# someone call me?" alone, or when it suits us or the customer ("as soon as possible", "when
# you get a chance", "when he is free", "if I leave my number here"), still asks.
_EXPECTED_CONTACT = re.compile(
    rf"\bwill (?:someone|somebody|anyone|anybody|{_DET}{_PERSON}s?) (?:\w+ )?(?:contact|call|ring|"
    r"phone|e-?mail|text|message|notify|update|get back to|reach out to) (?:me|us) (?:(?:when|once|"
    r"after|before|as soon as|if) (?:my|our|the|its?|this|that|there)|before (?:delivery|"
    r"dispatch|shipping))\b",
    re.I,
)
# Whom to ask, beside another way offered (`_OR_ANOTHER_WAY`): "who can I talk to about my
# bill, or is there a form?" asks for the way.
_WHOM_OR_A_WAY = re.compile(
    r"\bwho (?:can|could|should|do) (?:i|we) (?:talk|speak|chat|contact|ask|write)\b"
    + _OR_ANOTHER_WAY,
    re.I,
)
# A message that only judges a member of staff, for ill or good: "how rubbish the operator
# is!", "your agent was rude", "the rep was so helpful to me today"; a request may follow it
# ("your agent was rude, I want a manager", "your agent was rude I demand his boss"), which
# this leaves to the readers: after the judgement, only to whom and when (`_WHEN_JUDGED`).
_JUDGED = (
    r"(?:rubbish|rude|useless|terrible|awful|horrible|hopeless|incompetent|clueless|unhelpful|"
    r"pathetic|lazy|stupid|slow|bad|poor|garbage|annoying|arrogant|condescending|dismissive|"
    r"unprofessional|a joke|the worst|helpful|great|lovely|nice|kind|polite|excellent|brilliant|"
    r"amazing|fantastic|wonderful|good)"
)
_WHEN_JUDGED = (
    r"(?: (?:to|with) (?:me|us|my \w+)| on the (?:phone|call)| in (?:the )?(?:store|shop|branch)|"
    r"(?: (?:this|last|yesterday|today))? (?:morning|afternoon|evening|night|week|time)|"
    r" (?:today|yesterday|earlier|again|as always|as usual))*+"
)
_STAFF = rf"(?:{_ONE_PERSON}s?|staff|people|team|reps|employees|technicians?|engineers?)"
_ONLY_A_JUDGEMENT_OF_STAFF = re.compile(
    r"^\W*+(?:(?:how|what) (?:an? )?(?:\w+ ){1,2}?)?(?:the|your|this|that|my|our|these|those) "
    rf"(?:\w+ )?{_STAFF} (?:is|was|are|were|has been|have been|seems?|seemed)"
    rf"(?:(?: (?:so|very|really|just|absolutely|completely|totally|extremely|quite|pretty|too))*+ "
    rf"{_JUDGED}\b{_WHEN_JUDGED})?[.!?\s]*+$",
    re.I,
)


def _silenced(text: str) -> bool:
    """Whether the model's reading of `text` (past who is talking) is silenced: a person
    negated ("I don't need an agent"), talk with the bot, a subject to talk about, a head
    count, who is behind the bot, a contact page, a greeting alone, a device, a contact
    list, when or where the staff work, a contact expected, another way asked for beside
    whom, or a judgement of staff alone."""
    plain = _plain(text)
    return any(
        rx.search(plain)
        for rx in (
            _NEGATED_PERSON,
            _TALKING_TO_US,
            _TOPIC_COUNT_OR_MAKER,
            _CONTACT_THING,
            _QUESTION_TO_ANYONE,
            _RETOLD,
            _REQUEST_RECEIVED,
            _PERSON_AS_A_THING,
            _GREETING_OR_IN_PERSON,
            _JOINING_A_THING,
            _CONTACT_LIST,
            _WHEN_OR_WHERE_STAFF_WORK,
            _EXPECTED_CONTACT,
            _WHOM_OR_A_WAY,
            _ONLY_A_JUDGEMENT_OF_STAFF,
        )
    )


def _readings(text: str) -> tuple[str, str | None]:
    """What the rules read in `text`, and what the model's silences read, or None when the
    model may not read it: the one decision the product and the model's trainer make
    (`model_may_read`). Past what the customer is ("I'm a customer, can somebody look at my
    account"), both read what follows; past a remark on the bot, there or at the start, the
    rules read what follows it in a clause of its own ("you're a bot, I want a person";
    nothing when the remark is all it says) and the model does not read: "I'm a loyal
    customer, are you a real person?" asks what the bot is, as "are you a real person?"
    does."""
    if _ABOUT_THE_CUSTOMER.match(text):
        text = _after_first_clause(text)
        if not text.strip():
            return text, None
    if IDENTITY_QUESTION.match(text) or _ABOUT_THE_BOT.match(text):
        return _after_first_clause(text), None
    return text, text


def model_may_read(text: str) -> bool:
    """Whether the request model's reading of `text` counts (`_readings`): unless what its
    silences read is silenced (`_silenced`)."""
    silences_read = _readings(text)[1]
    return silences_read is not None and not _silenced(silences_read)


def _model(text: str, vector: npt.NDArray[np.float32]) -> Signal:
    probability = request_probability(text, vector)
    if probability < request_threshold():
        return Signal()
    return Signal(score=1.0, evidence=[f"reads as a request for a person (p={probability:.2f})"])


def detect_human_request(
    text: str, vector: npt.NDArray[np.float32] | None = None, company: str = DEFAULT_COMPANY
) -> Signal:
    """The request in `text`; `vector` is its normalised MiniLM embedding when known;
    `company` the name of the company the bot speaks for. The rules read past a remark on
    who is talking (`_readings`); the model reads the whole message when `model_may_read`
    lets it."""
    found = _rules(_plain(_readings(text)[0]), company)
    if found.fired() or vector is None or not model_may_read(text):
        return found
    return _model(text, vector)
