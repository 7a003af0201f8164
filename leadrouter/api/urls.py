from django.urls import path

from leadrouter.api import views

urlpatterns = [
    path("leads/", views.LeadCollectionApi.as_view(), name="api-leads"),
    path("leads/<int:lead_id>/", views.LeadDetailApi.as_view(), name="api-lead-detail"),
]
