"""GeoReport v2 under /open311/v2/ on every Pemda host and at the hub; the extension chooses the format.

`<fmt>` takes any word so that an unknown one gets the specification's 404 rather than Django's
page; a dot inside a path parameter stays with the parameter (`services/32.75.json` is code
`32.75`), since the converter's pattern backtracks to the last dot.
"""

from django.urls import path

from open311 import views

urlpatterns = [
    path("open311/v2/discovery.<str:fmt>", views.DiscoveryView.as_view(), name="open311-discovery"),
    path("open311/v2/services.<str:fmt>", views.ServiceListView.as_view(), name="open311-services"),
    path("open311/v2/services/<str:code>.<str:fmt>", views.ServiceDefinitionView.as_view(), name="open311-service"),
    path("open311/v2/requests.<str:fmt>", views.RequestsView.as_view(), name="open311-requests"),
    path("open311/v2/requests/<str:tracking_id>.<str:fmt>", views.RequestView.as_view(), name="open311-request"),
    path("open311/v2/tokens/<str:token>.<str:fmt>", views.TokenView.as_view(), name="open311-token"),
    path("open311/v2/servicerequestupdates.<str:fmt>", views.UpdatesView.as_view(), name="open311-updates"),
]
