from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Kanal (SMS, WhatsApp, X)"

    def ready(self) -> None:
        from channels.outbound import notification_by_channel
        from complaints.notifications import reporter_channels

        reporter_channels.append(notification_by_channel)

        from channels.retention import reports_identity_purged
        from complaints.events import identity_purged

        identity_purged.connect(reports_identity_purged, weak=False, dispatch_uid="channels.identity_purged")
