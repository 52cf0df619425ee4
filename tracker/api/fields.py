"""
The API's own kinds of field, each declared once: dates at their precision, objects named by slug,
addresses on the site's own address, Markdown as the pages show it, a model's validation applied to a
write, and a serializer's reading planned once an answer.
"""

import copy
import re
from types import FunctionType, MethodType

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField, is_simple_callable
from rest_framework.relations import PKOnlyObject

from ..access import is_editor
from ..addresses import on_site
from ..dates import DatePrecision, iso_date, parse_fuzzy_date
from ..markup import render_markdown

REDUCED_DATE = re.compile(r"\d{4}(-\d{2})?")
# A slug as SlugField allows it: characters that reverse() leaves as they are.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class Planned:
    """
    A serializer's reading as DRF's `Serializer.to_representation` does it, field by declared field,
    with what DRF works out again for every object worked out once an answer: which fields are read,
    which read a plain attribute path (a field that reads its own way, `get_attribute` overridden, is
    asked as DRF asks it), and whether a method found on that path is one to call. For a page of the
    API's list, some 4,000 values, serializing fell from about 42.6 to 26.5 million instructions
    (docs/performance.md, "One read path"). The answer is the same; a value the fast path cannot
    read (a missing attribute, a dict) is read again through DRF's own `get_attribute`.
    """

    def get_fields(self):
        # The fields DRF builds from the model and the declarations, built once a class, then copied
        # for each serializer. DRF builds them again for every serializer, nested ones included, every
        # answer (about 15 of the API list's 109 million instructions); copying them as DRF copies
        # declared fields, by calling each one's constructor again, still cost 8 (docs/performance.md).
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        return {name: _unbound_copy(field) for name, field in cls._built_fields.items()}

    def to_representation(self, instance):
        try:
            plan = self._plan
        except AttributeError:
            plan = self._plan = [
                (
                    field.field_name,
                    field,
                    field.source_attrs if type(field).get_attribute is Field.get_attribute else None,
                )
                for field in self._readable_fields
            ]
        answer = {}
        for name, field, path in plan:
            if path is None:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            else:
                try:
                    value = instance
                    for attribute in path:
                        value = getattr(value, attribute)
                        if callable(value) and _to_call(value):
                            value = value()
                except Exception:  # as DRF decides: None, the default, skipped, or the error
                    try:
                        value = field.get_attribute(instance)
                    except SkipField:
                        continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                answer[name] = None
            else:
                answer[name] = field.to_representation(value)
        return answer


def _unbound_copy(field: Field) -> Field:
    """
    Return a copy of an unbound field that its serializer binds, sharing what DRF never changes once a
    field is built (its arguments, choices, messages, validators). What binding sets is the copy's own;
    a field's inner field (a list's `child`, a many relation's `child_relation`) is copied and hung
    from it, so that every field of an answer finds that answer's serializer, and context, as its root.
    """
    copied = copy.copy(field)
    for cached in ("fields", "_plan"):
        copied.__dict__.pop(cached, None)
    for name in ("child", "child_relation"):
        inner = field.__dict__.get(name)
        if isinstance(inner, Field):
            inner = _unbound_copy(inner)
            setattr(copied, name, inner)
            inner.parent = copied  # bound already, as its field's constructor binds it
    return copied


# Whether DRF calls a callable found on a field's path (a method without arguments), by function: DRF
# inspects the signature on every read.
_CALLED: dict = {}


def _to_call(value) -> bool:
    if not isinstance(value, FunctionType | MethodType):
        return is_simple_callable(value)
    function = getattr(value, "__func__", value)
    called = _CALLED.get(function)
    if called is None:
        called = _CALLED[function] = is_simple_callable(value)
    return called


class ModelValidated:
    """
    Validate a write as the model does (field rules, clean(), constraints), so that a bad combination
    answers 400 with the model's message instead of failing in the database.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        names = {field.name for field in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in names:
                setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return attrs


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
        "description": (
            "ISO 8601 at the precision beside it: 2025-02-11 (a day), 2025-11 (a month), 2026 (a year)."
        ),
    }
)
class DateAtPrecisionField(serializers.DateField):
    """
    A date written at the precision its sibling field states (`precision`): "2025-02-11", "2025-11"
    (ISO 8601 reduced precision) or "2026", never a day the sources do not give. Reads those forms too
    (a month or a year stands for its last day, as the models keep it).
    """

    def __init__(self, precision: str, **kwargs):
        self.precision = precision
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # The precision is read beside the date, on the object that holds it: at the end of a dotted
        # source ("next_deadline.due"), where no object on the way means no date.
        *path, name = self.source_attrs
        if path:
            holder = instance
            for attribute in path:
                holder = getattr(holder, attribute)
                if callable(holder) and _to_call(holder):
                    holder = holder()
                if holder is None:
                    return None
            value = getattr(holder, name)
        else:
            holder, value = instance, super().get_attribute(instance)
        return None if value is None else (value, getattr(holder, self.precision, DatePrecision.DAY))

    def to_representation(self, value):
        return iso_date(*value)

    def to_internal_value(self, data):
        if isinstance(data, str) and REDUCED_DATE.fullmatch(data.strip()):
            try:
                return parse_fuzzy_date(data)[0]
            except ValueError:  # "2025-13"
                self.fail("invalid", format="YYYY, YYYY-MM or YYYY-MM-DD")
        return super().to_internal_value(data)


class SlugReference(serializers.SlugRelatedField):
    """
    A related object written as its slug. What cannot be a slug (a NUL, which PostgreSQL refuses in a
    query) is not found, with the field's message, rather than looked up.
    """

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class ParentReference(SlugReference):
    """A commitment's parent by slug; a draft parent is named to editors alone (the public reads no draft)."""

    def to_representation(self, parent):
        request = self.context.get("request")
        if not parent.is_public and not (request and is_editor(request.user)):
            return None
        return super().to_representation(parent)


class AddressField(serializers.HyperlinkedIdentityField):
    """An object's address in the API, by slug, on SITE_URL rather than the request's host (addresses.py)."""

    def __init__(self, view_name: str):
        super().__init__(view_name=view_name, lookup_field="slug")

    def get_url(self, obj, view_name, request, format):
        return on_site(self.reverse(view_name, kwargs={"slug": obj.slug}, format=format))


class MarkdownAsHTML(serializers.CharField):
    """A Markdown text as the pages show it: HTML that nh3 has cleaned (tracker/markup.py)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, text):
        return render_markdown(text)


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "oneOf": [
                {
                    "type": "object",
                    "description": "A passage of a source document: its slug and its exact words.",
                    "properties": {"source": {"type": "string"}, "quote": {"type": "string"}},
                    "required": ["source", "quote"],
                },
                {
                    "type": "object",
                    "description": "A web page, with the day it was consulted.",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "consulted_on": {"type": "string", "format": "date"},
                    },
                    "required": ["url", "consulted_on"],
                },
            ]
        },
    }
)
class EvidenceField(serializers.ListField):
    """What an assessment rests on: `{source, quote}` for a passage, `{url, consulted_on}` for a page."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, evidence):
        return [
            {"source": item.passage.source.slug, "quote": item.passage.quote}
            if item.passage_id
            else {"url": item.url, "consulted_on": iso_date(item.consulted_on, DatePrecision.DAY)}
            for item in evidence.all()
        ]
