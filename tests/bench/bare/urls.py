"""One DRF endpoint that validates a report-shaped body and inserts one row."""

import secrets

from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class BareInput(serializers.Serializer):
    type = serializers.CharField(max_length=16, default="pengaduan")
    category = serializers.CharField(max_length=40)
    title = serializers.CharField(min_length=5, max_length=200)
    text = serializers.CharField(min_length=10, max_length=10000)
    privacy = serializers.CharField(max_length=16, default="anonim_rahasia")
    reporter_email = serializers.EmailField(required=False, default="")


class BareSubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = BareInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        tracking_id = secrets.token_hex(5).upper()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bare_report (tracking_id, type, category, title, text, privacy, reporter_email, "
                "submitted_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    tracking_id,
                    v["type"],
                    v["category"],
                    v["title"],
                    v["text"],
                    v["privacy"],
                    v["reporter_email"],
                    timezone.now(),
                ],
            )
        return Response({"tracking_id": tracking_id, "status": "submitted"}, status=status.HTTP_201_CREATED)


urlpatterns = [path("api/v1/reports/", BareSubmitApi.as_view())]
