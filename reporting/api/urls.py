from django.urls import path

from reporting.api import views

urlpatterns = [
    path("reports/weekly/<str:week>/", views.WeeklyReportApi.as_view(), name="api-reports-weekly"),
]
