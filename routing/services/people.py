"""Adding a new person as a rep: their user account and their rep record in one step, and the
e-mail that lets them choose a password (so a manager never needs a superuser)."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from routing.models import Rep, Team

WELCOME_TASK = "routing.tasks.send_rep_welcome"


def username_for(*, email: str) -> str:
    """A free username from the e-mail's local part: "Nia.Lopez@…" → "nia.lopez", then
    "nia.lopez2", … if taken."""
    return free_username(email.partition("@")[0])


def free_username(base: str) -> str:
    """`base` as a username (lower-case letters, digits, ".", "_", "-"), with 2, 3, … added
    while it is taken."""
    User = get_user_model()
    base = re.sub(r"[^a-z0-9._-]", "", base.lower())[:140] or "rep"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def rep_create_with_user(
    *,
    first_name: str,
    last_name: str,
    email: str,
    team: Team,
    licensed_states: list[str],
    languages: list[str],
    time_zone: str,
    working_hours: dict,
    site_url: str,
) -> Rep:
    """Create the person's account and their rep, and e-mail them a link to set a password.

    1. Refuse an e-mail address an account already has (the person may exist already).
    2. Create the user (no usable password: they set one through the link) and the rep,
       validated like the rep admin form, in one transaction.
    3. Once committed, queue `routing.tasks.send_rep_welcome` with the user's id.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account already has this e-mail address."})
    with transaction.atomic():
        user = User.objects.create_user(
            username_for(email=email),
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )  # no password given: an unusable one
        rep = Rep(
            user=user,
            team=team,
            licensed_states=licensed_states,
            languages=languages,
            time_zone=time_zone,
            working_hours=working_hours,
        )
        rep.full_clean()
        rep.save()
        user_id = user.pk
        transaction.on_commit(lambda: _welcome_enqueue(user_id, site_url))
    return rep


def _welcome_enqueue(user_id: int, site_url: str) -> None:
    from django_q.tasks import async_task

    async_task(WELCOME_TASK, user_id, site_url, task_name=f"rep-welcome-{user_id}")


def set_password_url(*, user, site_url: str) -> str:
    """The one-use link to choose a password (Django's reset token: it stops working once
    the password is set, and after PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{site_url.rstrip('/')}{path}"


def rep_welcome_email_send(*, user_id: int, site_url: str) -> bool:
    """E-mail a new rep their username and the link to set a password; False if the user is
    gone or has set a password already (a task run twice sends the link once it matters)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password() or not user.email:
        return False
    url = set_password_url(user=user, site_url=site_url)
    send_mail(
        "Your LeadRouter account",
        f"Hello {user.first_name or user.get_username()},\n\n"
        f"Your manager has added you to LeadRouter. Your username is {user.get_username()}.\n"
        f"Choose your password here (the link works once):\n\n{url}\n\n"
        f"Then sign in at {site_url.rstrip('/')}{reverse('login')}.\n",
        None,
        [user.email],
    )
    return True
