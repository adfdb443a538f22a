#!/usr/bin/env python3
"""Validate question_bank/catalog/aws-services.toml (issue #19).

Standalone: python3 (3.11+, for tomllib) and nothing else.

    python3 question_bank/catalog/check.py [path/to/aws-services.toml] [--strict]

Checks:
  * every entry has id, name, category, subcategory, ko, en, aliases, docs;
  * ids are unique slugs;
  * no alias (or name, or id) maps to two entries, compared after
    normalisation (case-folded, spaces, hyphens and dots removed);
  * category/subcategory pairs belong to the vocabulary declared in the
    file's header comment ("# category/subcategory  description" lines);
  * parent ids exist and no entry is its own ancestor;
  * numbers are inline tables with string what/value/unit (note optional);
  * docs URLs are https, on docs.aws.amazon.com or aws.amazon.com, without
    a locale path segment such as /ko_kr/ or /en_en/.

An entry whose docs list is empty is reported as a warning; with --strict
it is an error. Exit status is 1 when there are errors.
Prints counts per category and subcategory.
"""

from __future__ import annotations

import re
import sys
import tomllib
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ALLOWED_HOSTS = {"docs.aws.amazon.com", "aws.amazon.com"}
LOCALE_SEGMENT = re.compile(r"^[a-z]{2}[_-][a-z]{2}$", re.IGNORECASE)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VOCAB_LINE = re.compile(r"^#\s+([a-z-]+)/([a-z-]+)\s+\S")
REQUIRED = ("id", "name", "category", "subcategory", "ko", "en", "aliases", "docs")
KNOWN_FIELDS = set(REQUIRED) | {"parent", "numbers"}
NUMBER_FIELDS = {"what", "value", "unit", "note"}


def norm(s: str) -> str:
    """The key aliases are compared on: NFC, case-folded, no spaces/-/./_ ."""
    s = unicodedata.normalize("NFC", s).casefold()
    return re.sub(r"[\s\-._]+", "", s)


def vocabulary(text: str) -> set[tuple[str, str]]:
    vocab = set()
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break  # header comment ends at the first non-comment line
            continue
        m = VOCAB_LINE.match(line)
        if m:
            vocab.add((m.group(1), m.group(2)))
    return vocab


def check_url(url: str) -> str | None:
    if not isinstance(url, str):
        return "not a string"
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "not https"
    if parts.netloc not in ALLOWED_HOSTS:
        return f"host {parts.netloc!r} not allowed"
    if any(LOCALE_SEGMENT.match(seg) for seg in parts.path.split("/") if seg):
        return "has a locale path segment"
    if " " in url:
        return "contains a space"
    return None


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else Path(__file__).with_name("aws-services.toml")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        print(f"error: {path}: not valid TOML: {e}")
        return 1

    vocab = vocabulary(text)
    entries = data.get("service", [])
    errors: list[str] = []
    warnings: list[str] = []
    if not vocab:
        errors.append("no category vocabulary found in the header comment")
    if not entries:
        errors.append("no [[service]] entries")

    ids: dict[str, int] = {}
    owner: dict[str, str] = {}  # normalised alias -> id
    for i, e in enumerate(entries):
        where = f"entry {i + 1} ({e.get('id', '?')})"
        for f in REQUIRED:
            if f not in e:
                errors.append(f"{where}: missing {f}")
        for f in e:
            if f not in KNOWN_FIELDS:
                errors.append(f"{where}: unknown field {f!r}")
        sid = e.get("id")
        if not isinstance(sid, str) or not SLUG.match(sid):
            errors.append(f"{where}: id is not a slug")
            continue
        if sid in ids:
            errors.append(f"{where}: duplicate id (also entry {ids[sid] + 1})")
        ids[sid] = i
        for f in ("name", "ko", "en", "category", "subcategory"):
            v = e.get(f)
            if not isinstance(v, str) or not v.strip():
                errors.append(f"{where}: {f} must be a non-empty string")
        if isinstance(e.get("ko"), str) and not re.search(r"[\uac00-\ud7a3]", e["ko"]):
            errors.append(f"{where}: ko has no Hangul")
        if (e.get("category"), e.get("subcategory")) not in vocab:
            errors.append(f"{where}: {e.get('category')}/{e.get('subcategory')} not in the vocabulary")

        aliases = e.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            errors.append(f"{where}: aliases must be a list of non-empty strings")
            aliases = []
        names = {norm(sid)} | {norm(e["name"])} if isinstance(e.get("name"), str) else {norm(sid)}
        for key in names | {norm(a) for a in aliases}:
            prev = owner.get(key)
            if prev is not None and prev != sid:
                errors.append(f"{where}: alias/name {key!r} also belongs to {prev}")
            else:
                owner[key] = sid

        for n, num in enumerate(e.get("numbers", [])):
            if not isinstance(num, dict):
                errors.append(f"{where}: numbers[{n}] is not a table")
                continue
            extra = set(num) - NUMBER_FIELDS
            if extra:
                errors.append(f"{where}: numbers[{n}] has unknown keys {sorted(extra)}")
            for k in ("what", "value", "unit"):
                if not isinstance(num.get(k), str) or not num.get(k):
                    errors.append(f"{where}: numbers[{n}].{k} must be a non-empty string")
            if "note" in num and not isinstance(num["note"], str):
                errors.append(f"{where}: numbers[{n}].note must be a string")
            if isinstance(num.get("value"), str) and not re.fullmatch(r"[0-9][0-9.,]*(?:-[0-9][0-9.,]*)?", num["value"]):
                errors.append(f"{where}: numbers[{n}].value {num['value']!r} is not a number or range")

        docs = e.get("docs", [])
        if not isinstance(docs, list):
            errors.append(f"{where}: docs must be a list")
            docs = []
        if not docs:
            (errors if strict else warnings).append(f"{where}: docs is empty")
        for url in docs:
            problem = check_url(url)
            if problem:
                errors.append(f"{where}: docs URL {url!r}: {problem}")

    # parents exist and form no cycle
    by_id = {e["id"]: e for e in entries if isinstance(e.get("id"), str)}
    for sid, e in by_id.items():
        seen = {sid}
        p = e.get("parent")
        while p is not None:
            if p not in by_id:
                errors.append(f"{sid}: parent {p!r} does not exist")
                break
            if p in seen:
                errors.append(f"{sid}: parent chain has a cycle")
                break
            seen.add(p)
            p = by_id[p].get("parent")

    # report
    per_cat = Counter(e.get("category") for e in entries)
    per_sub: dict[str, Counter] = defaultdict(Counter)
    for e in entries:
        per_sub[e.get("category")][e.get("subcategory")] += 1
    print(f"{path}: {len(entries)} entries, {len(owner)} distinct names and aliases")
    for cat, n in sorted(per_cat.items(), key=lambda kv: (-kv[1], kv[0])):
        subs = ", ".join(f"{s} {c}" for s, c in sorted(per_sub[cat].items()))
        print(f"  {cat:<12} {n:>4}   ({subs})")
    with_numbers = sum(1 for e in entries if e.get("numbers"))
    with_docs = sum(1 for e in entries if e.get("docs"))
    unused = sorted(f"{c}/{s}" for c, s in vocab if per_sub[c][s] == 0)
    print(f"  entries with numbers: {with_numbers}; with docs: {with_docs}; without docs: {len(entries) - with_docs}")
    if unused:
        print(f"  vocabulary entries with no members: {', '.join(unused)}")
    for w in warnings[:20]:
        print(f"warning: {w}")
    if len(warnings) > 20:
        print(f"warning: ... and {len(warnings) - 20} more")
    for err in errors:
        print(f"error: {err}")
    print("FAIL" if errors else "OK")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
