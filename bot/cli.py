"""The `faqbot` command: init, import, check, ask and eval. (`serve` and `report` are added by
`web.cli`.)"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.answer import Answer
from bot.evaluation import (
    Item,
    QuestionSetError,
    Report,
    cross_validate,
    evaluate,
    parse_items,
)
from bot.knowledge import Knowledge, KnowledgeError, load_knowledge
from bot.problems import Problem

if TYPE_CHECKING:
    from bot.assistant import Assistant

DEFAULT_KNOWLEDGE = "knowledge"
KNOWLEDGE_ENV = "FAQBOT_KNOWLEDGE_DIR"
Command = Callable[[argparse.Namespace], int]


def _knowledge_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge",
        default=None,
        metavar="DIR",
        help=f"the knowledge folder (default: {KNOWLEDGE_ENV} or {DEFAULT_KNOWLEDGE})",
    )


def is_knowledge_folder(folder: Path) -> bool:
    """Whether `folder` looks like a knowledge folder (an articles folder or a clinic.txt)."""
    return (folder / "articles").is_dir() or (folder / "clinic.txt").is_file()


def knowledge_folder(given: str | None, here: Path | None = None) -> str:
    """The knowledge folder a command uses: --knowledge, else FAQBOT_KNOWLEDGE_DIR, else the
    current folder when it is a knowledge folder (or its articles or examples folder is),
    else `knowledge` in the current folder."""
    if given or os.environ.get(KNOWLEDGE_ENV):
        return given or os.environ[KNOWLEDGE_ENV]
    here = here or Path.cwd()
    if is_knowledge_folder(here):
        return "."
    if here.name in ("articles", "examples") and is_knowledge_folder(here.parent):
        return ".."
    return DEFAULT_KNOWLEDGE


def _announce_knowledge(folder: str) -> None:
    """Say which knowledge folder is used (on stderr: stdout may be JSON), and how to get one
    when it does not exist."""
    path = Path(folder).resolve()
    print(f"faqbot: knowledge folder {path}", file=sys.stderr)
    if not path.exists():
        print(
            f"faqbot: {path} does not exist. Run the command inside your knowledge folder "
            f"(cd into it), or pass --knowledge DIR; `faqbot init {folder}` would write a new "
            "one there from the shipped example.",
            file=sys.stderr,
        )


def cmd_init(args: argparse.Namespace) -> int:
    """Write a new clinic's knowledge folder from the shipped example."""
    from bot.bundle import InitError, init_knowledge

    try:
        folder = init_knowledge(Path(args.folder))
    except InitError as exc:
        print(f"faqbot init: {exc}", file=sys.stderr)
        return 1
    print(
        f"Wrote the example knowledge to {folder.resolve()}.\n"
        f"Next: enter your clinic's contact details in {folder / 'clinic.txt'} (the example "
        f"phone number and e-mail are placeholders), edit the articles or bring in your FAQ "
        f"with `faqbot import` (README.md there explains each file), then go into the folder "
        f"and run\n"
        f"  cd {folder}\n"
        f"  faqbot check\n"
        f"  faqbot serve"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Write each FAQ source (a web page or its address, Markdown, CSV/TSV, .docx) as a new
    article of the knowledge folder, for staff to review; exit 1 if any was refused."""
    from bot.importing import ImportRefused, describe, import_source

    code = 0
    for source in args.sources:
        try:
            print(describe(import_source(source, Path(args.knowledge))))
        except ImportRefused as exc:
            print(f"faqbot import: {exc}", file=sys.stderr)
            code = 1
    return code


def _load(folder: str) -> Assistant | None:
    # Imported here: the engine (NLTK, numpy, rank-bm25) takes most of a second to import, and
    # `faqbot check`, `report` and the `serve` parent process do not need it.
    from bot.assistant import Assistant

    try:
        return Assistant.from_folder(folder)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"The knowledge in {folder} has errors; `faqbot check --knowledge {folder}` lists "
            "them all.",
            file=sys.stderr,
        )
        return None


def _training_problems(knowledge: Knowledge) -> list[Problem]:
    """Train on the knowledge as the chat would; an error if that fails or if it routes the
    shipped crisis test messages unsafely (`bot.canaries`), a warning for each uncovered topic
    or no-answer example a passage now answers, and for each passage example question (`?`
    line) that does not get its own passage first."""
    from bot.assistant import Assistant
    from bot.canaries import safety_problems
    from bot.encoder import EncoderError

    try:
        assistant = Assistant(knowledge)
    except EncoderError as exc:
        return [Problem("sentence model", 1, str(exc))]
    except ValueError as exc:  # scikit-learn refuses the examples
        return [Problem("examples", 1, f"the bot cannot learn from these examples ({exc})")]
    gate = os.environ.get("FAQBOT_SAFETY_GATE", "true").strip().lower()
    found: list[Problem] = [] if gate in ("false", "0", "no", "off") else safety_problems(assistant)
    for answered in assistant.ranker.answered_unanswered:
        path, _, number = answered.where.rpartition(":")
        passage = answered.passage
        at = f"articles/{passage.article}.md:{passage.line}"
        if answered.what == "the example":
            text = (
                f"passage {passage.id!r} at {at} answers this question now, so it no longer "
                "counts as one the articles do not answer: delete this line"
            )
        elif answered.partly:
            text = (
                f"the uncovered topic [{answered.what}] is answered in part by passage "
                f"{passage.id!r} at {at} now: the bot quotes the passage when it surely answers, "
                "and gives the topic's message otherwise; delete the topic's `?` lines the "
                "passage answers, or the whole topic if it answers all of it"
            )
        else:
            text = (
                f"the uncovered topic [{answered.what}] is answered by passage {passage.id!r} "
                f"at {at} now, so the bot no longer uses it: delete this topic (its whole block), "
                "or the passage if the topic should stay"
            )
        found.append(Problem(path, int(number), text, "warning"))
    for p in knowledge.passages:
        path = str(Path(knowledge.folder) / "articles" / f"{p.article}.md")
        for question, line in zip(p.questions, p.question_lines, strict=True):
            answer = assistant.ask(question)
            first = answer.passages[0].id if answer.passages else None
            if first == p.id:
                continue
            got = f"passage {first!r}" if first else f"a {answer.kind.replace('_', ' ')} reply"
            found.append(
                Problem(
                    path,
                    line,
                    f"the example question {question!r} gets {got}, not this passage; reword "
                    "it, or add questions like it under this passage in articles/questions.txt",
                    "warning",
                )
            )
    return found


def cmd_check(args: argparse.Namespace) -> int:
    """Validate every knowledge file; exit 1 on errors, 0 with or without warnings."""
    knowledge = load_knowledge(args.knowledge)
    problems = list(knowledge.problems)
    if not knowledge.errors:
        problems += _training_problems(knowledge)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    summary = (
        f"{len(knowledge.articles)} article(s), {len(knowledge.passages)} passage(s): "
        f"{errors} error(s), {warnings} warning(s)."
    )
    print(summary if errors or warnings else f"{summary} All good.")
    return 1 if errors else 0


def render(answer: Answer) -> str:
    """A readable text form of a reply, for the terminal."""
    lines: list[str] = []
    if answer.message:
        lines.append(answer.message)
    for r in answer.resources:
        lines.append(f"  * {r.label}: {r.detail}")
    for i, p in enumerate(answer.passages, start=1):
        lines += [
            "",
            f"[{i}] {p.text}",
            f"    — {p.source.title}, “{p.section}”. {p.source.publisher}; "
            f"reviewed {p.reviewed_on}.",
        ]
    if answer.suggestions:
        lines += ["", "You could also ask:", *(f"  - {s}" for s in answer.suggestions)]
    lines += ["", answer.disclaimer]
    if answer.contact is not None:
        c = answer.contact
        details = " · ".join(x for x in (c.phone, c.email, c.booking_url) if x)
        lines.append(f"{c.prompt} {c.name}: {details}")
    return "\n".join(lines).strip()


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, readably or as JSON."""
    assistant = _load(args.knowledge)
    if assistant is None:
        return 1
    if not args.question.strip():
        print('Please type a question, e.g. faqbot ask "how does ketamine work?"', file=sys.stderr)
        return 2
    answer = assistant.ask(args.question)
    print(
        json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else render(answer)
    )
    return 0


def _cross_validate(folder: str, items: list[Item], folds: int, seed: int) -> Report | None:
    from bot.assistant import shared_cache

    knowledge = load_knowledge(folder)
    if knowledge.errors:
        _load(folder)  # prints the problems
        return None
    return cross_validate(knowledge, items, folds, shared_cache(), seed)


def cmd_eval(args: argparse.Namespace) -> int:
    """Run a question set, report the metrics, and exit 1 when a threshold is missed."""
    try:
        text = Path(args.file).read_text(encoding="utf-8")
        items = parse_items(text, args.file)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}:1: cannot read the question set ({exc})", file=sys.stderr)
        return 2
    except QuestionSetError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.folds is not None and not 2 <= args.folds <= len(items):
        print(
            f"--folds must be between 2 and {len(items)} (the number of questions)", file=sys.stderr
        )
        return 2
    if args.folds:
        report = _cross_validate(args.knowledge, items, args.folds, args.seed)
        if report is None:
            return 1
    else:
        assistant = _load(args.knowledge)
        if assistant is None:
            return 1
        report = evaluate(assistant, items)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        how = f", cross-validated over {args.folds} folds (seed {args.seed})" if args.folds else ""
        print(f"{report.count} questions from {args.file}{how}")
        print(f"routing accuracy  {report.routing:.3f}")
        for kind, value in report.routing_by_kind.items():
            print(f"  {kind:<15} {value:.3f}")
        print(f"hit@1             {report.hit1:.3f}")
        print(f"hit@3             {report.hit3:.3f}")
        print(f"MRR               {report.mrr:.3f}")
        print(f"crisis recall     {report.crisis_recall:.3f} (resources first, either level)")
        print(f"crisis FP rate    {report.crisis_fp_rate:.3f} (resources alone, on other messages)")
        print(f'check-in rate     {report.check_in_rate:.3f} ("are you safe?" on other messages)')
        print(f"crisis keepable   {report.crisis_kept} (crisis messages staff could see)")
        if report.failures:
            print(f"\nAnswered otherwise than expected ({len(report.failures)}):")
        for f in report.failures:
            print(
                f"  {f['id']}: {f['question']!r} expected {'/'.join(f['expected'])}, got "
                f"{f['got']}"
                + (" after a check-in" if f.get("level") == "check_in" else "")
                + (
                    f" (first passage {f['first_passage']}, rank {f['rank']})"
                    if f["rank"] is not None
                    else ""
                )
            )
    missed = []
    if args.min_routing is not None and report.routing < args.min_routing:
        missed.append(f"routing {report.routing:.3f} < {args.min_routing}")
    if args.min_hit1 is not None and report.hit1 < args.min_hit1:
        missed.append(f"hit@1 {report.hit1:.3f} < {args.min_hit1}")
    if args.max_crisis_fp is not None and report.crisis_fp_rate > args.max_crisis_fp:
        missed.append(f"crisis FP rate {report.crisis_fp_rate:.3f} > {args.max_crisis_fp}")
    if args.min_crisis_recall is not None and report.crisis_recall < args.min_crisis_recall:
        missed.append(f"crisis recall {report.crisis_recall:.3f} < {args.min_crisis_recall}")
    if args.max_check_in is not None and report.check_in_rate > args.max_check_in:
        missed.append(f"check-in rate {report.check_in_rate:.3f} > {args.max_check_in}")
    if args.min_crisis_recall is not None and report.crisis_kept:
        missed.append(f"{report.crisis_kept} crisis messages could have been kept for staff")
    for m in missed:
        print(f"threshold missed: {m}", file=sys.stderr)
    return 1 if missed else 0


def build_parser(
    extra: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None]]],
) -> argparse.ArgumentParser:
    """The argument parser; `extra` adds commands (name -> (handler, add_arguments))."""
    parser = argparse.ArgumentParser(prog="faqbot", description="Ketamine FAQ bot.")
    parser.add_argument("--version", action="version", version=f"faqbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="write a new knowledge folder from the shipped example")
    init.add_argument("folder", metavar="DIR", help="the folder to create (new or empty)")
    init.set_defaults(handler=cmd_init)
    imp = sub.add_parser(
        "import",
        help="turn an existing FAQ into an article to review",
        description="Turn an existing FAQ into a new article of the knowledge folder, one "
        "passage per question, for staff to review before the bot uses it.",
    )
    imp.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a saved web page (.html) or its https:// address, a Markdown file, a CSV or "
        "TSV of question,answer rows, or a Word document (.docx)",
    )
    _knowledge_arg(imp)
    imp.set_defaults(handler=cmd_import)
    check = sub.add_parser("check", help="validate the knowledge files")
    _knowledge_arg(check)
    check.set_defaults(handler=cmd_check)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the JSON form")
    _knowledge_arg(ask)
    ask.set_defaults(handler=cmd_ask)
    ev = sub.add_parser("eval", help="measure the bot on a question set")
    ev.add_argument("file")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="K-fold cross-validation: learn from the examples and the other folds' questions, "
        "measure on each fold in turn",
    )
    ev.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="how the questions are shuffled into folds (default 0)",
    )
    ev.add_argument("--min-routing", type=float, metavar="X")
    ev.add_argument("--min-hit1", type=float, metavar="X")
    ev.add_argument("--max-crisis-fp", type=float, metavar="X")
    ev.add_argument("--min-crisis-recall", type=float, metavar="X")
    ev.add_argument("--max-check-in", type=float, metavar="X")
    _knowledge_arg(ev)
    ev.set_defaults(handler=cmd_eval)
    for name, (handler, add_arguments) in extra.items():
        summary = (handler.__doc__ or "").strip().splitlines()[0].rstrip(".")
        p = sub.add_parser(name, help=summary[:1].lower() + summary[1:], description=summary)
        add_arguments(p)
        p.set_defaults(handler=handler)
    return parser


def main(
    argv: Sequence[str] | None = None,
    extra: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None]]] | None = None,
) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser(extra or {}).parse_args(argv)
    if "knowledge" in args:
        args.knowledge = knowledge_folder(args.knowledge)
        if args.command in ("check", "ask", "eval", "import"):  # `serve` says it its own way
            _announce_knowledge(args.knowledge)
    handler: Command = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
