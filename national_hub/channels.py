"""The national number (SMS 1708) at the hub: a report without a place is asked where, and filed
with the Pemda of the answer; CEK and BALAS reach the report wherever it was filed.

The hub holds no reports: a report is filed with the kabupaten/kota named (its province when it
has not joined), through the same intake service, with a copy of the message kept in that Pemda's
schema so its notifications go back by SMS from the same number. The answer is matched against
the names of the 514 kabupaten/kota; a name that fits several ("Bekasi") is asked again with
the candidates. A report that starts with its place ("LAPOR Kota Bekasi: <teks>") is filed at
once, without the question.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from channels.doors import (
    MIN_TEXT,
    Answer,
    Inbound,
    filed_answer,
    not_yours,
    own_report,
    reply_here,
    report_file_here,
    status_answer,
)
from channels.identity import sender_hash
from channels.models import InboundMessage, Outcome
from citizens.services import citizen_channel_report_link
from lapor.crypto import encrypt
from national_hub.intake import responsible_pemda
from national_hub.models import HubFiling
from tenants.regions import Region, region_suggestions, regions_all

MAX_ASKS = 3
_PREFIX = re.compile(r"^(kota|kabupaten|kab\.?)\s+", re.IGNORECASE)
# "Kota Bekasi: jembatan retak", "Kab. Bogor - jalan rusak": a place, then ":", "," or a dash.
_LEADING_PLACE = re.compile(r"^\s*([^:,\n]{3,60}?)\s*(?::|,|\s[-\u2013]\s)\s*(.+)$", re.DOTALL)


def _bare(name: str) -> str:
    return _PREFIX.sub("", " ".join(name.lower().replace("administrasi ", "").split()))


def place_match(text: str) -> tuple[Region | None, list[Region]]:
    """The kabupaten/kota a citizen named, or None and the candidates to offer."""
    wanted = " ".join(text.lower().split()).strip(" .,!?")
    districts = [r for r in regions_all() if r.province_code is not None]
    exact = [r for r in districts if r.name.lower() == wanted]
    if len(exact) == 1:
        return exact[0], []
    bare = [r for r in districts if _bare(r.name) == _bare(wanted)]
    if len(bare) == 1:
        return bare[0], []
    if bare:
        return None, bare
    return None, [r for r in region_suggestions(text, limit=5) if r.province_code is not None][:3]


def leading_place(text: str) -> tuple[Region | None, str]:
    """The kabupaten/kota a report names before its text ("Kota Bekasi: …"), and the text after it;
    (None, text) unless the name fits exactly one."""
    found = _LEADING_PLACE.match(text)
    if found is None:
        return None, text
    region, _candidates = place_match(found.group(1))
    return (region, found.group(2).strip()) if region is not None else (None, text)


class HubDoor:
    def report(self, message: Inbound, text: str, pending: dict[str, Any]) -> Answer:
        if len(text.strip()) < MIN_TEXT:
            return Answer(_("Tulis isi laporan sesudah kata LAPOR, paling sedikit 10 huruf."), Outcome.HELP)
        region, rest = leading_place(text)
        if region is not None and len(rest) >= MIN_TEXT:
            return self._filed(message, region, rest)
        return Answer(
            _("Di kota/kabupaten mana? Balas dengan namanya, mis. Kota Bekasi."),
            Outcome.QUESTION,
            pending={"kind": "place", "text": text.strip(), "asked": 1, "language": (get_language() or "id")[:2]},
        )

    def other(self, message: Inbound, text: str, pending: dict[str, Any]) -> Answer | None:
        if pending.get("kind") != "place":
            return None
        region, candidates = place_match(text)
        if region is None:
            asked = int(pending.get("asked", 1)) + 1
            if asked > MAX_ASKS:
                return Answer(
                    _("Tempat itu belum kami kenali. Kirim lagi: LAPOR <isi laporan>, lalu nama kota/kabupatennya."),
                    Outcome.HELP,
                    pending={},
                )
            names = ", ".join(r.name for r in candidates)
            question = (
                _("Maksud Anda: %(names)s? Balas dengan nama lengkapnya.") % {"names": names}
                if candidates
                else _("Kota/kabupaten itu tidak kami kenali. Balas dengan namanya, mis. Kota Bekasi.")
            )
            return Answer(question, Outcome.QUESTION, pending={**pending, "asked": asked})
        return self._filed(message, region, str(pending.get("text", "")))

    def _filed(self, message: Inbound, region: Region, original: str) -> Answer:
        pemda = responsible_pemda(region_code=region.code)
        if pemda is None:
            return Answer(
                _("%(name)s belum tersambung ke LAPOR!. Laporan Anda belum dapat kami teruskan.")
                % {"name": region.name},
                Outcome.REFUSED,
                pending={},
            )
        with tenant_context(pemda):
            submission = report_file_here(message, original, location={"region_code": region.code})
            # The message as that Pemda's own record: its notifications go back by SMS from this number.
            InboundMessage.objects.create(
                provider=message.provider,
                provider_message_id=f"hub:{message.provider_message_id}"[:128],
                address=message.address,
                sender_hash=sender_hash(message.sender),
                sender=encrypt(message.sender),
                text=original,
                received_at=message.received_at,
                created_at=timezone.now(),
                outcome=Outcome.REPORT,
                report_id=submission.report.pk,
                tracking_id=submission.report.tracking_id,
            )
            if not message.public:  # a phone number: the report joins its citizen account's, if any
                citizen_channel_report_link(phone_hash=sender_hash(message.sender), report=submission.report)
            answer = filed_answer(submission, pemda_name=pemda.name, public=message.public)
        HubFiling.objects.create(
            tracking_id=submission.report.tracking_id, pemda=pemda, national=False, created_at=timezone.now()
        )
        return answer

    def check(self, message: Inbound, tracking_id: str | None, typed: str) -> Answer:
        filing = HubFiling.objects.select_related("pemda").filter(tracking_id=tracking_id or "").first()
        if filing is None:
            return not_yours(typed)
        with tenant_context(filing.pemda):
            report = own_report(message, tracking_id)
            return status_answer(report) if report is not None else not_yours(typed)

    def reply(self, message: Inbound, tracking_id: str | None, typed: str, text: str) -> Answer:
        filing = HubFiling.objects.select_related("pemda").filter(tracking_id=tracking_id or "").first()
        if filing is None:
            return not_yours(typed)
        with tenant_context(filing.pemda):
            report = own_report(message, tracking_id)
            return reply_here(report, text) if report is not None else not_yours(typed)


hub_door = HubDoor()
