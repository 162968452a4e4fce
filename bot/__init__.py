"""ketamine-faq-bot: answers visitors only by quoting vetted, cited passages."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ketamine-faq-bot")  # the one number, from pyproject.toml
except PackageNotFoundError:  # a clone used without installing it
    import tomllib
    from pathlib import Path

    with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as _file:
        __version__ = str(tomllib.load(_file)["project"]["version"])
