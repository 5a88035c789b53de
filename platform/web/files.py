"""Attachments, served through an authorised view (never a bare storage path).

An officer who may see the report opens its files; the reporter opens them with their key; the
public opens those of reports it may read (not rahasia). Files are sent as stored (images were
re-encoded and PDFs checked at intake) with headers that keep a browser from running them.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET
from rest_framework.exceptions import NotFound

from complaints.access import Action, access_report, access_report_as_reporter
from complaints.models import Attachment, Privacy
from lapor.errors import AccessDenied
from web.console import _caller


@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    found = Attachment.objects.select_related("report").filter(pk=attachment_id).first()
    if found is None or not _may_open(request, found):
        raise Http404
    response = FileResponse(default_storage.open(str(found.file.name), "rb"), content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response


def _may_open(request: HttpRequest, found: Attachment) -> bool:
    report = found.report
    caller = _caller(request)
    if caller is not None:
        try:
            access_report(caller=caller, report_id=report.pk, action=Action.VIEW)
            return True
        except (NotFound, AccessDenied):
            pass
    token = request.GET.get("kunci", "")
    if token:
        try:
            access_report_as_reporter(tracking_id=report.tracking_id, token=token)
            return True
        except (NotFound, AccessDenied):
            return False
    return not Privacy.is_confidential(report.privacy)
