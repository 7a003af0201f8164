"""The admin as LeadRouter's back office: its branding and links, what a manager sees of it,
and the lead's page with its owner, qualification and routing."""

import html

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from intake.models import Contact, Lead
from tests.conftest import ROUTABLE_LEAD, post_lead

pytestmark = pytest.mark.django_db


def test_the_lead_page_shows_the_owner_the_qualification_and_why(
    admin_client, api, make_rep, make_rule
):
    make_rule(name="Home leads", pool_reps=[make_rep("sam")])
    lead_id = post_lead(api, ROUTABLE_LEAD).json()["id"]

    response = admin_client.get(reverse("admin:intake_lead_change", args=[lead_id]))

    page = html.unescape(response.content.decode())
    assert "Sam (Austin office), since " in page
    assert "(Routed by a rule)" in page
    # The qualification was "-" when "{:.0%}" met an escaped string in format_html.
    assert "<p>Score 60 (tier B, rules), normal urgency, home, confidence 60 %</p>" in page
    assert "Assigned to a rep: Rule “Home leads”: round robin: Sam waited longest" in page
    assert page.index("field-owner") < page.index("field-id")


def test_an_unrouted_lead_says_so(admin_client, source):
    lead = Lead.objects.create(
        contact=Contact.objects.create(), source=source, full_name="Bo", received_at=timezone.now()
    )

    page = admin_client.get(reverse("admin:intake_lead_change", args=[lead.pk])).text

    assert "nobody" in page
    assert "not routed" in page
    assert "not qualified" in page


def test_the_admin_is_branded_and_links_to_the_pages(admin_client):
    page = admin_client.get(reverse("admin:index")).text

    assert "<title>Configuration | LeadRouter admin</title>" in page
    assert '<a href="/">View site</a>' in page  # the role-aware home
    assert 'href="/board/">Board</a>' in page
    assert 'href="/queue/">My queue</a>' in page
    assert 'href="/review/">Review queue</a>' in page
    assert reverse("admin:routing_rep_add_person") in page


def test_a_manager_sees_no_task_queue_internals_a_superuser_does(
    client, admin_client, django_user_model
):
    manager = django_user_model.objects.create_user("mia", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="django_q"))
    client.force_login(manager)

    assert "django_q" not in client.get(reverse("admin:index")).text
    assert client.get(reverse("admin:django_q_schedule_changelist")).status_code == 403
    assert "django_q/schedule" in admin_client.get(reverse("admin:index")).text
    assert admin_client.get(reverse("admin:django_q_schedule_changelist")).status_code == 200
