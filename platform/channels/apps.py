from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Kanal (SMS, WhatsApp, X)"

    def ready(self) -> None:
        from channels.outbound import notification_by_channel
        from complaints.notifications import reporter_channels

        reporter_channels.append(notification_by_channel)
