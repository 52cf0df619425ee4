"""
The one FilterSet of commitments, used by the public list, its CSV download and the REST API.

Every filter is a URL parameter, so a filtered view can be shared as a link. Filters on owners and
deadlines use EXISTS subqueries: a commitment matches once, however many of its rows do.
"""

import html
import time

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import pagecache
from .choices import Axis, CommitmentKind, Nature, OwnerKind, Status
from .fields import current_language
from .models import Commitment, Deadline, Involvement, Milestone, Owner, Target


class QuickSelect(forms.Select):
    """
    A <select> whose options are written here rather than by a template each: the same elements,
    values, labels and attributes as Django's `Select`, for lists long enough (some 2,000 owners,
    250 countries) that rendering them one template at a time cost more than the rest of the page.
    Flat choices only (no <optgroup>).

    The options of a field may be written once and reused by this process for as long as `version()`
    gives the same value (None: written anew each time); the chosen value is marked on a copy.
    """

    # (version, until when, options) by (widget class, field name, language): a field name of the
    # FilterSet below stands for one list of choices (another form's field of the same name must not
    # use these widgets). One entry per field and language, replaced when the version moves, and after
    # MEMO_SECONDS in any case: like the page cache's lifetime, that bounds what a write that bypassed
    # the signals (and so the version) can leave.
    memo: dict = {}
    MEMO_SECONDS = 600

    def version(self):
        """Return the version of the choices the options are written from; None: not to be reused."""
        return None

    def render(self, name, value, attrs=None, renderer=None):
        options = self.options(name)
        # As Select does: the first option of each chosen value is marked.
        for chosen in self.format_value(value):
            option = f'<option value="{_escape(chosen)}">'
            if option in options:
                options = options.replace(option, f'<option value="{_escape(chosen)}" selected>', 1)
                if not self.allow_multiple_selected:
                    break
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, mark_safe(options))  # noqa: S308

    def options(self, name: str) -> str:
        """Return the <option> elements of the field `name`, escaped, none selected."""
        version = self.version()
        if version is None:
            return self.write_options()
        key, now = (type(self), name, current_language()), time.monotonic()
        kept = self.memo.get(key)
        if kept is None or kept[0] != version or kept[1] <= now:
            kept = self.memo[key] = (version, now + self.MEMO_SECONDS, self.write_options())
        return kept[2]

    def write_options(self) -> str:
        # html.escape is what Django's escape() calls; called directly, without the lazy-string
        # wrapper, for each of thousands of options.
        return "".join(
            f'<option value="{_escape(key)}">{_escape(label)}</option>' for key, label in self.choices
        )


def _escape(text) -> str:
    """Return `text` escaped for HTML, as conditional_escape() would (safe strings are left as they are)."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


class FixedSelect(QuickSelect):
    """A choice fixed in the code (TextChoices, django-countries' countries): only its language varies."""

    def version(self):
        return 0


class VersionedSelect(QuickSelect):
    """A choice of rows of the database (owners, milestones): written again for each data version."""

    def version(self):
        # The data version (tracker/pagecache.py) changes whenever public data changes, once the change
        # is committed: an owner or milestone added, renamed or given a role. It is read before the
        # rows, so options are never older than the version they are kept under. Not inside a
        # transaction: the request might read its own writes, not yet committed and so not yet a new
        # version. No version (the cache is down): no memo.
        return None if connection.in_atomic_block else pagecache.version()


class OwnerChoices(django_filters.fields.ModelChoiceIterator):
    """
    The owners to choose from, as (slug, name in the visitor's language) read as plain values:
    building an Owner for each of thousands of options was most of the list page's time.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # As Owner.display_name reads it: the English name in English when there is one, else the name.
        english = current_language() == "en"
        for slug, name, name_en in self.queryset.values_list("slug", "name", "name_en"):
            yield (slug, (name_en or name) if english else name)


@extend_schema_field(OpenApiTypes.STR)  # a slug in the URL
class ByDisplayName(django_filters.ModelChoiceFilter):
    """A choice of owners or milestones, each named in the visitor's language."""

    class field_class(django_filters.ModelChoiceFilter.field_class):
        widget = VersionedSelect

        def label_from_instance(self, obj):
            return getattr(obj, "display_name", None) or obj.name


class ByOwner(ByDisplayName):
    class field_class(ByDisplayName.field_class):
        iterator = OwnerChoices


# Dates travel in the URL as YYYY-MM-DD whatever the language, so a shared link means the same day in
# French and in English; browsers offer a date picker for them.
ISO_DATE = {"input_formats": ["%Y-%m-%d"], "widget": forms.DateInput(attrs={"type": "date"})}

ORDERINGS = {
    "title": _("Title"),
    "-announced": _("Most recently announced"),
    "announced": _("First announced"),
    "next_deadline": _("Next deadline"),
    "most_overdue": _("Most overdue"),
}


class CommitmentFilter(django_filters.FilterSet):
    # Every <select> is a QuickSelect, its options written once per process and language (FixedSelect)
    # or data version (VersionedSelect): Django's Select renders a template per option, which made
    # the form alone cost more than the 25 rows below it.
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=200)
    axis = django_filters.ChoiceFilter(
        choices=Axis.choices, widget=FixedSelect, label=_("Axis"), empty_label=_("All axes")
    )
    status = django_filters.ChoiceFilter(
        choices=Status.choices, widget=FixedSelect, label=_("Status"), empty_label=_("All statuses")
    )
    kind = django_filters.ChoiceFilter(
        choices=CommitmentKind.choices, widget=FixedSelect, label=_("Kind"), empty_label=_("All kinds")
    )
    # Promises apart from what the summit itself delivered (a report published, an event held).
    nature = django_filters.ChoiceFilter(
        choices=Nature.choices, widget=FixedSelect, label=_("Nature"), empty_label=_("All natures")
    )
    owner = ByOwner(
        # Owners with a role somewhere; EXISTS rather than a DISTINCT over the join of every role.
        queryset=Owner.objects.filter(Exists(Involvement.objects.filter(owner=OuterRef("pk")))),
        to_field_name="slug",
        method="filter_owner",
        label=_("Owner"),
        empty_label=_("All owners"),
    )
    owner_kind = django_filters.ChoiceFilter(
        choices=OwnerKind.choices,
        method="filter_owner_kind",
        widget=FixedSelect,
        label=_("Owner kind"),
        empty_label=_("All kinds"),
    )
    country = django_filters.ChoiceFilter(
        choices=lambda: list(countries),
        method="filter_country",
        widget=FixedSelect,
        label=_("Country"),
        empty_label=_("All countries"),
    )
    milestone = ByDisplayName(
        queryset=Milestone.objects.all(),
        to_field_name="slug",
        method="filter_milestone",
        label=_("Due at"),
        empty_label=_("Any milestone"),
    )
    # A choice rather than a boolean, so that "?overdue=maybe" is refused instead of ignored.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", _("Overdue")), ("false", _("Not overdue"))],
        method="filter_overdue",
        widget=FixedSelect,
        label=_("Overdue"),
        empty_label=_("Either"),
    )
    # Both bounds apply to the same deadline, so they are handled together in filter_queryset().
    due_after = django_filters.DateFilter(method="by_due_date", label=_("Due on or after"), **ISO_DATE)
    due_before = django_filters.DateFilter(method="by_due_date", label=_("Due on or before"), **ISO_DATE)
    ordering = django_filters.ChoiceFilter(
        choices=list(ORDERINGS.items()),
        method="order",
        widget=FixedSelect,
        label=_("Sort by"),
        empty_label=None,
    )

    class Meta:
        model = Commitment
        fields = [
            "q", "axis", "status", "kind", "nature", "owner", "owner_kind", "country", "milestone", "overdue",
        ]  # fmt: skip

    def search(self, queryset, name, value):
        for word in value.split():
            owners = Involvement.objects.filter(commitment=OuterRef("pk")).filter(
                Q(owner__name__icontains=word)
                | Q(owner__name_en__icontains=word)
                | Q(owner__short_name__iexact=word)
                | Q(owner__short_name_en__iexact=word)
            )
            queryset = queryset.filter(
                Q(title_fr__icontains=word)
                | Q(title_en__icontains=word)
                | Q(summary_fr__icontains=word)
                | Q(summary_en__icontains=word)
                | Q(slug__icontains=word)
                | Exists(owners)
            )
        return queryset

    def filter_owner(self, queryset, name, value):
        return queryset.filter(Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner=value)))

    def filter_owner_kind(self, queryset, name, value):
        return queryset.filter(
            Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner__kind=value))
        )

    def filter_country(self, queryset, name, value: str):
        return queryset.filter(
            Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner__country=value))
        )

    def filter_milestone(self, queryset, name, value):
        deadlines = Deadline.objects.filter(commitment=OuterRef("pk"), milestone=value)
        targets = Target.objects.filter(commitment=OuterRef("pk"), milestone=value)
        return queryset.filter(Exists(deadlines) | Exists(targets))

    def filter_overdue(self, queryset, name, value):
        # Read on the commitment's own row; exclude() also keeps those with no open deliverable at all
        # (a NULL first_open_due), which Django's negation of a nullable column takes care of.
        overdue = Commitment.objects.overdue_condition()
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)

    def by_due_date(self, queryset, name, value):
        return queryset

    def order(self, queryset, name, value):
        if value == "title":
            # The pk breaks ties between equal titles, so that pages neither repeat nor skip a row.
            return queryset.order_by(f"title_{current_language()}", "pk")
        if value == "announced":
            return queryset.order_by("announced_on", "pk")
        if value == "-announced":
            return queryset.order_by("-announced_on", "-pk")
        if value == "next_deadline":
            return queryset.with_next_deadline().order_by(F("next_due_on").asc(nulls_last=True), "pk")
        if value == "most_overdue":
            return queryset.with_overdue().order_by(F("overdue_since").asc(nulls_last=True), "pk")
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        after, before = self.form.cleaned_data.get("due_after"), self.form.cleaned_data.get("due_before")
        if after or before:
            deadlines = Deadline.objects.with_due_date().filter(commitment=OuterRef("pk"))
            if after:
                deadlines = deadlines.filter(due__gte=after)
            if before:
                deadlines = deadlines.filter(due__lte=before)
            queryset = queryset.filter(Exists(deadlines))
        if not self.form.cleaned_data.get("ordering"):
            queryset = self.order(queryset, "ordering", "title")
        return queryset
