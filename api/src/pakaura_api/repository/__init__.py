"""Storage, one module per entity; every query is scoped to the user it serves.

`from pakaura_api import repository` then `repository.list_task_records(...)` keeps working: the
functions of each module are re-exported here. The chat helper adds `conversations.py` beside these.
"""

from pakaura_api.repository.tasks import (
    PUBLIC_COLUMNS,
    StatusFilter,
    create_task,
    delete_task,
    get_task,
    list_task_records,
    list_tasks,
    update_task,
)
from pakaura_api.repository.users import add_user, email_registered, get_user_by_email
from pakaura_api.terms import TaskStatus

__all__ = [
    "PUBLIC_COLUMNS",
    "StatusFilter",
    "TaskStatus",
    "add_user",
    "create_task",
    "delete_task",
    "email_registered",
    "get_task",
    "get_user_by_email",
    "list_task_records",
    "list_tasks",
    "update_task",
]
