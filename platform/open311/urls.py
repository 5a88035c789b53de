"""GeoReport v2 under /open311/v2/ on every Pemda host and at the hub; the extension chooses the format."""

from django.urls import re_path

from open311 import views

_FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^open311/v2/discovery" + _FMT, views.DiscoveryView.as_view(), name="open311-discovery"),
    re_path(r"^open311/v2/services" + _FMT, views.ServiceListView.as_view(), name="open311-services"),
    re_path(
        r"^open311/v2/services/(?P<code>[^/.]{1,60})" + _FMT,
        views.ServiceDefinitionView.as_view(),
        name="open311-service",
    ),
    re_path(r"^open311/v2/requests" + _FMT, views.RequestsView.as_view(), name="open311-requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[^/.]{1,40})" + _FMT, views.RequestView.as_view(), name="open311-request"
    ),
    re_path(r"^open311/v2/tokens/(?P<token>[^/.]{1,80})" + _FMT, views.TokenView.as_view(), name="open311-token"),
    re_path(r"^open311/v2/servicerequestupdates" + _FMT, views.UpdatesView.as_view(), name="open311-updates"),
]
