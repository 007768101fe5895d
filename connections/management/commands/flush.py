"""Django's `flush`, able to empty the history tables too: the one sanctioned way past their triggers.

`flush` erases the whole database (tests run it between transactional tests). It empties tables
with DELETE on SQLite and TRUNCATE on PostgreSQL, both of which the append-only triggers refuse;
so the triggers are dropped and put back around it, in the same transaction. Nothing else in the
app removes history rows. A flush that PostgreSQL chose to abort in a deadlock is tried again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import OperationalError, connections, transaction

from connections import history_chain

# PostgreSQL's deadlock_detected: a request still finishing (a page's last poll) can lock tables in the other order
# than TRUNCATE; PostgreSQL then aborts one of the two, and a second try finds the tables free.
DEADLOCK = "40P01"
ATTEMPTS = 3


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic(using=connection.alias):
                    history_chain.drop_triggers(connection)
                    super().handle(**options)
                    history_chain.create_triggers(connection)
                return
            except (CommandError, OperationalError) as error:
                if attempt == ATTEMPTS or not _lost_a_deadlock(error):
                    raise


def _lost_a_deadlock(error: BaseException | None) -> bool:
    """Whether PostgreSQL's deadlock error is somewhere in the chain: Django's flush wraps it in a CommandError,
    dropping the triggers raises Django's OperationalError around psycopg's."""
    while error is not None:
        if getattr(error, "sqlstate", None) == DEADLOCK:
            return True
        error = error.__cause__
    return False
