"""The assistant: safety rules first, then retrieval, composed into one `Answer`.

>>> from bot.assistant import Assistant
>>> bot = Assistant.from_folder("knowledge")
>>> bot.ask("how does ketamine work?").kind
'answer'
"""

from __future__ import annotations

from pathlib import Path

from bot.answer import (
    CRISIS_MESSAGE,
    CRISIS_RESOURCES,
    GOODBYE_MESSAGE,
    MEDICAL_ADVICE_MESSAGE,
    NO_ANSWER_MESSAGE,
    SMALLTALK_MESSAGE,
    THANKS_MESSAGE,
    Answer,
    Contact,
    Kind,
    QuotedPassage,
    Source,
)
from bot.knowledge import Knowledge, Passage, load_knowledge, require_valid
from bot.retrieval import Hit, Retriever, SearchResult
from bot.safety import Message, route

MAX_QUESTION_CHARS = 500
MAX_SUGGESTIONS = 3


class Assistant:
    """Answers messages from one validated knowledge version; safe to share across threads."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = require_valid(knowledge)
        self.retriever = Retriever(knowledge)
        clinic = knowledge.clinic
        self.contact = Contact(
            prompt=clinic.contact_prompt,
            name=clinic.name,
            city=clinic.city,
            phone=clinic.phone,
            email=clinic.email,
            booking_url=clinic.booking_url,
        )
        self.starters = self._starter_questions()
        self._sources = {  # per article: its citation and review date, built once
            a.slug: (Source(a.title, a.publisher, a.url), a.reviewed_on.isoformat())
            for a in knowledge.articles
        }

    @classmethod
    def from_folder(cls, folder: Path | str) -> Assistant:
        """Load, validate and index a knowledge folder (raises KnowledgeError with locations)."""
        return cls(load_knowledge(folder))

    def _starter_questions(self) -> tuple[str, ...]:
        """One example question from each of a spread of sections, for no-answer and greetings."""
        firsts: dict[str, str] = {}
        for p in self.knowledge.passages:
            if p.questions and p.section not in firsts:
                firsts[p.section] = p.questions[0]
        picks = list(firsts.values())
        if len(picks) > MAX_SUGGESTIONS:
            step = len(picks) / MAX_SUGGESTIONS
            picks = [picks[int(i * step)] for i in range(MAX_SUGGESTIONS)]
        return tuple(picks)

    def route(self, question: str) -> Kind | None:
        """The kind decided by the safety rules, or None when the question goes to retrieval."""
        kind = route(Message.of(question, self.knowledge.crisis_phrases))
        return kind  # type: ignore[return-value]  # rule names are Kind values

    def search(self, question: str) -> SearchResult:
        """Retrieval alone, without the safety rules."""
        return self.retriever.search(question)

    def ask(self, question: str) -> Answer:
        """Answer one message. Never raises for any text; over-long text is cut to the limit."""
        question = question[:MAX_QUESTION_CHARS]
        prepared = Message.of(question, self.knowledge.crisis_phrases)
        kind: Kind | None = route(prepared)  # type: ignore[assignment]  # rule names are Kinds
        if kind == "crisis":
            return Answer(
                kind="crisis",
                question=question,
                message=CRISIS_MESSAGE,
                disclaimer=self.knowledge.clinic.disclaimer,
                contact=None,
                resources=CRISIS_RESOURCES,
            )
        if kind == "medical_advice":
            return self._reply("medical_advice", question, MEDICAL_ADVICE_MESSAGE, ())
        if kind == "smalltalk":
            return self._reply(
                "smalltalk", question, self._smalltalk_message(prepared.words), self.starters
            )
        result = self.retriever.search(question, said=prepared.words)
        if not result.answered:
            message = NO_ANSWER_MESSAGE
            if result.uncovered is not None:
                message = f"{result.uncovered.message} You could also ask:"
            return self._reply("no_answer", question, message, self.starters)
        passages = tuple(self._quote(hit) for hit in result.hits)
        return self._reply("answer", question, "", self._follow_ups(result), passages)

    def _reply(
        self,
        kind: Kind,
        question: str,
        message: str,
        suggestions: tuple[str, ...],
        passages: tuple[QuotedPassage, ...] = (),
    ) -> Answer:
        return Answer(
            kind=kind,
            question=question,
            message=message,
            disclaimer=self.knowledge.clinic.disclaimer,
            contact=self.contact,
            passages=passages,
            suggestions=suggestions[:MAX_SUGGESTIONS],
        )

    def _smalltalk_message(self, message_words: tuple[str, ...]) -> str:
        said = set(message_words)
        if said & {"bye", "goodbye", "byebye", "cya", "farewell"}:
            return GOODBYE_MESSAGE
        if said & {"thanks", "thank", "thx", "ty", "tysm", "cheers", "appreciate", "helpful"}:
            return THANKS_MESSAGE
        return SMALLTALK_MESSAGE.format(clinic=self.knowledge.clinic.name)

    def _quote(self, hit: Hit) -> QuotedPassage:
        p: Passage = hit.passage
        source, reviewed_on = self._sources[p.article]
        return QuotedPassage(
            id=p.id,
            article=p.article,
            section=p.section,
            text=p.text,
            source=source,
            reviewed_on=reviewed_on,
            score=round(hit.score, 4),
        )

    def _follow_ups(self, result: SearchResult) -> tuple[str, ...]:
        """Example questions of the passages ranked just below those shown, then nearby ones."""
        shown = {h.passage.id for h in result.hits}
        pool = [*result.ranked, *self.knowledge.passages]
        out: list[str] = []
        for p in pool:
            if p.id in shown or not p.questions:
                continue
            shown.add(p.id)
            out.append(p.questions[0])
            if len(out) == MAX_SUGGESTIONS:
                break
        return tuple(out)
