from django.urls import path

from leadrouter.api import views
from leadrouter.api.dispatch import by_method

urlpatterns = [
    path(
        "leads/",
        by_method(get=views.LeadListApi, post=views.LeadSubmitApi),
        name="api-leads",
    ),
    path("leads/<int:lead_id>/", views.LeadDetailApi.as_view(), name="api-lead-detail"),
    path(
        "leads/<int:lead_id>/activities/",
        views.ActivityLogApi.as_view(),
        name="api-lead-activities",
    ),
]
