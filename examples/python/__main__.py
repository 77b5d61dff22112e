"""Whaly's guide from a Python program: the admin connects to the primary; Whaly reads the public schema."""

import pulumi
import pulumi_whaly_postgres as whaly_postgres

config = pulumi.Config()

whaly = whaly_postgres.WhalyPostgresAccess(
    "whaly",
    database="analytics",
    admin=whaly_postgres.WhalyPostgresAdminArgsArgs(
        host=config.require("adminHost"),
        port=config.get_int("adminPort"),  # default 5432
        username="postgres",
        password=config.require_secret("adminPassword"),
        ssl_mode=config.get("adminSslMode"),  # default the provider's
    ),
    # Default 1. Bump it to rotate the password; Whaly's form then needs the new one.
    password_version=config.get_int("passwordVersion"),
)

# The five fields of Whaly's form.
pulumi.export("host", whaly.host)
pulumi.export("port", whaly.port)
pulumi.export("database", whaly.database)
pulumi.export("user", whaly.user)
pulumi.export("password", whaly.password)  # secret: `pulumi stack output password --show-secrets`
