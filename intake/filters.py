"""One FilterSet for the lead list, shared by the API and the list pages."""

import django_filters
from django.db.models import Q

from intake.models import Channel, Lead, LeadStatus


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Name, email, phone or company")
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    source = django_filters.CharFilter(field_name="source__name", lookup_expr="iexact")
    request_type = django_filters.CharFilter(lookup_expr="iexact")
    state = django_filters.CharFilter(lookup_expr="iexact")
    flag = django_filters.CharFilter(method="filter_flag", label="Has quality flag")
    is_test = django_filters.BooleanFilter()
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields = ["q", "status", "channel", "source", "request_type", "state", "flag", "is_test"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        digits = "".join(ch for ch in value if ch.isdigit())
        match = (
            Q(full_name__icontains=value)
            | Q(email_normalized__icontains=value.lower())
            | Q(company__icontains=value)
        )
        if len(digits) >= 4:
            match |= Q(phone_e164__contains=digits)
        return queryset.filter(match)

    def filter_flag(self, queryset, name, value):
        return queryset.filter(flags__has_key=value.strip()) if value.strip() else queryset
