"""Redaction of personal details from a visitor's question, before anything is written.

Two steps. `redact` replaces what has a recognizable form with a placeholder in square
brackets: e-mail addresses (also spelled out, "john dot smith at gmail dot com"), web
addresses, phone numbers (Google's `phonenumbers`, and digits or number words in a row), street
addresses, PO boxes and ZIP codes, towns after "I live in", "we moved to", "how far from",
dates (also in words) and years of birth ("born in 87"), ages ("im 34", "34F", "in my 40s"),
medications with or without a dose (`bot.vocabulary.MEDICATION`, "prozac 40mg"), IDs (numbers
and letter-digit codes), names (after "my name is", "I'm", "call me", "this is", "Name:", a
title such as "Dr." or a family word such as "my son", "... here" at the start, and in a
signature), and health details told about someone, with "I"/"my" or without ("I am HIV
positive", "had a heart attack last year", "recovering alcoholic").

`for_staff` then decides what may be kept. Names and places come in endless forms no pattern
covers, so a redacted question is kept as written only when every word left in it is a word of
the articles or the uncovered topics, or an everyday word (`bot.vocabulary.COMMON_WORDS`), or a
short number, and no health condition in it is told about someone. Never the words of the
example files: they hold what visitors wrote, first names, towns and medications among them.
Otherwise only its topic words are kept, known words without health, medication, number and
family words, and never the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

import phonenumbers

from bot.analysis import STOPWORDS, words
from bot.knowledge import Knowledge
from bot.vocabulary import COMMON_WORDS, DOSE, MEDICATION

TOPIC_ONLY = "[topic words only]"
NEAR = 2  # words this close to a name, number or health detail are not kept as topic words
_PLACEHOLDER = re.compile(r"\[[a-z ]+\]")
_IDENTITY = re.compile(
    r"\[(?:name|email|phone|address|place|date|number|id|health detail|medication|dose|age)\]"
)
_WORD = re.compile(r"\[[a-z ]+\]|[^\W_][\w'\-]*")
_SHORT_NUMBER = re.compile(r"\d{1,3}")
_PLACEHOLDER_WORD = re.compile(r"\[[a-z ]+\]")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n)\s*[\"'(]?[^\W_][\w'\-]*")
# Capitalized words a question may use inside a sentence without naming anyone.
_ALLOWED_CAPITALS = frozenset(
    {
        "I",
        "Ketamine",
        "Spravato",
        "Esketamine",
        "NMDA",
        "BDNF",
        "PTSD",
        "OCD",
        "ADHD",
        "TMS",
        "ECT",
        "SSRI",
        "SSRIs",
        "FDA",
        "VA",
        "IV",
        "IM",
        "Colorado",
        "Springs",
        "Medicare",
        "Medicaid",
        "Tricare",
        "Aetna",
        "Cigna",
        "Anthem",
        "Humana",
        "Kaiser",
        "United",
        "Healthcare",
        "BlueCross",
        "Blue",
        "Cross",
        "Shield",
        "HSA",
        "FSA",
        "Google",
        "Zoom",
        "Uber",
        "Lyft",
        "English",
        "Spanish",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "God",
        "Christmas",
    }
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Number words, longest first: "nineteen" is not "nine" followed by "teen".
_NUMBER_WORD = (
    r"(?:"
    r"seventeenth|thirteenth|fourteenth|eighteenth|nineteenth|seventeen|fifteenth|"
    r"sixteenth|twentieth|thirtieth|thirteen|fourteen|eighteen|nineteen|thousand|eleventh|"
    r"fifteen|sixteen|seventy|hundred|seventh|twelfth|eleven|twelve|twenty|thirty|eighty|"
    r"ninety|double|triple|second|fourth|eighth|three|seven|eight|forty|fifty|sixty|first|"
    r"third|fifth|sixth|ninth|tenth|zero|four|five|nine|one|two|six|ten|oh|o"
    r")"
)
_DIGIT_OR_WORD = rf"(?:\d+|{_NUMBER_WORD})"
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|"
    r"circle|cir|parkway|pkwy|highway|hwy|terrace|ter|trail|trl|loop|row|square|sq|pike|"
    r"route|rte|alley|plaza|crescent|close|hollow|heights|hts)"
)
_NAME = r"[^\W\d_][\w'\-]*"  # one word of letters in any script
# A word starting with a capital (a dot after an initial or a title), or in a script without
# capitals; never "I" or an acronym.
_CAP_NAME = r"(?-i:(?!I\b|[A-Z]{2,}\b)[^\W\d_a-z\u00df-\u00ff])[\w'\-]*(?:(?<![\w'\-]{3})\.)?"
_NOT_NAME = (
    r"(?!(?:back|at|on|in|if|when|after|before|tomorrow|today|asap|please|pls|maybe|anytime|"
    r"later|now|soon|a|an|the|and|or|but|so|not|just|really|very|here|there|going|gonna|"
    r"trying|looking|wondering|asking|interested|curious|new|sure|sorry|scared|worried|"
    r"nervous|afraid|tired|sick|depressed|anxious|about|from|with|over|under|still|also|"
    r"too|only|currently|calling|writing|reaching|hoping|thinking|considering|planning|"
    r"able|allowed|on|off|out|up|down|ok|okay|fine|good|well|glad|happy|sad|done|ready|"
    r"having|getting|taking|feeling|being|doing|seeing|using|is|was|it|this|that|my|your|"
    r"his|her|their|our|me|you|we|they|he|she|i|to|of|for|by|as|ketamine|spravato)\b)"
)
_FAMILY = (
    r"(?:son|daughter|wife|husband|partner|boyfriend|girlfriend|fiance|fiancee|mom|mum|mother|"
    r"dad|father|brother|sister|sibling|child|kid|grandson|granddaughter|grandma|grandmother|"
    r"grandpa|grandfather|aunt|uncle|cousin|niece|nephew|friend|roommate|therapist|doctor|"
    r"psychiatrist|counselor|counsellor|nurse|pcp|provider|case worker|caseworker|boss|"
    r"coworker|neighbor|neighbour|stepson|stepdaughter|spouse|fiancé|fiancée|client|patient|"
    r"veteran|buddy|pastor)"
)
_TITLE = r"(?:dr|doctor|mr|mrs|ms|miss|mx|prof|professor|rev|reverend|nurse|sgt|capt|lt|col)"
_CONDITION = (
    r"(?:hiv|aids|hep(?:atitis)?\s*[abc]?|cancer|tumou?r|leukemia|lymphoma|bipolar|ptsd|"
    r"c-?ptsd|schizo\w*|psychosis|psychotic|pregnan\w*|epilep\w*|seizures?|diabet\w*|"
    r"ocd|adhd|autis\w*|anorexi\w*|bulimi\w*|eating disorder|addict\w*|alcoholi\w*|"
    r"heroin|fentanyl|opioid\w*|opiate\w*|meth|cocaine|crack|overdos\w*|recovery|sober|"
    r"sobriety|rehab|suboxone|methadone|naltrexone|als|ms|multiple sclerosis|parkinson\w*|"
    r"dementia|alzheimer\w*|lupus|crohn\w*|sti|std|herpes|syphilis|chlamydia|gonorrh\w*|"
    r"transgender|trans|diagnos\w*|disorder|syndrome|disease|illness|"
    r"infection|injury|tbi|concussion|stroke|heart attack|cirrhosis|kidney|liver|"
    r"assault\w*|rape\w*|raped|abuse\w*|abused|attempt\w*|hospitali[sz]ed|psych hold|"
    r"5150|72 hour hold|inpatient|depression|depressed|anxiety|panic|dissociat\w*|did|"
    r"borderline|bpd|personality disorder|ii|type [12i]+|stage \w+|terminal|chemo\w*|"
    r"dialysis|transplant|amputat\w*|paraly\w*|blind|deaf|disabled|disability|miscarr\w*|"
    r"glaucoma|pacemaker|bypass|covid|crps|relaps\w*|testosterone|estrogen|hrt|cutting|"
    r"self[\s\-]?harm\w*|suicid\w*|kill(?:ing)?\s+myself|end(?:ing)?\s+my\s+life|"
    r"probation|parole|dui|dwi|arrest\w*|jail|prison|convict\w*|felony|court[\s\-]ordered|"
    r"\w+(?:itis|osis|oma|emia|pathy|algia|plegia|phobia|mania)|"
    r"asthma|copd|arrhythmia|afib|hypertension|migraines?|fibromyalgia|neuropathy)"
)
_DISCLOSE = (
    r"(?:i\s*am|i'm|im|i\s*have|i've|ive|i\s*had|i've\s+had|i\s*got|i've\s+got|i\s*was|"
    r"i\s*get|i\s*suffer\s+from|i\s+(?:tried|attempted|relapsed|overdosed|use|used|inject)|"
    r"i'm\s+in\s+recovery\s+from|diagnosed\s+with|recovering\s+from|in\s+recovery\s+from|"
    r"living\s+with|survivor\s+of|"
    rf"my\s+(?:[\w\-]+\s+){{0,2}}{_FAMILY}\s+(?:has\s+been|has|had|is|was|got|gets|"
    r"suffers\s+from|lives\s+with)|"
    rf"my\s+{_FAMILY}'s|my)"
)
_CLAUSE_END = (
    r"(?=[.,;:!?()\n]|\s+(?:and\s+)?(?:can|could|does|do|is|are|will|would|should|how|what|"
    r"when|where|why|which|who|any|so|but|because|though|also|please|pls|i\s+want|i\s+need|"
    r"i\s+wonder|i\s+was\s+wondering|wondering|is\s+ketamine|ketamine)\b|$)"
)

# Words never kept as topic words: numbers, dates and health details.
# Body, symptom and treatment words, and when things happen: in a question that told something
# personal (it keeps topic words only), they belong to the detail ("nerve pain", "on spravato
# twice a week", "flares a few times a year"), not to the topic.
_SYMPTOM = (
    r"(?:pains?|painful|chronic|acute|moods?|alcohol|drinking|drugs?|blood|pressure|nerves?|"
    r"fatigue|nightmares?|flares?|flashbacks?|symptoms?|heart|lungs?|brain|weight|sleep|"
    r"insomnia|appetite|spravato|esketamine|psych|psychiatric|meds|medications?|pills?|shots?|"
    r"prescriptions?|contract|hold|hospital|er|icu|ward|therapy|therapist|counseling|"
    r"day|days|night|nights|week|weeks|month|months|year|years|yrs?|times|daily|nightly|weekly|"
    r"monthly|yearly|ago|last|since|never|always|every|morning|evening)"
)
_NOT_TOPIC = re.compile(
    rf"\d.*|{_NUMBER_WORD}|{_MONTHS}|{_CONDITION}|{_FAMILY}|{MEDICATION}|{_SYMPTOM}",
    re.IGNORECASE,
)
# Words that say a message is about someone: a condition in a message holding one of these is
# a health detail, with or without "I" or "my" ("recovering alcoholic, 3 yrs sober").
_PERSONAL = re.compile(
    rf"\b(?:i|im|i'm|ive|i've|id|i'd|me|my|mine|myself|we|our|us|he|she|his|her|him|they|"
    rf"their|them|had|has|have|got|was|been|diagnosed|recovering|sober|clean|ago|last|since|"
    rf"years?|yrs?|months?|weeks?|days?|yesterday|recently|currently|still|again|"
    rf"{_FAMILY})\b|\d",
    re.IGNORECASE,
)
_CONDITION_WORD = re.compile(rf"\b{_CONDITION}\b", re.IGNORECASE)
_DOSE_WORDS = (
    r"(?:\s*(?:\d+(?:\.\d+)?|mg|mgs|mcg|ml|units?|x|times?|a|per|day|daily|twice|once|two|three|"
    r"four|at|night|morning|evening|bid|tid|qd|prn|tabs?|tablets?|pills?|doses?)\b){0,7}"
)
_PLACE_WORD = (  # a word of a town's name: not a word that starts the rest of the sentence
    r"(?!(?:and|but|so|is|are|can|could|do|does|what|how|where|when|will|would|should|if|too|"
    r"also|now|currently|please|pls|with|for|a|an|here|there|you|your|at|in|on|to|by|near|"
    r"from|of|i|we|ketamine|treatment|infusions?|appointments?|sessions?)\b)[^\W\d_][\w'\-]*"
)
_LOWER_INTRO_STOP = (
    r"(?!(?:great|awesome|helpful|confusing|cool|nice|weird|amazing|interesting|hard|scary|new|"
    r"silly|important|urgent|embarrassing|strange|random|quick|long|my|a|an|the|about|for|"
    r"what|how|is|it|so|just|really|not|anyone|someone|everyone|nobody|who)\b)"
)

# (replacement, pattern) in the order they are applied.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "[email]",
        re.compile(
            r"(?:mailto:)?[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
            r"|\b[\w+\-]+(?:\s*(?:\[dot\]|\(dot\)|\bdot\b|\.|_|\s)\s*[\w+\-]+)?"
            r"\s*(?:\[at\]|\(at\)|\{at\}|\bat\b)\s*"
            r"[\w\-]+(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\bdot\b|\.)\s*[\w\-]+)*"
            r"\s*(?:\[dot\]|\(dot\)|\{dot\}|\bdot\b|\.)\s*(?:com|org|net|edu|gov|io|us|co|me|info)\b"
            r"|\b[\w.+\-]+\s*(?:\[at\]|\(at\)|\bat\b)\s*(?:gmail|gmial|yahoo|outlook|hotmail|"
            r"icloud|aol|proton(?:mail)?|live|msn|comcast|me)\b(?:\s*(?:dot|\.)\s*\w+)?",
            re.IGNORECASE,
        ),
    ),
    (
        "[url]",
        re.compile(
            r"\b(?:https?://|www\.)\S+|\b[\w\-]+\.(?:com|org|net|io|gov|edu|us)\b\S*", re.IGNORECASE
        ),
    ),
    (
        "[medication]",
        re.compile(rf"\b{MEDICATION}\b{_DOSE_WORDS}", re.IGNORECASE),
    ),
    ("[dose]", re.compile(rf"\b{DOSE}", re.IGNORECASE)),
    (
        "[age]",
        re.compile(
            rf"\b(?:\d{{1,3}}|{_NUMBER_WORD}(?:[\s\-]{_NUMBER_WORD})?)\s*-?\s*"
            rf"(?:years?|yrs?|y/?o|y\.o\.?|yo)\s*-?\s*old\b"
            rf"|\b\d{{1,3}}\s*(?:y/?o|y\.o\.?|yo|yrs?\s*old)\b"
            rf"|\b(?:age|aged|ages)\s*:?\s*\d{{1,3}}\b"
            rf"|\b(?:i'?m|im|i\s+am|he'?s|she'?s|hes|shes|they'?re|turning|turned|turn|just\s+turned)"
            rf"\s+(?:\d{{1,3}}|{_NUMBER_WORD}(?:[\s\-]{_NUMBER_WORD})?)\b(?!\s*(?:%|mg|minutes?|min|"
            rf"hours?|hrs?|days?|weeks?|months?|sessions?|infusions?|times?|dollars?|miles?))"
            rf"|(?<![\[;\x00-\x1f\x7f-\x9f])\b\d{{2}}\s*(?:[mf]|male|female)\b"
            rf"|\bin\s+(?:my|his|her|their|our)\s+(?:early\s+|mid\s*-?\s*|late\s+)?"
            rf"(?:\d0'?s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|teens)",
            re.IGNORECASE,
        ),
    ),
    (
        "[date]",
        re.compile(
            r"\b(?:born|b\.|dob|birthday|class\s+of|graduated|since|in)\s*:?\s*(?:in\s+)?"
            r"(?:the\s+)?'\d{2}s?\b"
            r"|\b(?:born|b\.|dob|class\s+of)\s*:?\s*(?:in\s+)?(?:the\s+)?\d{2}s?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "[address]",
        re.compile(
            rf"\b(?:p\.?\s*o\.?\s*box|post\s+office\s+box|box|rr|rural\s+route|lot|unit|apt|"
            rf"apartment|suite|ste|space|bldg|building)\s*#?\s*(?:\d+[a-z]?|{_NUMBER_WORD})\b"
            rf"|\b(?:\d{{1,6}}|{_NUMBER_WORD}(?:[\s\-]{_NUMBER_WORD}){{0,3}})\s+"
            rf"(?:[A-Za-z0-9.'\-]+\s+){{0,4}}{_STREET}\b\.?"
            rf"(?:,?\s*(?:apt|unit|suite|#|lot|bldg)\s*\w+)?"
            rf"|\b\d{{1,6}}\s+(?-i:(?:[NSEW]\.?\s+)?[A-Z][a-z]+\b(?:\s+[A-Z][a-z]+)?)",
            re.IGNORECASE,
        ),
    ),
    (
        "[place]",
        re.compile(
            r"(?:\b[\w'\-]+,?\s+){0,2}\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|"
            r"ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|"
            r"WA|WV|WI|WY|Colorado|Texas|California|New\s+Mexico|Wyoming|Kansas|Nebraska|Utah)"
            r"\.?,?\s+\d{5}(?:-\d{4})?\b"
            r"|\b\d{5}-\d{4}\b"
            r"|\b(?:zip(?:\s*code)?|postal\s+code|postcode)\s*(?:is|:|#)?\s*[\w\- ]{0,8}\d\b"
            r"|(?-i:\b[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+)?,?\s+\d{5}\b)"
            r"|(?-i:\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "[date]",
        re.compile(
            rf"\b\d{{1,4}}[/\-.]\d{{1,2}}[/\-.]\d{{1,4}}\b"
            rf"|\b{_MONTHS}\.?\s+(?:the\s+)?{_DIGIT_OR_WORD}(?:st|nd|rd|th)?"
            rf"(?:[\s\-]{_NUMBER_WORD})*(?:,?\s+{_DIGIT_OR_WORD}(?:[\s\-]{_NUMBER_WORD})*)?\b"
            rf"|\b(?:the\s+)?{_DIGIT_OR_WORD}(?:[\s\-]{_NUMBER_WORD})?(?:st|nd|rd|th)?\s+"
            rf"(?:of\s+)?{_MONTHS}\b(?:,?\s+{_DIGIT_OR_WORD}(?:[\s\-]{_NUMBER_WORD})*)?"
            rf"|\b(?:christmas|new\s+year'?s?|halloween|valentine'?s?)(?:\s+(?:eve|day))?\s+\d{{4}}\b"
            rf"|\b(?:19|20)\d{{2}}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "[number]",
        re.compile(
            rf"\b{_NUMBER_WORD}(?:[\s,\-]+{_NUMBER_WORD}){{3,}}\b"
            rf"|(?<![\w])(?:\d[\s\-./]?){{4,}}\d*(?![\w])"
            rf"|\b(?:last\s+(?:4|four)|ending\s+in)\s+(?:digits\s+)?(?:are\s+|is\s+)?\d+",
            re.IGNORECASE,
        ),
    ),
    (
        "[id]",
        re.compile(
            r"\b(?=[\w\-]*\d)(?=[\w\-]*[A-Za-z])[A-Za-z\d]{1,6}(?:-[A-Za-z\d]{1,8}){1,4}\b"
            r"|\b(?=\w*\d)(?=\w*[A-Za-z])[A-Za-z\d]{5,}\b"
            r"|\b(?:id|ssn|ss#|social|member|policy|claim|group|chart|patient|mrn|account|acct|"
            r"license|licence|passport|medicare|medicaid|number|no\.?|#)\s*(?:number|no\.?|#|id)?"
            r"\s*(?:is|:|=)?\s*(?=\S*\d)[\w\-]{3,}",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[place]",
        re.compile(
            r"(?P<intro>\b(?:(?:i|we|i'm|im|i\s+am|we're|were|we\s+are|my\s+family|"
            rf"my\s+{_FAMILY})\s+(?:\w+\s+)?(?:live|lives|living|reside|resides|residing|stay|"
            r"staying|moved|moving|relocated|relocating|based|located|from|driving|coming|"
            r"commuting|travell?ing)|how\s+far\s+(?:is\s+it\s+|are\s+you\s+)?(?:from|to)|"
            r"(?:over|out|up|down|right)\s+(?:by|near|off|past)|"
            r"(?:drive|commute|hours?|miles?|minutes?)\s+(?:away\s+)?(?:from|to)|"
            r"(?:close|closer|near|nearest)\s+to|anything\s+(?:near|in|around))"
            r"\s+(?:in|to|near|outside(?:\s+of)?|out\s+of|around|by|up\s+in|down\s+in|"
            r"over\s+in|from)?\s*)"
            rf"{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,2}}",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[place]\\g<outro>",
        re.compile(
            r"(?P<intro>\b(?:in|around|near)\s+the\s+)[\w'\-]+(?:\s+[\w'\-]+)?"
            r"(?P<outro>\s+area\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[name]",
        re.compile(
            rf"(?P<intro>^\W*(?:(?:hi|hello|hey|good\s+\w+)\W+)?(?:this\s+is|it'?s|its|"
            rf"my\s+name'?s|name'?s)\s+){_LOWER_INTRO_STOP}[^\W\d_][\w'\-]*"
            rf"(?=\s*(?:[,.!:;\-]|$|here\b|from\b|and\s+i\b))",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[name]\\g<outro>",
        re.compile(
            rf"(?P<intro>(?:^|[.!?]\s+)\W*(?:(?:hi|hello|hey)\W+)?){_LOWER_INTRO_STOP}"
            rf"[^\W\d_][\w'\-]*(?P<outro>\s+here\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[health detail]",
        re.compile(
            rf"(?P<intro>(?:^|[.,;:!?(]\s*|\b(?:and|but|also|so)\s+))"
            rf"(?:just\s+|recently\s+|currently\s+|also\s+|still\s+|was\s+)?"
            rf"(?:had|have|has|got|been|recovering|diagnosed|suffering|struggling|dealing|"
            rf"living|history\s+of|hx\s+of|dx(?:'d)?|survivor\s+of|in\s+recovery|on|off|"
            rf"taking|started|stopped|quit|prescribed|using|years?\s+sober|\d+\s*(?:yrs?|years?)"
            rf"\s+(?:sober|clean))\b(?=(?:[^.,;:!?()\n]*?)(?:{_CONDITION}|\[medication\]|"
            rf"\[dose\]|sober|clean)\b)[^.,;:!?()\n]*?{_CLAUSE_END}",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[name]",
        re.compile(
            rf"(?P<intro>\b(?:my\s+(?:full\s+|first\s+|last\s+|real\s+|legal\s+)?name\s*(?:is|'s)|"
            rf"my\s+names|name\s*[:\-]|i\s*am\s+called|i'm\s+called|im\s+called|call\s+me|"
            rf"they\s+call\s+me|signed|sincerely|regards|cheers|thanks|thank\s+you|thx|ty|"
            rf"sent\s+by|from|love|best|x{{1,3}}o{{0,3}}|[-–—~]+|this\s+is|it'?s)[,:]?\s+)"
            rf"{_NOT_NAME}{_CAP_NAME}(?:\s+{_NOT_NAME}{_CAP_NAME}){{0,3}}",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[name]",
        re.compile(
            rf"(?P<intro>\b(?:i'?m|i\s+am|im)\s+){_CAP_NAME}(?:\s+{_CAP_NAME}){{0,2}}",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[name]",
        re.compile(
            rf"(?P<intro>\b(?:my\s+name\s*(?:is|'s)|name\s*[:\-]|call\s+me|i'm\s+called|"
            rf"im\s+called|my\s+names)\s+){_NOT_NAME}{_NAME}(?:\s+{_NOT_NAME}{_NAME})?",
            re.IGNORECASE,
        ),
    ),
    (
        "\\g<intro>[name]",
        re.compile(
            rf"(?P<intro>\b(?:{_TITLE}\.?|my\s+{_FAMILY}(?:'s)?|our\s+{_FAMILY})\s+)"
            rf"{_CAP_NAME}(?:\s+{_CAP_NAME}){{0,2}}",
        ),
    ),
    (
        "\\g<intro>[health detail]",
        re.compile(
            rf"(?P<intro>\b{_DISCLOSE}\s+)(?=(?:[\w'\-]+\s+){{0,6}}?{_CONDITION}\b)"
            rf"[^.,;:!?()\n]*?{_CLAUSE_END}",
            re.IGNORECASE,
        ),
    ),
)


def _phones(text: str) -> str:
    """Phone numbers in any common form, US or international, as `[phone]`."""
    found = list(
        phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE)
    )
    for match in reversed(found):
        text = text[: match.start] + "[phone]" + text[match.end :]
    return text


def redact(text: str) -> str:
    """The text with every personal detail above replaced by its placeholder."""
    text = " ".join(text.split())
    for replacement, pattern in RULES[:2]:  # e-mail and web addresses
        text = pattern.sub(replacement, text)
    text = _phones(text)
    for replacement, pattern in RULES[2:]:
        text = pattern.sub(replacement, text)
    return text


def knowledge_words(texts: Collection[str]) -> frozenset[str]:
    """The normalized words of the knowledge's texts: the words a kept question may contain."""
    return frozenset(w for text in texts for w in words(text))


def article_words(knowledge: Knowledge) -> frozenset[str]:
    """The words a kept question may contain: those of the articles (titles, topics, headings,
    passages and their `?` questions) and of the uncovered topics staff wrote (names, phrases,
    messages, `?` questions), and everyday words (`bot.vocabulary.COMMON_WORDS`); never the
    example files, which hold what visitors wrote: first names, towns, medications,
    conditions."""
    texts = [
        *(f"{a.title} {' '.join(a.topics)}" for a in knowledge.articles),
        *(f"{p.section} {p.text} {' '.join(p.questions)}" for p in knowledge.passages),
        *(
            f"{t.name} {' '.join(t.phrases)} {t.message} {' '.join(t.questions)}"
            for t in knowledge.uncovered
        ),
    ]
    return knowledge_words(texts) | COMMON_WORDS


def for_staff(question: str, known: Collection[str]) -> str:
    """What may be kept of a visitor's question: its redacted text when it reads as plain
    (`_plain`); else `TOPIC_ONLY` and its topic words (`_topic_words`)."""
    redacted = redact(question)
    if _plain(redacted, known):
        return redacted
    return " ".join([TOPIC_ONLY, *_topic_words(redacted, known)])


def _plain(redacted: str, known: Collection[str]) -> bool:
    """No sign of anything personal left: nothing that identifies the writer was found (a name,
    contact, address, date or ID), every word is known (or a stopword, or a number of up to
    three digits), no letters outside the Latin alphabet, no capitalized word inside a
    sentence."""
    if _IDENTITY.search(redacted):
        return False
    if _CONDITION_WORD.search(redacted) and _PERSONAL.search(redacted):
        return False  # a condition told about someone, with or without "I" or "my"
    rest = _PLACEHOLDER.sub(" ", redacted)
    bases = (c for c in unicodedata.normalize("NFKD", rest) if not unicodedata.combining(c))
    if any(c.isalpha() and not c.isascii() for c in bases):
        return False
    if any(not (w in known or w in STOPWORDS or _SHORT_NUMBER.fullmatch(w)) for w in words(rest)):
        return False
    inside = _SENTENCE_START.sub(" ", rest)
    return not any(_capitalized(t) and t not in _ALLOWED_CAPITALS for t in _WORD.findall(inside))


def _topic_words(redacted: str, known: Collection[str]) -> list[str]:
    """The known words of a redacted question that carry a topic, each once, in order. Left
    out: stopwords, numbers, dates, health and family words, words the visitor capitalized
    (names), placeholders, unknown words (names, places), and the words within NEAR words of
    any of those, which may belong to the same name or detail."""
    tokens = _WORD.findall(redacted)
    keep = []
    for token in tokens:
        normalized = words(token)
        keep.append(
            bool(normalized)
            and not _PLACEHOLDER_WORD.fullmatch(token)
            and not (_capitalized(token) and token not in _ALLOWED_CAPITALS)
            and all(
                (w in known or w in STOPWORDS) and not _NOT_TOPIC.fullmatch(w) for w in normalized
            )
        )
    topics: dict[str, None] = {}
    for i, token in enumerate(tokens):
        near = keep[max(0, i - NEAR) : i + NEAR + 1]
        if keep[i] and all(near):
            for w in words(token):
                if w not in STOPWORDS and len(w) > 1:
                    topics[w] = None
    return list(topics)


def _capitalized(token: str) -> bool:
    return token[0].isupper() and token != "I"
