"""
The workspaces' forms: a representative logs progress, an editor rejects an update or records a decision.

Forms only check and collect what was typed; tracker/workflow.py applies it, as it does for the admin
and the API.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..choices import Status
from ..dates import DatePrecision, today
from ..fields import current_language
from ..models import Commitment, Deadline, Decision, Evidence, ProgressUpdate
from ..versions import RefusesStaleSaves
from ..workflow import MAX_EVIDENCE_LINKS, report_problems
from .accounts import language_of


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date field reads ISO dates, whatever the page's language.
        return value.isoformat() if hasattr(value, "isoformat") else value


class UpdateForm(forms.ModelForm):
    """A progress report on one commitment, with a reading field per target of the commitment."""

    class Meta:
        model = ProgressUpdate
        fields = ["on_behalf_of", "reported_on", "status", "reason", "text", "marks_done"]
        widgets = {
            "reported_on": DateInput(),
            "text": forms.Textarea(attrs={"rows": 8}),
            "marks_done": forms.CheckboxSelectMultiple,
        }
        labels = {"status": _("Status it reports")}

    def __init__(self, *args, commitment: Commitment, owners, owner_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        self.fields["on_behalf_of"].queryset = owners
        # A representative always reports for one of its owners; an editor may write in its own name.
        self.fields["on_behalf_of"].required = owner_required
        if owner_required:
            self.fields["on_behalf_of"].empty_label = None
        self.fields["on_behalf_of"].label = _("Reporting for")
        self.fields["status"].choices = [("", _("Unchanged"))] + [
            (value, label) for value, label in Status.choices if value != Status.NOT_ASSESSED
        ]
        self.fields["reason"].help_text = _("Needed when the commitment is stalled or not achieved.")
        self.fields["reported_on"].initial = today()
        self.fields["reported_on"].help_text = _("The day the facts you report were true.")
        deadlines = commitment.deadlines.filter(is_done=False).select_related("milestone").order_by("pk")
        self.fields["marks_done"].queryset = deadlines
        self.fields["marks_done"].label_from_instance = Deadline.choice_label
        self.fields["marks_done"].help_text = _("Deliverables this update reports done.")
        self.targets = list(commitment.targets.order_by("pk"))
        for target in self.targets:
            unit = target.currency or target.unit
            self.fields[f"reading_{target.pk}"] = forms.DecimalField(
                label=target.name,
                required=False,
                max_digits=18,
                decimal_places=2,
                min_value=0,
                # Rendered as HTML by Django's field template: the unit is escaped here.
                help_text=format_html("{} ({})", _("New value on the report's date"), unit)
                if unit
                else _("New value on the report's date"),
            )

    def report_fields(self):
        return [self[name] for name in ("on_behalf_of", "reported_on", "status", "reason", "text")]

    def reading_fields(self):
        return [self[f"reading_{target.pk}"] for target in self.targets]

    def readings(self):
        """Return [(target, value)] for the readings filled in."""
        values = ((target, self.cleaned_data.get(f"reading_{target.pk}")) for target in self.targets)
        return [(target, value) for target, value in values if value is not None]

    def check_report(self, evidence: list[dict]) -> bool:
        """Add the objections of tracker/workflow.py to the form; return True when there are none."""
        data = self.cleaned_data
        problems = report_problems(
            self.commitment,
            status=data["status"],
            reason=data["reason"],
            reported_on=data["reported_on"],
            evidence=evidence,
            readings=self.readings(),
            done=data["marks_done"],
        )
        for field, message in problems.items():
            self.add_error(field if field in self.fields else None, message)
        return not problems


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["url", "title"]
        labels = {"url": _("Link"), "title": _("What it shows")}


class BaseEvidenceFormSet(forms.BaseModelFormSet):
    def links(self) -> list[dict]:
        """Return the links filled in, as {"url", "title"}."""
        return [
            {"url": form.cleaned_data["url"], "title": form.cleaned_data.get("title", "")}
            for form in self.forms
            if form.cleaned_data.get("url")
        ]


EvidenceFormSet = forms.modelformset_factory(
    Evidence,
    form=EvidenceForm,
    formset=BaseEvidenceFormSet,
    extra=3,
    max_num=MAX_EVIDENCE_LINKS,
    validate_max=True,
)


def evidence_formset(data=None) -> BaseEvidenceFormSet:
    return EvidenceFormSet(data, queryset=Evidence.objects.none(), prefix="evidence")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The representative reads it."),
    )


class DecisionForm(forms.ModelForm):
    """An editor's review decision on one commitment."""

    class Meta:
        model = Decision
        fields = [
            "kind", "deadline", "new_due", "new_precision", "new_status", "retracts", "reason",
            "evidence_url",
        ]  # fmt: skip
        widgets = {"new_due": DateInput(), "reason": forms.Textarea(attrs={"rows": 3})}
        labels = {"new_status": _("Corrected status"), "retracts": _("Update to retract")}
        help_texts = {"reason": _("Shown on the public page, except for follow-ups.")}

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, instance=Decision(commitment=commitment), **kwargs)
        self.fields["deadline"].queryset = commitment.deadlines.select_related("milestone").order_by("pk")
        self.fields["deadline"].label_from_instance = Deadline.choice_label
        self.fields["retracts"].queryset = commitment.updates.published().select_related("on_behalf_of")
        self.fields["retracts"].label_from_instance = ProgressUpdate.choice_label
        self.fields["new_precision"].initial = DatePrecision.DAY
        self.fields["new_precision"].required = False  # only an extension has a new date

    def clean_new_precision(self):
        return self.cleaned_data["new_precision"] or DatePrecision.DAY

    def decision(self) -> Decision:
        """Return the checked, unsaved decision, for tracker/workflow.py to record and apply."""
        # The language the editor writes in, so that the public page marks it for screen readers.
        self.instance.language = current_language()
        return self.instance


class PasswordResetForm(auth_forms.PasswordResetForm):
    """
    Django's reset form, also for accounts that have not chosen a password yet: an invited
    representative or a new editor whose first link expired asks for another one here.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # The link leads to the site as it is served (SITE_URL), and the mail is in the language the
        # account chose, else in the language it was asked for in.
        language = language_of(context["user"], default=translation.get_language())
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                {**context, "site": settings.SITE_URL},
                *args,
                **kwargs,
            )

    def get_users(self, email):
        User = get_user_model()
        email_field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return (user for user in users if getattr(user, email_field).casefold() == email.casefold())


class HoldForm(RefusesStaleSaves):
    """
    Put a commitment's reminders on hold until a date (empty: resume now), saying why; refused when
    another editor changed the hold since the page was opened.
    """

    versioned_fields = ["reminders_paused_until", "reminders_pause_reason"]

    class Meta:
        model = Commitment
        fields = ["reminders_paused_until", "reminders_pause_reason"]
        widgets = {"reminders_paused_until": DateInput()}

    def clean(self):
        data = super().clean()
        if data.get("reminders_paused_until") and not data.get("reminders_pause_reason"):
            self.add_error("reminders_pause_reason", _("Say why the reminders are on hold."))
        if not data.get("reminders_paused_until"):
            data["reminders_pause_reason"] = ""
        return data
