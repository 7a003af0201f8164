from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("reports/weekly/", views.weekly, name="weekly"),
    path("reports/weekly/me/", views.my_week, name="my-week"),
    path("reports/weekly/me/<str:week>/", views.my_week, name="my-week-period"),
    path("reports/weekly/<str:week>/", views.weekly, name="weekly-period"),
    path("reports/weekly/<str:week>/<slug:table>.csv", views.weekly_csv, name="weekly-csv"),
    path("reports/weekly/<str:week>/rep/<str:username>/", views.rep_week, name="rep-week"),
    path("reports/monthly/", views.monthly, name="monthly"),
    path("reports/monthly/<str:month>/", views.monthly, name="monthly-period"),
    path("reports/monthly/<str:month>/<slug:table>.csv", views.monthly_csv, name="monthly-csv"),
]
