import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

EDITORS = "Editors"


class Command(BaseCommand):
    help = "Create a staff account in the Editors group and print its one-time password once."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--username", help="Defaults to the e-mail address.")

    @transaction.atomic
    def handle(self, *args, email, username=None, **options):
        try:
            validate_email(email)
        except Exception as error:
            raise CommandError(f"{email!r} is not an e-mail address.") from error
        User = get_user_model()
        username = username or email
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"An account named {username!r} already exists; reset its password in the admin."
            )
        group = Group.objects.filter(name=EDITORS).first()
        if group is None:
            raise CommandError("The Editors group is missing: run `manage.py migrate` first.")
        password = secrets.token_urlsafe(18)
        user = User.objects.create_user(username=username, email=email, password=password, is_staff=True)
        user.groups.add(group)
        self.stdout.write(
            f"Editor account {username!r} created. Its password, shown this once:\n\n    {password}\n"
        )
        self.stdout.write("Sign in at /admin/ and change it (top right, 'Change password').")
