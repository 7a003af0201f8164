from django.urls import path

from routing.api import views

urlpatterns = [
    path("reps/", views.RepListApi.as_view(), name="api-reps"),
]
