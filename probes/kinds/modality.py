"""Modality: does the offering accept the workload's image and PDF inputs, and read them?

Each non-text modality the workload declares is sent once, as a tiny file, in the wire's own
shape (OpenAI `image_url`/`file` parts, turned into Anthropic `image`/`document` blocks or
Gemini `inlineData` by the clients). Accepted means a complete answer; a 4xx means refused.

Accepting a file is not reading it: a text model behind a lenient server, or one that answers
noise, gives a complete answer too. So each file comes with a question only its content
answers (the image is one red pixel; the PDF shows one word, "Invoice", under a neutral file
name), and `<kind>_understood` is whether the answer names it: the positive requirement.
Chance: naming the colour by guessing one of the eleven basic colour words is 1 in 11; the
word on the page cannot be guessed (0).
"""

from __future__ import annotations

import base64
import re

from probes.clients import ChatRequest
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.targets import Target

# A 1×1 red PNG and a one-page PDF with the word "Invoice": the smallest valid files.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
        "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
    )
).decode()
PDF = base64.b64encode(
    b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 38>>stream\nBT /F1 18 Tf 20 40 Td (Invoice) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
).decode()

PARTS = {
    "image": {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    "pdf": {
        "type": "file",
        "file": {"filename": "document.pdf", "file_data": f"data:application/pdf;base64,{PDF}"},
    },
}
QUESTIONS = {
    "image": "What colour is this image? Answer with the colour's name.",
    "pdf": "What word is written in this document? Answer with the word.",
}
ANSWERS = {"image": "red", "pdf": "invoice"}
"""What an answer that read the file names (case-insensitive, as a whole word)."""
CHANCE = {"image": 1 / 11, "pdf": 0.0}
"""What guessing scores: one of the 11 basic colour words; the page's word cannot be guessed."""


class Modality:
    name = "modality"
    needs = "the workload's image and PDF inputs accepted"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        wanted = [m for m in spec.modalities if m in PARTS]
        if not wanted:
            return []
        requests = [
            ChatRequest(
                messages=[
                    {
                        "role": "user",
                        "content": [{"type": "text", "text": QUESTIONS[m]}, PARTS[m]],
                    }
                ],
                max_tokens=32,
            )
            for m in wanted
        ]
        return [Batch("files", requests, Load(concurrency=1))]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        wanted = [m for m in spec.modalities if m in PARTS]
        figures = []
        for m, s in zip(wanted, sorted(sent["files"], key=lambda r: r.index), strict=True):
            read = s.ok and re.search(rf"\b{ANSWERS[m]}\b", s.reply.text, re.IGNORECASE)
            figures += [
                Figure(
                    f"{m}_accepted",
                    1.0 if s.ok else 0.0,
                    1,
                    "bool",
                    {"outcome": s.reply.outcome, "error": s.reply.error},
                ),
                Figure(
                    f"{m}_understood",
                    1.0 if read else 0.0,
                    1,
                    "bool",
                    {"chance": CHANCE[m], "expected": ANSWERS[m], "answer": s.reply.text[:200]},
                ),
            ]
        return figures
