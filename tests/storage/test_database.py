from sqlalchemy import inspect

from tuaton.storage.schema import metadata


def test_migrations_create_every_table_of_the_models(database):
    tables = set(inspect(database.engine).get_table_names())
    assert set(metadata.tables) <= tables and "alembic_version" in tables


def test_migrating_again_changes_nothing(database):
    database.create_schema()
    assert set(metadata.tables) <= set(inspect(database.engine).get_table_names())


def test_a_failed_transaction_writes_nothing(services, agency):
    from tuaton.oidc.models import Client
    try:
        with services.database.transaction() as session:
            session.get(Client, agency.client_id).name_en = "changed"
            raise RuntimeError("half-way")
    except RuntimeError:
        pass
    with services.database.reading() as session:
        assert session.get(Client, agency.client_id).name_en == "Revenue e-Filing"
