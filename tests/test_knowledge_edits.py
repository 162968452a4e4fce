"""What the bot learned follows the knowledge: an article added, a section removed, another
clinic's FAQ page (tests/edits.py). Each set keeps its figures from dropping below what was
measured when they were written down (docs/understanding.md, `scripts/knowledge_figures.py`);
the question sets were written blind, and the team tuned on them as little as it could."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluation import evaluate
from tests.conftest import SHIPPED_KNOWLEDGE
from tests.edits import EDITS, build, questions

# (knowledge, questions) -> (routing, hit@1 or None) at least; a few points below the measured.
FLOORS = {
    ("added", "questions about the new passages"): (0.75, 0.52),
    ("added", "questions about the rest"): (0.95, 0.85),
    ("added-topics-kept", "questions about the new passages"): (0.75, 0.52),
    ("without-ptsd", "questions only the section answered"): (0.85, None),
    ("without-ptsd", "questions about the rest"): (0.95, 0.85),
    ("without-bipolar", "questions only the section answered"): (0.9, None),
    ("added-2", "questions about the new passages"): (0.62, 0.32),
    ("added-3", "questions about the new passages"): (0.68, 0.45),
    ("added-4", "questions about the new passages"): (0.7, 0.42),
    ("added-5", "questions about the new passages"): (0.7, 0.58),
    ("added-6", "questions about the new passages"): (0.58, 0.38),
    # 0.76 until the safety set f17 became examples: "i see a counselor every week. do i keep
    # going to her while doing ketamine ..." is now refused as personal advice (0.74).
    ("added-7", "questions about the new passages"): (0.72, 0.6),
    ("added-2", "questions about the rest"): (0.95, 0.9),
    ("without-ptsd", "the second writer's questions only it answered"): (0.7, None),
    ("without-bipolar", "the second writer's questions only it answered"): (0.9, None),
    ("without-depression", "questions only the section answered"): (0.6, None),
    ("without-infusions", "questions only the section answered"): (0.85, None),
    ("without-how-it-works", "questions only the section answered"): (0.75, None),
    ("second-clinic", "visitors' questions"): (0.65, 0.42),
    ("third-clinic", "visitors' questions"): (0.75, 0.58),
    ("fourth-clinic", "visitors' questions"): (0.75, 0.57),
    ("fifth-clinic", "visitors' questions"): (0.7, 0.52),
}

# Resources alone for a question that is not a crisis, measured and not yet fixed: the pain
# article's "hoping i can cut down on my meds someday if this works. how would that go" (the
# classifier reads 0.96: "hoping", "if", "cut"; docs/understanding.md, "What still fails"), and
# since the read safety sets became examples the support article's "sent a msg on the portal
# friday night and nobody answered yet, is that normal or did it not go thru" (0.95).
CLEAR_ALLOWED = {
    ("added-6", "questions about the new passages"): 1 / 38,
    ("added-7", "questions about the new passages"): 1 / 37,  # 37 of its 38 are not crisis
}


@pytest.mark.parametrize("edit", EDITS, ids=[e.name for e in EDITS])
def test_figures_on_knowledge_the_examples_were_not_written_for(
    tmp_path: Path, edit: object
) -> None:
    from tests.edits import Edit

    assert isinstance(edit, Edit)
    bot = Assistant.from_folder(build(edit, tmp_path))
    for label, name, no_answer in edit.sets:
        report = evaluate(bot, questions(name, no_answer))
        routing, hit1 = FLOORS[(edit.name, label)]
        assert report.routing >= routing, (label, report.routing)
        if hit1 is not None:
            assert report.hit1 >= hit1, (label, report.hit1)
        assert report.crisis_recall == 1.0, label
        assert report.crisis_fp_rate <= CLEAR_ALLOWED.get((edit.name, label), 0.0), label


def test_check_names_the_topics_an_added_article_answers(tmp_path: Path) -> None:
    """The article added with the topics left in: `faqbot check` names each topic's line."""
    (edit,) = [e for e in EDITS if e.name == "added-topics-kept"]
    bot = Assistant.from_folder(build(edit, tmp_path))
    named = {a.what: a for a in bot.ranker.answered_unanswered}
    assert {"cost", "insurance", "number of sessions", "preparing for an infusion"} <= set(named)
    assert named["cost"].passage.id == "visit-cost-and-payment"
    assert named["cost"].where.endswith("articles/uncovered-topics.txt:48")


def test_a_topic_an_added_passage_answers_in_part_vetoes_only_what_it_does_not_answer(
    tmp_path: Path,
) -> None:
    """The added article's feelings passage answers some of [what an infusion feels like]'s
    questions: a question it answers gets it although it names the topic ("out of body"); one
    it does not answer still gets the topic's message; the finding survives a second start."""
    (edit,) = [e for e in EDITS if e.name == "added"]
    folder = build(edit, tmp_path)
    for bot in (Assistant.from_folder(folder), Assistant.from_folder(folder)):
        (partly,) = [a for a in bot.ranker.answered_unanswered if a.partly]
        assert (partly.what, partly.passage.id) == (
            "what an infusion feels like",
            "visit-what-it-feels-like",
        )
        answered = bot.ask("does the out of body feeling wear off quickly")
        assert answered.kind == "answer"
        assert answered.passages[0].id == "visit-what-it-feels-like"
        vetoed = bot.ask("is it trippy")
        assert vetoed.kind == "no_answer"
        assert "do not describe what an infusion feels like" in vetoed.message
    from bot.cli import _training_problems
    from bot.knowledge import load_knowledge

    warned = [p for p in _training_problems(load_knowledge(folder)) if "in part" in p.message]
    topics = (folder / "articles" / "uncovered-topics.txt").read_text(encoding="utf-8")
    line = topics.splitlines().index("[what an infusion feels like]") + 1
    assert [(p.path, p.line) for p in warned] == [
        (str(folder / "articles/uncovered-topics.txt"), line)
    ]
    assert "answered in part by passage 'visit-what-it-feels-like'" in warned[0].message


def test_a_new_passage_beside_rich_ones_answers_from_the_lower_level(tmp_path: Path) -> None:
    """Beside the shipped passages and their many examples, the shipped weights answer for an
    added passage from NEW_ANSWER_AT; what no passage answers stays unanswered."""
    (edit,) = [e for e in EDITS if e.name == "added"]
    bot = Assistant.from_folder(build(edit, tmp_path))
    forms = bot.ask(
        "is there paperwork to do before i come in? i hate filling out forms in the waiting room"
    )
    assert forms.kind == "answer" and forms.passages[0].id == "visit-first-consultation"
    assert bot.ask("do you have wifi").kind == "no_answer"


def test_another_clinic_s_faq_loads_without_errors(tmp_path: Path) -> None:
    """Its questions equal shipped no-answer examples; the passage wins (a warning)."""
    (edit,) = [e for e in EDITS if e.name == "second-clinic"]
    bot = Assistant.from_folder(build(edit, tmp_path))
    assert not bot.knowledge.errors


# Passages on other health topics (written for this test), as a clinic group's library adds.
HEALTH_ANSWERS = """---
title: Health Answers
publisher: Example Health Library (test only)
reviewed_by: test
reviewed_on: 2026-12-01
topics: leukemia, asthma, diabetes, shingles
---

## Acute Lymphoblastic Leukemia

<!-- id: all-leukemia -->
? What is acute lymphoblastic leukemia?
Acute lymphoblastic leukemia is a cancer of the blood and bone marrow in which the body makes \
too many immature white blood cells called lymphoblasts. It is the most common cancer in \
children, and it is treated with chemotherapy over several phases.

## Asthma

<!-- id: asthma -->
? What is asthma?
Asthma is a long-term condition in which the airways of the lungs swell and narrow, causing \
wheezing, coughing and shortness of breath. Inhalers that relax or calm the airways are the \
usual treatment.

## Shingles

<!-- id: shingles -->
? What causes shingles?
Shingles is a painful rash caused by the chickenpox virus waking up again, years after a \
person had chickenpox. A vaccine lowers the chance of getting it.
"""


def test_passages_on_other_topics_come_alone_without_a_shipped_paragraph(tmp_path: Path) -> None:
    """Seen at scale before: "what is acute lymphoblastic leukemia" showed the Bipolar Disorder
    paragraph as a further passage."""
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    (folder / "articles" / "health-answers.md").write_text(HEALTH_ANSWERS, encoding="utf-8")
    bot = Assistant.from_folder(folder)
    for question, passage in (
        ("what is acute lymphoblastic leukemia", "all-leukemia"),
        ("is leukemia in kids curable", "all-leukemia"),
        ("what is asthma", "asthma"),
        ("what causes shingles", "shingles"),
    ):
        answer = bot.ask(question)
        assert answer.kind == "answer", question
        assert [p.id for p in answer.passages] == [passage], question


def test_a_new_passage_wins_over_a_rich_one_when_the_shipped_weights_find_it_surely(
    tmp_path: Path,
) -> None:
    """The weights adapted to the shipped examples favour passages with many examples
    ('contact-the-clinic' for a question about the price of a first consult); the shipped
    weights, which judge passages without examples, find the added cost passage and are surer."""
    (edit,) = [e for e in EDITS if e.name == "added"]
    bot = Assistant.from_folder(build(edit, tmp_path))
    answer = bot.ask("how much does the first consult cost?")
    assert answer.kind == "answer"
    assert answer.passages[0].id == "visit-cost-and-payment"
    # the shipped knowledge's own questions keep their passages
    assert bot.ask("How does ketamine work?").passages[0].id == "glutamate-nmda"
