"""Browses a PostgreSQL database the way BI tools built on SQLAlchemy do, then tries it.

Logs in with the five fields of Whaly's form, read as JSON from stdin (``host``, ``port``,
``database``, ``user``, ``password``), and lists what ``sqlalchemy.inspect`` shows: the schemas,
then in each one its tables, views and materialized views with their columns. Then it reads every
relation listed (``SELECT * ... LIMIT 1``), tries writes on every table it could read and a
``CREATE TABLE`` in every schema it could read from, and, for comparison, lists the schemas and
relations ``information_schema`` shows. Each statement runs in a transaction that is rolled back.

Prints one JSON object on stdout. A statement PostgreSQL refuses for lack of privilege (SQLSTATE
42501) is reported by its message ("permission denied for schema secret"); any other error ends
the script with a traceback on stderr and status 1. The password goes only into the connection.
"""

import json
import sys

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError

INSUFFICIENT_PRIVILEGE = "42501"

# The inspector's listing calls, by the kind of relation each lists.
LISTINGS = {
    "table": "get_table_names",
    "view": "get_view_names",
    "materialized view": "get_materialized_view_names",
}

INFORMATION_SCHEMA_RELATIONS = """
    SELECT table_schema || '.' || table_name FROM information_schema.tables
     WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"""


def attempt(connection: Connection, sql: str) -> str:
    """Runs `sql`, then rolls back: "ok", or PostgreSQL's message if it lacks a privilege."""
    try:
        connection.execute(text(sql))
        return "ok"
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            return error.orig.diag.message_primary
        raise
    finally:
        connection.rollback()


def browse(connection: Connection) -> dict:
    """What the inspector lists, what reading each relation gives, and the writes tried."""
    inspector = inspect(connection)
    quote = connection.dialect.identifier_preparer.quote
    schemas = inspector.get_schema_names()
    relations = []
    for schema in schemas:
        for kind, listing in LISTINGS.items():
            for name in getattr(inspector, listing)(schema=schema):
                columns = [c["name"] for c in inspector.get_columns(name, schema=schema)]
                relations.append({"schema": schema, "name": name, "kind": kind, "columns": columns})
    for relation in relations:
        relation["qualified"] = f"{quote(relation['schema'])}.{quote(relation['name'])}"
        relation["read"] = attempt(connection, f"SELECT * FROM {relation['qualified']} LIMIT 1")

    # Writes on the database's own relations only: information_schema's are PostgreSQL's.
    mine = [r for r in relations if r["read"] == "ok" and r["schema"] != "information_schema"]
    statements = []
    for table in (r for r in mine if r["kind"] == "table"):
        column = quote(table["columns"][0])
        statements.append(f"INSERT INTO {table['qualified']} DEFAULT VALUES")
        statements.append(f"UPDATE {table['qualified']} SET {column} = {column}")
    for schema in sorted({r["schema"] for r in mine}):
        statements.append(f"CREATE TABLE {quote(schema)}.whaly_probe (id int)")
    writes = {sql: attempt(connection, sql) for sql in statements}

    information_schema = {
        "schemas": connection.scalars(
            text("SELECT schema_name FROM information_schema.schemata ORDER BY 1")
        ).all(),
        "relations": connection.scalars(text(INFORMATION_SCHEMA_RELATIONS)).all(),
    }
    connection.rollback()
    for relation in relations:
        del relation["qualified"]
    return {
        "schemas": schemas,
        "relations": relations,
        "writes": writes,
        "informationSchema": information_schema,
    }


def main() -> None:
    form = json.load(sys.stdin)
    # URL.create takes the password as it is: no escaping to get wrong, and the URL prints it
    # masked.
    url = URL.create(
        "postgresql+psycopg",
        username=form["user"],
        password=form["password"],
        host=form["host"],
        port=int(form["port"]),
        database=form["database"],
    )
    engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            report = browse(connection)
    finally:
        engine.dispose()
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
