"""Which language a message is in, as far as the bot needs: Spanish or not.

Our own short lists of the most frequent function words of each language, as with the English
stopwords in `bot.analysis`: a message is Spanish when it has at least two Spanish function words
(or one and a Spanish mark: ñ, ¿, ¡) and more of them than English ones. A language-identification
library (py3langid) was tried: it loads a 97-language model of about 80 MB into every worker for
this one decision, and was no better on the short messages that matter here.
"""

from __future__ import annotations

import re

from bot.analysis import words
from bot.normalize import clean

SPANISH = frozenset(
    """
    que de la el en los las del se por con una un para es al lo como mas pero sus le ya este
    porque esta entre cuando muy sin sobre tambien me hasta hay donde quien desde todo nos
    todos uno les ni otros ese eso esto mi mis antes algunos unos yo otro otra tanto esa
    estos mucho nada muchos cual poco ella estar estas algunas algo nosotros tu tus te ti
    estoy estas estamos soy eres somos fue era tengo tiene tienen puedo puede quiero quieres
    quiere hacer hace ser vida vivir morir mejor ahora aqui alli asi bien nunca siempre
    tambien porque cuanto cuanta cuantos cuantas como donde funciona ayuda hola gracias
    buenas buenos dias tardes noches senor senora usted ustedes mama papa hijo hija esposo
    esposa hermano hermana amigo amiga mas menos solo sola despues manana hoy noche morirme
    matarme suicidarme quitarme desaparecer pastillas aguanto ketamina tomar tomarme hacerme
    dano sobredosis familia
    """.split()  # noqa: SIM905
)
ENGLISH = frozenset(
    """
    the and is are was were be to of in on at for with that this it i you he she we they my
    your his her our their me him them what how why when where who which do does did have
    has had can could would should will not no but or if so just about from an as by get got
    """.split()  # noqa: SIM905
)
_SPANISH_MARKS = re.compile("[ñ¿¡]")


def is_spanish(text: str) -> bool:
    """Whether a message is in Spanish rather than English, with some evidence."""
    said = words(clean(text))  # lower case, accents folded: "más" is "mas"
    spanish = sum(w in SPANISH for w in said)
    english = sum(w in ENGLISH for w in said)
    if _SPANISH_MARKS.search(text.lower()):
        spanish += 1
    return spanish >= 2 and spanish > english
