"""One DRF endpoint that validates the same report body as the real intake and inserts one row.

Same input fields and checks as complaints.apis.ReportSubmitInput (minus what needs a tenant:
the category is a plain code here), one INSERT of the same columns, no tenancy, audit,
idempotency, encryption, SLA clock or outbox.
"""

import re
import secrets

from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

_PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
_NIK_RE = re.compile(r"^[0-9]{16}$")
TYPES = ["pengaduan", "aspirasi", "informasi"]
PRIVACY = ["public", "anonim", "rahasia", "anonim_rahasia"]
CHANNELS = ["web", "mobile", "sms", "twitter", "email", "api"]


class BareInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES, default="pengaduan")
    category = serializers.SlugField(max_length=40)
    title = serializers.CharField(min_length=5, max_length=200)
    text = serializers.CharField(min_length=10, max_length=10000)
    privacy = serializers.ChoiceField(choices=PRIVACY, default="anonim_rahasia")
    channel = serializers.ChoiceField(choices=CHANNELS, default="web")
    reporter_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    reporter_phone = serializers.RegexField(_PHONE_RE, required=False, allow_blank=True, default="")
    reporter_email = serializers.EmailField(required=False, allow_blank=True, default="")
    reporter_nik = serializers.RegexField(_NIK_RE, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-11, max_value=6, required=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=94, max_value=142, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    kecamatan = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kelurahan = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class BareSubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = BareInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        tracking_id = secrets.token_hex(5).upper()
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bare_report (tracking_id, type, category, title, original_title, text, privacy, channel,"
                " reporter_name, reporter_phone, reporter_email, reporter_nik, latitude, longitude, address,"
                " kecamatan, kelurahan, status, submitted_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'submitted', %s)",
                [
                    tracking_id,
                    v["type"],
                    v["category"],
                    v["title"],
                    v["title"],
                    v["text"],
                    v["privacy"],
                    v["channel"],
                    v["reporter_name"],
                    v["reporter_phone"],
                    v["reporter_email"],
                    v["reporter_nik"],
                    v.get("latitude"),
                    v.get("longitude"),
                    v["address"],
                    v["kecamatan"],
                    v["kelurahan"],
                    now,
                ],
            )
        body = {"tracking_id": tracking_id, "status": "submitted", "submitted_at": now.isoformat()}
        return Response(body, status=status.HTTP_201_CREATED)


from tests.bench.bare.listing import bare_list  # noqa: E402 - the portal benchmark's floor

urlpatterns = [path("api/v1/reports/", BareSubmitApi.as_view()), path("list/", bare_list)]
