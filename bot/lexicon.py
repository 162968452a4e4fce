"""Crisis words and phrases: the second lock of the keep rule (`bot.safety.keepable`).

A message is kept for staff only when the classifier's reading says it may be **and** none of
these words or phrases is in it. The lexicon does not route (a crisis reply needs the rules of
`bot.safety`); it only stops a message that speaks of suicide or self-harm from being stored,
whatever the rest of it asks ("suicidal, what does insurance cover"). It errs towards matching:
a question that is not stored costs the staff report one line, a stored crisis costs privacy.

Matched on the message's words after the same undisguising as routing (`bot.normalize.clean`),
with accents, case and punctuation folded (`bot.analysis.words`): "Su1c1dal", "s u i c i d e"
and "harta de vivir" all count. Single words are matched by shape, so misspellings count too
("sucidal", "suiside", "unalve"); phrases as whole words.
"""

from __future__ import annotations

import re

from bot.analysis import words
from bot.normalize import clean

__all__ = ["crisis_spans", "crisis_terms", "mentions_crisis"]

# One word, by its shape: suicide and its misspellings in English and Spanish ("suicidal",
# "sucide", "suiside", "suicdal", "suicidio", "suicidarme"; never "succeed" or "subside"),
# "unalive" ("unalived", "unaliving", "unalve"), "sewerslide" ("sewerslidal"), self-harm run
# together, overdose, and chat shorthand.
_WORD = re.compile(
    r"su+[iy]+[iey]*[cs]{1,2}[iey]*d\w*"
    r"|su+[cs]{1,2}[iy]+[iey]*d\w*"
    r"|un+a+l+[iy]*v(?:e|ed|es|ing|ings)?"
    r"|sewer+s?(?:slid|sid|cid)\w*"
    r"|self(?:harm|injur|mutilat|delet)\w*"
    r"|overdos\w*"
    r"|kys|ctb|noose|autolesion\w*|ahorcarme|matarme|matarse|morirme|suicidarme"
)

_SELF = (
    r"(?:my ?self|myslef|mysef|mself|meself|my ?selves|himself|herself|themselves|themself|"
    r"yourself|urself|ur self)"
)
_HARM = (
    r"(?:kill|killing|killed|kil|kiling|kll|hurt|hurting|harm|harming|harmed|cut|cutting|"
    r"hang|hanging|shoot|shooting|off|offing|end|ending|delete|deleting|drown|drowning|"
    r"poison|poisoning|burn|burning|stab|stabbing|starve|starving|strangle|suffocate|"
    r"neck|rope|roping|od)"
)
_WANT = (
    r"(?:want|wants|wanna|wanted|wish|wishing|ready|going|gonna|plan|planning|decided|deserve|"
    r"hope|hoping|trying|tried|waiting|urge)"
)
_NOT = r"(?:do not|dont|don t|did not|didnt|would not|wouldnt|not|never)"

# Phrases, on the message's words joined by single spaces ("don't" is "do not", "i'm" "im").
_PHRASES = re.compile(
    r"\b(?:"
    # English
    rf"{_HARM} {_SELF}"
    r"|(?<!\d )(?<!many )kms"
    r"|(?:sewer|sewers|sue|sui|suey|soo|seweri) (?:slide|side|cide)"
    r"|un alive|self (?:harm|injur|mutilat|destruct|delet)\w*"
    rf"|{_WANT} (?:to )?(?:die|be dead|not wake up|never wake up|not be here|not exist|disappear"
    r"|vanish|fade away|end it|go to sleep for good|not be alive)"
    rf"|{_NOT} wake up|i (?:will |ll |am going to |m going to |im going to )?end it"
    r"|(?:it all|everything) to (?:end|stop)|the pain to end (?:permanently|forever|for good)"
    r"|die in my sleep|being dead|live or die|want out of (?:this )?life"
    r"|point (?:of|in) (?:living|being alive|life|going on)"
    r"|(?:survived|after|since) (?:my |an |the )?attempt|my (?:last |suicide )?attempt(?! to| at)"
    r"|(?:thoughts?|thinking|think|thought|ideation|ideas?|urges?|dreams?|dreaming) (?:of|about) "
    r"(?:dying|death|suicide|killing|ending|not being|not waking|taking my|being dead)"
    r"|feel(?:s|ing)? like dying|never wake up"
    r"|better off dead|better off without me|rather be dead|death wish"
    r"|wish (?:i|id) (?:was|were|had) (?:dead|never been born|not born)"
    rf"|wish i {_NOT} exist"
    r"|(?:end|ending|ended) (?:it all|everything|my life|my own life|things|the pain for good)"
    r"|(?:take|taking|took) my (?:own )?life"
    rf"|{_NOT} (?:want|wanna) (?:to )?"
    r"(?:live|be alive|be here|exist|wake up|go on|keep going|be around|do life)"
    r"|(?:no|not any) (?:reason|point|will) (?:to|in|for) "
    r"(?:live|living|go on|going on|keep going|life)"
    r"|nothing (?:left )?to live for|not worth living|life is not worth|give up on life"
    r"|giving up on life|gave up on life"
    r"|(?:tired|sick|done|exhausted) (?:of|with) "
    r"(?:living|life|being alive|it all|everything|existing)"
    r"|(?:can not|cannot|cant) (?:go on|take it anymore|do this anymore|keep going)"
    r"|burden (?:to|on) (?:everyone|everybody|my family|others)"
    r"|(?:everyone|everybody|they|my family|the world) (?:would be|d be|is|are) better "
    r"(?:off )?without me"
    r"|say(?:ing)? goodbye (?:to everyone|forever)|(?:final|last) goodbye|goodbye forever"
    r"|(?:suicide|goodbye) (?:note|letter)"
    r"|jump(?:ing)? (?:off|from) (?:a |the |my )?(?:bridge|building|roof|cliff|balcony)"
    r"|in front of (?:a |the )?(?:train|bus|truck|car)"
    r"|gun to my head|pull the trigger|blow my brains"
    r"|(?:slit|slice|slash|cut|cutting)\w* (?:my |his |her |their )?wrists?"
    r"|(?:take|taking|took|swallow|swallowing|swallowed) (?:all|a bunch|the whole bottle|a handful)"
    r" (?:of )?(?:my |the |those )?(?:pills|meds|medication|bottle)"
    r"|(?:saving|saved|stockpiling|hoarding) (?:up )?(?:my |the )?(?:pills|meds)"
    r"|pills saved|cease to exist|stop existing|disappear forever"
    r"|(?:been|started|start|keep|kept|still|stopped) cutting(?! (?:back|down|costs?|out|edge))"
    # "sh" is chat shorthand for self-harm, but only where nothing else fits it
    r"|(?:urges?|urged|wanting|want|wanna|relapsed?|relapsing) (?:to )?sh"
    r"|(?:urges?|urge) to (?:cut|burn|hurt|harm|die|od)"
    # Spanish (accents folded)
    r"|(?:quiero|quisiera|deseo|prefiero|voy a|me quiero|ganas de|pienso en|pensando en) "
    r"(?:morir|morirme|matarme|suicidarme|quitarme la vida|desaparecer)"
    r"|me (?:voy a )?mato|quitar(?:me|se) la vida"
    r"|(?:harto|harta|cansado|cansada) de (?:vivir|la vida|todo|existir)"
    r"|no quiero (?:vivir|seguir|estar aqui|despertar|existir|estar vivo|estar viva)"
    r"|no vale la pena vivir|sin (?:razon|ganas) (?:para|de) vivir"
    r"|(?:acabar|terminar) con (?:mi vida|todo)"
    r"|hacerme (?:dano|danio)|lastimarme|cortarme|mejor muert[oa]s?"
    r"|desaparecer para siempre|ya no puedo mas|no aguanto mas|tirarme (?:de|del|por|al)"
    r")\b"
)


def crisis_spans(joined: str) -> list[tuple[int, int]]:
    """Where the crisis words and phrases are in `joined`: a message's folded words
    (`bot.analysis.words`) joined by single spaces."""
    spans = [m.span() for m in _PHRASES.finditer(joined)]
    spans += [m.span() for m in re.finditer(r"\S+", joined) if _WORD.fullmatch(m.group())]
    return sorted(spans)


def crisis_terms(text: str) -> tuple[str, ...]:
    """The crisis words and phrases in a message, as its folded words (empty when none)."""
    joined = " ".join(words(clean(text)))
    return tuple(joined[start:end] for start, end in crisis_spans(joined))


def mentions_crisis(text: str) -> bool:
    """Whether a message holds a word or phrase of suicide or self-harm (`crisis_terms`)."""
    return bool(crisis_terms(text))
