from django.urls import path

from qualification import views

app_name = "qualification"
urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:task_id>/", views.review_task, name="review-task"),
]
