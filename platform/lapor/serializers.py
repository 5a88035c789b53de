"""Input serializers on hot paths: fields built once per class instead of once per request.

DRF gives every serializer instance its own fields by deep-copying the declared ones, and a
field's deep copy re-runs its constructor (validators, choices, regexes). For the report intake
form that is two thirds of validating a request (`make bench-intake`, py-spy). DRF has no
switch for it, so this mixin keeps one unbound, fully built copy of each field per serializer
class and hands every instance a shallow copy of it: the copy gets its own binding (name,
parent) while the built parts that validation only reads (validators, choices, messages, which
stay lazy translations; DRF's once-formatted limit messages are made to translate again on
each use) are shared. A list field's child is bound to its list, so it gets a
copy of its own pointing at the new list; nested serializers keep DRF's deep copy.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.utils.text import format_lazy
from rest_framework import serializers
from rest_framework.utils.formatting import lazy_format


class SharedFieldsMixin:
    _built_fields: ClassVar[dict[type, dict[str, serializers.Field]]] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        built = self._built_fields.get(type(self))
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            for field in built.values():
                _translate_each_time(field)
                if isinstance(getattr(field, "child", None), serializers.Field):
                    _translate_each_time(field.child)
            self._built_fields[type(self)] = built
        return {name: _fresh(field) for name, field in built.items()}


def _translate_each_time(field: serializers.Field) -> None:
    """Build the field's validator list once, with messages that translate on every use.

    DRF words its length and range limits with `lazy_format`, which keeps the text of its first
    use: shared across requests, the first reporter's language would stay for everyone after.
    Django's `format_lazy` formats again, in the active language, each time.
    """
    for validator in field.validators:
        message = getattr(validator, "message", None)
        if isinstance(message, lazy_format) and message.result is None:
            fmt: Any = message.format_string
            validator.message = format_lazy(fmt, *message.args, **message.kwargs)  # type: ignore[union-attr]


def _fresh(field: serializers.Field) -> Any:
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    fresh: Any = object.__new__(type(field))  # a shallow copy, without copy.copy's generic machinery
    fresh.__dict__.update(field.__dict__)
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field):
        fresh.child = _fresh(child)
        fresh.child.parent = fresh
    return fresh
