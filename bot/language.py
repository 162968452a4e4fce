"""Which language a message is in, as far as the bot needs: Spanish or not (py3langid)."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

SPANISH_CONFIDENCE = 0.9  # below this, a short message such as "suicidal rn" stays English


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["en", "es"])
    return identifier


def is_spanish(text: str) -> bool:
    """Whether a message is in Spanish rather than English, with confidence."""
    language, probability = _identifier().classify(text)
    return bool(language == "es" and probability >= SPANISH_CONFIDENCE)
