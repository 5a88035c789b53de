"""Check a report's history against the hub's signed checkpoint, with Python and `cryptography` only.

Standalone (no Django, nothing else of this project), so anyone can run it:

    python3 historycheck.py ABCD-EFGHJ --pemda https://jakarta.lapor.go.id --hub https://lapor.go.id

`manage.py audit_verify_report` runs the same code. What it does:

1. takes the hub's public key from `<hub>/api/v1/audit/key/` (or `--hub-key`, to pin it);
2. reads the report's history from the Pemda (`<pemda>/api/v1/audit/reports/<id>/chain/`): its
   events with their chain position, time, action and the digest that commits to who acted and
   what was recorded (never those themselves);
3. takes the hub's latest checkpoint of that Pemda (`<hub>/api/v1/audit/checkpoints/<code>/`),
   checks the Ed25519 signature over its statement, and asks the Pemda for the chain segment up
   to the checkpoint's position: one entry digest per event in between, which says nothing about
   other reporters' events;
4. recomputes every link: each of the report's events from its own fields, each link from the
   previous hash and the entry digest, up to the position the hub signed, where the hash must be
   the signed one. A report's events also link to each other (each commits to the hash of the
   report's previous event), so none can be hidden among the others' digests.

Exit status 0 when every event up to the checkpoint is verified, 1 otherwise.
"""

from __future__ import annotations

import os
import sys

# Run as a script from its folder, that folder would come first on the import path, and its
# neighbours (this project's `selectors`, `signals`, `events`) would shadow the standard library's.
if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # the imports after the path fix above
import base64
import hashlib
import http.client
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

GENESIS = "0" * 64
STATEMENT_FORMAT = "lapor-checkpoint/1"
CHAIN_FORMAT = "lapor-audit/2"


def canonical(value: dict[str, Any]) -> str:
    """The exact text the hub signs: JSON, keys sorted, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def key_id_of(public_key_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:16]


def checkpoint_statement_verify(statement: str, signature_b64: str, public_key_b64: str) -> dict[str, Any]:
    """The statement's fields once its Ed25519 signature checks out; ValueError otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(signature_b64), statement.encode())
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise ValueError("the checkpoint's signature does not match the hub's key") from exc
    fields = json.loads(statement)
    if not isinstance(fields, dict) or fields.get("format") != STATEMENT_FORMAT:
        raise ValueError("not a checkpoint statement")
    return fields


def hub_keys(document: dict[str, Any]) -> dict[str, str]:
    """The hub's keys by key id, from its key document: the current one and those it signed with
    before (`retired`), so checkpoints signed before a rotation still check out."""
    keys = {str(document["key_id"]): str(document["public_key"])}
    for old in document.get("retired", []):
        keys[str(old["key_id"])] = str(old["public_key"])
    return keys


def checkpoints_verify(checkpoints: list[dict[str, Any]], keys: dict[str, str]) -> list[dict[str, Any]]:
    """Each checkpoint's statement, its signature checked with the hub key it names; ValueError
    when one does not check out (or names a key the hub does not publish)."""
    statements = []
    for one in checkpoints:
        key = keys.get(str(one.get("key_id", "")))
        if key is None:
            raise ValueError(f"checkpoint of {one.get('day')} signed with an unknown hub key {one.get('key_id')}")
        statements.append(checkpoint_statement_verify(one["statement"], one["signature"], key))
    return statements


def entry_digest(*, at_us: int, report_id: int | None, action: str, detail: str, report_prev: str) -> str:
    text = "|".join(
        (CHAIN_FORMAT, str(at_us), "" if report_id is None else str(report_id), action, detail, report_prev)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def link_hash(prev_hash: str, entry: str) -> str:
    return hashlib.sha256((prev_hash + entry).encode()).hexdigest()


@dataclass
class Outcome:
    ok: bool = True
    verified: list[int] = field(default_factory=list)  # the report's events proven up to the checkpoint
    after_checkpoint: list[int] = field(default_factory=list)  # newer than the checkpoint
    unverifiable: list[int] = field(default_factory=list)  # recorded before the checkable format
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


def chain_verify(
    chain: dict[str, Any], statement: dict[str, Any], earlier: list[dict[str, Any]] | None = None
) -> Outcome:
    """Recompute the report's events and the segment's links up to the signed checkpoint.

    `earlier`: other signed statements of the Pemda (signatures already checked); each whose
    position the segment passes must hold its hash there too, so a history forked between two
    checkpoints (rewritten, then grown past the old head) is found as well.
    """
    out = Outcome()
    if chain.get("format") != CHAIN_FORMAT:
        out.fail(f"unknown chain format {chain.get('format')!r}")
        return out
    if statement.get("pemda") != chain.get("pemda"):
        out.fail(f"the checkpoint is of Pemda {statement.get('pemda')}, the history of {chain.get('pemda')}")
        return out
    position = int(statement["position"])
    report_id = int(chain["report"])
    own: dict[int, tuple[str, dict[str, Any]]] = {}  # position -> (entry, event)
    report_prev = GENESIS
    last_position = 0
    for event in chain["events"]:
        pos = int(event["position"])
        if pos <= last_position:
            out.fail("the report's events are not in chain order")
            return out
        last_position = pos
        if event["format"] == 2:
            entry = entry_digest(
                at_us=int(event["at_us"]),
                report_id=report_id,
                action=str(event["action"]),
                detail=str(event["detail"]),
                report_prev=report_prev,
            )
            own[pos] = (entry, event)
            if pos > position:
                out.after_checkpoint.append(pos)
        else:
            out.unverifiable.append(pos)
        report_prev = str(event["hash"])
    segment = chain.get("segment")
    if not own or all(pos > position for pos in own):
        if segment:
            out.fail("a segment was served for a report with no checkable event")
        return out
    if not segment:
        out.fail("the Pemda served no chain segment")
        return out
    passed = {int(one["position"]): one for one in earlier or [] if one.get("pemda") == statement.get("pemda")}
    current = str(segment["start_prev_hash"])
    seen_own = set()
    previous = 0
    for pos, entry in segment["entries"]:
        pos = int(pos)
        if pos <= previous:
            out.fail("the segment is not in chain order")
            return out
        previous = pos
        if pos in own:
            expected, event = own[pos]
            if entry != expected:
                out.fail(f"event #{pos} ({event['action']}) does not match what the chain recorded")
                return out
            current = link_hash(current, expected)
            if current != event["hash"]:
                out.fail(f"event #{pos} ({event['action']}) is not linked where the Pemda says")
                return out
            seen_own.add(pos)
        else:
            current = link_hash(current, str(entry))
        signed = passed.get(pos)
        if signed is not None and signed["hash"] != current:
            out.fail(f"the chain at #{pos} does not hold the hash the hub signed on {signed['day']}")
            return out
    if previous != position:
        out.fail(f"the segment ends at #{previous}, the checkpoint is at #{position}")
        return out
    if current != statement["hash"]:
        out.fail(f"the chain at #{position} does not end in the hash the hub signed on {statement['day']}")
        return out
    missing = [pos for pos in own if pos <= position and pos not in seen_own]
    if missing:
        out.fail(f"event(s) {missing} are missing from the segment")
        return out
    out.verified = sorted(seen_own)
    return out


# --- fetching ------------------------------------------------------------------------------------------


def get_json(url: str, *, timeout: float = 30) -> Any:
    """GET a JSON document. Names under `localhost` reach the loopback address (RFC 6761), as a
    browser does, so `http://jakarta.localhost:8000/` works without an /etc/hosts entry."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    address = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(address, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers={"Host": parts.netloc, "Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise LookupError(f"{url} answered {response.status}: {body[:300].decode(errors='replace')}")
    return json.loads(body)


def verify_report(tracking_id: str, *, pemda_url: str, hub_url: str, hub_key: str = "", say: Any = print) -> Outcome:
    pemda_url, hub_url = pemda_url.rstrip("/"), hub_url.rstrip("/")
    if hub_key:
        keys = {key_id_of(hub_key): hub_key}
    else:
        keys = hub_keys(get_json(f"{hub_url}/api/v1/audit/key/"))
    say(f"hub key(s) {', '.join(keys)} (Ed25519)")
    base = f"{pemda_url}/api/v1/audit/reports/{quote(tracking_id)}/chain/"
    history = get_json(f"{base}?segmen=0")
    say(f"report {history['tracking_id']} at {history['name']} ({history['pemda']}): {len(history['events'])} event(s)")
    listing = get_json(f"{hub_url}/api/v1/audit/checkpoints/{quote(str(history['pemda']))}/")
    out = Outcome()
    if not listing["checkpoints"]:
        out.fail("the hub holds no checkpoint of this Pemda yet")
        return out
    try:  # newest first
        statements = checkpoints_verify(listing["checkpoints"], keys)
    except ValueError as exc:
        out.fail(str(exc))
        return out
    statement = statements[0]
    say(f"checkpoint of {statement['day']}: position #{statement['position']}, signature valid")
    chain = get_json(f"{base}?sampai={int(statement['position'])}")
    out = chain_verify(chain, statement, statements[1:])
    if chain.get("segment"):
        start = int(chain["segment"]["from"])
        crossed = [s for s in statements[1:] if start <= int(s["position"])]
        say(f"{len(crossed)} earlier checkpoint(s) inside the segment checked as well")
    for event in chain["events"]:
        pos = int(event["position"])
        mark = (
            "verified"
            if pos in out.verified
            else "after the checkpoint"
            if pos in out.after_checkpoint
            else "recorded before the checkable format"
            if pos in out.unverifiable
            else "NOT verified"
        )
        say(f"  #{pos} {event['at']} {event['action']}: {mark}")
    segment = chain.get("segment")
    if segment:
        say(f"segment #{segment['from']}..#{segment['to']}: {len(segment['entries'])} link(s)")
    for problem in out.problems:
        say(f"FAILED: {problem}")
    if out.ok and not out.verified:
        out.fail("none of the report's events is covered by a checkpoint yet (the next daily one will)")
        say(f"FAILED: {out.problems[-1]}")
    if out.ok:
        say(f"OK: {len(out.verified)} event(s) are in the history the hub signed on {statement['day']}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a LAPOR! report's history against the hub's checkpoint.")
    parser.add_argument("tracking_id")
    parser.add_argument("--pemda", required=True, help="the Pemda's site, e.g. https://jakarta.lapor.go.id")
    parser.add_argument("--hub", required=True, help="the national hub, e.g. https://lapor.go.id")
    parser.add_argument("--hub-key", default="", help="the hub's public key (base64), to pin it")
    args = parser.parse_args(argv)
    try:
        outcome = verify_report(args.tracking_id, pemda_url=args.pemda, hub_url=args.hub, hub_key=args.hub_key)
    except (LookupError, OSError, ValueError, KeyError) as exc:
        print(f"FAILED: {exc}")
        return 1
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
