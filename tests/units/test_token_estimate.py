"""The token estimate never counts fewer tokens than a real tokenizer on what people send: prose in
many languages, code, tracebacks, logs, JSON, emoji. The reference here is the MiniLM WordPiece
tokenizer that ships with mindpane (no LLM tokenizer is available offline); it splits rare words,
Cyrillic, Hangul and punctuation finely, which makes it a demanding reference."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer

from tests.paths import REPO
from tui.adapters.bundled_embedder import bundled_tokenizer_path
from tui.services.token_estimate import MESSAGE_OVERHEAD, REQUEST_OVERHEAD, estimate_messages, estimate_tokens

SAMPLES = {
    "journal": "Long day. The move to the new flat is stressing me out; boxes everywhere, and I can't find the "
               "kettle. Called Mum in the evening — she laughed at me, which helped. Tomorrow: unpack the kitchen.",
    "code": 'def rows(path: Path, *, skip: int = 0) -> Iterator[dict[str, str]]:\n'
            '    """Read a big CSV lazily, one row at a time."""\n'
            '    with path.open(newline="", encoding="utf-8") as handle:\n'
            '        for number, row in enumerate(csv.DictReader(handle)):\n'
            '            if number >= skip:\n'
            '                yield {key.strip(): (value or "").strip() for key, value in row.items()}\n',
    "traceback": 'Traceback (most recent call last):\n'
                 '  File "/home/ana/.venv/lib/python3.12/site-packages/pandas/core/frame.py", line 4102, in get\n'
                 '    indexer = self.columns.get_loc(key)\nKeyError: \'customer_id\'\n',
    "json": '{"id": "3f2a9c1e-7b4d-4e8a-9f10-2c6d5e7a8b90", "created_at": "2026-11-25T21:54:03.123456+00:00", '
            '"scores": [0.64, 0.51, 0.43], "tags": ["garden", "move"], "ok": true}',
    "log": "2026-11-25 21:54:03,118 WARNING worker-7 retry 3/5 after 1500 ms (http 503) 192.168.10.254:8443 pid=48213",
    "hex": "sha256 8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6 commit 5935d93e0f360d0da2ba0b21f",
    "base64": "dGhpcyBpcyBhIHNlY3JldCBtZXNzYWdlIHRoYXQgaXMgbG9uZ2VyIHRoYW4gaXQgbG9va3MsIGlzbid0IGl0Pw==",
    "url": "See https://docs.python.org/3/library/itertools.html#itertools.batched?highlight=batched&lang=en",
    "markdown": "## Pins\n\n- **In the prompt.** The pins come first: `<pinned>` … `</pinned>`.\n\n"
                "| key | does |\n|---|---|\n",
    "chinese": "今天搬家真的好累。箱子到处都是，我找不到水壶。晚上给妈妈打了电话，她笑我，不过这让我感觉好多了。",
    "japanese": "今日は引っ越しで本当に疲れた。段ボールがあちこちにあって、やかんが見つからない。",
    "korean": "오늘 이사 때문에 정말 피곤했다. 상자가 여기저기 있고 주전자를 찾을 수가 없다.",
    "russian": "Длинный день. Переезд в новую квартиру выматывает: коробки повсюду, и я не могу найти чайник.",
    "greek": "Μεγάλη μέρα. Η μετακόμιση με κουράζει· κουτιά παντού και δεν βρίσκω τον βραστήρα.",
    "german": "Langer Tag. Der Umzug stresst mich; überall Kartons, und ich finde den Wasserkocher nicht. Größer.",
    "french": "Longue journée. Le déménagement m'épuise : des cartons partout, impossible de trouver la bouilloire.",
    "hindi": "आज का दिन बहुत लंबा था। नए घर में सामान ले जाना थका देने वाला है; हर जगह डिब्बे हैं।",
    "arabic": "كان يومًا طويلًا. الانتقال إلى الشقة الجديدة متعب؛ الصناديق في كل مكان ولا أجد الغلاية.",
    "thai": "วันนี้ยาวนานมาก การย้ายบ้านทำให้ฉันเหนื่อย กล่องอยู่ทุกที่",
    "emoji": "Best day ever 🎉🎉 moved in 🏠✨ cat approves 🐈‍⬛ family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 ok 👍🏽 ❤️‍🔥",
    "symbols": "→ ← ↑ ↓ … — – «» ‘’ “” © ® ™ § ° ± × ÷ ≤ ≥ ≠ ∞ √ ∑ ∫ ∂ ∆ ∇ ∈ ∉ ⊂ ∪ ∩ ∧ ∨ ¬ ∀ ∃ ℝ",
    "box": "╭──────────╮\n│Receipts  │\n╰──────────╯\n ▌ Entry ▏^p palette ◆ Journal ◇ Code",
    "spaces": "a    b        c\n\n\n\n        d\t\t\te" + " " * 40 + "f 7",
    "tiny words": "a b c d e f g h i j k l m n o p q r s t u v w x y z I a I a I a",
    "punctuation": "!!!??? ... ,,, ;;; ::: ((( ))) [[[ ]]] {{{ }}} <<< >>> === !== --- +++ *** /// ||| &&& ^^^ ```",
    "long words": "Antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis "
                  "floccinaucinihilipilification",
    "identifiers": "getUserAccountBalanceByIdAsync XMLHttpRequestFactory __init_subclass__ kMaxRetryCountForHTTP2 fmt",
    "mixed": "Meeting w/ Dr. Müller @ 14:30 — re: Q3 budget (€12.5k vs. $13,900); TODO: naïve café résumé façade.",
}


@pytest.fixture(scope="module")
def minilm() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(bundled_tokenizer_path()))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def real_count(tokenizer: Tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_the_estimate_is_never_below_the_reference_whole_or_line_by_line(minilm, kind):
    text = SAMPLES[kind]
    for piece in [text, *text.splitlines()]:
        assert estimate_tokens(piece) >= real_count(minilm, piece), piece


def test_the_estimate_is_never_below_the_reference_on_every_line_of_this_project(minilm):
    paths = [REPO / "README.md", *sorted((REPO / "tui").rglob("*.py"))]
    lines = [line for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 5000
    under = [line for line in lines if estimate_tokens(line) < real_count(minilm, line)]
    assert under == []


def test_room_is_not_wasted_on_prose_and_code(minilm):
    for kind in ("journal", "code", "german"):
        text = SAMPLES[kind]
        assert estimate_tokens(text) <= 2 * real_count(minilm, text), kind


def test_an_emoji_costs_at_least_its_bytes_and_nothing_costs_nothing():
    assert estimate_tokens("🐈") >= len("🐈".encode())
    assert estimate_tokens("") == 0


def test_joined_texts_cost_no_more_than_their_parts_and_a_line_break():
    """What fitting a prompt relies on: parts can be counted one by one."""
    parts = list(SAMPLES.values())
    assert estimate_tokens("\n".join(parts)) <= sum(estimate_tokens(part) for part in parts) + 2 * len(parts)


def test_a_request_counts_each_message_and_the_template_around_it():
    messages = [{"role": "system", "content": SAMPLES["journal"]}, {"role": "user", "content": SAMPLES["chinese"]}]
    assert estimate_messages(messages) == (REQUEST_OVERHEAD + 2 * MESSAGE_OVERHEAD + estimate_tokens(SAMPLES["journal"])
                                           + estimate_tokens(SAMPLES["chinese"]))
