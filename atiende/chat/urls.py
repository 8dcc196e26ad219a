"""The widget's HTTP doors (atiende/chat/views.py): the script at the SPEC's path, then one folder per widget."""

from django.urls import path

from atiende.chat import views

app_name = "chat"

urlpatterns = [
    path("chat/widget.js", views.widget_js, name="widget_js"),
    path("chat/w/<slug:key>/", views.widget_config, name="config"),
    path("chat/w/<slug:key>/start", views.start, name="start"),
    path("chat/w/<slug:key>/offline", views.offline, name="offline"),
    path("chat/w/<slug:key>/callback", views.callback, name="callback"),
    path("chat/w/<slug:key>/attachment", views.attachment, name="attachment"),
]
