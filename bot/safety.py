"""Safety routing: ordered rules that run before retrieval. The order lives in `RULES`.

Each rule is a pure function `(Message) -> bool`; the first that fires decides the reply kind,
and when none fires the message goes to retrieval. Crisis comes first and overrides all, at two
levels: "crisis" (resources alone: the message clearly speaks of risk) and "check_in" (the bot
is not sure: resources first, "are you safe?", and the reply the message would otherwise get
once the visitor says they are). Most rules read what the classifier learned from the reviewed
examples (`Message.reading`); the phrase rules are there because a few first-person statements
must never depend on a model: they are high-precision and are checked on the message with its
disguises undone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz.distance import DamerauLevenshtein

from bot.analysis import split_words, words
from bot.classifier import Reading
from bot.lexicon import crisis_spans, mentions_crisis
from bot.normalize import clean

# The classifier's crisis probability (for the whole message, or its likeliest sentence) at
# which a message clearly speaks of risk (resources alone), and the lower one at which the bot
# checks in (resources first, then "are you safe?"). Both were chosen by
# scripts/calibrate_crisis.py on the read safety sets, each read by a bot that did not learn
# from it: the check-in for recall, the clear level for precision (at most CLEAR_FP of the other
# messages given resources alone; the sets never read gave more than the read ones, so it aims
# at 0.1 %, docs/understanding.md). The check-in level is the one chosen on thirteen sets: chosen
# again on eighteen (0.3387 / 0.9352) it missed a crisis message of a new blind set for two
# check-ins fewer in four sets, and a missed crisis costs more than a check-in.
CRISIS = 0.9560
SENTENCE_CRISIS = 0.9920
CHECK_IN = 0.3059
SENTENCE_CHECK_IN = 0.8773
# Below the check-in, a message the classifier gives at least CAUTION as a whole (or
# SENTENCE_CAUTION in one sentence) is answered as usual but never kept for staff: a crisis the
# rules miss must not end up stored as "unanswered".
CAUTION = 0.15
SENTENCE_CAUTION = 0.15


@dataclass(frozen=True)
class Message:
    """A visitor's message prepared for the rules."""

    raw: str
    text: str  # disguises undone (`bot.normalize.clean`), lower case, single spaces
    words: tuple[str, ...]
    reading: Reading
    crisis_phrases: tuple[str, ...] = ()  # reviewed extra phrases from the knowledge folder

    @classmethod
    def of(cls, raw: str, reading: Reading, crisis_phrases: Iterable[str] = ()) -> Message:
        """Prepare a message; `crisis_phrases` are matched as whole words, case-insensitively."""
        text = " ".join(clean(raw).lower().split())
        return cls(
            raw, text, tuple(split_words(text)), reading, prepare_phrases(tuple(crisis_phrases))
        )

    @property
    def joined(self) -> str:
        """The words joined by single spaces, punctuation gone: for phrase patterns."""
        return " ".join(self.words)

    @cached_property
    def folded(self) -> str:
        """The words as the lexicon reads them (accents folded too: "tomé" reads "tome"),
        joined by single spaces; read once per message."""
        return " ".join(words(self.text))


Rule = Callable[[Message], bool]

# First-person statements of suicidal or self-harm intent, as words joined by single spaces.
# A negation or a past tense just before ("not suicidal", "used to want to die") is not a match;
# the classifier still reads those messages.
_SELF = r"(?:my ?self|my ?slef|myslef)"
_INTENT = re.compile(
    "|".join(
        [
            rf"\b(?:kill|killing|kil|hurt|hurting|hrt|harm|harming|cut|cutting|hang|hanging|shoot|burn|burning) {_SELF}\b",
            r"\b(?:end|ending|take|taking) my (?:own )?life\b",
            r"\b(?:im|i am|i feel|i m) (?:so |really |very |kinda |literally |honestly |feeling |getting )?suicidal\b",
            r"\b(?:want|wanna|ready|plan|planning|decided) (?:to )?(?:die|end it all|unalive|commit suicide)\b(?! of| from| laughing| to know| for)",
            # "going to die" is also how panic feels ("i feel like im going to die"): intent only
            # with the deed named
            r"\b(?:going|gonna) (?:to )?(?:end it(?! with| for)|end it all|unalive myself|commit suicide|kill (?:myself|herself|himself|themselves))\b",
            r"\bthinking (?:about|of) (?:suicide|killing myself|ending it(?! with)|ending things|ending everything|ending my life|unaliving)\b",
            r"\b(?:go|going|gonna) through with (?:ending (?:it|things|everything|my life)|killing myself|suicide|it all)\b",
            # (no negation between: "i have not had thoughts of suicide since")
            r"\b(?:i have|ive|i ve|im having|i m having|i get|i keep having|i still have) (?:(?!not |never |no )\w+ ){0,3}(?:suicidal (?:thoughts|ideation|feelings)|thoughts (?:of|about) (?:suicide|killing myself|dying|ending it))\b",
            r"\b(?:kms|unalive myself|unaliving myself|self harm(?:ing)? again)\b",
            r"\b(?:quiero|me quiero|voy a|pienso) (?:morir|morirme|matarme|suicidarme|quitarme la vida)\b",
            r"\b(?:pensando en|ganas de) (?:suicidarme|matarme|morirme|quitarme la vida)\b",
            r"\bno quiero (?:vivir|seguir viviendo|estar vivo|estar viva)\b",
        ]
    )
)
_NEGATED = re.compile(
    r"\b(?:not|never|no longer|dont|didnt|wasnt|isnt|havent|hasnt|hadnt|used to|no|tried to|once|"
    r"when)\s+(?:\w+\s+){0,2}$"
    # thoughts denied: "i've never had thoughts of hurting myself", "no urges to cut myself"
    r"|\b(?:never|not|no|dont|didnt|havent|hasnt|without)\s+(?:\w+\s+){0,2}"
    r"(?:thoughts?|urges?|ideas?) (?:of|about|to)\s+$"
)
_CRISIS_WORDS = ("suicidal", "suicide")
# Said alone (a message of a few words), these mean a crisis; misspellings count too.
_ALONE = ("suicide", "suicidal", "unalive", "selfharm", "overdose", "kms", "kys", "sewerslide")


@lru_cache(maxsize=16)
def prepare_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Phrases as normalized words joined by single spaces (the list rarely changes)."""
    return tuple(" ".join(words(p)) for p in phrases if words(p))


# Intent said at one remove: quoted ("why do people say 'i want to die' as a joke"), made by
# something ("monday meetings make me want to die lmao") or asked about ("people keep asking if
# i'm suicidal", "what if i want to die after"). Such a statement is not clearly the visitor's
# own risk now: it gets the check-in (resources first, "are you safe?"), not resources alone.
_QUOTED = re.compile(r"(?<!\w)'(.+?)'(?!\w)|\"(.+?)\"|\u201c(.+?)\u201d|\u2018(.+?)\u2019")
_AT_ONE_REMOVE = re.compile(r"\b(?:makes?|made|making) me\s+$|\bif\s+(?:\w+\s+)?$")


def _intents(joined: str) -> list[re.Match[str]]:
    """The statements of intent in some words, not negated."""
    return [m for m in _INTENT.finditer(joined) if not _NEGATED.search(joined[: m.start()])]


# "kill myself doing it", "killing myself trying": how hard something is, said as intent; not
# clear, so the check-in.
_EFFORT_AFTER = re.compile(r"^ (?:doing|trying|working|studying|laughing|running|lifting)\b")


def says_intent(message: Message) -> bool:
    """A first-person statement of suicidal or self-harm intent, not negated, and not said at
    one remove (quoted, made by something, asked about) nor of effort ("kill myself doing it")."""
    unquoted = " ".join(split_words(_QUOTED.sub(" ", message.text)))
    return any(
        not _AT_ONE_REMOVE.search(unquoted[: m.start()])
        and not _EFFORT_AFTER.search(unquoted[m.end() :])
        for m in _intents(unquoted)
    )


def says_intent_at_one_remove(message: Message) -> bool:
    """A statement of intent quoted, made by something or asked about (`says_intent` did not
    take it): not clear, so the check-in."""
    return bool(_intents(message.joined))


def says_reviewed_phrase(message: Message) -> bool:
    """One of the staff's reviewed crisis phrases (knowledge/crisis-phrases.txt), as whole words."""
    padded = f" {message.joined} "
    return any(f" {phrase} " in padded for phrase in message.crisis_phrases)


def says_misspelled_suicidal(message: Message) -> bool:
    """ "sucidal", "suicidle": a first-person "i'm suicidal" misspelled (two edits at most)."""
    said = message.words
    return any(
        i > 0
        and said[i - 1] in ("im", "am", "feel", "feeling", "so", "and")
        and any(DamerauLevenshtein.distance(word, w) <= 2 for w in _CRISIS_WORDS)
        for i, word in enumerate(said)
        if len(word) >= 6 and word not in _CRISIS_WORDS
    )


def says_crisis_word_alone(message: Message) -> bool:
    """A message of a few words, one of them a crisis word, even misspelled ("suiside", "kys")."""
    said = message.words
    return 0 < len(said) <= 3 and any(
        DamerauLevenshtein.distance(word, target) <= (2 if len(target) >= 7 else 0)
        for word in said
        for target in _ALONE
    )


def reads_as_crisis(message: Message) -> bool:
    """The classifier reads risk of suicide or self-harm, in the message or in one sentence."""
    reading = message.reading
    return reading.whole.crisis >= CRISIS or any(
        s.crisis >= SENTENCE_CRISIS for s in reading.sentences
    )


def reads_as_possible_crisis(message: Message) -> bool:
    """The classifier reads some risk of suicide or self-harm, below the clear level."""
    reading = message.reading
    return reading.whole.crisis >= CHECK_IN or any(
        s.crisis >= SENTENCE_CHECK_IN for s in reading.sentences
    )


# Not coming back from a place or a dose ("how long underwater to not come back", "a dose so
# high i just don't come back from it"); not "so i don't come back for a month".
_NOT_COME_BACK = (
    r"(?:to|and|so (?:that )?i(?: just)?) (?:not|never|do not|dont|will not|wont|won not) come back"
    r"(?! for| to| next| again| in| on| until| till| after| before| here| there| every)"
)


# Everyday things people say they "overdosed on" ("overdosed on true crime podcasts", "about to
# overdose on coffee"): an overdose of these is a figure of speech, not a means.
_EVERYDAY = (
    r"(?:coffee|espresso|candy|sugar|chocolate|cookies|pizza|snacks|junk food|carbs|cake|"
    r"podcasts?|true crime|netflix|tv|television|shows|music|youtube|tiktok|memes|videos|games|"
    r"gaming|books|shopping|homework|studying|drama|love)"
)
_PERSON = (
    r"(?:boss|manager|supervisor|husband|wife|partner|boyfriend|girlfriend|bf|gf|fiance|mom|mum|"
    r"mother|dad|father|parents|sister|brother|family|kids|roommate|landlord|teacher|coach)"
)
# The everyday thing ends what was overdosed on ("on coffee waiting for you", not "on candy
# flavored tylenol").
_OVERDOSE_FIGURE = re.compile(
    rf"^ on (?:\w+ ){{0,2}}{_EVERYDAY}(?: (?:and|but|so|lol|lmao|haha|tbh|ngl|fr|tho|though|this|"
    r"last|again|yesterday|today|tonight|while|waiting|now|rn|i|im|is|before|at|all|every|the|"
    r"for|in|then)\b|$)"
)

# A question about how to die: a means or an amount, and death or harm ("is it painless to od
# on my meds", "how many sleeping pills would kill you", "what's a lethal dose of tylenol"), in
# English or Spanish ("cuánta ketamina se necesita para una sobredosis"). "About to die" and
# "going to die" name no means (a phone's battery, panic).
_MEANS = re.compile(
    r"\b(?:lethal|deadly|fatal|painless|od|o d|overdose|overdosing|kill (?:me|you|someone|a person|"
    r"myself)|(?<!about )(?<!going )to die|not wake up|never wake up|stop (?:my|your|the) heart|"
    rf"end (?:it|my life)|{_NOT_COME_BACK}|drown myself|"
    r"sobredosis|letal|mortal|matarme|matarse|morir|morirme|no despertar)\b"
)
# "how long" only before not coming back (`_NOT_COME_BACK`: "how long underwater to not come
# back"): "my boss will kill me, how long is the visit" is not a question about means.
_AMOUNT = re.compile(
    rf"\b(?:how (?:much|many|long(?= .*\b{_NOT_COME_BACK}))|enough|dose|dosage|"
    r"amount|pills|mg|which|what (?:kind|type)|"
    r"is it|would it|can you|could i|can i|will it|does it|"
    r"cuanta|cuanto|cuantas|cuantos|cantidad|dosis|pastillas|se necesita|que tanto)\b"
)


# A death named ("died by suicide", "death from an overdose", "death in an opioid overdose",
# "lost my brother to suicide"): a crisis word after it is no one's risk now.
_DEATH = r"(?:(?:died|dying|death|deaths|dead)(?: by| from| of| in)?|lost (?:\w+ ){0,2}to)"
# A crisis word followed by a figure or a campaign names no one's risk ("suicide rates",
# "overdose deaths", "suicide prevention").
_NOT_NOW_AFTER = re.compile(
    r"^\s+(?:rates?|statistics|stats|prevention|awareness|hotlines?|among|deaths?|risk)\b"
)

# Not a means when it names a death, a figure or a treatment: "died of an overdose", "overdose
# deaths", "how many overdose deaths involve fentanyl", "narcan reverses an opioid overdose",
# "the antidote for an acetaminophen overdose".
_MEANS_NOT_BEFORE = re.compile(
    rf"\b(?:{_DEATH}|revers\w*|antidote (?:for|to)|treat\w*(?: for| of)?)(?: an?| the)?(?: \w+)?\s+$"
    # a figure asked for: "how many people overdose on ketamine each year"
    r"|\bhow many (?:people|americans|veterans|teens|kids|men|women|students)(?: \w+){0,2}\s+$"
    # a person's threat as a figure of speech: "my husband will kill me if i spend money", "my
    # boss is gonna kill me"
    rf"|\b(?:my|his|her|our) {_PERSON} (?:will|is gonna|is going to|s gonna|s going to|gonna|"
    r"going to|ll) $"
)


def asks_about_means(message: Message) -> bool:
    """A question about the means or amount that would kill or harm (at least a check-in)."""
    joined = message.joined
    return bool(_AMOUNT.search(joined)) and any(
        not _MEANS_NOT_BEFORE.search(joined[: found.start()])
        and not _NOT_NOW_AFTER.search(joined[found.end() :])
        and not (
            found.group().startswith(("od", "o d", "overdos")) and figure_after(joined, found.end())
        )
        for found in _MEANS.finditer(joined)
    )


def figure_after(joined: str, end: int) -> bool:
    """An overdose of something everyday follows ("overdosed on coffee"): a figure of speech."""
    return bool(_OVERDOSE_FIGURE.search(joined[end:]))


# A crisis word or phrase said of the present ("suicidel thoughts every night", "suicidal
# thoughts? i'm having them right now", "my urges to sh are getting worse"), as going on since
# something ("suicidal since my divorce"), or, an overdose apart, of days or weeks ago
# ("inpatient after a suicide attempt 2 weeks ago"): the classifier can read such a message as
# a question about treatment, and a check-in costs little. Not when the word is negated or past
# ("not suicidal", "used to self harm"), or names someone's death or a public-health figure
# ("died by suicide", "suicide rates").
_NOW = re.compile(
    r"\b(?:right now|rn|tonight|today|this (?:weekend|week)|"
    r"getting (?:worse|louder|stronger|harder|bad|really bad|specific|more specific|detailed|"
    r"more detailed|closer|more frequent|intense|scary)|every (?:day|night|morning|single day)|"
    # back now: "suicidal thoughts came back", "the urges are back"; not "never came back"
    r"(?<!never )(?<!not )came back|are back|keep coming back|"
    r"everyday|daily|nightly|constantly|all the time|again|lately|these days|cant stop|"
    r"can not stop|(?:really|so|very) close|anymore|any more|(?:im|i am|i m) having (?:them|it|those)|"
    r"ahora|ahorita|esta noche|hoy|todos los dias|cada (?:dia|noche)|otra vez|de nuevo)\b"
)
_NOT_NOW_BEFORE = re.compile(rf"\b{_DEATH}\s+$")
# Going on since then, said right after the word ("suicidal since my divorce", "self harming
# again since last spring"); "sober since my overdose" names the overdose after "since", not before.
_SINCE_AFTER = re.compile(
    r"^\s+(?:\w+\s+){0,2}since (?:my|the|i|we|he|she|they|our|his|her|last)\b"
)
# Recent enough to count as now: an attempt or self-harm days or weeks ago ("overdosed on
# coffee yesterday" is how people joke, and a told overdose has a rule of its own).
_RECENT = re.compile(
    r"\b(?:(?:\d+|a|one|two|three|four|few|a few|couple|a couple|couple of|a couple of) "
    r"(?:days?|weeks?|wks?) ago|a month ago|last (?:night|week|weekend|month)|yesterday|"
    r"this month)\b"
)


def speaks_of_crisis_now(message: Message) -> bool:
    """A word or phrase of suicide or self-harm, not negated, and words of the present (or of
    something going on since then, or of days or weeks ago)."""
    joined = message.folded
    now, recent = bool(_NOW.search(joined)), bool(_RECENT.search(joined))
    if not (now or recent or " since " in f" {joined} "):
        return False
    return any(
        not _NEGATED.search(joined[:start])
        and not _NOT_NOW_BEFORE.search(joined[:start])
        and not _NOT_NOW_AFTER.search(joined[end:])
        and not (joined[start:end].startswith("overdos") and figure_after(joined, end))
        and (
            now
            or bool(_SINCE_AFTER.search(joined[end:]))
            or (recent and not joined[start:end].startswith("overdos"))
        )
        for start, end in crisis_spans(joined)
    )


# An overdose told as done ("took all my antidepressants at once", "swallowed the whole bottle
# of tylenol", "me tomé todas las pastillas"): in the past tense, so "can i take all my meds the
# morning of the infusion" is a question, and "all" only with "at once" or "swallowed", since
# "i took all my meds today" is how people say they did not skip a dose.
_MEDICINES = (
    r"(?:\w+ )?(?:pills|meds|medications?|medicines?|antidepressants|tablets|painkillers|"
    r"prescriptions?|sleeping pills|tylenol|advil|xanax|benzos|insulin)"
)
_WHOSE = r"(?:of )?(?:my|the|those|these|her|his|their|our|mom s|dad s)"
_OVERDOSE_TAKEN = re.compile(
    r"\b(?:took|taken|swallowed|downed|popped) (?:the|a) whole bottle\b"
    r"|\b(?:took|taken|swallowed|downed|popped) (?:(?:the|a) whole (?:box|pack|packet) of|"
    rf"a (?:handful|bunch|fistful) of|(?:the|a) bottle of) (?:{_WHOSE} )?{_MEDICINES}\b"
    rf"|\b(?:took|taken|downed|popped) all {_WHOSE} {_MEDICINES} "
    r"(?:at once|at the same time|together|in one go)\b"
    rf"|\bswallowed (?:all|every one) {_WHOSE} {_MEDICINES}\b"
    r"|\b(?:me )?(?:tome|trague) (?:todas|todos) (?:mis|las|los) (?:pastillas|medicinas|pildoras)\b"
)


# A screening questionnaire's answer about suicide or self-harm, given as a score: item 9 of the
# PHQ-9 ("phq-9 question 9 i put a 3", "nearly every day") or the item named with its score
# ("thoughts of self-harm, 10"). Not a score of 0, nor a number of something ("suicidal thoughts
# 2 years ago").
_SCORE = (
    r"(?:[1-9]|10|nearly every day|more than half the days|several days)"
    r"(?! (?:years?|yrs?|months?|weeks?|wks?|days?|times?|hours?|mg|am|pm|ago|of)\b)"
)
_SCREENING = re.compile(
    rf"\b(?:question|item|q|number) ?9\b(?: \w+){{0,4}} {_SCORE}\b"
    r"|\b(?:thoughts (?:of|about) (?:self harm|suicide|hurting (?:myself|yourself)|death|dying|"
    rf"being dead)|better off dead|self harm thoughts|suicidal thoughts)(?: \w+){{0,2}} {_SCORE}\b"
)
# A question about the highest place near ("what's the highest bridge near colorado springs"):
# a means, asked without naming it.
_HEIGHT = re.compile(
    r"\b(?:highest|tallest) (?:bridge|building|cliff|overpass|parking garage|parking structure|"
    r"tower|rooftop|roof|drop)s?\b"
)


def answers_screening(message: Message) -> bool:
    """A screening answer about suicide or self-harm, given as a score (a check-in)."""
    return bool(_SCREENING.search(message.joined))


def asks_about_heights(message: Message) -> bool:
    """A question about the highest bridge, building or cliff (a check-in)."""
    return bool(_HEIGHT.search(message.joined))


def tells_of_an_overdose(message: Message) -> bool:
    """An overdose the visitor (or someone they speak for) took, not negated (a check-in)."""
    joined = message.folded
    return any(
        not _NEGATED.search(joined[: found.start()]) for found in _OVERDOSE_TAKEN.finditer(joined)
    )


def reads_as_medical_advice(message: Message) -> bool:
    """The classifier reads a request for personal medical advice."""
    return message.reading.whole.likeliest() == "medical_advice"


def reads_as_smalltalk(message: Message) -> bool:
    """Greetings, thanks, goodbyes or questions about the assistant, and nothing else: a greeting
    before a question does not make the message small talk."""
    reading = message.reading
    parts = reading.sentences or (reading.whole,)
    return reading.whole.likeliest() == "smalltalk" and all(
        s.likeliest() == "smalltalk" for s in parts
    )


# The order of the rules: the first that fires decides. Crisis overrides everything; the
# check-in comes before any other reply.
CRISIS_KINDS = ("crisis", "check_in")
# The staff's reviewed phrases bring crisis resources whatever else the message says, but
# alone they are not sure enough for resources alone ("i want to disappear into a good book"):
# they check in, and the classifier makes them clear.
RULES: tuple[tuple[str, Rule], ...] = (
    ("crisis", says_intent),
    ("crisis", says_misspelled_suicidal),
    ("crisis", says_crisis_word_alone),
    ("crisis", reads_as_crisis),
    ("check_in", says_intent_at_one_remove),
    ("check_in", says_reviewed_phrase),
    ("check_in", asks_about_means),
    ("check_in", tells_of_an_overdose),
    ("check_in", answers_screening),
    ("check_in", asks_about_heights),
    ("check_in", speaks_of_crisis_now),
    ("check_in", reads_as_possible_crisis),
    ("medical_advice", reads_as_medical_advice),
    ("smalltalk", reads_as_smalltalk),
)


def near_crisis(message: Message) -> bool:
    """The classifier reads some risk of suicide or self-harm, even below the check-in."""
    reading = message.reading
    return reading.whole.crisis >= CAUTION or any(
        s.crisis >= SENTENCE_CAUTION for s in reading.sentences
    )


def keepable(message: Message, kind: str | None) -> bool:
    """Whether a message the rules routed to `kind` may be kept for staff (redacted). Two
    locks: the reading allows it (not a message that got crisis resources at either level or a
    medical-advice reply, nor one that reads even near crisis) **and** no crisis word or phrase
    is in it (`bot.lexicon`), whatever it asks."""
    return (
        kind not in (*CRISIS_KINDS, "medical_advice")
        and not near_crisis(message)
        and not mentions_crisis(message.text)
    )


def route(message: Message, crisis: bool = True) -> str | None:
    """The reply kind decided by the first rule that fires, or None for retrieval. With
    `crisis=False`, the crisis rules are skipped: the reply a check-in holds back."""
    for kind, rule in RULES:
        if (crisis or kind not in CRISIS_KINDS) and rule(message):
            return kind
    return None
