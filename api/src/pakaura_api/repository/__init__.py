"""Storage, one module per entity; every query is scoped to the user it serves.

`from pakaura_api import repository` then `repository.list_task_records(...)` keeps working: the
functions of each module are re-exported here. Conversations live in `conversations.py`.
"""

from pakaura_api.repository.tasks import (
    PUBLIC_COLUMNS,
    StatusFilter,
    TaskLimitReached,
    create_record,
    get_record,
    list_page,
    list_task_records,
    purge_deleted,
    restore_record,
    soft_delete_record,
    update_record,
)
from pakaura_api.repository.tokens import TokenNoLongerValid
from pakaura_api.repository.users import add_user, email_registered, get_user_by_email
from pakaura_api.terms import TaskStatus

__all__ = [
    "PUBLIC_COLUMNS",
    "StatusFilter",
    "TaskLimitReached",
    "TaskStatus",
    "TokenNoLongerValid",
    "add_user",
    "create_record",
    "email_registered",
    "get_record",
    "get_user_by_email",
    "list_page",
    "list_task_records",
    "purge_deleted",
    "restore_record",
    "soft_delete_record",
    "update_record",
]
