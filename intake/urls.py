from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("f/<uuid:public_id>/", views.form_submit, name="form-submit"),
]
