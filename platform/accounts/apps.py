from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Akun dan keanggotaan"

    def ready(self) -> None:
        from accounts import (
            schema,  # noqa: F401 - registers the OpenAPI auth extensions
            sessions,  # noqa: F401 - stamps each sign-in for the staff session limits
        )
