"""The base of the tracker's model admins: change history pages that show old versions and restore none."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """
    History pages show old versions and never restore one: a revert would change statuses and
    published updates behind tracker/workflow.py's back (SIMPLE_HISTORY_REVERT_DISABLED hides the
    button; this refuses the POST too).
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("The history is a record: correct the present instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)
