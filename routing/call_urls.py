"""Twilio's requests during a call, under the Twilio Voice source's hook URL."""

from django.urls import path

from routing import call_views as views

app_name = "calls"
CALL = "hooks/twilio_voice/<uuid:public_id>/calls/<int:call_id>/"
urlpatterns = [
    path("hooks/twilio_voice/<uuid:public_id>/status/", views.call_status, name="status"),
    path(CALL + "dialed/<int:attempt>/", views.call_dialed, name="dialed"),
    path(CALL + "whisper/<int:attempt>/", views.call_whisper, name="whisper"),
    path(CALL + "accept/<int:attempt>/", views.call_accept, name="accept"),
    path(CALL + "voicemail/", views.call_voicemail, name="voicemail"),
    path(CALL + "recording/", views.call_recording, name="recording"),
    path(CALL + "callback/", views.callback_prompt, name="callback"),
    path(CALL + "callback/pressed/", views.callback_pressed, name="pressed"),
    path(CALL + "callback/bridged/", views.callback_bridged, name="bridged"),
]
