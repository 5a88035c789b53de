"""The floor for the portal benchmark: a bare Django view rendering 20 rows of an unindexed copy
of the reports table, with a minimal template: what listing 20 rows costs with nothing else."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template

PAGE = Template(
    "<!doctype html><html lang=id><title>bare</title><ul>"
    "{% for r in rows %}<li><a href='/lacak/{{ r.0 }}/'>{{ r.1 }}</a> {{ r.2 }} {{ r.3|date:'j M Y' }}"
    "<p>{{ r.4|truncatechars:220 }}</p></li>{% endfor %}</ul>"
)


def bare_list(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tracking_id, title, status, submitted_at, text FROM bench_report_copy LIMIT 20")
        rows = cursor.fetchall()
    return HttpResponse(PAGE.render(Context({"rows": rows})))
