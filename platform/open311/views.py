"""GeoReport v2 at `/open311/v2/…` on every Pemda host and at the hub (`jurisdiction_id` = a
Pemda's domain: the request is answered in that Pemda's schema, never across schemas).

Views parse and map; reads are open311.selectors, the one write is open311.services (which calls
the intake service every door uses). Every refusal is the specification's error body in the
format the URL asked for, with 400 (bad or missing input), 403 (api_key) or 404 (unknown
jurisdiction, service, request or token).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, Throttled
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from complaints.apis import ReportSubmitInput
from complaints.tracking import tracking_id_normalize
from lapor.parsers import FormParser, MultiPartParser
from lapor.throttles import INTAKE_THROTTLES
from open311 import selectors, services
from open311.formats import FORMATS, JSONRenderer, Open311Error, XMLRenderer, error_response, respond
from tenants.context import current_tenant, use_tenant
from tenants.hostcache import tenant_for_host
from tenants.models import Pemda, PemdaStatus

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's interface last changed (discovery's `changeset`).
CHANGESET = "2026-12-04T00:00:00Z"
# A form POST of GeoReport fields is a few kilobytes (description ≤ 4,000 characters).
MAX_POST_BYTES = 64 * 1024
MAX_IDS = selectors.MAX_REQUESTS
_SAFE = ("GET", "HEAD", "OPTIONS")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,40})\](\[\])?$")
_OFFSET_LOST = re.compile(r" (\d\d:?\d\d)$")  # "+07:00" whose "+" arrived as a space
# GeoReport field → the intake's (complaints.apis.ReportSubmitInput), to name errors as the client sent them.
_FIELD_NAMES = {
    "text": "description",
    "title": "attribute[judul]",
    "type": "attribute[jenis]",
    "privacy": "attribute[privasi]",
    "kecamatan": "attribute[kecamatan]",
    "kelurahan": "attribute[kelurahan]",
    "reporter_name": "first_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "region_code": "address_id",
    "category": "service_code",
}
TITLE_CHARS = 80


class _FirstRenderer(BaseContentNegotiation):
    """The URL's extension chooses the format, never the Accept header (a browser's must not 406)."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        wanted = (getattr(request, "parser_context", None) or {}).get("kwargs", {}).get("fmt")
        chosen = next((r for r in renderers if r.format == wanted), renderers[0])
        return chosen, chosen.media_type

    def select_parser(self, request: Any, parsers: Any) -> Any:
        for parser in parsers:
            if request.content_type.startswith(parser.media_type):
                return parser
        return None


FMT = OpenApiParameter(
    "fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="xml (wajib menurut spesifikasi) atau json"
)
JURISDICTION = OpenApiParameter(
    "jurisdiction_id",
    str,
    description="Domain Pemda (mis. jakarta.localhost). Wajib di hub; di host Pemda boleh kosong.",
)


# The specification's error body is a list of {code, description}; drf-spectacular documents a
# list serializer as one object for error codes, so the list is written as a raw schema.
ERROR_LIST: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
ERRORS = {
    400: OpenApiResponse(ERROR_LIST, description="Masukan salah atau kurang (<errors><error>…)."),
    404: OpenApiResponse(ERROR_LIST, description="jurisdiction_id, layanan, laporan atau token tidak dikenal."),
}


class Open311View(APIView):
    """Format from the URL, the Pemda from the host or (at the hub) from jurisdiction_id, errors as the spec's."""

    error_output = ERROR_LIST  # lapor.schema documents every further error code in this shape

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []
    renderer_classes = [XMLRenderer, JSONRenderer]
    parser_classes = [FormParser, MultiPartParser]
    content_negotiation_class = _FirstRenderer
    # Discovery describes the endpoint, not one Pemda: it needs no jurisdiction.
    needs_jurisdiction = True

    fmt = "xml"
    pemda: Pemda
    _hub: Pemda | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.fmt = kwargs.get("fmt", "xml")
        self._hub = None
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._hub is not None:
                use_tenant(self._hub)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.fmt not in FORMATS:
            raise Open311Error(404, _("Format %(fmt)s tidak tersedia; pakai xml atau json.") % {"fmt": self.fmt[:10]})
        if request.method == "POST":
            length = request.META.get("CONTENT_LENGTH") or "0"
            if not length.isdigit() or int(length) > MAX_POST_BYTES:
                raise Open311Error(
                    400, _("Permintaan terlalu besar (paling banyak %(n)s bait).") % {"n": MAX_POST_BYTES}
                )
        self._choose_pemda(request)

    def params(self) -> QueryDict:
        django_request: HttpRequest = self.request._request  # type: ignore[attr-defined]
        return django_request.POST if django_request.method == "POST" else django_request.GET

    def param(self, name: str) -> str:
        value = self.params().get(name) or self.request.query_params.get(name) or ""  # type: ignore[attr-defined]
        if "\x00" in value:
            raise Open311Error(400, _("%(name)s berisi karakter yang tidak sah.") % {"name": name})
        return value.strip()

    def _choose_pemda(self, request: Request) -> None:
        here = current_tenant()
        jurisdiction = self.param("jurisdiction_id").lower()
        if here.is_hub:
            if not self.needs_jurisdiction and not jurisdiction:
                return
            if not jurisdiction:
                raise Open311Error(
                    400, _("jurisdiction_id wajib di hub: isi domain Pemda yang dituju, mis. jakarta.localhost.")
                )
            pemda = tenant_for_host(jurisdiction[:253])
            if pemda is None or pemda.is_hub or pemda.status == PemdaStatus.PROVISIONING:
                raise Open311Error(404, _("jurisdiction_id %(j)s tidak dikenal.") % {"j": jurisdiction[:253]})
            if pemda.status == PemdaStatus.ARCHIVED and request.method not in _SAFE:
                raise Open311Error(403, _("Pemda ini sudah diarsipkan; laporan baru tidak diterima."))
            self._hub = here
            use_tenant(pemda)
            self.pemda = pemda
            self.host = jurisdiction
            return
        self.pemda = here
        self.host = request.get_host().split(":")[0].lower()
        if jurisdiction and jurisdiction != self.host:
            other = tenant_for_host(jurisdiction[:253])
            if other is None or other.pk != here.pk:
                raise Open311Error(
                    404, _("jurisdiction_id %(j)s tidak dilayani di host ini.") % {"j": jurisdiction[:253]}
                )

    def site_root(self) -> str:
        port = self.request.get_port()
        return f"{self.request.scheme}://{self.host}{'' if port in ('80', '443') else ':' + port}"

    def handle_exception(self, exc: Exception) -> HttpResponse:  # type: ignore[override]
        if isinstance(exc, Open311Error):
            error = exc
        elif isinstance(exc, SuspiciousOperation):
            # Django's own limits on a request body (size, number of fields).
            error = Open311Error(400, _("Permintaan tidak dapat dibaca atau terlalu besar."))
        elif isinstance(exc, APIException):
            error = Open311Error(exc.status_code, str(exc.detail))
        elif isinstance(exc, Http404):
            error = Open311Error(404, _("Tidak ditemukan."))
        else:
            raise exc
        response = error_response(self.fmt, error)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(max(1, int(getattr(exc, "wait", None) or 1)))
        if exc.__class__.__name__ == "MethodNotAllowed":
            response["Allow"] = ", ".join(self.allowed_methods)
        return response

    def answer(self, root: str, body: Any, *, item: str | None = None, status: int = 200) -> HttpResponse:
        return respond(self.fmt, root, body, item=item, status=status)


# --- discovery and services ------------------------------------------------------------------------


class DiscoveryOutput(serializers.Serializer):
    class EndpointOutput(serializers.Serializer):
        specification = serializers.CharField()
        url = serializers.CharField()
        changeset = serializers.CharField()
        type = serializers.CharField()
        formats = serializers.ListField(child=serializers.CharField())

    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = EndpointOutput(many=True)


class DiscoveryView(Open311View):
    needs_jurisdiction = False

    @extend_schema(
        operation_id="open311_discovery",
        tags=["open311"],
        parameters=[FMT],
        responses={200: DiscoveryOutput},
        summary="Open311 Service Discovery",
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        hub = current_tenant().is_hub
        root = f"{request.scheme}://{request.get_host()}"
        where = _("hub nasional LAPOR!") if hub else current_tenant().name
        body = {
            "changeset": CHANGESET,
            "contact": _("LAPOR! %(where)s: %(root)s/ (Bahasa Indonesia; jurisdiction_id = domain Pemda)")
            % {"where": where, "root": root},
            "key_service": _(
                "Kunci API (api_key) untuk POST requests diberikan admin Pemda di konsol: "
                "https://<domain Pemda>/konsol/admin/open311/."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{root}/open311/v2",
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return self.answer("discovery", body)


class ServiceOutput(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField()


class ServiceListView(Open311View):
    @extend_schema(
        operation_id="open311_services",
        tags=["open311"],
        parameters=[FMT, JURISDICTION],
        responses={200: ServiceOutput(many=True), **ERRORS},
        summary="GET Service List: the Pemda's categories",
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        rows = [selectors.service_row(c) for c in selectors.services_list()]
        return self.answer("services", rows, item="service")


class AttributeOutput(serializers.Serializer):
    class ValueOutput(serializers.Serializer):
        key = serializers.CharField()
        name = serializers.CharField()

    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like Field.required
    datatype_description = serializers.CharField(allow_null=True)
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = ValueOutput(many=True, required=False)


class ServiceDefinitionOutput(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = AttributeOutput(many=True)


class ServiceDefinitionView(Open311View):
    @extend_schema(
        operation_id="open311_service_definition",
        tags=["open311"],
        parameters=[FMT, JURISDICTION],
        responses={200: ServiceDefinitionOutput, **ERRORS},
        summary="GET Service Definition: the intake's questions beyond GeoReport's fields",
    )
    def get(self, request: Request, code: str, fmt: str) -> HttpResponse:
        category = selectors.service_by_code(code)
        if category is None:
            raise Open311Error(404, _("service_code %(c)s tidak dikenal.") % {"c": code[:40]})
        body = {"service_code": category.code, "attributes": [a.row() for a in selectors.attributes()]}
        return self.answer("service_definition", body)


# --- service requests ------------------------------------------------------------------------------


class RequestOutput(serializers.Serializer):
    service_request_id = serializers.CharField(help_text="Nomor pelacakan LAPOR!")
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_null=True, help_text="Tindak lanjut petugas yang terakhir")
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField(allow_null=True)
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    address_id = serializers.CharField(allow_null=True, help_text="Kode wilayah Kemendagri")
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.URLField(allow_null=True)


class PostInput(serializers.Serializer):
    api_key = serializers.CharField()
    jurisdiction_id = serializers.CharField(required=False)
    service_code = serializers.CharField()
    lat = serializers.FloatField(required=False)
    long = serializers.FloatField(required=False)
    address_string = serializers.CharField(required=False)
    address_id = serializers.CharField(required=False, help_text="Kode wilayah Kemendagri")
    email = serializers.EmailField(required=False)
    device_id = serializers.CharField(required=False)
    account_id = serializers.CharField(required=False)
    first_name = serializers.CharField(required=False)
    last_name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    description = serializers.CharField(max_length=4000)
    media_url = serializers.URLField(required=False, help_text="Diabaikan: hanya berkas yang diperiksa yang disimpan")
    attribute = serializers.DictField(
        required=False, help_text="attribute[judul], attribute[jenis], attribute[privasi], attribute[kecamatan] …"
    )


class PostOutput(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


class RequestsView(Open311View):
    def get_throttles(self) -> list[Any]:
        # POST files a report: the same per-address (and per-phone) limits as every anonymous door.
        return [throttle() for throttle in INTAKE_THROTTLES] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="open311_requests",
        tags=["open311"],
        parameters=[
            FMT,
            JURISDICTION,
            OpenApiParameter("service_request_id", str, description="Nomor pelacakan, dipisah koma; abaikan yang lain"),
            OpenApiParameter("service_code", str, description="Dipisah koma"),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME, description="W3C; bawaan 90 hari terakhir"),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME, description="W3C; rentang paling lama 90 hari"),
            OpenApiParameter("status", str, description="open, closed (dipisah koma)"),
        ],
        responses={200: RequestOutput(many=True), **ERRORS},
        summary="GET Service Requests: reports public monitoring shows (newest first, at most 1000)",
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        raw_ids = self.param("service_request_id")
        if raw_ids:
            picked = selectors.requests_by_tracking_ids(_tracking_ids(raw_ids))
        else:
            statuses = _statuses(self.param("status"))
            categories = None
            codes = _split(self.param("service_code"))
            if codes:
                categories = []
                for code in codes:
                    category = selectors.service_by_code(code)
                    if category is None:
                        raise Open311Error(404, _("service_code %(c)s tidak dikenal.") % {"c": code[:40]})
                    categories.append(category.pk)
            start, end = _date_range(self.param("start_date"), self.param("end_date"), selectors.pemda_zone())
            picked = selectors.requests_page(
                categories=categories, statuses=statuses, start=start, end=end, limit=selectors.MAX_REQUESTS
            )
        rows = selectors.request_rows(picked, site_root=self.site_root())
        return self.answer("service_requests", rows, item="request")

    @extend_schema(
        operation_id="open311_request_create",
        tags=["open311"],
        parameters=[FMT],
        request={"application/x-www-form-urlencoded": PostInput},
        responses={
            200: PostOutput(many=True),
            **ERRORS,
            403: OpenApiResponse(ERROR_LIST, description="api_key tidak ada, salah, atau dicabut."),
        },
        summary="POST Service Request: files a report through the intake (api_key required)",
    )
    def post(self, request: Request, fmt: str) -> HttpResponse:
        form = self.params()
        client = services.apiclient_for_key(self.param("api_key"))
        if client is None:
            raise Open311Error(403, _("api_key tidak ada, salah, atau sudah dicabut; laporan tidak dibuat."))
        code = self.param("service_code")
        if not code:
            raise Open311Error(400, _("service_code wajib diisi."))
        category = selectors.service_by_code(code)
        if category is None:
            raise Open311Error(404, _("service_code %(c)s tidak dikenal.") % {"c": code[:40]})
        values = _intake_values(form)
        filed = services.service_request_file(
            client=client,
            request_hash=services.request_digest({k: form.getlist(k) for k in form}),
            category=category,
            values=values,
            language=(get_language() or "id")[:2],
        )
        notice = _(
            "Laporan diterima dengan nomor %(tid)s dan diverifikasi paling lambat %(due)s; "
            "laporan yang tidak rahasia dapat dipantau di %(root)s/pantau/."
        ) % {
            "tid": filed.tracking_id,
            "due": selectors.w3(filed.verify_due_at, selectors.pemda_zone()),
            "root": self.site_root(),
        }
        body = [{"service_request_id": filed.tracking_id, "service_notice": notice, "account_id": None}]
        response = self.answer("service_requests", body, item="request")
        if filed.replayed:
            response["X-Open311-Replayed"] = "true"
        return response


class RequestView(Open311View):
    @extend_schema(
        operation_id="open311_request",
        tags=["open311"],
        parameters=[FMT, JURISDICTION],
        responses={200: RequestOutput(many=True), **ERRORS},
        summary="GET Service Request by its tracking ID",
    )
    def get(self, request: Request, tracking_id: str, fmt: str) -> HttpResponse:
        normalized = tracking_id_normalize(tracking_id[:20])
        picked = selectors.requests_by_tracking_ids([normalized] if normalized else [])
        rows = selectors.request_rows(picked, site_root=self.site_root())
        if not rows:
            raise Open311Error(404, _("service_request_id %(id)s tidak ditemukan.") % {"id": tracking_id[:20]})
        return self.answer("service_requests", rows, item="request")


class TokenView(Open311View):
    """Every service is `realtime`: a POST answers with the service_request_id at once and never
    hands out a token, so no token exists to look up (the specification's 404)."""

    @extend_schema(
        operation_id="open311_token",
        tags=["open311"],
        parameters=[FMT, JURISDICTION],
        responses={404: ERRORS[404], 400: ERRORS[400]},
        summary="GET service_request_id from a token (none are issued: every service is realtime)",
    )
    def get(self, request: Request, token: str, fmt: str) -> HttpResponse:
        raise Open311Error(
            404,
            _("Token %(t)s tidak dikenal: semua layanan realtime, POST langsung memberi service_request_id.")
            % {"t": token[:40]},
        )


class UpdateOutput(serializers.Serializer):
    update_id = serializers.CharField()
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    updated_datetime = serializers.DateTimeField()
    description = serializers.CharField()
    media_url = serializers.URLField(allow_null=True)


class UpdatesView(Open311View):
    @extend_schema(
        operation_id="open311_request_updates",
        tags=["open311"],
        parameters=[
            FMT,
            JURISDICTION,
            OpenApiParameter("start_date", OpenApiTypes.DATETIME, description="W3C; bawaan 90 hari terakhir"),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME, description="W3C; rentang paling lama 90 hari"),
        ],
        responses={200: UpdateOutput(many=True), **ERRORS},
        summary="servicerequestupdates (FixMyStreet's extension): officers' follow-ups since a date, oldest first",
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        start, end = _date_range(self.param("start_date"), self.param("end_date"), selectors.pemda_zone())
        rows = selectors.request_updates(start=start, end=end, limit=selectors.MAX_REQUESTS)
        return self.answer("service_requests_updates", rows, item="request_update")


# --- parsing -----------------------------------------------------------------------------------------


def _split(raw: str) -> list[str]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_IDS:
        raise Open311Error(400, _("Paling banyak %(n)s nilai dipisah koma.") % {"n": MAX_IDS})
    return list(dict.fromkeys(parts))


def _tracking_ids(raw: str) -> list[str]:
    ids = []
    for typed in _split(raw):
        normalized = tracking_id_normalize(typed[:20])
        if normalized is None:
            raise Open311Error(400, _("service_request_id %(id)s bukan nomor pelacakan.") % {"id": typed[:20]})
        ids.append(normalized)
    return ids


def _statuses(raw: str) -> list[str]:
    wanted = _split(raw.lower()) or ["open", "closed"]
    unknown = [w for w in wanted if w not in ("open", "closed")]
    if unknown:
        raise Open311Error(400, _("status hanya open atau closed, bukan %(s)s.") % {"s": unknown[0][:20]})
    statuses: list[str] = []
    if "open" in wanted:
        statuses += selectors.OPEN_STATUSES
    if "closed" in wanted:
        statuses += selectors.CLOSED_STATUSES
    return statuses


def _moment(name: str, raw: str, zone: ZoneInfo) -> datetime | None:
    if not raw:
        return None
    raw = _OFFSET_LOST.sub(r"+\1", raw[:40])
    try:
        moment = parse_datetime(raw)
        day = None if moment is not None else parse_date(raw)
    except ValueError:
        moment, day = None, None
    if moment is None and day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise Open311Error(
            400, _("%(name)s bukan tanggal-waktu W3C (mis. 2026-12-01T00:00:00+07:00).") % {"name": name}
        )
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _date_range(raw_start: str, raw_end: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end] as the specification says: at most 90 days, the most recent 90 by default."""
    span = timedelta(days=selectors.MAX_DAYS)
    given_start, given_end = _moment("start_date", raw_start, zone), _moment("end_date", raw_end, zone)
    if given_start is not None:
        start = given_start
        end = given_end if given_end is not None else start + span
    else:
        end = given_end if given_end is not None else timezone.now()
        start = end - span
    if end < start:
        raise Open311Error(400, _("end_date lebih awal dari start_date."))
    if end - start > span:
        raise Open311Error(
            400, _("Rentang start_date sampai end_date paling lama %(n)s hari.") % {"n": selectors.MAX_DAYS}
        )
    return start, end


def _title_from(description: str) -> str:
    line = " ".join(description.split("\n", 1)[0].split())
    if len(line) < 5:
        line = " ".join(description.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _intake_values(form: QueryDict) -> dict[str, Any]:
    """The POST's fields as the JSON API's intake input, validated by the same serializer."""
    attributes: dict[str, str] = {}
    known = {a.code for a in selectors.attributes()}
    for key in form:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code, values = match.group(1), form.getlist(key)
        if code not in known:
            raise Open311Error(400, _("attribute[%(c)s] tidak dikenal untuk layanan ini.") % {"c": code})
        if len(values) != 1:
            raise Open311Error(400, _("attribute[%(c)s] hanya menerima satu nilai.") % {"c": code})
        attributes[code] = values[0].strip()
    for key in form:
        if any("\x00" in v for v in form.getlist(key)):
            raise Open311Error(400, _("%(name)s berisi karakter yang tidak sah.") % {"name": key[:40]})

    def field(name: str) -> str:
        return (form.get(name) or "").strip()

    lat, long = field("lat"), field("long")
    if bool(lat) != bool(long):
        raise Open311Error(400, _("lat dan long harus dikirim bersama."))
    if not (lat or field("address_string") or field("address_id")):
        raise Open311Error(400, _("Lokasi wajib: lat dan long, atau address_string, atau address_id."))
    description = form.get("description") or ""
    if len(description) > selectors.DESCRIPTION_CHARS:
        raise Open311Error(400, _("description paling panjang 4.000 karakter."))
    data: dict[str, Any] = {
        "type": attributes.get("jenis") or "pengaduan",
        "category": field("service_code"),
        "title": attributes.get("judul") or _title_from(description),
        "text": description.strip(),
        "reporter_name": " ".join(p for p in (field("first_name"), field("last_name")) if p),
        "reporter_phone": re.sub(r"[\s().-]", "", field("phone")),
        "reporter_email": field("email"),
        "address": field("address_string"),
        "kecamatan": attributes.get("kecamatan", ""),
        "kelurahan": attributes.get("kelurahan", ""),
        "region_code": field("address_id"),
    }
    if attributes.get("privasi"):
        data["privacy"] = attributes["privasi"]
    if lat:
        data["latitude"], data["longitude"] = lat, long
    checked = ReportSubmitInput(data=data)
    if not checked.is_valid():
        messages = []
        for name, problems in checked.errors.items():
            label = _FIELD_NAMES.get(name, name)
            for problem in problems if isinstance(problems, list) else [problems]:
                messages.append(f"{label}: {problem}")
        raise Open311Error(400, *messages)
    return dict(checked.validated_data)
