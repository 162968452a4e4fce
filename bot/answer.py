"""The reply: one `Answer` object with a documented JSON form, and the fixed texts it carries.

JSON form (`Answer.to_dict()`), used by `faqbot ask --json` and `POST /api/ask`:

- `kind`: "answer" | "no_answer" | "crisis" | "medical_advice" | "smalltalk"
- `question`: what the visitor asked
- `message`: what the bot says besides passages (never medical text of its own)
- `passages`: the quoted passages, best first; each `{id, article, section, text,
  source: {title, publisher, url}, reviewed_on, score}`; empty unless kind is "answer"
- `resources`: crisis lines `{label, detail, href}`; empty unless kind is "crisis"
- `disclaimer`: always present
- `contact`: `{prompt, name, city, phone, email, booking_url}`, or null for a crisis reply
- `suggestions`: up to three example questions from the knowledge, nearest to what was asked
  (never the question itself)
- `language`: "en", or "es" for a reply written in Spanish (a crisis reply, or the note that
  the assistant answers in English)
- `level`: for a crisis reply, "clear" (crisis resources alone) or "check_in" (the bot is not
  sure: crisis resources first, a short check-in, and the reply the message would otherwise get,
  `held`, shown only when the visitor says they are safe); null for other kinds
- `held`: for a check-in, that other reply in this same form; otherwise null
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

Kind = Literal["answer", "no_answer", "crisis", "medical_advice", "smalltalk"]
Level = Literal["clear", "check_in"]
KINDS: tuple[Kind, ...] = ("answer", "no_answer", "crisis", "medical_advice", "smalltalk")


@dataclass(frozen=True)
class Source:
    """Where a passage comes from."""

    title: str
    publisher: str
    url: str


@dataclass(frozen=True)
class QuotedPassage:
    """A passage as shown to a visitor: verbatim text with its citation."""

    id: str
    article: str
    section: str
    text: str
    source: Source
    reviewed_on: str
    score: float


@dataclass(frozen=True)
class Resource:
    """A crisis line: what it is, how to reach it, and a tap-to-call/text link (or "")."""

    label: str
    detail: str
    href: str


@dataclass(frozen=True)
class Contact:
    """How to reach the clinic."""

    prompt: str
    name: str
    city: str
    phone: str
    email: str
    booking_url: str


@dataclass(frozen=True)
class Answer:
    """One reply to one visitor message."""

    kind: Kind
    question: str
    message: str
    disclaimer: str
    contact: Contact | None
    passages: tuple[QuotedPassage, ...] = ()
    resources: tuple[Resource, ...] = ()
    suggestions: tuple[str, ...] = ()
    language: str = "en"
    # Whether the question may be kept for staff: never for crisis or medical-advice messages or
    # for one that reads near crisis (`bot.safety.near_crisis`). Not part of the JSON form (nor,
    # through pydantic's `exclude`, of the API's schema and replies).
    may_keep: Annotated[bool, Field(exclude=True)] = False
    level: Level | None = None  # for a crisis reply: resources alone, or a check-in
    held: Answer | None = None  # for a check-in: the reply shown once the visitor is safe

    @property
    def shown(self) -> Answer:
        """The reply a visitor who says they are safe gets: the held reply of a check-in, else
        this one."""
        return self.held if self.held is not None else self

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (built field by field: `dataclasses.asdict` deep-copies)."""
        c = self.contact
        return {
            "kind": self.kind,
            "question": self.question,
            "message": self.message,
            "disclaimer": self.disclaimer,
            "contact": None
            if c is None
            else {
                "prompt": c.prompt,
                "name": c.name,
                "city": c.city,
                "phone": c.phone,
                "email": c.email,
                "booking_url": c.booking_url,
            },
            "passages": [
                {
                    "id": p.id,
                    "article": p.article,
                    "section": p.section,
                    "text": p.text,
                    "source": {
                        "title": p.source.title,
                        "publisher": p.source.publisher,
                        "url": p.source.url,
                    },
                    "reviewed_on": p.reviewed_on,
                    "score": p.score,
                }
                for p in self.passages
            ],
            "resources": [
                {"label": r.label, "detail": r.detail, "href": r.href} for r in self.resources
            ],
            "suggestions": list(self.suggestions),
            "language": self.language,
            "level": self.level,
            "held": None if self.held is None else self.held.to_dict(),
        }


CRISIS_MESSAGE = (
    "It sounds like you, or someone you care about, may be going through something very hard. "
    "You deserve support right now. Please reach out to one of these, any time, day or night:"
)
CRISIS_RESOURCES = (
    Resource("988 Suicide & Crisis Lifeline", "Call 988 (US), 24/7", "tel:988"),
    Resource("988 Lifeline by text", "Text 988 (US), 24/7", "sms:988"),
    Resource("988 Lifeline chat", "Chat at 988lifeline.org", "https://988lifeline.org/chat/"),
    Resource("Crisis Text Line", "Text HOME to 741741", "sms:741741?body=HOME"),
    Resource("Immediate danger", "Call 911 now", "tel:911"),
    Resource(
        "Outside the US", "Call your local emergency number (112 in Europe, 999 in the UK)", ""
    ),
)
# For a message in Spanish. 988 answers calls in Spanish (press 2) and texts with AYUDA, and
# chats in Spanish at 988lineadevida.org (988lifeline.org/get-help/what-to-expect); Crisis Text
# Line answers AYUDA to 741741 in Spanish (crisistextline.org, 2021-10-15).
CRISIS_MESSAGE_ES = (
    "Parece que usted, o alguien que le importa, está pasando por algo muy difícil. Merece "
    "apoyo ahora mismo. Por favor, comuníquese con uno de estos servicios, a cualquier hora del "
    "día o de la noche:"
)
CRISIS_RESOURCES_ES = (
    Resource(
        "988 Línea de Prevención del Suicidio y Crisis",
        "Llame al 988 y oprima 2 para español, 24/7",
        "tel:988",
    ),
    Resource("988 por mensaje de texto", "Envíe AYUDA al 988, 24/7", "sms:988?body=AYUDA"),
    Resource(
        "988 por chat", "Chat en español en 988lineadevida.org", "https://988lineadevida.org/"
    ),
    Resource("Crisis Text Line", "Envíe AYUDA al 741741", "sms:741741?body=AYUDA"),
    Resource("Peligro inmediato", "Llame al 911 ahora", "tel:911"),
    Resource(
        "Fuera de EE. UU.",
        "Llame al número de emergencias local (112 en Europa, 999 en el Reino Unido)",
        "",
    ),
)
# The check-in: when the bot is not sure a message speaks of risk, it asks rather than decides
# (resources still come first), and offers the reply the message would otherwise get.
CHECK_IN_MESSAGE = (
    "Some of what you wrote makes me want to check in with you first. Are you safe right now? "
    "If you are thinking about suicide or hurting yourself, or you're not sure, please reach out "
    "to one of these, any time:"
)
CHECK_IN_MESSAGE_ES = (
    "Algo de lo que escribió me hace querer preguntarle primero: ¿está a salvo ahora mismo? Si "
    "piensa en el suicidio o en hacerse daño, o no está seguro, comuníquese con uno de estos "
    "servicios, a cualquier hora:"
)
MEDICAL_ADVICE_MESSAGE = (
    "I'm sorry, I can't give personal medical advice, such as doses, changes to your "
    "medication, mixing medicines, pregnancy, or whether a treatment is right for you. "
    "Our clinicians can talk this through with you safely."
)
SMALLTALK_MESSAGE = (
    "Hello! I'm an automated assistant, not a person or a doctor. I share passages from "
    "{clinic}'s reviewed articles about ketamine infusions, each with its source. "
    "You could ask, for example:"
)
THANKS_MESSAGE = "You're welcome. If you have another question, I'm here. You could also ask:"
GOODBYE_MESSAGE = "Take care. You can come back any time with more questions."
NO_ANSWER_MESSAGE = (
    "I'm sorry, I don't have a reviewed answer to that. I can only share what the clinic's "
    "articles say. You could try one of these questions, or contact the clinic:"
)
# For a message in Spanish that is not a crisis: the articles are in English only.
SPANISH_MESSAGE = (
    "Lo siento: este asistente solo responde en inglés, con pasajes de los artículos revisados "
    "de la clínica. Para hablar en español sobre su situación, comuníquese con la clínica:"
)
