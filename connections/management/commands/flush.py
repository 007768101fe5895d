"""Django's `flush`, able to empty the history tables too: the one sanctioned way past their triggers.

`flush` erases the whole database (tests run it between transactional tests). It empties tables
with DELETE on SQLite and TRUNCATE on PostgreSQL, both of which the append-only triggers refuse;
so the triggers are dropped and put back around it, in the same transaction. Nothing else in the
app removes history rows.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections, transaction

from connections import history_chain


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with transaction.atomic(using=connection.alias):
            history_chain.drop_triggers(connection)
            super().handle(**options)
            history_chain.create_triggers(connection)
