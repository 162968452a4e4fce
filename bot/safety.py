"""Safety routing: ordered rules that run before retrieval. The order lives in `RULES`.

Each rule is a pure function `(Message) -> bool`. The first rule that fires decides the reply
kind; when none fires, the question goes to retrieval. Crisis comes first and overrides all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from nltk.metrics import edit_distance

from bot.analysis import normalize, split_words, words
from bot.values import quick_init


@quick_init
@dataclass(frozen=True)
class Message:
    """A visitor's message prepared for the rules."""

    raw: str
    text: str  # normalized, lower-case, single spaces
    words: tuple[str, ...]
    crisis_phrases: tuple[str, ...] = ()  # reviewed extra phrases from the knowledge folder

    @classmethod
    def of(cls, raw: str, crisis_phrases: Iterable[str] = ()) -> Message:
        """Prepare a message; `crisis_phrases` are matched as whole words, case-insensitively."""
        normalized = normalize(raw)
        return cls(  # raw, text, words, crisis_phrases
            raw,
            " ".join(normalized.split()),
            tuple(split_words(normalized)),
            prepare_phrases(tuple(crisis_phrases)),
        )

    @cached_property
    def joined(self) -> str:
        """The words joined by single spaces, punctuation gone: for phrase patterns."""
        return " ".join(self.words)


Rule = Callable[[Message], bool]


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class WordPatterns:
    r"""Alternatives that each begin at the start of a word: `\b`, then a letter or digit
    (tests/test_safety.py checks every one), searched without trying each alternative at
    every character.

    Python's engine tries the alternatives one by one at each position of the text. As no
    match can begin inside a word, the searches below skip those positions: in words joined
    by single spaces, a space is put in front and the pattern starts with it, so the engine
    jumps from space to space; in any other text, a look-behind turns down every position
    inside a word at once. The matches are the same (tests/test_safety.py compares them).
    """

    def __init__(self, alternatives: Iterable[str]) -> None:
        self.alternatives = tuple(alternatives)
        body = "|".join(f"(?:{p})" for p in self.alternatives)
        self.pattern = re.compile(body)  # the plain pattern, for reference and tests
        self._in_words = re.compile(f" (?:{body})")
        self._in_text = re.compile(rf"(?<!\w)(?=\w)(?:{body})")

    def in_words(self, joined: str) -> bool:
        """Whether an alternative matches in words joined by single spaces (`Message.joined`)."""
        return self._in_words.search(" " + joined) is not None

    def in_text(self, text: str) -> bool:
        """Whether an alternative matches anywhere in `text`."""
        return self._in_text.search(text) is not None


_SELF = r"(?:my|him|her|them|your|our)\s?sel(?:f|ves)"
_CRISIS = WordPatterns(
    [
        r"\bsui?ci?d",
        r"\bsuicde",
        r"\bsuiside",
        r"\bsucide",
        r"\bsuccide",
        rf"\bkill(?:ing)? {_SELF}",
        rf"\b(?:hurt|harm|cut|cutting|burn|burning|hang|shoot|starve|injure)(?:ing|s)? {_SELF}",
        r"\bself ?harm",
        r"\bself ?injur",
        r"\bunalive",
        r"\b(?:kms|kys)\b",
        r"\bend(?:ing)? (?:it all|my life|my own life|his life|her life|their life|things)",
        r"\b(?:going|gonna|want|wanna|plan|planning|ready) to end it\b",
        r"\bend it (?:tonight|today|now|soon)",
        r"\btake (?:my|his|her|their) (?:own )?life",
        r"\b(?:want|wants|wanted|wanting|wanna|going|gonna|ready|plan|planning|deserve) (?:to )?die\b",
        r"\b(?:wish|wished|wishing) (?:i|he|she|they) (?:was|were|could be|would) (?:dead|gone|die)",
        r"\b(?:better off|rather be|want to be|wanna be) dead",
        r"\bbetter off without me",
        r"\b(?:no|any|the|a) (?:point|reason) (?:in|of|to|for) (?:living|live|life|being alive|going on|go on|carry on|carrying on)",
        r"\b(?:not|no longer|nothing) worth living",
        r"\bnothing (?:left )?to live for",
        r"\b(?:no|lost the|lost my) will to live",
        r"\btired of (?:living|life|being alive)",
        r"\b(?:do not|dont|never) want to (?:live|be alive|be here anymore|exist|wake up|go on)",
        r"\b(?:never|not) (?:to )?wake up\b",
        r"\bsleep (?:forever|and never)",
        r"\b(?:can not|cannot|cant) (?:go on|do this anymore|take it anymore|keep going)",
        r"\bdisappear forever",
        r"\bgive up on (?:life|living)",
        r"\bdone with (?:life|living)",
        r"\boverdos",
        r"\bod on\b",
        r"\blethal (?:dose|amount)",
        r"\bfatal dose",
        r"\bhow many (?:pills|tablets) (?:would|will|does|to|it)",
        r"\benough pills",
        r"\bjump(?:ing)? (?:off|from) (?:a |the )?(?:bridge|building|roof|cliff|balcony)",
        r"\b(?:high|tall) (?:place|bridge|building)s? to jump",
        r"\bnoose\b",
        r"\b(?:bridge|building|roof|rooftop|cliff|balcony|ledge|height)s?\b.{0,40}\bjump",
        r"\bjump\b.{0,40}\b(?:bridge|building|roof|rooftop|cliff|balcony|ledge|height)s?\b",
        r"\bhigh enough to (?:jump|fall)",
        r"\bwant (?:it|this|everything|it all|life) (?:all )?to (?:be over|end)\b",
        r"\bsuicide note",
        r"\bgoodbye (?:letter|note)s?\b",
        r"\bwrite (?:a|my) will\b",
        r"\b(?:want|wants|wish) (?:someone|somebody|something) (?:would|to) kill (?:me|him|her)",
        r"\bkill me\b.*\b(?:please|want|wish)",
        r"\b(?:take|taking|took|swallow|swallowing|swallowed) (?:all|a bunch|a lot|the rest|handfuls?) (?:of )?(?:my |the )?(?:pills|meds|medications?|tablets)",
        r"\b(?:nobody|no one|noone) (?:would|will|is going to) (?:miss|care about|notice) me",
        r"\b(?:nobody|no one|noone) (?:would|will) (?:care|notice) if i",
        r"\blife (?:is|feels|seems) (?:so )?(?:pointless|meaningless|hopeless|not worth it)",
        r"\b(?:would|will|could|enough to|going to) kill (?:me|myself|a person|someone|somebody)\b",
        r"\b(?:easiest|best|quickest|fastest|painless|least painful|surest|simplest|quiet) ways? (?:to|of) (?:die|dying|go|end it|end my life|kill)",
        r"\bpainless (?:way|death|suicide)",
        r"\bfeel(?:s|ing)? like dying\b",
        r"\bdone with (?:everything|it all)\b",
        r"\bbetter off (?:gone|not here|not alive)",
        r"\b(?:stop|cease) existing\b",
        r"\bnot (?:exist|be alive) anymore",
        r"\b(?:gun|firearm|pistol|rifle)\b.{0,60}\b(?:himself|herself|myself|themselves|my head|his head|her head)\b",
        r"\busing it on (?:himself|herself|myself|themselves)\b",
        r"\bwant(?:s)? to (?:kill|hurt) (?:myself|himself|herself)",
    ]
)
_CRISIS_WORDS = ("suicide", "suicidal", "overdose", "unalive", "selfharm")


@lru_cache(maxsize=256)
def prepare_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Phrases as normalized words joined by single spaces (memoized: the list rarely changes)."""
    return tuple(" ".join(words(p)) for p in phrases if words(p))


@lru_cache(maxsize=50_000)
def _near_crisis_word(word: str) -> bool:
    """Whether a word is a misspelling of a crisis word ("suicde", "sucidal", "overdoze")."""
    return len(word) >= 6 and any(
        abs(len(word) - len(target)) <= 2 and edit_distance(word, target, transpositions=True) <= 2
        for target in _CRISIS_WORDS
    )


# Look-alike characters folded before the crisis patterns run ("k!ll", "su1cide", "$uicide").
_LOOKALIKES = str.maketrans(
    {
        "1": "i",
        "!": "i",
        "|": "i",
        "3": "e",
        "0": "o",
        "$": "s",
        "5": "s",
        "@": "a",
        "4": "a",
        "7": "t",
        "*": "i",
    }
)
_HAS_LOOKALIKE = re.compile("[" + re.escape("".join(map(chr, _LOOKALIKES))) + "]")


def is_crisis(message: Message) -> bool:
    """Risk of suicide or self-harm, for the visitor or someone they speak for."""
    if _CRISIS.in_words(message.joined) or _CRISIS.in_text(message.text):
        return True
    if _HAS_LOOKALIKE.search(message.text) and _CRISIS.in_words(
        " ".join(words(message.text.translate(_LOOKALIKES)))
    ):
        return True
    if any(_near_crisis_word(word) for word in message.words):
        return True
    found = _phrase_pattern(message.crisis_phrases)
    return found is not None and found.search(f" {message.joined} ") is not None


@lru_cache(maxsize=16)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for the reviewed phrases, each between spaces (whole words only)."""
    if not phrases:
        return None
    return re.compile(" (?:" + "|".join(re.escape(p) for p in phrases) + ") ")


_MEDICATIONS = (
    "zoloft|sertraline|prozac|fluoxetine|lexapro|escitalopram|celexa|citalopram|paxil|paroxetine|"
    "wellbutrin|bupropion|effexor|venlafaxine|cymbalta|duloxetine|pristiq|trintellix|remeron|"
    "mirtazapine|trazodone|lithium|lamictal|lamotrigine|depakote|valproate|seroquel|quetiapine|"
    "abilify|aripiprazole|risperdal|risperidone|zyprexa|olanzapine|latuda|xanax|alprazolam|"
    "klonopin|clonazepam|ativan|lorazepam|valium|diazepam|benzos?|benzodiazepines?|adderall|"
    "ritalin|vyvanse|maois?|ssris?|snris?|opioids?|oxycodone|suboxone|naltrexone|methadone|"
    "gabapentin|ambien|zolpidem|warfarin|blood thinners?|blood pressure (?:meds|medication|pills)|"
    "birth control|antidepressants?|antipsychotics?|mood stabili[sz]ers?|sleeping pills|"
    "medications?|meds|medicines?|prescriptions?|pills|tablets|alcohol|weed|marijuana|cannabis"
)
_MEDICAL_ADVICE = WordPatterns(
    [
        # Dose for me.
        r"\bhow (?:many|much) (?:mg|milligrams?|ml|mgs)\b",
        r"\b\d+ ?(?:mg|milligrams?)\b",
        r"\b(?:what|which|right|correct|safe|my) (?:dose|dosage)\b.*\b(?:i|me|my)\b",
        r"\b(?:dose|dosage) (?:should|do|would|can) i\b",
        r"\b(?:dose|dosage) for me\b",
        r"\bhow much (?:ketamine )?(?:should|do|can|would) i\b",
        # Starting, stopping, tapering, switching medication.
        r"\b(?:should|can|do|must|could) i (?:stop|quit|start|taper|keep|continue|skip|reduce|increase|"
        r"come off|get off|wean|switch|change|double|halve|pause|resume|take)\b",
        r"\b(?:stop|stopping|quit|quitting|taper|tapering|wean|weaning|come off|coming off|get off|"
        r"getting off|replace|replacing|switch|switching) (?:taking )?(?:my|all my|off my)\b",
        rf"\b(?:stop|quit|taper|wean off|come off|start|skip) (?:taking )?(?:{_MEDICATIONS})\b",
        # Mixing with my medicines.
        rf"\b(?:mix|mixing|combine|combining|interact|interacts|interaction|interactions|together) "
        rf"(?:\w+ ){{0,4}}(?:with )?(?:my|{_MEDICATIONS})\b",
        rf"\b(?:with|and|while on|while taking|on) (?:my )?(?:{_MEDICATIONS})\b.*\b(?:safe|ok|okay|can i|should i|fine|mix|interact)",
        r"\b(?:can|could|should|may) i (?:\w+ ){0,4}(?:while|if) (?:i am |im )?(?:on|taking) ",
        rf"\b(?:im|i am|i) (?:on|taking|take) (?:\w+ ){{0,2}}(?:{_MEDICATIONS})\b",
        # Pregnancy and breastfeeding.
        r"\bpregnan",
        r"\bbreast ?feed",
        r"\bbreast feeding",
        r"\bnursing (?:a |my )?(?:baby|mother|mom)",
        r"\btrying to (?:conceive|get pregnant)",
        r"\bexpecting a baby",
        # Is it safe / right for me, with a personal condition.
        r"\b(?:safe|right|ok|okay|good|suitable|appropriate|dangerous|risky|a good idea|a good fit) for me\b",
        r"\b(?:should|can|could|may) i (?:get|have|try|do|receive|use) (?:a )?(?:ketamine|infusions?|this treatment|it)\b.*\b(?:if|with|since|because|given)\b",
        r"\bshould i (?:get|have|try|do|receive) (?:a )?(?:ketamine|infusions?|this treatment)",
        r"\b(?:i have|ive got|i suffer from|i was diagnosed with) (?:high|low) blood pressure",
        r"\b(?:am i|would i be) (?:a )?(?:good )?(?:candidate|eligible)",
        # Self-diagnosis.
        r"\bdo i have\b",
        r"\b(?:could|might|can) i have (?:ptsd|depression|bipolar|anxiety|an? \w+ disorder)",
        r"\bam i (?:depressed|bipolar|manic|anxious|traumati[sz]ed|suffering from|mentally ill)",
        r"\b(?:diagnose|diagnosis for) me\b",
        r"\bwhat is wrong with me\b",
        r"\bdo you think i (?:have|am|need)\b",
        rf"\b(?:safe|ok|okay|fine|dangerous|risky|interact|interacts|mix|combine)\b.*\b(?:with|while on|while taking|on|and) (?:my )?(?:\w+ )?(?:{_MEDICATIONS})\b",
        r"\b(?:drink|drinking|alcohol|smoke|smoking|weed|cannabis|drive|driving)\b.{0,40}\b(?:after|before|during|with) (?:an |my |the |a )?(?:infusion|treatment|ketamine|session)",
        r"\bmy (?:weight|age|height|body weight|bmi)\b",
        r"\b(?:could|might|can|is|does) (?:my|this) \w+ (?:be|mean)\b",
        r"\b(?:im|i am) (?:\d{1,2}|a minor|underage|a teen|a teenager)\b",
        r"\b(?:i have|ive got|i was diagnosed with|i suffer from|diagnosed with|i have a history of) (?:\w+ ){0,3}(?:depression|anxiety|ptsd|bipolar|disorder|blood pressure|heart|seizures?|epilepsy|schizophrenia|psychosis|glaucoma|diabetes|asthma|liver|kidney|cancer|addiction|substance)\b.*\b(?:can|should|could|may) i\b",
    ]
)


def is_medical_advice(message: Message) -> bool:
    """A request for personal medical advice: dose, medication changes, mixing, pregnancy, fit."""
    return _MEDICAL_ADVICE.in_words(message.joined)


_GREETINGS = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hiya",
        "howdy",
        "heya",
        "yo",
        "hallo",
        "hola",
        "greetings",
        "morning",
        "afternoon",
        "evening",
        "good",
        "there",
        "bot",
        "assistant",
        "again",
        "everyone",
        "all",
    ]
)
_THANKS = frozenset(
    [
        "thanks",
        "thank",
        "you",
        "u",
        "thx",
        "ty",
        "tysm",
        "cheers",
        "appreciate",
        "appreciated",
        "it",
        "that",
        "this",
        "helps",
        "helped",
        "helpful",
        "great",
        "perfect",
        "awesome",
        "cool",
        "nice",
        "ok",
        "okay",
        "got",
        "so",
        "much",
        "very",
        "lot",
        "a",
        "really",
        "was",
        "answer",
        "info",
        "information",
    ]
)
_GOODBYES = frozenset(
    [
        "bye",
        "goodbye",
        "byebye",
        "see",
        "you",
        "later",
        "ya",
        "take",
        "care",
        "have",
        "a",
        "good",
        "nice",
        "day",
        "night",
        "cya",
        "farewell",
        "for",
        "now",
        "that",
        "s",
        "all",
        "thats",
        "all",
        "ok",
        "okay",
        "thanks",
    ]
)
_ABOUT_BOT = WordPatterns(
    [
        r"\bwho (?:are|r) (?:you|u)\b",
        r"\bwhat (?:are|r) (?:you|u)\b",
        r"\bwhat is this (?:chat|bot|site|thing)",
        r"\bare (?:you|u) (?:a |an )?(?:real|actual|live|human|person|people|bot|robot|ai|doctor|nurse|"
        r"machine|computer|chatbot|program|clinician|therapist)",
        r"\b(?:am i|are we) (?:talking|chatting|speaking) (?:to|with)",
        r"\bwhat (?:can|do) (?:you|u) (?:do|know|help)",
        r"\bhow (?:can|do) (?:you|u) (?:help|work)\b",
        r"\bwhat(?:s| is)? your name\b",
        r"\bis this (?:a |an )?(?:bot|robot|chatbot|ai|human|real person|person|automated|live chat)",
        r"\b(?:talk|speak|chat) (?:to|with) (?:a |an )?(?:real |actual |live )?(?:person|human|someone|somebody|nurse|doctor|staff member)",
        r"\bwho (?:made|built|created) (?:you|this)",
    ]
)
# Whole-message questions, apart: one `^` among the alternatives above keeps the engine from
# skipping ahead to letters that can start a match, which made that search 4-5x slower.
_ABOUT_BOT_WHOLE = _any(
    [
        r"^what is this(?: place| website| site| app| chat)?$",
        r"^how (?:are|r) (?:you|u)(?: doing| today)?$",
    ]
)


def _only(words_: tuple[str, ...], vocabulary: frozenset[str]) -> bool:
    return 0 < len(words_) <= 8 and vocabulary.issuperset(words_)


def is_smalltalk(message: Message) -> bool:
    """Greetings, thanks, goodbyes, and questions about the assistant itself."""
    return (
        _only(message.words, _GREETINGS)
        or _only(message.words, _THANKS)
        or _only(message.words, _GOODBYES)
        or _ABOUT_BOT.in_words(message.joined)
        or bool(_ABOUT_BOT_WHOLE.search(message.joined))
    )


# The order of the rules: the first that fires decides. Crisis overrides everything.
RULES: tuple[tuple[str, Rule], ...] = (
    ("crisis", is_crisis),
    ("medical_advice", is_medical_advice),
    ("smalltalk", is_smalltalk),
)


def route(message: Message) -> str | None:
    """The reply kind decided by the first rule that fires, or None for retrieval."""
    for kind, rule in RULES:
        if rule(message):
            return kind
    return None
