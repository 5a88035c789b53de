"""Channel webhooks: `/channels/<provider>/…` on the host that owns the number or account."""

from django.urls import path

from channels.providers import kannel, twilio, whatsapp, x

urlpatterns = [
    path("channels/kannel/sms/", kannel.kannel_sms, name="channels-kannel-sms"),
    path("channels/kannel/dlr/", kannel.kannel_dlr, name="channels-kannel-dlr"),
    path("channels/twilio/sms/", twilio.twilio_sms, name="channels-twilio-sms"),
    path("channels/twilio/status/", twilio.twilio_status, name="channels-twilio-status"),
    path("channels/whatsapp/", whatsapp.whatsapp_webhook, name="channels-whatsapp"),
    path("channels/x/", x.x_webhook, name="channels-x"),
]
