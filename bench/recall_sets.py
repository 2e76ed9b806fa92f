"""The question sets the recall-quality bench measures: LoCoMo conversations read as a journal (every
turn an entry, questions in the third person), the first-person variant (one speaker's turns as
their own journal, questions rewritten to "I"), and mindpane's own first-person journal.

A set is plain data: dated entries with ids, and questions naming the ids that answer them.
LoCoMo's data is never copied here; its path is an argument (see ``../shared/locomo-dev/README.md``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
"""LoCoMo's categories 1-4 (5, adversarial, has no answer in the conversation and is left out)."""
OWN_SET = Path(__file__).resolve().parent / "first_person_journal.json"
_EVIDENCE = re.compile(r"D\d+:\d+")


@dataclass(frozen=True)
class Entry:
    id: str
    text: str
    created_at: datetime
    kind: str = "entry"


@dataclass(frozen=True)
class Question:
    text: str
    evidence: frozenset[str]
    """Ids of the entries that hold the answer."""
    category: str


@dataclass
class QuestionSet:
    name: str
    now: datetime
    entries: list[Entry] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    def export_json(self) -> str:
        """The entries as mindpane's own JSON export, so ``mindpane import`` loads them, ids kept."""
        lines = [json.dumps({"id": entry.id, "mode": "journal", "text": entry.text, "reply": "",
                             "created_at": entry.created_at.isoformat(), "model": None,
                             "metadata": {"kind": entry.kind} if entry.kind != "entry" else {}})
                 for entry in self.entries]
        return '{"mindpane_export": 1, "entries": [\n' + ",\n".join(lines) + "\n]}\n"


def session_time(raw: str) -> datetime:
    """"1:47 pm on 18 May, 2023" (LoCoMo's session dates), read as UTC."""
    return datetime.strptime(" ".join(raw.split()), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def evidence_ids(raw: list) -> list[str]:
    """Evidence turns, read leniently ("D8:6; D9:17" is two)."""
    return [found for item in raw for found in _EVIDENCE.findall(str(item))]


def _entry_id(conversation: str, dia_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"locomo/{conversation}/{dia_id}"))


def _sessions(data: dict) -> list[tuple[datetime, list[dict]]]:
    conversation = data.get("conversation", data)
    numbers = sorted(int(key.split("_")[1]) for key in conversation
                     if re.fullmatch(r"session_\d+", key) and conversation[key])
    return [(session_time(conversation[f"session_{n}_date_time"]), conversation[f"session_{n}"]) for n in numbers]


def _turn_text(turn: dict, prefix: bool) -> str:
    text = turn.get("text", "").strip()
    if turn.get("blip_caption"):
        text += f" [image: {turn['blip_caption']}]"
    return f"{turn['speaker']}: {text}" if prefix else text


def locomo(path: Path, first_person: bool = False) -> QuestionSet:
    """One LoCoMo conversation as a journal: the protocol of ``locomo-dev/README.md``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    conversation = data.get("conversation", data)
    speaker_a = conversation["speaker_a"]
    name = path.stem + (" (first person)" if first_person else "")
    sessions = _sessions(data)
    ids: dict[str, str] = {}
    result = QuestionSet(name, sessions[-1][0] + timedelta(days=1))
    for started, turns in sessions:
        for minute, turn in enumerate(turns):
            if first_person and turn["speaker"] != speaker_a:
                continue
            entry_id = ids[turn["dia_id"]] = _entry_id(path.stem, turn["dia_id"])
            result.entries.append(Entry(entry_id, _turn_text(turn, not first_person),
                                        started + timedelta(minutes=minute)))
    for qa in data["qa"]:
        category = CATEGORIES.get(qa.get("category"))
        evidence = frozenset(ids[dia] for dia in evidence_ids(qa.get("evidence", [])) if dia in ids)
        if category is None or not evidence:
            continue
        question = rewrite_first_person(qa["question"], speaker_a) if first_person else qa["question"]
        result.questions.append(Question(question, evidence, category))
    return result


_OBJECT_AFTER = ("to", "with", "for", "about", "from", "by", "of", "at", "than", "and", "gave", "give", "gives",
                 "told", "tell", "asked", "ask", "helped", "help", "inspired", "inspire", "make", "made", "makes",
                 "motivate", "motivates", "motivated", "encourage", "encouraged", "surprise", "surprised", "remind",
                 "reminded", "let", "lets", "invite", "invited", "visit", "visited", "meet", "met", "call", "called",
                 "like", "likes", "join", "joined", "taught", "teach", "support", "supported", "bring", "brought")


def rewrite_first_person(question: str, name: str) -> str:
    """"When did Caroline go…" → "When did I go…", "Caroline's" → "my", "Caroline is" → "I am",
    "for Caroline" → "for me" (the protocol's first-person variant)."""
    n = re.escape(name)
    rules = (
        (rf"\b{n}['’]s\b", "my"),
        (rf"\b(does|do)\s+{n}\b", "do I"),
        (rf"\b(has|have)\s+{n}\b", "have I"),
        (rf"\bis\s+{n}\b", "am I"),
        (rf"\b(did|will|would|can|could|should|had|was|might|may|must)\s+{n}\b", r"\1 I"),
        (rf"\b{n}\s+is\b", "I am"),
        (rf"\b{n}\s+has\b", "I have"),
        (rf"\b{n}\s+does\b", "I do"),
        (rf"\b{n}\s+was\b", "I was"),
        (rf"\b({'|'.join(_OBJECT_AFTER)})\s+{n}\b", r"\1 me"),
        (rf"\b{n}\b", "I"),
        (r"\b(?:himself|herself)\b", "myself"),
    )
    for pattern, replacement in rules:
        question = re.sub(pattern, replacement, question, flags=re.IGNORECASE)
    return question[0].upper() + question[1:] if question else question


def own_first_person(path: Path = OWN_SET) -> QuestionSet:
    """mindpane's own journal set: hand-written entries, earlier questions to the journal among
    them (kind ``question``), and the questions a person asks later."""
    data = json.loads(path.read_text(encoding="utf-8"))
    result = QuestionSet("own journal (first person)", datetime.fromisoformat(data["now"]))
    result.entries = [Entry(item["id"], item["text"], datetime.fromisoformat(item["created_at"]),
                            item.get("kind", "entry")) for item in data["entries"]]
    result.questions = [Question(item["q"], frozenset(item["evidence"]), item["category"])
                        for item in data["questions"]]
    return result
