"""Frustration: the customer is losing patience with us, whatever the sentiment lexicon says.

VADER scores words; frustration shows in what people say about the service ("third
time asking", "useless", sarcasm about the bot), and each such cue is evidence of its
own: one is enough (score 0.5). How they write (swearing, shouting, "!!!") is tone:
"i wanna track my fucking order" is a question to answer, not a reason to step aside,
so tone adds at most 0.25 however much of it there is, and never fires on its own.
"""

import re
from functools import lru_cache

from warmline.guardrails.company import COMPANY, DEFAULT_COMPANY, with_company
from warmline.guardrails.evidence import Signal, compile_all, matches
from warmline.guardrails.masked import unmasked
from warmline.guardrails.resolution import reports_resolved

_SENTENCE_START = r"(?:^|(?<=[.!?\n])|(?<=[.!?\n] ))"
# Coming back to us about the same thing: frustration with the service wherever it is said.
_CONTACTING = (
    r"(?:ask|contact|call|writ|wrote|told|tell|explain|repeat|chat|messag|email|complain|"
    r"report|reach|send|sent|giv|gave|say|said|show|suggest)"
)
# "countless" counts only as a number of contacts ("I've sent countless emails", "called
# you countless times"): "countless options" or "countless harassing messages every day"
# are no coming back to us.
_CONTACTS = r"(?:e-?mails|calls|messages|chats|complaints|requests|tickets|letters)"
_OFTEN = (
    r"(?:again and again|over and over|every single time|countless (?:times|(?:\w+ )?"
    + _CONTACTS
    + r"))\b"
)
# A fault that made the customer buy or order again ("it arrives broken", "you charge me
# twice", "because your parcels keep getting lost").
_FAULT = (
    r"(?:broken|broke|breaks|dead|damaged|defective|faulty|lost|missing|never|wrong|late|"
    r"twice|because|keeps?|dying|died|replacement|refund|same|happen\w*|"
    r"(?:does|did|is|was|were|has|have|wo)n'?t|not (?:work|arriv|come|deliver)\w*)"
)
# A count of calls made to get something done ("I called you three times yesterday to
# book, all good") is no coming back about a trouble.
_FOR_AN_ERRAND = (
    r"(?!(?: \w+)? to (?:book|order|buy|reserve|schedule|renew|upgrade|sign up|say thanks)\b)"
)
_COUNT = r"(?:\d+|two|three|four|five|six|several|many|multiple|dozens of|a dozen|so many)"
# Nobody answering us, not an advert, an invitation or a door ("Nobody responded to my ad",
# "nobody answered the door when the courier came").
_NOT_AN_AD_OR_A_DOOR = (
    r"(?! (?:to |about )?(?:my |the |our |your |an? |this |that )?(?:\w+ )?(?:ads?|adverts?|"
    r"listings?|invites?|invitations?|door|doorbell)\b)"
)
_REPEATED_CONTACT = compile_all(
    [
        # Not a count of what the customer does with us ("the third time I'm buying from
        # you, love the lamps"), unless a fault follows in its sentence ("the third time I
        # order this lamp and it arrives broken"): the window is bounded, so linear.
        r"\b(?:third|fourth|fifth|\d+(?:rd|th)|umpteenth|hundredth) (?:time|chat)\b"
        r"(?! (?:(?:that |now )?(?:i'?m|i am|i'?ve|i have|i|we'?re|we are|we) )?(?:buy|bought|"
        r"order|shop|purchas|book|stay|visit|fly|renew|recommend)"
        r"(?![^.!?\n]{0,120}?\b" + _FAULT + r"\b))",
        r"\b(?:second|2nd) (?:time|chat) (?:(?:that |now )?(?:i'?m|i am|i'?ve|i have|i) )?"
        r"(?:ask|contact|writ|call|chat|explain|tell|messag|report|reach)\w*",
        r"\b(?:asked|told|explained|said|done that|contacted|complained|called|emailed|wrote|"
        r"written|rang|phoned|messaged) (?:(?:this|that|it|you|them|to you|support|customer "
        r"service|your (?:\w+ )?(?:support|team|helpline|hotline)) )?"
        + _COUNT
        + r" times\b"
        + _FOR_AN_ERRAND,
        # "Twice" only to us: "complained twice" alone may be of anyone.
        r"\b(?:contacted|complained|called|emailed|wrote|written|rang|phoned|messaged) (?:to )?"
        r"(?:you|u) twice\b" + _FOR_AN_ERRAND,
        # Trying is the customer's own attempts ("tried dozens of times to get a good photo"),
        # unless it is trying us, or trying what we said ("tried that three times").
        r"\btried (?:(?:this|that|it) )?" + _COUNT + r" times\b(?! to (?!(?:contact|reach|call|"
        r"get (?:through|hold|in touch)|talk|speak)\b))",
        r"\bthe first \d+ times\b",
        # Said of contacting us, or of us answering the same ("you're giving me the same
        # steps over and over"), not of a device's fault ("the app says E-1042 every single
        # time I add a bulb" is a problem to answer).
        r"\b(?:i|we|you)(?:'ve| have|'re| are|re)? (?:\w+ ){0,2}"
        + _CONTACTING
        + r"\w* (?:\w+ ){0,8}?"
        + _OFTEN,
        _OFTEN + r" (?:i|we)(?:'ve| have)? (?:\w+ )?" + _CONTACTING,
        r"\bcountless (?:\w+ )?" + _CONTACTS + r" (?:to|with) (?:you|your|u)\b",
        # The same said without "I" ("Sent you countless emails.").
        _SENTENCE_START + r"(?:sent|written|wrote|made|left) (?:(?:you|u) )?"
        r"countless (?:\w+ )?" + _CONTACTS + r"\b",
        r"\balready (?:told|asked|explained|said|sent)\b",
        r"\bliterally just said\b",
        r"\bkeeps? (?:asking|telling|sending)\b",
        r"\b(?:nobody|no one|no-one) (?:(?:ever|even|yet) )?(?:helps|helped|replies|replied|"
        r"answers|answered|cares|cared|reads|fixed|called|responds|responded|attended|"
        r"gets back|got back)\b" + _NOT_AN_AD_OR_A_DOOR,
        r"\b(?:nobody|no one|no-one) (?:has|have|had) (?:(?:ever|even|yet) )?(?:helped|replied|"
        r"answered|responded|called|contacted|fixed|got(?:ten)? back)\b" + _NOT_AN_AD_OR_A_DOOR,
        r"\b(?:nobody|no one|no-one) (?:would|will) (?:(?:ever|even) )?(?:help|reply|answer|care|"
        r"respond|get back)\b" + _NOT_AN_AD_OR_A_DOOR,
        r"\bhow many times (?:do|must|should|will|have) i (?:have to |got to |need to )?"
        r"(?:say|tell|ask|explain|repeat|call|write)\b",
        r"\bi(?:'ve| have)? told you (?:already|before|twice|that|the)\b",
        r"\b(?:there (?:was|has been|is) no|still no|got no|never got an?y?) "
        r"(?:response|reply|answer|call ?back)\b",
        r"\b(?:no|any) (?:replies|reply|response|answer) "
        r"(?:received|yet|so far|till now|up to now)\b",
        r"\b(?:like|as) i (?:said|told you)\b|\bi(?:'ve| have)? made (?:myself|it) clear\b",
        r"\bgoing (?:round|around) in circles\b",
        r"\bover an hour\b|\bdisconnected (?:twice|again)\b",
    ]
)
# Trouble that has lasted: in an opening message this describes the problem ("I am still
# waiting for a repayment" is a question about a repayment); once the service has
# answered, it says the answer did not end it.
_TROUBLE_LASTS = compile_all(
    [
        r"\balready (?:tried|did|done)\b|\b(?:did|tried) (?:that|it|this) already\b",
        r"\bstill (?:not|no|hasn'?t|haven'?t|doesn'?t|isn'?t|waiting|broken|nothing)\b",
        r"\bfor (?:days|weeks|months|ages)\b|\bit'?s been (?:a|two|three|\d+) (?:weeks?|months?)\b",
        r"\b(?:\d+|two|three|four|five|six) (?:days|weeks|months) (?:now|later|and)\b",
        r"\bkeeps? happening\b",
    ]
)
_PROFANITY = compile_all(
    [
        r"\b(?:damn|hell|crap|shit\w*|f+u+c+k\w*|f\*+\w*|bullshit|wtf|omfg|ffs|pissed|bloody)\b",
        r"[\U0001F620\U0001F621\U0001F92C\U0001F624]",
    ]
)
# Us, our service or how it went, as what a feeling is about ("disappointed with Lumen",
# "not satisfied with how this was handled"), not a product or someone else.
_US = (
    r"(?:you|u|your|"
    + COMPANY
    + r"|how|the (?:\w+ )?(?:service|support|staff|team|company|reply|replies|"
    r"answer|response|solution|outcome|result|results|resolution|handling|treatment|experience|"
    r"process|way)|this (?:service|company|answer|reply|response|solution|outcome))(?!\w)"
)
_DISSATISFIED = (
    r"(?:not (?:(?:at all|really|very|fully|entirely|completely) )?satisfied|unsatisfied|"
    r"dissatisfied)"
)
# Written with `COMPANY` for the company's name: compiled per name by `_company_rules`.
_STRONG_WORDS = [
    r"\b(?:ridiculous|useless|pathetic|joke|scam|unacceptable|incompetent|worst|"
    r"garbage|rubbish|terrible|horrible|awful|disgrace\w*|fed up|sick of|tired of|"
    r"what a mess|ripped off|rip-?off|speechless|shameless\w*|"
    r"nonsense|pass(?:ing)? the buck|empty (?:words|statements|promises)|"
    r"lost (?:my |all )?(?:patience|confidence|trust)|"
    r"had enough|furious|livid|angry|annoyed|frustrat\w*|infuriating|nightmare|"
    r"unbelievable|impossible to deal with|not happy|regret (?:ever )?buying|"
    r"i'?m (?:so )?done|so done with|done with (?:this|you)|untrustworthy)\b|\bdone with "
    + COMPANY,
    # Appalling said of us ("your handling of my refund is appalling", "it's appalling
    # that you ..."), not of a hotel, the weather or a book's ending.
    r"\b(?:(?:this|that|it)(?:'?s| is| was| has been)|you(?:'?re| are| have been|'ve been)|"
    r"your (?:\w+ ){0,4}?(?:is|are|was|were|has been|have been)) (?:(?:absolutely|truly|just|"
    r"simply|quite|so|utterly|really) )?appalling\b|\bappalling (?:customer )?(?:service|"
    r"support|treatment|handling|attitude|behaviou?r|communication)\b|\bappalled (?:by|at|"
    r"with) (?:you|your|the way|how)\b",
    # Disappointment in us, not in how things went ("I'm really disappointed, my evening
    # is ruined" is sadness) nor in a product ("unhappy with the size"): the feeling
    # alone is matched, so a negation before it reads.
    r"\b(?:disappointed|unhappy)(?= (?:in|with|by|about) " + _US + r")|"
    r"\byou(?:'ve| have)? disappointed me\b",
    # Said of us or of how things are going ("this is getting really annoying now", "you
    # guys are annoying", "So annoying!"), not of a thing or a person ("the notification
    # sound is so annoying", "these annoying spam calls", "sorry to be annoying"), nor of
    # what a clause after it names ("it's annoying when my phone auto-corrects").
    r"\b(?:this|that|it|(?:you|u)(?: guys| people| lot)?|(?:this|that|your|the) (?:\w+ )?"
    r"(?:service|support|attitude|staff|team|agents?|bot|chat))(?:'?s|'?re| is| are| was|"
    r" were| has been| have been|'ve been) (?:(?:so|really|very|super|extremely|incredibly|"
    r"just|quite|getting|becoming|the|most|now) ){0,3}annoying\b(?! (?:that|when|how)\b)|"
    r"\bhow annoying\b|\bannoying (?:can|could) you be\b|"
    + _SENTENCE_START
    + r"(?:(?:so|really|super|very|soo+) )?annoying(?=\s*[!.…])",
    # Dissatisfied said by the customer of us or on its own ("I am so dissatisfied.",
    # "not satisfied at all with the outcome"), not of a product, a size or a former
    # provider ("not satisfied with the colour", "dissatisfied with my old provider so I
    # switched to you"); put as a condition it is none (`_about_us`).
    r"\b(?:i'?m|i am|we'?re|we are|i was|we were|(?:i|we) feel)(?: (?:very|really|so|quite|"
    r"totally|completely|extremely|deeply|still))? " + _DISSATISFIED + r"(?: at all)?"
    r"(?=\s*(?:[.!?,;:…)]|$|(?:and|but|so|because)\b|(?:with|by|about|in) "
    + _US
    + r"))|\b"
    + _DISSATISFIED
    + r"(?: at all)? (?:with|by) "
    + _US,
    # Cheated said by the customer or of us ("I feel cheated", "you cheated me", "your fees
    # are cheating", "cheating money"), not hearsay of someone else's dealings ("my friend
    # said he got cheated by another shop"), nor cheated by anyone but us: fees are ours
    # when the customer names no owner ("by these charges on my bill", "by the fees you
    # charged", "by the fees."), not "by the hotel prices" nor "the plan my bank sold me".
    r"\b(?:i|we)(?:'ve| have| had|'m| am|'re| are)? (?:(?:been|was|were|got|get|feel|felt) )?"
    r"(?:(?:so|totally|completely|really) )?cheated\b(?! by (?!(?:you|u|your|"
    + COMPANY
    + r")(?!\w)|(?:the|these|those|this|all (?:the|these)) (?:(?:hidden|extra|additional|new|late|"
    r"monthly|unexpected|surprise) )?(?:fees?|charges?|pric\w+|"
    r"bill\w*|subscriptions?|renewals?|terms|contracts?|plans?)(?= (?:you|u)\b| on my (?:bill|"
    r"account|card|statement)\b|\s*(?:[.!?,;:…]|$))))|"
    r"\byou(?:'re| are|'ve| have)? (?:been )?cheat(?:ing|ed)\b|"
    r"\b(?:(?:this|that|it)(?:'s| is| was)|"
    r"your (?:\w+ ){1,3}?(?:is|are|was|were)) (?:(?:just|pure|plain|blatant|simply|absolutely|"
    r"totally|a kind of|a form of) )?cheating\b|\b(?:money|profit) by cheating\b|"
    r"\bcheat(?:s|ing|ed)? (?:(?:me|us) (?:out )?of )?(?:my |our |the )?money\b|"
    + _SENTENCE_START
    + r"cheating(?=\s*(?:[!.…?]|$))",
    # Our staff's conduct judged ("your staff were so rude", "your courier was very rude",
    # "the guy on your phone line was rude"), not the staff of a shop, a hotel or a show
    # ("the Currys staff were rude", "the hotel staff", "the team was so rude to each
    # other"): "the" only before our own kinds of staff, ours named after it.
    r"\b(?:your (?:\w+ ){0,2}?(?:staff|agents?|employees?|operators?|representatives?|reps?|"
    r"team|couriers?|drivers?|technicians?|engineers?|installers?|people)|the (?:customer "
    r"service |support |chat |phone |service )?(?:staff|agents?|employees?|operators?|"
    r"representatives?|reps?|team)|the (?:guy|person|lady|man|woman|girl|agent) (?:on|at|from|"
    r"in) (?:your|"
    + COMPANY
    + r")(?: \w+){0,3}?) (?:was|were|is|are|has been|have been) (?:(?:so|very|really|"
    r"extremely|incredibly|quite|just) )?(?:rude|impolite|disrespectful|condescending|"
    r"unprofessional)\b(?! (?:to|with) (?:each other|one another)\b)",
    r"\bare you (?:kidding|serious|joking)\b|\bseriously\?",
    r"\b(?:never (?:again|buying)|last chance)\b",
    r"\b(?:i'?m|i am|we'?re|we are|i'?ll be|i will be) switching to\b"
    # To us is no leaving ("we're switching to you"), to a rival of ours is.
    r"(?! (?:you|u|your)\b(?! (?:\w+'? ){0,2}(?:competit|rival)))",
    r"(?<!i'm an )(?<!i am an )\bidiot(?:s|ic)?\b",
    r"\b(?:won'?t|will not|never) (?:use|buy from|renew with|recommend) (?:you|your)\b",
    r"\bi quit\b",
    r"\bwhat kind of (?:answer|reply|service|customer service|attitude)\b",
    r"\bhow hard is it\b|\bdo you even (?:read|listen)\b|\bi swear\b",
    r"\bone more ['\"‘’]?sorry",
    r"\bi'?ve been patient\b|\b(?:is|was) (?:this|that) (?:how|the way) you treat\b",
    r"\bstop sending me (?:links|articles)\b",
    r"\bwill be hearing about this\b|\bgoing to sue\b|\bsmall claims\b|\bdisputing\b",
    r"\b(?:totally|completely|so|very) unprofessional\b",
    r"\bnot doing this (?:over chat )?again\b",
    r"\bsee you in court\b|\benjoy\b[^a-z]*$",
]
# Who is someone else, whatever is said of them ("the courier", "the hotel").
_OTHERS = (
    r"(?:driver|courier|seller|vendor|merchant|landlord|council|neighbou?r|airline|hotel|"
    r"restaurant|shop|store|bank|school)"
)
# A complaint about someone else ("against the seller", "with the airline", "to the
# landlord", "on my shop", "against me"), or about a person named or a member of our
# staff, which the staff-complaint topic hands over with its own routing ("about Sam from
# your chat team", "about your technician"). Lumen is us, not a name.
_NOT_OF_US = (
    r"(?! (?:about|against|with|to|on|regarding) (?:(?:me|us)\b|(?!"
    + COMPANY
    + r")(?-i:[A-Z][a-z]+\b)|"
    r"(?:your |the |an? |my |our |one of your )?(?:\w+ )?(?:agent|technician|staff|employee|"
    r"installer|engineer|operator|manager|colleague|rep|representative|guy|" + _OTHERS + r")s?\b))"
)
# Poor service somewhere is the signal a phone has ("poor in the basement").
_NOT_A_PLACE = r"(?! (?:in|inside|upstairs|downstairs|outside) (?:my|the|our|this|some)\b)"
# How we treat the customer, in the words of a complaint: our conduct judged ("arrogant",
# "irresponsible"), being fooled, cheated or lied to, an explanation owed.
_COMPLAINT = [
    r"\b(?:arrogan\w*|irresponsib\w*|disgust\w*|outrageous|careless\w*|"
    r"deceiv\w*|deceptive|mislead\w*|misled|shame(?:ful| on you))\b",
    r"\b(?:(?:fool|cheat)(?:s|ing|ed)?|lie[ds]? to|lying to) (?:me|us|(?:your |the )?"
    r"(?:people|customers|consumers|users))\b|\brip(?:s|ping|ped)? (?:me|us|(?:your |the )?"
    r"(?:people|customers|consumers|users)) off\b|\byou lied\b|\bliars?\b",
    r"\b(?:reasonable|satisfactory) explanation\b|\b(?:owe (?:me|us)|demand) an explanation\b",
    # The service judged ("the service is so poor", "bad attitude"), not the signal a
    # phone has ("poor service in the basement"); or its conduct held up to it ("Is this
    # the attitude of your staff?", "This is the efficiency of ..."), not a product's
    # ("the efficiency of the bulb").
    r"(?<!cell )(?<!mobile )(?<!phone )(?<!wifi )(?<!wi-fi )(?<!wireless )(?<!signal )"
    r"(?<!network )(?<!satellite )\b(?:service|support|attitude) (?:is|was|has been) "
    r"(?:just |so |too |very |really ){0,2}(?:poor|bad)\b" + _NOT_A_PLACE + r"|\b(?:poor|bad) "
    r"(?:customer service|attitude)\b|\b(?:such|so) (?:poor|bad) (?:service|support)\b"
    + _NOT_A_PLACE,
    # The service the customer is getting judged ("this is poor service", "what bad
    # support!", "what poor service from you today", "for loyal customers", "for the
    # price", "by any standard"), not a phone's signal ("it's poor service in the
    # basement"), a thing's ("bad support for older iPhones", "for older models"), nor
    # anyone else's ("poor service from the courier", "from my previous provider", "by
    # the delivery company", "with my old router": after from, by or with, whoever is not
    # us is someone else), nor a question about the words ("what poor service means on
    # the icon?").
    r"\b(?:this|that|it)(?:'s| is| was) (?:(?:a|such|really|very|so|just) ){0,2}(?:poor|bad|"
    r"lousy|shoddy) (?:customer )?(?:service|support)\b" + _NOT_A_PLACE + r"(?! (?:(?:from|with|"
    r"by) (?!(?:you|your|us|any)\b|" + COMPANY + r")|(?:for|of) (?!(?:\w+ ){0,2}?(?:i|me|us|"
    r"you|your|customers?|clients?|users?|members?|subscribers?|people|someone|somebody|"
    r"anyone|everyone|the (?:price|money)|what (?:i|we) pay)\b|" + COMPANY + r")))|"
    r"\bwhat (?:a )?(?:poor|bad|lousy|shoddy) (?:customer )?(?:service|support)"
    r"(?=\s*(?:[!.…]|$)| from (?:you|" + COMPANY + r")(?!\w))",
    r"\b(?:(?:is|was) (?:this|that)|this is) (?:the|your) (?:(?:customer )?service |staff )?"
    r"(?:attitude|competence|professionalism)\b(?! (?:setting|sensor|mode|indicator)s?\b)|"
    r"\b(?:is|was) (?:this|that) your efficiency\b|"
    r"\bthis is (?:the|your) efficiency of (?!(?:the|this|that|a|an|my|our) )",
    r"\byou(?:'re| are) (?:not |un)qualified\b|\bwhat(?:'?s| is) wrong with (?:you|your "
    r"(?:company|service|support|staff|team))\b|\bwhat (?:the hell|on earth) are you doing\b",
    # Not a name asked for ("Is this what you call the premium plan?"), nor a number to
    # ring ("can you call this number?").
    r"\b(?:(?:is|was) (?:this|that)|(?:this|that)(?:'?s| is)) what you call"
    r"(?! (?:the |your )?(?:\w+ )?(?:plan|tier|package|bundle|model|version|setting|mode|"
    r"option|feature)s?\b)|\byou call (?:this|that) (?:\w+ )?(?:service|support|help)\b",
    # A complaint filed or to be filed ("I've filed a formal complaint", "the only way out
    # is to file a complaint", "How can I make a complaint?": with no one else named it
    # is about us), not one about someone else (`_NOT_OF_US`).
    r"\b(?:files?|filed|filing|lodges?|lodged|lodging|make|makes|made|making|submit|submits|"
    r"submitted|submitting) (?:a |an |my )?(?:official |formal )?complaint\b" + _NOT_OF_US,
]
# Questions put to us that are reproaches ("Can't you contact me?", "Why don't you
# reply?", "you never answer", "give me an explanation"): in an opening message they
# ask for something the bot may answer ("Why don't you ship to Canada?"), once the
# service has answered they say the answers are not enough.
_REPROACH = compile_all(
    [
        r"(?<![a-z] )(?<![a-z], )\b(?:can'?t|couldn'?t|cannot) you\b",
        r"\bwhy (?:don'?t|didn'?t|can'?t|cannot|won'?t|do not|did not|will not) you\b",
        r"(?<!do )(?<!did )(?<!would )\byou (?:always|never)\b(?! fail)",
        r"\b(?:give me|i (?:want|need)) an explanation\b",
    ]
)
# After "of no use", a reason the customer gives or a lack they mend ("no use to me
# because I don't have the app", "no use without the serial, which I'll send now").
# "Since" only of the customer ("since I don't have the app"), not of the answer ("no use
# since it doesn't apply").
_NO_REASON = (
    r"(?!(?: (?:to|for) (?:me|us))? (?:without|until|unless|if|because|trying|since (?:i|we))\b)"
)
# Dissatisfaction with the last answer or with the bot itself.
_ABOUT_THE_ANSWER = compile_all(
    [
        r"\bstop (?:telling|asking) me\b",
        r"\bi(?: have|'ve) (?:already )?(?:done|tried) (?:that|this)\b",
        r"\bi already (?:did|tried|done) (?:that|this|it)\b|\b(?:did|tried) (?:that|it) already\b",
        r"\b(?:wrong|irrelevant|unhelpful|useless) (?:answer|reply|response|article|link)s?\b",
        # What we said judged of no use ("your words are of no use", "that answer is of no
        # use to me", "This is no use at all"), not a thing, nor of no use for a reason the
        # customer then gives or mends ("the steps are no use to me because I don't have
        # the app", "no use without the serial, which I'll send").
        r"\b(?:your|the|that|this) (?:words|answers?|replies|reply|advice|suggestions?|solutions?|"
        r"steps|article|link|response) (?:is|are|was|were) (?:of )?no use\b" + _NO_REASON,
        r"\b(?:this|that|it)(?:'s| is| was) (?:of )?no use(?= (?:to|for) (?:me|us)\b| at all\b|"
        r"\s*(?:[.!?…]|$))" + _NO_REASON,
        r"\b(?:that|this|it|you) (?:didn'?t|doesn'?t|did not|does not|don'?t|do not|isn'?t|is not|"
        r"aren'?t|are not|weren'?t|wasn'?t) (?:help(?:ing|ful)?|answer\w*|make sense|"
        r"understand\w*|get it|listening|reading)\b",
        r"\byou(?:'re| are)? (?:not (?:understanding|listening|helping|reading)|no help|"
        r"clueless)\b",
        r"\b(?:not|no|never) (?:helpful|answered|what i need)\b",
        r"\byou (?:don'?t|do not|never|didn'?t|did not) (?:pay (?:any )?attention|care|listen|"
        r"read|take (?:\w+ ){0,3}seriously)\b",
        r"\b(?:have|did) you (?:even )?read (?:my|what)\b|\b(?:can'?t|cannot|don'?t) you "
        r"(?:even )?(?:understand|read|see)\b",
        r"\bstupid (?:bot|robot|machine|ai|chat ?bot)\b|\b(?:bot|robot|machine) is (?:stupid|dumb|"
        r"useless)\b",
    ]
)
# The trouble outlasting an answer: in an opening message this states the problem, once
# the service has answered it says the answer did not work.
_FAILURE_PERSISTS = compile_all(
    [
        r"\b(?:does not|doesn'?t|did not|didn'?t|do not|don'?t|won'?t|will not|still not|not) "
        r"work(?:ing|ed)?\b",
        r"\bstill (?:the same|jumps|comes|appears|shows|says|can'?t|cannot)\b",
        # "the same error message came again" as well as "the same error again".
        r"\b(?:the )?same (?:problem|error|mistake|message|issue|thing)(?: message)? "
        r"(?:(?:came|comes|appeared|appears|showed|shows|popped|pops|happened|happens|occurred|"
        r"occurs)(?: up)? )?(?:again|still|as before)\b",
        r"\b(?:problem|error|mistake|message|issue) is (?:still )?the same\b",
        r"\b(?:didn'?t|did not|doesn'?t|does not) (?:help|solve|fix|change)\b",
        r"\bi (?:did|have done|tried|followed) (?:all|everything|all th(?:is|at|e steps))\b",
        r"\bnothing (?:happens|happened|changed|works|helped)\b",
    ]
)
_LATER_ONLY = _TROUBLE_LASTS + _REPROACH
# Thanks, or appreciation of what was done ("really appreciate it"); "I'd appreciate a
# reply" and "I would really appreciate it if ..." ask for something, and "I don't
# appreciate it" or "I really appreciate it... not" thank for nothing.
_THANKS = re.compile(
    r"\b(?:thanks?|thank you|thx|danke|gracias|obrigad[oa])\b|(?<!would )(?<!'d )"
    r"(?<!would really )(?<!'d really )(?<!n't )(?<!\bnot )(?<!n't really )(?<!\bnot really )"
    r"\bappreciated? (?:it|that|this|(?:the|your|all the|all your) (?:help|reply|answer|time|"
    r"effort|support))\b(?! if\b)(?![\s.,…!-]{1,6}not(?=\s*(?:[.!?,;…]|$)))",
    re.IGNORECASE,
)
# A first correction is a mild cue: tone-weight, it fires only with another.
_CORRECTION = compile_all(
    [
        r"\b(?:that'?s|this is|that is|it'?s) (?:not|nothing like) what i (?:asked|meant)\b",
        r"\b(?:that'?s|this is|that is|it'?s) (?:not|nothing like) what i (?:said|wanted)\b",
    ]
)
_PRAISE = r"great|wonderful|fantastic|brilliant|perfect"
# Sarcasm wherever it is said and whatever thanks follow: praise for one more of the
# trouble ("Brilliant, yet another delay. Thanks Lumen.", "great, more waiting. thanks"),
# praise said twice ("My parcel is late, great, just great"), help praised with a "wow".
_SARCASM = compile_all(
    [
        r"\bthanks for nothing\b",
        r"\banother bot\b|\b(?:human ){2,}",
        r"\b(?:wow|thanks a lot|" + _PRAISE + r")[\W_]{1,6}(?:just |so now |now )?"
        r"(?:another|more|yet)\b",
        r"\b(?:" + _PRAISE + r")[,.!]{0,3} just (?:" + _PRAISE + r")\b",
        r"\bwow,? (?:so|such|very) (?:helpful|useful)\b",
    ]
)
# Praise that may be either: sarcasm when the message is a complaint ("Oh perfect, the
# parcel is late again") and praise when it thanks or says the trouble is over ("Great, the
# refund is there now, thanks", "Great, just what I needed, thanks"): read as sarcasm only
# in a message with neither. An exclamation opens its sentence; "the delivery was great,
# the driver was so nice" says how something went. Interjections may come first ("oh
# great, the …", "hmm ok great, just …").
_INTERJECTION = r"(?:oh|well|yeah|wow|ok|okay|so|lol|ugh|ah|gee|geez|hmm|omg|haha|lmao)"
_OPENS_A_SENTENCE = _SENTENCE_START + r"(?:" + _INTERJECTION + r"[,!]? ){0,2}"
_MOCK_PRAISE = compile_all(
    [
        _OPENS_A_SENTENCE + r"(?:" + _PRAISE + r"|thanks a lot)[,.!]{0,3} (?:just|so|really)\b",
        _OPENS_A_SENTENCE + r"(?:wow|" + _PRAISE + r"),? (?:just |the )",
        r"\bsuper helpful\b|\bamazing value\b|\breally smart\b",
    ]
)
# A trouble told beside the thanks makes them none ("Oh great, the parcel is late. Thanks
# a lot.").
_TROUBLE_TOLD = re.compile(
    r"\b(?:again|still|late|delay\w*|lost|missing|broken|nothing|never|waiting)\b", re.IGNORECASE
)
# A feeling the customer names is frustration with us unless the words around it say
# otherwise: negated ("I'm not angry, just confused", "not annoyed at all") or aimed at the
# customer themself ("annoyed with myself"). A fault the customer owns ("I made a terrible
# mistake") is no judgement of us either. Each window is bounded, so the cost is linear.
_FEELING = re.compile(
    r"(?:angry|annoyed|frustrated|furious|livid|fed up|disappointed|unhappy)", re.IGNORECASE
)
# Dissatisfaction put as a condition ("if I'm not satisfied with it, can I return it?").
_CONDITION = re.compile(r"\b(?:if|when|whenever|unless|in case)\b[^.!?,;]{0,20}$", re.IGNORECASE)
_NEGATED = re.compile(
    r"(?:\bnot|\bnever|n't|\bno longer)\s+(?:(?:so|that|too|very|really|even|remotely|"
    r"particularly|at all)\s+){0,2}$",
    re.IGNORECASE,
)
_AT_ONESELF = re.compile(r"\s+(?:with|at)\s+(?:myself|ourselves)\b", re.IGNORECASE)
_OWN_MISTAKE = re.compile(
    r"\b(?:(?:i|we)(?:'ve| have)?\s+made|my own|my)\s+(?:an?\s+|such\s+an?\s+|the\s+)?$",
    re.IGNORECASE,
)
_MISTAKE_AFTER = re.compile(r"\s+(?:mistake|error|typo|blunder)s?\b", re.IGNORECASE)
WINDOW_CHARS = 40
# A feeling told of something the customer describes ("the angry expression on my face",
# "an angry neighbour"), not one the customer states ("I'm an angry customer").
_DESCRIBED = re.compile(
    r"(?<!\bi'm )(?<!\bi am )(?<!\bwe're )(?<!\bwe are )\b(?:the|an?|his|her|their|its|my)\s+"
    r"(?:(?:very|really|so|most)\s+)?$",
    re.IGNORECASE,
)
# "Useless" said in the sentence of the customer's own step ("I tried restarting it but
# that was useless", "It's useless too after I turned the phone off and on") judges the
# step, unless the sentence is about us ("I tried what you said, useless").
_OWN_STEP = re.compile(
    r"\b(?:i|we)(?:'ve| have| had)?\s+(?:(?:already|also|just|even)\s+)?(?:tried|restarted|"
    r"reset|rebooted|re-?installed|uninstalled|unloaded|deleted|updated|changed|replaced|"
    r"cleaned|unplugged|turned|switched|cleared)\b",
    re.IGNORECASE,
)
_TO_US = re.compile(r"\b(?:you|your|u)\b", re.IGNORECASE)
SENTENCE_CHARS = 120
_SENTENCE_END = re.compile(r"[.!?\n]")
_SHOUTING_WORD = re.compile(r"\b[A-Z]{3,}\b")
_NOT_SHOUTING = re.compile(
    r"^(?:LH|E|ACC|SSN|DOB|USA|UK|EU|VAT|USD|EUR|GBP|OK|AI|APP|WIFI|ID|GDPR|SOS|PIN|CVV|FTC|"
    r"BBB|CMA|HDMI|USB|LED|NFC|IOS|CCTV)$"
)
_PUNCTUATION_RUN = re.compile(r"[!?]{3,}")


def without_swearing(text: str) -> str:
    """`text` with its swear words left out: how it reads when the tone is set aside."""
    for pattern in _PROFANITY:
        text = pattern.sub(" ", text)
    return text


def _about_us(text: str, start: int, end: int) -> bool:
    """The strong word at text[start:end] judges us: not a feeling negated or aimed at the
    customer themself, nor dissatisfaction put as a condition, nor a word for a mistake the
    customer owns."""
    before = text[max(0, start - WINDOW_CHARS) : start]
    after = text[end : end + WINDOW_CHARS]
    if _FEELING.fullmatch(text[start:end]) and (
        _NEGATED.search(before) or _AT_ONESELF.match(after) or _DESCRIBED.search(before)
    ):
        return False
    if text[start:end].lower() == "useless" and _of_own_step(text, start, end):
        return False
    if "satisfied" in text[start:end].lower() and _CONDITION.search(before):
        return False
    return not (_OWN_MISTAKE.search(before) and _MISTAKE_AFTER.match(after))


@lru_cache(maxsize=8)
def _company_rules(
    company: str,
) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    """`_STRONG_WORDS` and `_COMPLAINT` compiled for the company's name, once per name."""
    return (
        compile_all(with_company(p, company) for p in _STRONG_WORDS),
        compile_all(with_company(p, company) for p in _COMPLAINT),
    )


def _of_own_step(text: str, start: int, end: int) -> bool:
    """The sentence around text[start:end] (at most `SENTENCE_CHARS` either side, so the
    cost stays linear) tells a step of the customer's own and says nothing of us."""
    before = _SENTENCE_END.split(text[max(0, start - SENTENCE_CHARS) : start])[-1]
    after = _SENTENCE_END.split(text[end : end + SENTENCE_CHARS], maxsplit=1)[0]
    sentence = before + text[start:end] + after
    return bool(_OWN_STEP.search(sentence)) and not _TO_US.search(sentence)


def _strong_words(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    found = sorted(
        (m.start(), m.group(0))
        for p in patterns
        for m in p.finditer(text)
        if _about_us(text, m.start(), m.end())
    )
    return list(dict.fromkeys(phrase for _, phrase in found))


def _mock_praise(text: str) -> list[str]:
    """Praise that may be either (`_MOCK_PRAISE`), unless the message says the trouble is
    over, or thanks with no trouble told ("Oh great, the parcel is late again. Thanks a
    lot." is no thanks), the praise's own words ("thanks a lot, really") aside."""
    praise = matches(_MOCK_PRAISE, text)
    rest = text
    for pattern in _MOCK_PRAISE:
        rest = pattern.sub(" ", rest)
    thanks = _THANKS.search(rest) and not _TROUBLE_TOLD.search(rest)
    return [] if praise and (thanks or reports_resolved(rest)) else praise


# Words of a message that only greets ("hello there", "hi all"): no opening of the trouble.
_GREETING_WORDS = frozenset(
    {"hi", "hii", "hiya", "hello", "hey", "heya", "hallo", "hola", "bonjour", "good", "morning",
     "afternoon", "evening", "greetings", "howdy", "there", "all", "everyone", "team", "guys",
     "folks", "anyone", "ok", "okay", "please", "yo"}
)  # fmt: skip
_WORDS = re.compile(r"[^\W\d_]+")


def replies_after_opening(earlier: list[str]) -> list[str]:
    """The customer's earlier messages after the one that opened the trouble: a greeting
    alone before it ("hello there", then "my hub is not working") opens nothing."""
    for index, message in enumerate(earlier):
        if not set(_WORDS.findall(message.lower())) <= _GREETING_WORDS:
            return earlier[index + 1 :]
    return []


def failure_reported(text: str) -> bool:
    """Whether `text`, a reply after the opening, says the trouble outlasted what was
    tried ("it didn't work"), as `detect_frustration` reads it: not when it thanks ("It
    didn't work, thank you anyway" reports, it does not complain)."""
    return not _THANKS.search(text) and any(p.search(text) for p in _FAILURE_PERSISTS)


def detect_frustration(
    text: str,
    answered: bool = False,
    company: str = DEFAULT_COMPANY,
    failed_before: bool = False,
) -> Signal:
    """`answered`: the customer has written before in this conversation, so the service
    has answered at least once; `company`: the name of the company the bot speaks for;
    `failed_before`: a reply of the customer's after the opening message already said
    the trouble outlasted an answer (`failure_reported`). One such report after an
    answer ("I disabled it, but it didn't work") weighs as tone, 0.25, below any
    handover, so the bot answers again; the failure told again after another answer is
    a trend, and evidence. Tone does not add up: shouting the first report ("IT DIDN'T
    WORK") is still tone alone. A report said of our answer ("it didn't help", "that
    didn't help": `_ABOUT_THE_ANSWER`) is evidence already and is not counted again."""
    strong_words, complaint = _company_rules(company)
    evidence = matches(_REPEATED_CONTACT, text) + _strong_words(text, strong_words)
    evidence += matches(complaint, text)
    evidence += matches(_SARCASM, text) + _mock_praise(text) + matches(_ABOUT_THE_ANSWER, text)
    # "It didn't work, thank you for your help anyway" reports, it does not complain.
    failed: list[str] = []
    if answered and not _THANKS.search(text):
        evidence += [e for e in matches(_LATER_ONLY, text) if e not in evidence]
        failed = [e for e in matches(_FAILURE_PERSISTS, text) if not any(e in x for x in evidence)]
        if failed_before:
            evidence += failed
            failed = []
    tone = matches(_PROFANITY, text) + matches(_CORRECTION, text) + failed
    shouted = [w for w in _SHOUTING_WORD.findall(unmasked(text)) if not _NOT_SHOUTING.match(w)]
    if len(shouted) >= 2 or any(len(w) >= 4 for w in shouted):
        tone.append(" ".join(shouted[:4]))
    tone += _PUNCTUATION_RUN.findall(text)[:1]
    score = min(1.0, 0.5 * len(evidence) + (0.25 if tone else 0.0))
    if answered and reports_resolved(text):
        # "It did work. But I am really speechless about this experience": the answer
        # ended the trouble; the complaint is feedback, read as tone.
        score = min(score, 0.25)
    return Signal(score=score, evidence=evidence + tone)
