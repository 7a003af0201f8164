from django.urls import path

from routing import views

app_name = "routing"
urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.my_queue, name="queue"),
    path("queue/take-next/", views.queue_take_next, name="queue-take-next"),
    path("queue/take/<int:lead_id>/", views.queue_take_lead, name="queue-take"),
    path("queue/receiving/", views.queue_receiving, name="queue-receiving"),
    path("board/", views.board, name="board"),
    path("leads/<int:lead_id>/", views.lead_page, name="lead"),
    path("leads/<int:lead_id>/activity/", views.lead_log_activity, name="lead-activity"),
    path("leads/<int:lead_id>/status/", views.lead_change_status, name="lead-status"),
    path("leads/<int:lead_id>/wait/", views.lead_wait_on_customer, name="lead-wait"),
    path("leads/<int:lead_id>/note/", views.lead_add_note, name="lead-note"),
    path("leads/<int:lead_id>/hand-back/", views.lead_hand_back, name="lead-hand-back"),
    path("leads/<int:lead_id>/assign/", views.lead_assign, name="lead-assign"),
    path("leads/<int:lead_id>/pin/", views.lead_pin, name="lead-pin"),
]
