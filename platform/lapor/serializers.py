"""Input serializers on hot paths: fields built once per class instead of once per request.

DRF gives every serializer instance its own fields by deep-copying the declared ones, and a
field's deep copy re-runs its constructor (validators, choices, regexes). For the report intake
form that is two thirds of validating a request (`make bench-intake`, py-spy). DRF has no
switch for it, so this mixin keeps one unbound, fully built copy of each field per serializer
class and hands every instance a shallow copy of it: the copy gets its own binding (name,
parent) while the built parts that validation only reads (validators, choices, messages, which
stay lazy translations) are shared. A list field's child is bound to its list, so it gets a
copy of its own pointing at the new list; nested serializers keep DRF's deep copy.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from rest_framework import serializers


class SharedFieldsMixin:
    _built_fields: ClassVar[dict[type, dict[str, serializers.Field]]] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        built = self._built_fields.get(type(self))
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            for field in built.values():
                field.validators  # noqa: B018 - build the lazily made validator list once, here
                if isinstance(getattr(field, "child", None), serializers.Field):
                    field.child.validators  # noqa: B018
            self._built_fields[type(self)] = built
        return {name: _fresh(field) for name, field in built.items()}


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
