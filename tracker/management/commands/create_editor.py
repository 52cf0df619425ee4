from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from tracker.addresses import on_site
from tracker.choices import Language
from tracker.models import EDITORS_GROUP
from tracker.workspace.accounts import password_link, set_language, site_language


class Command(BaseCommand):
    help = (
        "Create a staff account in the Editors group and print, once, a link to choose its password. "
        "The link works once and expires after PASSWORD_RESET_TIMEOUT (three days). Links lead to "
        "SITE_URL, the address the site is served at."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--username", help="Defaults to the e-mail address.")
        parser.add_argument(
            "--language",
            choices=Language.values,
            default=site_language(),
            help="The editor's language: of the password page and of the mail the tracker sends them "
            "(default: %(default)s).",
        )

    @transaction.atomic
    def handle(self, *args, email, username=None, language, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not an e-mail address.") from error
        User = get_user_model()
        username = username or email
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"An account named {username!r} already exists; reset its password in the admin."
            )
        group = Group.objects.filter(name=EDITORS_GROUP).first()
        if group is None:
            raise CommandError(
                "The Editors group is missing: the database is not migrated (`make run` does it)."
            )
        # No password until the editor chooses one: nothing secret is printed that outlives its first use.
        user = User.objects.create_user(username=username, email=email, password=None, is_staff=True)
        user.groups.add(group)
        set_language(user, language)
        days = settings.PASSWORD_RESET_TIMEOUT // 86400
        link = password_link(user, language)
        self.stdout.write(
            f"Editor account {username!r} created. Open this link to choose its password; it works once "
            f"and expires in {days} days:\n\n    {link}\n"
        )
        self.stdout.write(f"Then sign in at {on_site('/admin/')}")
