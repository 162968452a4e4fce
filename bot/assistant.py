"""The assistant: what a message is (learned from the reviewed examples), the safety rules, then
ranked passages, composed into one `Answer`.

>>> from bot.assistant import Assistant
>>> bot = Assistant.from_folder("knowledge")
>>> bot.ask("how does ketamine work?").kind
'answer'
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from bot import models
from bot.answer import (
    CHECK_IN_MESSAGE,
    CHECK_IN_MESSAGE_ES,
    CRISIS_MESSAGE,
    CRISIS_MESSAGE_ES,
    CRISIS_RESOURCES,
    CRISIS_RESOURCES_ES,
    GOODBYE_MESSAGE,
    MEDICAL_ADVICE_MESSAGE,
    NO_ANSWER_MESSAGE,
    SMALLTALK_MESSAGE,
    SPANISH_MESSAGE,
    THANKS_MESSAGE,
    Answer,
    Contact,
    Kind,
    Level,
    QuotedPassage,
    Source,
)
from bot.classifier import MessageClassifier, Reading, Words
from bot.encoder import Encoder, default_cache_dir
from bot.evidence import Evidence
from bot.examples import example_key
from bot.fitting import adapt
from bot.knowledge import Knowledge, load_knowledge, require_valid
from bot.language import is_spanish
from bot.ranking import (
    Answered,
    Candidate,
    Ranker,
    Ranking,
    answered_unanswered,
    shipped_model,
)
from bot.redaction import article_words
from bot.retrieval import Retriever
from bot.safety import Message, keepable, route
from bot.vectors import MessageVectors, VectorCache, encode_message

MAX_QUESTION_CHARS = 500
MAX_SUGGESTIONS = 3
MAX_PASSAGES = 3
# Further passages are shown (folded) when the ranker gives them at least this share of the
# best one's: its shares are steep, and a question about two things gets both.
CLOSE = 0.05
MIN_WORDS_ASKED = 3  # a sentence this long may be ranked on its own
SURE = 0.8  # ... unless the whole message is covered at least this surely
# A passage whose words overlap this much (rapidfuzz token-set ratio, 0-100) with one already
# shown says nearly the same and is left out. On the shipped articles the two "rapid
# antidepressant effect" paragraphs score 90, the next closest pair (different conditions, same
# sentence pattern) 80.
NEAR_DUPLICATE = 85


@cache
def shared_cache() -> VectorCache:
    """The process's encoder and vector cache (in the user's cache folder), loaded once and
    shared by every knowledge version."""
    return VectorCache(Encoder.load(cache_dir=default_cache_dir()), VectorCache.default_path())


class Assistant:
    """Answers messages from one validated knowledge version; safe to share across threads.

    Building one trains the classifier and the ranker on the knowledge's examples; their
    vectors come from `cache` (by default `shared_cache()`), so only new texts are encoded."""

    def __init__(self, knowledge: Knowledge, cache: VectorCache | None = None) -> None:
        self.knowledge = require_valid(knowledge)
        self.cache = cache or shared_cache()
        self.encoder = self.cache.encoder
        self.retriever = Retriever(knowledge)
        # What is learned is kept beside the vectors (`bot.models`), each part by what it
        # learns from: a reload trains only what an edit changed.
        folder = None if self.cache.path is None else self.cache.path.parent
        self.classifier = self._classifier(knowledge, folder)
        evidence = Evidence(
            knowledge, self.cache, self.classifier.words, self.retriever.known_words
        )
        self.ranker = self._ranker(evidence, knowledge, folder)
        self.cache.release_unasked()  # and gives back what training freed
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
        self.known_words = article_words(knowledge)  # what a question kept may contain
        self._sources = {  # per article: its citation and review date, built once
            a.slug: (Source(a.title, a.publisher, a.url), a.reviewed_on.isoformat())
            for a in knowledge.articles
        }

    def _classifier(self, knowledge: Knowledge, folder: Path | None) -> MessageClassifier:
        """The message classifier, restored or trained on the examples."""
        saved = None if folder is None else models.load_classifier(folder, knowledge)
        if saved is not None:
            return MessageClassifier(saved.words, saved.model)
        examples = knowledge.examples
        words = Words.fit([e.text for e in examples])
        classifier = MessageClassifier.train(
            examples, self.cache.wholes([e.text for e in examples]), words
        )
        if folder is not None:
            models.save_classifier(folder, knowledge, models.Classifier(words, classifier.model))
        return classifier

    @staticmethod
    def _ranker(evidence: Evidence, knowledge: Knowledge, folder: Path | None) -> Ranker:
        """The ranker: the unanswered questions a passage answers left out, the content model
        trained, and the shipped weights adapted to this knowledge's own example questions when
        it has many (`bot.fitting.adapt`); each restored when nothing it learns from changed."""
        shipped = shipped_model()
        state = None if folder is None else models.load_ranker(folder, knowledge)
        if state is None:
            keep, answered = answered_unanswered(evidence, shipped)
            kept = evidence.with_unanswered(keep)
            content = kept.train_content()
            rows = tuple((a.where, a.what, a.passage.id, a.partly) for a in answered)
            state = models.RankerState(keep, rows, content)
            if folder is not None:
                models.save_ranker(folder, knowledge, state)
        by_id = {p.id: p for p in evidence.passages}
        answered = [
            Answered(w, what, by_id[pid], partly) for w, what, pid, partly in state.answered
        ]
        evidence = evidence.with_unanswered(state.keep).with_content(state.content)
        adapted = None if folder is None else models.load_adapted(folder, knowledge)
        if adapted is None:
            adapted = models.Adapted(adapt(evidence, shipped))
            if folder is not None:
                models.save_adapted(folder, knowledge, adapted)
        model = adapted.relevance or shipped
        return Ranker(evidence, model, answered, None if model is shipped else shipped)

    @classmethod
    def from_folder(cls, folder: Path | str, cache: VectorCache | None = None) -> Assistant:
        """Load, validate and train on a knowledge folder (raises KnowledgeError with
        locations)."""
        return cls(load_knowledge(folder), cache)

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

    def read(self, question: str) -> tuple[Message, MessageVectors]:
        """A message prepared for the rules, with what the classifier reads in it."""
        vectors = encode_message(self.encoder, question)
        reading = self.classifier.read(question, vectors)
        return Message.of(question, reading, self.knowledge.crisis_phrases), vectors

    def route(self, question: str) -> Kind | None:
        """The kind decided by the safety rules, or None when the question goes to retrieval."""
        kind = route(self.read(question[:MAX_QUESTION_CHARS])[0])
        return kind  # type: ignore[return-value]  # rule names are Kind values

    def may_keep(self, question: str) -> bool:
        """Whether a visitor's question may be kept for staff (redacted): not when it is a crisis
        or medical-advice message, nor when it reads near crisis."""
        message = self.read(question[:MAX_QUESTION_CHARS])[0]
        return keepable(message, route(message))

    def rank(self, question: str) -> Ranking:
        """Ranked passages alone, without the safety rules."""
        message, vectors = self.read(question[:MAX_QUESTION_CHARS])
        return self._rank(message.reading, vectors)

    def _rank(self, reading: Reading, vectors: MessageVectors) -> Ranking:
        """Rank for the question's own sentences, a greeting or thanks around it left out; when
        one sentence asks more clearly than the message as a whole (an aside before the
        question), its ranking is the one used."""
        asked = [i for i, s in enumerate(reading.sentences) if s.likeliest() != "smalltalk"]
        if reading.sentences and asked and len(asked) < len(reading.sentences):
            vectors = vectors.only(asked)
        texts = [" ".join(vectors.sentences)]
        rows = [vectors.whole]
        if len(vectors.sentences) > 1:
            for sentence, part in zip(vectors.sentences, vectors.parts, strict=True):
                if len(sentence.split()) >= MIN_WORDS_ASKED:
                    texts.append(sentence)
                    rows.append(part)
        whole, *alone = self.ranker.rank_each(texts, np.stack(rows))
        if whole.confidence >= SURE or not alone:
            return whole
        clearest = max(alone, key=lambda ranking: ranking.confidence)
        return clearest if clearest.confidence > whole.confidence else whole

    def ask(self, question: str, safe: bool = False) -> Answer:
        """Answer one message. Never raises for any text; over-long text is cut to the limit.

        When the bot is not sure a message speaks of risk, it checks in: crisis resources first,
        "are you safe?", and the reply the message would otherwise get (`Answer.held`). `safe`:
        the visitor said they are safe, so that reply is given at once (a message that clearly
        speaks of risk still gets crisis resources alone)."""
        question = question[:MAX_QUESTION_CHARS]
        message, vectors = self.read(question)
        kind = route(message)
        if kind == "crisis":
            return self._crisis(question, message.text, "clear")
        if kind != "check_in":
            return self._reply_to(question, message, vectors, kind)
        held = replace(
            self._reply_to(question, message, vectors, route(message, crisis=False)),
            may_keep=False,
        )
        return held if safe else self._crisis(question, message.text, "check_in", held)

    def _crisis(self, question: str, text: str, level: Level, held: Answer | None = None) -> Answer:
        """Crisis resources first, in Spanish for a message in Spanish: alone, or with a check-in
        and the reply held back."""
        spanish = is_spanish(text)
        if level == "clear":
            message = CRISIS_MESSAGE_ES if spanish else CRISIS_MESSAGE
        else:
            message = CHECK_IN_MESSAGE_ES if spanish else CHECK_IN_MESSAGE
        return Answer(
            kind="crisis",
            question=question,
            message=message,
            disclaimer=self.knowledge.clinic.disclaimer,
            contact=None,
            resources=CRISIS_RESOURCES_ES if spanish else CRISIS_RESOURCES,
            language="es" if spanish else "en",
            level=level,
            held=held,
        )

    def _reply_to(
        self, question: str, message: Message, vectors: MessageVectors, kind: str | None
    ) -> Answer:
        """The reply for a message the rules routed to `kind` (not crisis)."""
        keep = keepable(message, kind)
        if is_spanish(message.text):  # the articles are in English: say so, in Spanish
            # A greeting or a request for advice keeps its kind (advice is never stored); a
            # question the articles might answer in English counts as not covered.
            spanish_kind: Kind = kind if kind in ("medical_advice", "smalltalk") else "no_answer"  # type: ignore[assignment]
            return self._reply(spanish_kind, question, SPANISH_MESSAGE, (), keep, language="es")
        if kind == "medical_advice":
            return self._reply("medical_advice", question, MEDICAL_ADVICE_MESSAGE, (), False)
        if kind == "smalltalk":
            return self._reply(
                "smalltalk",
                question,
                self._smalltalk_message(message.words),
                self.starters,
                keep,
            )
        ranking = self._rank(message.reading, vectors)
        if not ranking.answered:
            text = NO_ANSWER_MESSAGE
            if ranking.topic is not None:
                text = f"{ranking.topic.message} You could also ask:"
            related = self._related(ranking, question, ()) or self.starters
            return self._reply("no_answer", question, text, related, keep)
        best = ranking.candidates[0].score
        close = [c for c in ranking.candidates[:MAX_PASSAGES] if c.score >= best * CLOSE]
        shown = self._distinct(close)
        passages = tuple(self._quote(c) for c in shown)
        related = self._related(ranking, question, {c.passage.id for c in close})
        return self._reply("answer", question, "", related, keep, passages)

    def _reply(
        self,
        kind: Kind,
        question: str,
        message: str,
        suggestions: tuple[str, ...],
        may_keep: bool,
        passages: tuple[QuotedPassage, ...] = (),
        language: str = "en",
    ) -> Answer:
        return Answer(
            language=language,
            kind=kind,
            question=question,
            message=message,
            disclaimer=self.knowledge.clinic.disclaimer,
            contact=self.contact,
            passages=passages,
            suggestions=suggestions[:MAX_SUGGESTIONS],
            may_keep=may_keep,
        )

    def _smalltalk_message(self, message_words: tuple[str, ...]) -> str:
        said = set(message_words)
        if said & {"bye", "goodbye", "byebye", "cya", "farewell"}:
            return GOODBYE_MESSAGE
        if said & {"thanks", "thank", "thx", "ty", "tysm", "cheers", "appreciate", "helpful"}:
            return THANKS_MESSAGE
        return SMALLTALK_MESSAGE.format(clinic=self.knowledge.clinic.name)

    def _quote(self, candidate: Candidate) -> QuotedPassage:
        p = candidate.passage
        source, reviewed_on = self._sources[p.article]
        return QuotedPassage(
            id=p.id,
            article=p.article,
            section=p.section,
            text=p.text,
            source=source,
            reviewed_on=reviewed_on,
            score=round(candidate.score, 4),
        )

    @staticmethod
    def _distinct(candidates: list[Candidate]) -> list[Candidate]:
        """The candidates, best first, without one that says nearly the same as one kept."""
        kept: list[Candidate] = []
        for c in candidates:
            text = c.passage.text.lower()
            if all(
                fuzz.token_set_ratio(text, k.passage.text.lower()) < NEAR_DUPLICATE for k in kept
            ):
                kept.append(c)
        return kept

    def related(self, question: str, limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
        """Up to `limit` example questions of the passages nearest to `question`, by the
        ranker, never `question` itself (whatever its case or punctuation)."""
        return self._related(self.rank(question), question, (), limit)

    @staticmethod
    def _related(
        ranking: Ranking, question: str, shown: Collection[str], limit: int = MAX_SUGGESTIONS
    ) -> tuple[str, ...]:
        """The first example question of each passage in ranked order, passages already shown
        left out, and never the question asked."""
        asked = example_key(question)
        out: list[str] = []
        seen = {asked}
        for c in ranking.candidates:
            if len(out) == limit:
                break
            if c.passage.id in shown:
                continue
            pick = next((q for q in c.passage.questions if example_key(q) not in seen), None)
            if pick is not None:
                out.append(pick)
                seen.add(example_key(pick))
        return tuple(out)
