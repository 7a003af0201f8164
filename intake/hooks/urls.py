from django.urls import path

from intake.hooks import views

app_name = "hooks"
urlpatterns = [
    path("hooks/<slug:adapter>/<uuid:public_id>/", views.hook_receive, name="receive"),
]
