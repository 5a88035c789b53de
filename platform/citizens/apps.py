from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "citizens"
    verbose_name = "Akun warga (aplikasi seluler)"

    def ready(self) -> None:
        from citizens import schema  # noqa: F401 - the token scheme in the OpenAPI document
        from citizens.authentication import CitizenTokenAuthentication
        from citizens.services import citizen_report_link
        from complaints import filers

        # The report API (complaints) recognises a signed-in citizen and links what they file.
        filers.register(authentication=CitizenTokenAuthentication, filed=citizen_report_link)
