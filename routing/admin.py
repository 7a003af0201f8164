from django.contrib import admin
from django.db import models

from routing.models import (
    Assignment,
    Rep,
    RoutingDecision,
    RoutingRule,
    Skill,
    Team,
    Territory,
    TimeOff,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "time_zone"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "states", "zip_prefixes", "countries"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Rep)
class RepAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "team",
        "is_active",
        "paused",
        "weight",
        "max_open_leads",
        "max_new_per_day",
        "licensed_states",
        "time_zone",
    ]
    list_filter = ["team", "is_active", "paused"]
    list_editable = ["is_active", "paused", "weight"]
    filter_horizontal = ["skills", "territories"]
    inlines = [TimeOffInline]
    list_select_related = ["user", "team"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "is_active", "method", "pool_team", "fallback"]
    list_editable = ["order", "is_active"]
    filter_horizontal = ["pool_reps", "required_skills"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "lead",
        "rep",
        "user",
        "queue_team",
        "reason",
        "rule",
        "assigned_at",
        "ended_at",
    ]
    list_filter = ["reason", "rule", "queue_team"]
    list_select_related = ["lead", "rep__user", "user", "queue_team", "rule"]
    readonly_fields = [field.name for field in Assignment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(admin.ModelAdmin):
    list_display = ["lead", "outcome", "rule", "rep", "duration_ms", "created_at"]
    list_filter = ["outcome", "rule"]
    list_select_related = ["lead", "rule", "rep__user"]
    readonly_fields = [field.name for field in RoutingDecision._meta.fields]

    def has_add_permission(self, request):
        return False
